"""Angles at initial contact: foot strike angle (and class), shank angle, knee flexion,
foot-ahead distance. Used by the heel-strike and overstride findings.

Angles change abruptly at contact (the foot slaps down, the knee starts to
flex), so a low-pass filter would smear the after-contact motion into the
landing value. Each angle at contact is therefore read from the unfiltered
(cleaned) landmarks with :func:`value_at_event`: a two-piece line with its
corner at the sub-frame contact time, fitted over 50 ms or 3 frames either
side, whichever is longer. At 30 fps the low-passed landmarks read at the
contact time gave shank angles 4-6 deg low and knee flexion 4-10 deg high
on the synthetic runner; the corner fit over 3 frames a side cuts these to
at most 1.5 and 2.3 deg (median per runner; docs/accuracy.md).

The foot strike angle is the exception when frames are dense. The sole's
angle peaks at contact and the slap to foot-flat takes 30-40 ms, so the
peak is rounded on the scale of a 60 fps frame: a corner fitted to it
overshoots (+1.0 deg on exact synthetic landmarks at the true contact
time). From 45 fps up the strike angle is therefore read the way 2D video
studies read it, at the contact instant, interpolated between the two
frames around it (:func:`strike_angle_at`). Below that one frame
interval is as long as the slap itself, and the corner fit, which
extrapolates both sides to the peak between frames, is the better reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from formcheck.gait.contact import Contact
from formcheck.landmarks import LegIndices, leg_indices
from formcheck.metrics.angles import (
    foot_strike_angle_deg,
    hip_mid,
    knee_flexion_deg,
    shank_angle_deg,
)

StrikeClass = Literal["rearfoot", "midfoot", "forefoot"]

# Half-width of the span fitted around contact for angles at contact: this
# many seconds, or this many frame intervals when that is longer (3 frames a
# side at 30 fps; 50 ms is 3 frames at 60 fps).
_EVENT_WINDOW_S = 0.05
_EVENT_WINDOW_FRAMES = 3
# Frame rate from which the strike angle is interpolated at the contact
# instant rather than read from the corner fit. Measured at 30 fps (corner
# fit better) and 60 fps (interpolation better); set between, below 50 so
# that a 50 fps clip counts as dense whatever its timestamps' rounding.
_STRIKE_INTERPOLATED_MIN_FPS = 45.0
# How far before the detected contact to look for the heel's forward reach.
_REACH_SEARCH_S = 0.2
# Latest landing after that reach, seconds.
_MAX_REACH_TO_LANDING_S = 0.06


# Landing angles no running landing shows: about twice the extremes reported
# for running (foot strike angle about -20 deg for forefoot to +30 deg for
# rearfoot landings, Altman & Davis 2012; shank angle at contact about -5 to
# +15 deg, overstriders included, Souza 2016 / METRICS.md). A landing outside
# them is a misplaced foot (on a small runner, in motion blur), not a
# running style, and is set aside rather than averaged into a finding.
PLAUSIBLE_STRIKE_ANGLE_DEG = (-40.0, 60.0)
PLAUSIBLE_SHANK_ANGLE_DEG = (-25.0, 35.0)


@dataclass(frozen=True)
class ContactAngles:
    """Angles of one leg at one initial contact (degrees; distances in leg lengths)."""

    foot_strike_angle_deg: float
    strike_class: StrikeClass | None
    shank_angle_deg: float
    knee_flexion_deg: float
    foot_ahead_leg_lengths: float
    peak_stance_knee_flexion_deg: float


def classify_strike(
    angle_deg: float, *, rearfoot_above_deg: float, forefoot_below_deg: float
) -> StrikeClass | None:
    """Foot strike class from the strike angle (Altman & Davis 2012 cut-offs)."""
    if not np.isfinite(angle_deg):
        return None
    if angle_deg > rearfoot_above_deg:
        return "rearfoot"
    if angle_deg < forefoot_below_deg:
        return "forefoot"
    return "midfoot"


def contact_angles(
    contact: Contact,
    *,
    runner_xy: np.ndarray,
    runner_raw_xy: np.ndarray,
    times_s: np.ndarray,
    side: str,
    leg_length_px: float,
    rearfoot_above_deg: float,
    forefoot_below_deg: float,
    frame_s: float | None = None,
) -> ContactAngles:
    """Angles of one contact.

    Parameters
    ----------
    contact : Contact
    runner_xy, runner_raw_xy : ndarray, shape (n_frames, 33, 2)
        Low-passed and unfiltered landmarks in the runner frame.
    times_s : ndarray, shape (n_frames,)
    side : {"left", "right"}
        MediaPipe side label of the contact's leg.
    leg_length_px : float
    rearfoot_above_deg, forefoot_below_deg : float
        Strike class cut-offs.
    frame_s : float, optional
        Median frame interval of ``times_s``, seconds (computed when not
        given; pass it when measuring many contacts of one clip).

    Only the frames around the contact are used (every series here is
    computed frame by frame), so the cost of one contact does not grow
    with the clip's length.
    """
    leg = leg_indices(side)
    if frame_s is None:
        frame_s = float(np.median(np.diff(times_s))) if times_s.size > 1 else 0.0
    window_s = max(_EVENT_WINDOW_S, _EVENT_WINDOW_FRAMES * frame_s)
    lo, hi = _contact_span(contact, times_s, reach_s=_REACH_SEARCH_S + window_s + 2 * frame_s)
    contact = replace(contact, ic_frame=contact.ic_frame - lo, to_frame=contact.to_frame - lo)
    runner_xy, raw, times_s = runner_xy[lo:hi], runner_raw_xy[lo:hi], times_s[lo:hi]

    t_eval = _landing_time(contact, runner_xy, times_s, leg, frame_s)

    def at_contact(series_of: Callable[[np.ndarray], np.ndarray]) -> float:
        return value_at_event(series_of(raw), times_s, t_eval, window_s=window_s)

    fsa = strike_angle_at(
        foot_strike_angle_deg(raw, leg), times_s, t_eval, frame_s=frame_s, window_s=window_s
    )
    shank = at_contact(lambda xy: shank_angle_deg(xy, leg))
    knee_ic = at_contact(lambda xy: knee_flexion_deg(xy, leg))
    ahead = at_contact(lambda xy: xy[:, leg.heel, 0] - hip_mid(xy)[:, 0])
    stance = knee_flexion_deg(runner_xy, leg)[contact.ic_frame : contact.to_frame + 1]
    peak = float("nan")
    if contact.usable and np.isfinite(stance).any():  # needs the toe-off too
        peak = float(np.nanmax(stance))
    return ContactAngles(
        foot_strike_angle_deg=fsa,
        strike_class=classify_strike(
            fsa, rearfoot_above_deg=rearfoot_above_deg, forefoot_below_deg=forefoot_below_deg
        ),
        shank_angle_deg=shank,
        knee_flexion_deg=knee_ic,
        foot_ahead_leg_lengths=ahead / leg_length_px,
        peak_stance_knee_flexion_deg=peak,
    )


def _contact_span(contact: Contact, times_s: np.ndarray, *, reach_s: float) -> tuple[int, int]:
    """Frames [lo, hi) holding every frame the angles of ``contact`` look at:
    from ``reach_s`` before its landing (with two frames to spare) to two
    frames past its toe-off and past ``reach_s`` after its landing."""
    n = times_s.size
    lo = int(np.searchsorted(times_s, contact.ic_s - reach_s, side="left")) - 2
    after = int(np.searchsorted(times_s, contact.ic_s + reach_s, side="right"))
    hi = max(contact.to_frame + 1, contact.ic_frame + 1, after) + 2
    return max(lo, 0), min(hi, n)


def _landing_time(
    contact: Contact, runner_xy: np.ndarray, times_s: np.ndarray, leg: LegIndices, frame_s: float
) -> float:
    """Contact time for the angles: the detected contact, but no later than
    60 ms after the heel's most forward reach just before it.

    The foot lands 30-50 ms after its most forward reach (late-swing
    retraction; 47 ms in the synthetic runner). On coarse or noisy footage
    the vertical foot signal can find the landing a few frames late, when
    the shank has already swung back 10-20 degrees; the reach, a smooth
    peak, bounds it.
    """
    ahead = runner_xy[:, leg.heel, 0] - hip_mid(runner_xy)[:, 0]
    lo = int(np.searchsorted(times_s, contact.ic_s - _REACH_SEARCH_S, side="left"))
    hi = min(contact.ic_frame + 1, ahead.size)
    segment = ahead[lo:hi]
    if segment.size == 0 or not np.isfinite(segment).any():
        return contact.ic_s
    reach_s = float(times_s[lo + int(np.nanargmax(segment))])
    return min(contact.ic_s, reach_s + max(frame_s, _MAX_REACH_TO_LANDING_S))


def value_at_event(
    series: np.ndarray,
    times_s: np.ndarray,
    t_s: float,
    *,
    window_s: float,
) -> float:
    """Value of a per-frame series at an event that may put a corner in it.

    Fits a continuous two-piece line with its knot at ``t_s`` (one slope
    before, another after) to the frames within ``window_s`` either side
    and returns its value at the knot. Angles turn sharply at initial
    contact (foot slap, knee flexion); this model follows the corner where
    a low-pass filter would round it off, and averages landmark noise.

    Parameters
    ----------
    series : ndarray, shape (n_frames,)
        NaN frames are ignored.
    times_s : ndarray, shape (n_frames,)
    t_s : float
        Event time, seconds.
    window_s : float
        Half-width of the fitted span, seconds.

    Returns
    -------
    float
        NaN unless at least two finite frames lie on each side.
    """
    lo = int(np.searchsorted(times_s, t_s - window_s, side="left"))
    hi = int(np.searchsorted(times_s, t_s + window_s, side="right"))
    dt = times_s[lo:hi] - t_s
    y = series[lo:hi]
    good = np.isfinite(y)
    dt, y = dt[good], y[good]
    if (dt <= 0).sum() < 2 or (dt > 0).sum() < 2:
        return float("nan")
    design = np.stack([np.ones_like(dt), np.minimum(dt, 0.0), np.maximum(dt, 0.0)], axis=1)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(coef[0])


def strike_angle_at(
    series: np.ndarray, times_s: np.ndarray, t_s: float, *, frame_s: float, window_s: float
) -> float:
    """Foot strike angle at a contact: interpolated between the two frames
    around it from 45 fps up, from the corner fit (:func:`value_at_event`)
    below.

    Parameters
    ----------
    series : ndarray, shape (n_frames,)
        Foot angle per frame, degrees (unfiltered landmarks).
    times_s : ndarray, shape (n_frames,)
    t_s : float
        Contact time, seconds.
    frame_s : float
        Frame interval, seconds.
    window_s : float
        Half-width of the corner fit, seconds.
    """
    if frame_s * _STRIKE_INTERPOLATED_MIN_FPS <= 1.0:
        return value_between_frames(series, times_s, t_s)
    return value_at_event(series, times_s, t_s, window_s=window_s)


def value_between_frames(series: np.ndarray, times_s: np.ndarray, t_s: float) -> float:
    """Value of a per-frame series at ``t_s``, interpolated linearly between
    the frames on either side of it.

    Parameters
    ----------
    series : ndarray, shape (n_frames,)
    times_s : ndarray, shape (n_frames,)
        Increasing frame times, seconds.
    t_s : float
        Event time, seconds.

    Returns
    -------
    float
        NaN when ``t_s`` lies outside the frames or either neighbouring
        frame is NaN (a missing frame is not bridged here: the event's own
        frames must be measured).
    """
    return float(np.interp(t_s, times_s, series, left=np.nan, right=np.nan))


def implausible_landing(angles: ContactAngles) -> str:
    """Why a landing's angles cannot be a running landing ("" when they can).

    Parameters
    ----------
    angles : ContactAngles

    Returns
    -------
    str
        The reason, naming the angle and the range, or "".
    """
    checks = (
        ("strike angle", angles.foot_strike_angle_deg, PLAUSIBLE_STRIKE_ANGLE_DEG),
        ("shank angle", angles.shank_angle_deg, PLAUSIBLE_SHANK_ANGLE_DEG),
    )
    for name, value, (lo, hi) in checks:
        if np.isfinite(value) and not lo <= value <= hi:
            return (
                f"{name} {value:.0f}° at landing lies outside {lo:.0f}° to {hi:.0f}° "
                "(no running landing): the pose model misplaced the foot"
            )
    return ""
