"""Initial contact from the heel's ground speed: a second landing cue.

The landing is first timed on the foot's height (:mod:`formcheck.gait.events`).
On real footage that cue can be several frames off: checked against
landings placed by eye on four 30 fps treadmill clips, MediaPipe's heel
point hovered 15-25 px above its stance level for three frames after the
heel was down on one clip (landings found 2.6 frames late), and on a
wide-angle clip the foot reached the fitted ground level 1.5 frames before
it touched (docs/accuracy.md, section 3).

A foot on the ground moves with it: backwards relative to the hips at the
belt's (or the runner's) speed. From its most forward reach the heel
speeds up backwards and joins that speed at landing. This module times the
moment the heel's backward speed reaches ``_SPEED_SHARE`` of the ground
speed measured in the leg's own stances. The height cue stays the default:
it is the more precise one when the landmarks are clean (within one frame
on 97-100 % of synthetic contacts at 60 fps, where the ground-speed cue
comes 0.6-0.8 frames early because the synthetic foot matches the ground
speed about 10 ms before it lands). The ground-speed time replaces it only
when the two disagree by more than ``_DISAGREEMENT_S``, more than either
cue's own error on clean data.

All functions are pure; frames are fractional frame indices.
"""

from __future__ import annotations

import numpy as np

# Share of the ground speed the heel must reach (chosen among 0.5-0.9 on four
# eye-labelled clips; 0.8 and 0.9 gave the same share within 2 frames).
_SPEED_SHARE = 0.9
# The ground-speed landing replaces the height landing when they differ by
# more than this (seconds). More than a 30 fps frame; on synthetic runs the
# cue takes over on 6 of 1351 contacts (docs/accuracy.md).
_DISAGREEMENT_S = 0.04
# Velocity differences span this long (at least one frame), so that fast
# cameras (slow motion) do not difference pure landmark noise.
_VELOCITY_SPAN_S = 1.0 / 60.0
# Where the heel's most forward reach is searched: from this long before
# the height landing to this long after it (seconds).
_REACH_BEFORE_S = 0.2
_REACH_AFTER_S = 0.1
# Part of each stance (share of its duration) whose heel speed gives the
# ground speed: after the landing settles, before the heel lifts.
_STANCE_SPEED_SPAN = (0.25, 0.6)
# A landing must be followed by this long (seconds) of the heel moving back
# at no less than this share of the ground speed: a foot on the ground goes
# with it. On a small runner filmed in slow motion (230 px tall, 240 fps),
# landmark noise crossed the speed threshold 90 ms from any landing; this
# check rejects those crossings and changes none on the 30 fps clips.
_STAYS_S = 0.05
_STAYS_SHARE = 0.5


def heel_velocity(*, heel_forward: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """Heel velocity by differences over about 1/60 s (``_VELOCITY_SPAN_S``).

    Parameters
    ----------
    heel_forward : ndarray, shape (n_frames,)
        Unfiltered heel position ahead of the hips, pixels (forward
        positive); NaN where the heel was not measured.
    fps : float
        Frames per real second.

    Returns
    -------
    velocity, centre : ndarray, shape (n_frames - k,)
        Pixels per frame, and the fractional frame index each difference is
        centred on (``k = max(1, round(fps / 60))``).
    """
    k = max(1, int(round(_VELOCITY_SPAN_S * fps)))
    if heel_forward.size <= k:
        return np.empty(0), np.empty(0)
    velocity = (heel_forward[k:] - heel_forward[:-k]) / k
    centre = np.arange(velocity.size) + 0.5 * k
    return velocity, centre


def ground_speed(
    *, velocity: np.ndarray, centre: np.ndarray, stances: list[tuple[float, float]]
) -> float:
    """The ground's speed relative to the hips, from the heel in mid-stance.

    Parameters
    ----------
    velocity, centre : ndarray
        From :func:`heel_velocity`.
    stances : list of (ic_frame, to_frame)
        The leg's contacts (height cue).

    Returns
    -------
    float
        Median heel velocity over the middle of the stances, pixels per
        frame (negative: backwards); NaN without any.
    """
    lo_share, hi_share = _STANCE_SPEED_SPAN
    picked = [
        velocity[(centre >= ic + lo_share * (to - ic)) & (centre <= ic + hi_share * (to - ic))]
        for ic, to in stances
    ]
    values = np.concatenate(picked) if picked else np.empty(0)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else float("nan")


def ground_speed_landing(
    *,
    heel_forward: np.ndarray,
    velocity: np.ndarray,
    centre: np.ndarray,
    ic_frame: float,
    to_frame: float,
    speed: float,
    fps: float,
) -> float:
    """When the heel, after its forward reach, first moves back with the ground.

    Parameters
    ----------
    heel_forward : ndarray, shape (n_frames,)
        Unfiltered heel position ahead of the hips, pixels.
    velocity, centre : ndarray
        From :func:`heel_velocity`.
    ic_frame, to_frame : float
        The contact's landing and toe-off on the height cue.
    speed : float
        Ground speed from :func:`ground_speed`, pixels per frame (< 0).
    fps : float
        Frames per real second.

    Returns
    -------
    float
        Fractional frame of the landing, interpolated between velocity
        samples; NaN when there is no reach, no backward ground speed, the
        heel does not reach ``_SPEED_SHARE`` of it before toe-off, the
        crossing falls next to an unmeasured frame, or the heel does not
        keep moving back at ``_STAYS_SHARE`` of it for ``_STAYS_S`` after
        (the first crossing decides; a later one is not tried).
    """
    if not np.isfinite(speed) or speed >= 0:
        return float("nan")
    n = heel_forward.size
    lo = max(int(np.floor(ic_frame - _REACH_BEFORE_S * fps)), 0)
    hi = min(int(np.ceil(min(ic_frame + _REACH_AFTER_S * fps, to_frame))), n - 1)
    span = heel_forward[lo : hi + 1]
    if span.size == 0 or not np.isfinite(span).any():
        return float("nan")
    reach = lo + int(np.nanargmax(span))
    threshold = _SPEED_SHARE * speed
    candidates = np.flatnonzero((centre > reach) & (centre < to_frame))
    for i in candidates:
        if not (np.isfinite(velocity[i]) and velocity[i] <= threshold):
            continue
        before = velocity[i - 1] if i > 0 else np.nan
        if not np.isfinite(before):
            return float("nan")  # the crossing lies in a gap: not timed
        w = (before - threshold) / (before - velocity[i])
        landing = float(centre[i - 1] + w * (centre[i] - centre[i - 1]))
        after = velocity[(centre >= landing) & (centre <= landing + _STAYS_S * fps)]
        stays = after.size > 0 and bool(np.all(after <= _STAYS_SHARE * speed))
        return landing if stays else float("nan")
    return float("nan")


def fused_landing(*, height_frame: float, speed_frame: float, fps: float) -> tuple[float, bool]:
    """The landing to use, and whether it came from the ground-speed cue.

    Parameters
    ----------
    height_frame, speed_frame : float
        Fractional landing frames from the foot height and from
        :func:`ground_speed_landing` (NaN when it found none).
    fps : float
        Frames per real second.

    Returns
    -------
    frame : float
        The height landing, unless the ground-speed landing is available and
        differs from it by more than ``_DISAGREEMENT_S``.
    from_speed : bool
        Whether ``frame`` is the ground-speed landing.
    """
    if np.isfinite(speed_frame) and abs(speed_frame - height_frame) > _DISAGREEMENT_S * fps:
        return speed_frame, True
    return height_frame, False
