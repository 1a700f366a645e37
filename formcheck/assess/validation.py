"""Compare an analysis with the synthetic runner's truth (pure functions).

Used by the accuracy tests and ``tools/accuracy_report.py``: it matches each
detected contact to the true contact of the same leg, and reports errors in
frames and degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis import ClipAnalysis
from formcheck.assess.summary import RunSummary


@dataclass(frozen=True)
class ClipErrors:
    """Errors of one analysed synthetic clip against its truth.

    Attributes
    ----------
    cadence_spm : float
        Measured minus true cadence, steps/min.
    ic_frames, to_frames : ndarray
        Measured minus true event times of every timed contact, frames.
    ic_frames_usable, to_frames_usable : ndarray
        The same for the contacts whose landing is usable (their angles are
        reported) and for the usable contacts (their contact times too).
    strike_angle_deg, shank_angle_deg, knee_flexion_deg : float
        Measured minus true median (over near-leg contacts whose landing is
        usable: those with angles), degrees.
    strike_angle_each_deg : ndarray
        Per-contact strike angle errors (near leg), degrees.
    trunk_lean_deg : float
        Measured minus true median per-stride trunk lean, degrees.
    foot_ahead_leg_lengths : float
        Measured minus true median foot-ahead distance.
    contacts_found : float
        Share of true contacts (not cut by the clip's ends) matched by a
        timed contact.
    strike_class_right : float
        Share of near-leg contacts with angles that have the true strike class.
    """

    cadence_spm: float
    ic_frames: np.ndarray
    to_frames: np.ndarray
    ic_frames_usable: np.ndarray
    to_frames_usable: np.ndarray
    strike_angle_deg: float
    shank_angle_deg: float
    knee_flexion_deg: float
    strike_angle_each_deg: np.ndarray
    trunk_lean_deg: float
    foot_ahead_leg_lengths: float
    contacts_found: float
    strike_class_right: float


def clip_errors(clip: ClipAnalysis, truth: object, *, match_s: float = 0.1) -> ClipErrors:
    """Errors of ``clip`` against a :class:`formcheck.synthetic.truth.Truth`.

    Times in the truth are video times; the analysis must have run without
    a capture-rate option.
    """
    fps = clip.track.fps
    true_contacts = list(truth.contacts)  # type: ignore[attr-defined]
    ic, to, strike, shank, knee, ahead, right = [], [], [], [], [], [], []
    ic_usable, to_usable = [], []
    matched = set()
    for c, a in zip(clip.contacts, clip.angles, strict=True):
        if not c.timed:
            continue
        same = [t for t in true_contacts if t.side == c.leg]
        if not same:
            continue
        t = min(same, key=lambda t: abs(t.ic_s - c.ic_s))
        if abs(t.ic_s - c.ic_s) > match_s:
            continue
        matched.add((t.side, round(t.ic_s, 6)))
        ic.append((c.ic_s - t.ic_s) * fps)
        to.append((c.to_s - t.to_s) * fps)
        if c.landing_usable:
            ic_usable.append(ic[-1])
        if c.usable:
            to_usable.append(to[-1])
        if a is not None and c.leg == "near":
            strike.append(a.foot_strike_angle_deg - t.foot_strike_angle_deg)
            shank.append(a.shank_angle_deg - t.shank_angle_deg)
            knee.append(a.knee_flexion_deg - t.knee_flexion_deg)
            ahead.append(a.foot_ahead_leg_lengths - t.foot_ahead_leg_lengths)
            right.append(a.strike_class == t.strike_class)
    duration = clip.track.n_frames / fps
    inner = [t for t in true_contacts if t.ic_s > 0.05 and t.to_s < duration - 0.05]
    found = sum((t.side, round(t.ic_s, 6)) in matched for t in inner) / max(len(inner), 1)
    lean_true = np.median([s.trunk_lean_mean_deg for s in truth.strides])  # type: ignore[attr-defined]
    lean = np.median([s.trunk_lean_deg for s in clip.strides]) if clip.strides else np.nan
    return ClipErrors(
        cadence_spm=clip.cadence_spm - truth.cadence_spm,  # type: ignore[attr-defined]
        ic_frames=np.asarray(ic),
        to_frames=np.asarray(to),
        ic_frames_usable=np.asarray(ic_usable),
        to_frames_usable=np.asarray(to_usable),
        strike_angle_deg=_median(strike),
        shank_angle_deg=_median(shank),
        knee_flexion_deg=_median(knee),
        strike_angle_each_deg=np.asarray(strike),
        trunk_lean_deg=float(lean - lean_true),
        foot_ahead_leg_lengths=_median(ahead),
        contacts_found=found,
        strike_class_right=float(np.mean(right)) if right else float("nan"),
    )


def drift_error_deg(summary: RunSummary, truth: object) -> float:
    """Measured minus true late-minus-early trunk lean change, degrees."""
    drift = summary.lean_drift
    true = truth.drift  # type: ignore[attr-defined]
    if drift is None or true is None:
        return float("nan")
    return drift.change - true.trunk_lean_change_deg


def _median(values: list[float]) -> float:
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(np.median(arr)) if arr.size else float("nan")
