"""Is it running? The checks that decide whether a clip shows running to measure.

A side view, a step rhythm, enough contacts, a facing the cues agree on, a
running cadence and a running gait (the hips lowest in mid-stance, not a
walk's vault). Each failed check gives the runner the reason and what to
film instead. Pure functions.
"""

from __future__ import annotations

import numpy as np

from formcheck.config import Config
from formcheck.gait.contact import Contact
from formcheck.gait.rhythm import Rhythm
from formcheck.landmarks import LEFT_SHOULDER, RIGHT_SHOULDER, leg_indices
from formcheck.metrics.angles import hip_mid, shoulder_mid

# Side-view check: in a side view the shoulders overlap in x; facing the
# camera they are apart by most of a torso length.
_FRONT_VIEW_SHOULDER_RATIO = 0.45
# Share of the direction cues (toe ahead of heel, nose ahead of ears, per
# frame) that must agree on the runner's facing. Correctly filmed side views
# read 0.86-1.00 (tuning clips and rendered samples), front and rear views
# 0.59-0.66. Below it the facing is a guess, and lean, strike and shank
# angles all change sign with it.
_MIN_FACING_AGREEMENT = 0.7
# Walking: running puts the hips lowest in mid-stance on nearly every step;
# below this share, with a long contact or a low cadence, it is walking.
_RUNNING_HIP_LOW_SHARE = 0.75
_WALKING_DUTY_HINT = 0.45
_WALKING_CADENCE_HINT = 135.0
_MIN_HIP_STANCES = 3


def _shoulder_ratio(xy: np.ndarray) -> float:
    """Median |shoulder x separation| / torso length (side view: small)."""
    sep = np.abs(xy[:, LEFT_SHOULDER, 0] - xy[:, RIGHT_SHOULDER, 0])
    torso = np.linalg.norm(shoulder_mid(xy) - hip_mid(xy), axis=-1)
    ratio = sep / np.where(torso > 0, torso, np.nan)
    return float(np.nanmedian(ratio)) if np.isfinite(ratio).any() else float("nan")


def _leg_cycling(xy: np.ndarray) -> float:
    """Spread (10th-90th percentile) of |ankle x difference| in torso lengths."""
    near = leg_indices("left").ankle, leg_indices("right").ankle
    d = np.abs(xy[:, near[0], 0] - xy[:, near[1], 0])
    torso = np.linalg.norm(shoulder_mid(xy) - hip_mid(xy), axis=-1)
    r = d / np.where(torso > 0, torso, np.nan)
    r = r[np.isfinite(r)]
    return float(np.subtract(*np.percentile(r, [90, 10]))) if r.size >= 10 else 0.0


def hip_low_share(
    runner_xy: np.ndarray, contacts: list[Contact], stride_frames: float, leg_length_px: float
) -> float:
    """Share of timed contacts whose hips are lowest in mid-stance.

    Running puts the hips lowest in mid-stance (below their stride mean);
    walking vaults over a straight leg and puts them highest. NaN when fewer
    than ``_MIN_HIP_STANCES`` contacts can be measured.
    """
    hy = hip_mid(runner_xy)[:, 1]
    half = int(stride_frames / 2) if np.isfinite(stride_frames) else 0
    values = []
    for c in contacts:
        mid = (c.ic_frame + c.to_frame) // 2
        seg = hy[max(mid - half, 0) : mid + half]
        if c.timed and half > 2 and np.isfinite(hy[mid]) and np.isfinite(seg).sum() > 5:
            values.append((hy[mid] - np.nanmean(seg)) / leg_length_px)
    if len(values) < _MIN_HIP_STANCES:
        return float("nan")  # one or two stances say little either way
    return float(np.mean(np.asarray(values) < 0))


def not_running_reason(
    *,
    clean_xy: np.ndarray,
    rhythm: Rhythm,
    contacts: list[Contact],
    cadence: float,
    clock_known: bool,
    duty: float,
    hip_low_share: float,
    facing_agreement: float,
    config: Config,
) -> str:
    """Why the clip does not show running ("" when it does).

    In order: not a side view, no step rhythm, too few contacts, a facing
    the cues do not agree on, an implausible cadence (when the clock is
    known), a walking gait. The first that applies is the reason.
    """
    gait = config.gait
    ratio = _shoulder_ratio(clean_xy)
    if np.isfinite(ratio) and ratio > _FRONT_VIEW_SHOULDER_RATIO:
        return (
            f"not a side view: the shoulders are {ratio:.2f} torso lengths apart across the "
            f"image (a side view shows below {_FRONT_VIEW_SHOULDER_RATIO}); film from the side"
        )
    if not rhythm.found:
        cycling = _leg_cycling(clean_xy)
        return (
            "no running found: the legs do not pass each other in a steady rhythm anywhere in "
            f"the clip (ankle spread {cycling:.2f} torso lengths; film at least 4 running "
            "steps from the side)"
        )
    if len(contacts) < gait.min_steps:
        return (
            f"too few steps to analyse: {len(contacts)} foot "
            f"contact{'' if len(contacts) == 1 else 's'} detected, "
            f"at least {gait.min_steps} needed (a longer clip, with the runner in frame)"
        )
    if facing_agreement < _MIN_FACING_AGREEMENT:
        return (
            "the runner's direction of travel is unclear: only "
            f"{100 * facing_agreement:.0f} % of the toe-heel and nose-ear cues agree (a side "
            f"view gives over {100 * _MIN_FACING_AGREEMENT:.0f} %), and lean, foot strike and "
            "overstride angles change sign with it; film from the side with the whole body "
            "in view"
        )
    if clock_known:
        if not np.isfinite(cadence):
            return "no running found: no regular steps detected"
        if cadence < gait.min_cadence_spm or cadence > gait.max_cadence_spm:
            return (
                f"implausible cadence {cadence:.1f} steps/min (running lies within "
                f"{gait.min_cadence_spm:.0f}-{gait.max_cadence_spm:.0f})"
            )
    # Walking needs two signs: the hips not lowest in mid-stance (running
    # puts them there on nearly every step), and a long contact or a low
    # cadence. The duty factor alone is too noisy on 30 fps footage.
    long_contact = np.isfinite(duty) and duty > gait.max_running_duty_factor
    slow = np.isfinite(cadence) and cadence < _WALKING_CADENCE_HINT
    if (
        np.isfinite(hip_low_share)
        and hip_low_share < _RUNNING_HIP_LOW_SHARE
        and (long_contact or duty > _WALKING_DUTY_HINT or slow)
    ):
        return (
            f"the gait looks like walking, not running: the hips are lowest in mid-stance on "
            f"only {100 * hip_low_share:.0f} % of steps (running: nearly all), cadence "
            f"{cadence:.0f} steps/min"
        )
    if not np.isfinite(hip_low_share) and slow:
        # Too few timed stances for the hip cue (a short span of steps): a
        # cadence this low with a known clock is a walk.
        return (
            f"the gait looks like walking, not running: cadence {cadence:.0f} steps/min "
            f"(running: above {_WALKING_CADENCE_HINT:.0f}) and too few measured stances to "
            "see a flight phase"
        )
    return ""
