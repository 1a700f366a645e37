"""Gait events that work on a treadmill: initial contact and toe-off per leg.

On a treadmill the stance foot travels backwards with the belt, so "foot
speed near zero" does not mark contact. We use the vertical signal instead,
in the runner frame (ground at y = 0 after roll correction): the height of
the foot's lowest point (heel or toe). Stance is where that height sits on
the leg's own ground level (each leg has its own: the far foot rests higher
in the image when the camera looks down on the belt). Rough stance runs
come from a threshold on the low-passed height; each event is then timed to
a fraction of a frame by fitting a hinge (flat on the ground, straight line
in the air) to the unfiltered height around it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from formcheck.config import GaitConfig
from formcheck.gait.contact import Contact, LegName
from formcheck.gait.contact_checks import check_contact_times, check_leg_sequence, drop_duplicates
from formcheck.gait.landing import fused_landing, ground_speed, ground_speed_landing, heel_velocity
from formcheck.landmarks import LEFT_HIP, RIGHT_HIP, leg_indices, other_side

# At initial contact the foot is at least this far (share of its fore-aft
# excursion) from the back of its swing.
_LANDING_FORWARD_SHARE = 0.6
# Hinge fit: frames fitted beyond the searched span, and the search step.
_HINGE_MARGIN_FRAMES = 1
_HINGE_STEP_FRAMES = 0.05
# Frames either side of an event that must be measured (not gap-filled)...
_EVENT_SUPPORT_FRAMES = 2
# ...except this many: one gap-filled frame beside the event (a landmark
# rejected as an outlier or below the visibility floor, interpolated from
# its measured neighbours) is allowed; the event's own frame must be
# measured. At 30 fps a strict rule lost 24 of 32 contacts on a real clip to
# single rejected points.
_EVENT_UNMEASURED_ALLOWED = 1


def foot_height(runner_xy: np.ndarray, *, side: str) -> np.ndarray:
    """Height of the lowest of heel and toe, shape (n_frames,), runner-frame pixels."""
    leg = leg_indices(side)
    return np.fmin(runner_xy[:, leg.heel, 1], runner_xy[:, leg.toe, 1])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges [start, end) where ``mask`` is True."""
    edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _merge_runs(runs: list[tuple[int, int]], *, max_gap: int) -> list[tuple[int, int]]:
    """Join runs separated by at most ``max_gap`` samples (noise splitting a stance)."""
    merged: list[tuple[int, int]] = []
    for start, end in runs:
        if merged and start - merged[-1][1] <= max_gap:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _hinge_time(
    t: np.ndarray,
    h: np.ndarray,
    *,
    descending: bool,
    t_lo: float,
    t_hi: float,
    step: float,
) -> float:
    """Time of the corner of a hinge fitted to (t, h), searched in [t_lo, t_hi].

    ``descending``: the height falls to a level and stays (contact);
    otherwise it stays at a level and rises (toe-off). For every candidate
    corner the level and the slope are fitted by least squares; the corner
    with the smallest residual wins.
    """
    good = np.isfinite(h)
    t, h = t[good], h[good]
    if t.size < 4:
        return float("nan")
    grid = np.arange(t_lo, t_hi + 1e-12, step)
    # All candidate corners at once: ramp[g] is the hinge's sloped part for
    # corner grid[g]; level and slope by least squares (closed form).
    ramp = np.maximum(0.0, (grid[:, None] - t) if descending else (t - grid[:, None]))
    valid = (np.count_nonzero(ramp, axis=1) >= 1) & (np.count_nonzero(ramp == 0, axis=1) >= 2)
    centred = ramp - ramp.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (centred @ (h - h.mean())) / np.einsum("gi,gi->g", centred, centred)
    level = h.mean() - slope * ramp.mean(axis=1)
    sse = np.sum((h - level[:, None] - slope[:, None] * ramp) ** 2, axis=1)
    ok = valid & (slope > 0) & np.isfinite(sse)
    if not ok.any():
        return float("nan")
    best_t = float(grid[np.flatnonzero(ok)[np.argmin(sse[ok])]])
    if descending and best_t in (float(grid[0]), float(grid[-1])):
        return float("nan")  # the landing corner lies outside the searched span
    return best_t


def _stance_in_window(
    height: np.ndarray, *, leg_length_px: float, config: GaitConfig
) -> tuple[int, int, float] | None:
    """Longest run where the foot rests on the ground within one cycle's window.

    The ground level is the window's own (10th percentile of the foot
    height), so slow drifts and perspective do not matter; the foot rests
    where it is within ``max(contact_height x L, 15 % of the swing height)``
    of that level.

    Returns
    -------
    (start, end, level) or None
        Inclusive window indices of the run, and the level in pixels.
    """
    good = np.isfinite(height)
    if good.sum() < 3:
        return None
    level = float(np.percentile(height[good], 10))
    swing = float(np.max(height[good])) - level
    thr = max(config.contact_height_leg_lengths * leg_length_px, 0.15 * swing)
    runs = _merge_runs(_runs(np.nan_to_num(height, nan=np.inf) <= level + thr), max_gap=2)
    if not runs:
        return None
    start, end = max(runs, key=lambda r: r[1] - r[0])
    if end - start < 2:
        return None
    return int(start), int(end - 1), level


def _cycles(forward: np.ndarray, *, stride_frames: float) -> tuple[np.ndarray, np.ndarray]:
    """Frames of the foot's most-forward and most-backward points, one per stride.

    Parameters
    ----------
    forward : ndarray, shape (n_frames,)
        Foot position ahead of the hip (runner frame), low-passed.
    stride_frames : float
        Expected stride period in frames.
    """
    good = np.isfinite(forward)
    if good.sum() < 4:
        return np.array([], int), np.array([], int)
    idx = np.arange(forward.size)
    x = np.interp(idx, idx[good], forward[good])
    amplitude = float(np.subtract(*np.percentile(x[good], [95, 5])))
    distance = max(int(0.6 * stride_frames), 1) if np.isfinite(stride_frames) else 1
    prominence = 0.3 * amplitude
    front, _ = find_peaks(x, distance=distance, prominence=prominence)
    back, _ = find_peaks(-x, distance=distance, prominence=prominence)
    return front[good[front]], back[good[back]]


@dataclass(frozen=True)
class _Stance:
    """One stance found on the foot height.

    Attributes
    ----------
    front, back : int
        Frames of its stride cycle's most forward and most backward foot.
    ic, to : float
        Fractional landing and toe-off frames.
    inside : bool
        Whether the stance lies inside its stride cycle.
    cut : bool
        Whether the clip's ends or a gap cut it.
    """

    front: int
    back: int
    ic: float
    to: float
    inside: bool
    cut: bool


def detect_leg_contacts(
    *,
    height: np.ndarray,
    raw_height: np.ndarray,
    forward: np.ndarray,
    heel_forward: np.ndarray,
    measured: np.ndarray,
    times_s: np.ndarray,
    fps: float,
    stride_frames: float,
    leg: LegName,
    leg_length_px: float,
    config: GaitConfig,
) -> list[Contact]:
    """Contacts of one leg, one per stride cycle.

    The foot's forward-backward swing relative to the hip splits the run
    into strides (it is large and robust to landmark noise); within each
    cycle, stance is where the foot rests on the ground between its most
    forward and most backward points, and the events are timed on the
    vertical signal. A landing that the heel's ground speed puts elsewhere
    (:func:`formcheck.gait.landing.fused_landing`) is timed on the ground speed
    instead.

    Parameters
    ----------
    height, raw_height : ndarray, shape (n_frames,)
        Low-passed and unfiltered lowest-foot-point height, runner-frame px.
    forward : ndarray, shape (n_frames,)
        Low-passed foot position ahead of the hip midpoint, px.
    heel_forward : ndarray, shape (n_frames,)
        Unfiltered heel position ahead of the hip midpoint, px, NaN where
        the heel was not measured: the second landing cue
        (:mod:`formcheck.gait.landing`).
    measured : ndarray of bool, shape (n_frames,)
        Frames where the leg's foot, knee and hip were measured.
    times_s : ndarray, shape (n_frames,)
        Frame times, seconds (real time).
    fps : float
        Frames per real second.
    stride_frames : float
        Expected stride period, frames.
    leg : {"near", "far"}
    leg_length_px : float
    config : GaitConfig

    Returns
    -------
    list of Contact
        In time order. Contacts cut by the clip's ends or by gaps, or whose
        events fall on unmeasured frames (or have more than one unmeasured
        frame within 2 of them), are returned unusable; when only the
        toe-off is unmeasured, the landing stays usable (``landing_usable``).
    """
    stances = _height_stances(
        height=height,
        raw_height=raw_height,
        forward=forward,
        stride_frames=stride_frames,
        leg_length_px=leg_length_px,
        config=config,
    )
    velocity, centre = heel_velocity(heel_forward=heel_forward, fps=fps)
    timed = [(st.ic, st.to) for st in stances if st.inside and not st.cut]
    speed = ground_speed(velocity=velocity, centre=centre, stances=timed)
    contacts: list[Contact] = []
    for st in stances:
        speed_ic = ground_speed_landing(
            heel_forward=heel_forward,
            velocity=velocity,
            centre=centre,
            ic_frame=st.ic,
            to_frame=st.to,
            speed=speed,
            fps=fps,
        )
        ic_f, from_speed = fused_landing(height_frame=st.ic, speed_frame=speed_ic, fps=fps)
        contact = _judged_contact(
            dataclasses.replace(st, ic=ic_f), measured=measured, times_s=times_s, leg=leg
        )
        if from_speed:
            contact = dataclasses.replace(contact, ic_cue="ground speed")
        if contact.landing_usable and not _lands_forward(
            forward, contact.ic_frame, st.front, st.back
        ):
            contact = dataclasses.replace(
                contact,
                usable=False,
                landing_usable=False,
                reason="initial contact unclear: the foot is already back under the body",
            )
        contacts.append(contact)
    return contacts


def _height_stances(
    *,
    height: np.ndarray,
    raw_height: np.ndarray,
    forward: np.ndarray,
    stride_frames: float,
    leg_length_px: float,
    config: GaitConfig,
) -> list[_Stance]:
    """One stance per stride cycle, with its events timed on the foot height."""
    n = height.size
    front, back = _cycles(forward, stride_frames=stride_frames)
    margin = max(int(round(0.2 * stride_frames)), 2) if np.isfinite(stride_frames) else 2
    stances: list[_Stance] = []
    for f in front:
        later = back[back > f]
        if later.size == 0:
            continue
        lo, hi = max(int(f) - margin, 0), min(int(later[0]) + margin, n - 1)
        found = _stance_in_window(height[lo : hi + 1], leg_length_px=leg_length_px, config=config)
        if found is None:
            continue
        start, end = found[0] + lo, found[1] + lo
        ic_f, to_f = _event_frames(raw_height, start, end)
        cut = (
            start == 0
            or end == n - 1
            or not np.isfinite(height[start - 1])
            or not np.isfinite(height[end + 1])
        )
        inside = found[0] > 0 and found[1] < hi - lo
        stances.append(_Stance(int(f), int(later[0]), ic_f, to_f, inside, cut))
    return stances


def _lands_forward(forward: np.ndarray, ic_frame: int, front: int, back: int) -> bool:
    """Whether the foot is still in the front part of its swing at initial contact.

    A runner lands shortly after the foot's most forward reach. A contact
    whose landing frame finds the foot in the back half of its fore-aft
    excursion was found late (a noisy or hidden foot), and its angles at
    contact would describe mid-stance instead.
    """
    top, bottom = forward[front], forward[back]
    value = forward[min(max(ic_frame, 0), forward.size - 1)]
    if not (np.isfinite(top) and np.isfinite(bottom) and np.isfinite(value)) or top <= bottom:
        return True
    return bool(value >= bottom + _LANDING_FORWARD_SHARE * (top - bottom))


def _event_frames(raw_height: np.ndarray, start: int, end: int) -> tuple[float, float]:
    """Fractional landing and toe-off frames of a stance run on the foot height.

    Without a clear corner, the threshold crossing times the event to the
    frame (half a frame before the first resting frame, after the last).
    """
    ic = _refine(raw_height, start, descending=True)
    to = _refine(raw_height, end, descending=False)
    ic_f = start - 0.5 if not np.isfinite(ic) else ic
    to_f = end + 0.5 if not np.isfinite(to) else to
    return ic_f, to_f


def _judged_contact(
    stance: _Stance, *, measured: np.ndarray, times_s: np.ndarray, leg: LegName
) -> Contact:
    """A timed stance as a contact, with its usability judged."""
    n = measured.size
    ic_f, to_f = stance.ic, stance.to
    reason = ""
    landing_only = False
    if stance.cut:
        reason = "cut by the start or end of the clip or a gap"
    elif not stance.inside:
        reason = "stance runs past its stride cycle (unclear ground contact)"
    elif not _supported(measured, ic_f):
        reason = "landmarks not measured around the landing"
    elif to_f - ic_f < 1.0:
        reason = "contact shorter than one frame"
    elif not _supported(measured, to_f):
        reason = "landmarks not measured around the toe-off (landing angles kept)"
        landing_only = True
    return Contact(
        leg=leg,
        ic_s=_frame_time(times_s, ic_f),
        to_s=_frame_time(times_s, to_f),
        ic_frame=int(np.clip(round(ic_f), 0, n - 1)),
        to_frame=int(np.clip(round(to_f), 0, n - 1)),
        usable=reason == "",
        reason=reason,
        timed=stance.inside and not stance.cut,
        landing_usable=reason == "" or landing_only,
    )


def _refine(raw: np.ndarray, rough: int, *, descending: bool) -> float:
    """Sub-frame event index from a hinge fit on the unfiltered height.

    Initial contact is a sharp corner (the foot lands at speed): it is
    searched from 3 frames before the rough (thresholded) event to 1.5
    after, and a corner at either end of that span counts as not found.
    Toe-off is gradual (the toe peels off) and the threshold crossing is
    already close: the corner is searched within -1 to +1.5 frames. The
    fitted data reach 2 frames beyond the searched span on each side.
    """
    t_lo, t_hi = (rough - 3.0, rough + 1.5) if descending else (rough - 1.0, rough + 1.5)
    lo = max(int(np.floor(t_lo)) - _HINGE_MARGIN_FRAMES, 0)
    hi = min(int(np.ceil(t_hi)) + _HINGE_MARGIN_FRAMES + 1, raw.size)
    idx = np.arange(lo, hi, dtype=float)
    return _hinge_time(
        idx,
        raw[lo:hi],
        descending=descending,
        t_lo=t_lo,
        t_hi=t_hi,
        step=_HINGE_STEP_FRAMES,
    )


def _supported(measured: np.ndarray, frame: float) -> bool:
    """Whether the frames around an event were measured: its own frame, and
    all but at most one of the frames within 2 of it (fewer at the clip's ends)."""
    f = int(np.clip(round(frame), 0, measured.size - 1))
    lo, hi = max(f - _EVENT_SUPPORT_FRAMES, 0), min(f + _EVENT_SUPPORT_FRAMES + 1, measured.size)
    unmeasured = int(np.count_nonzero(~measured[lo:hi]))
    return bool(measured[f]) and unmeasured <= _EVENT_UNMEASURED_ALLOWED


def _frame_time(times_s: np.ndarray, frame: float) -> float:
    """Time at a fractional frame index (linear between frames)."""
    return float(np.interp(frame, np.arange(times_s.size), times_s))


def detect_contacts(
    *,
    runner_xy: np.ndarray,
    runner_raw_xy: np.ndarray,
    measured: np.ndarray,
    times_s: np.ndarray,
    fps: float,
    near_side: str,
    leg_length_px: float,
    stride_frames: float,
    config: GaitConfig,
) -> list[Contact]:
    """Contacts of both legs, in time order of initial contact.

    Parameters
    ----------
    runner_xy, runner_raw_xy : ndarray, shape (n_frames, 33, 2)
        Low-passed and unfiltered landmarks in the runner frame (pixels).
    measured : ndarray of bool, shape (n_frames, 33)
    times_s : ndarray, shape (n_frames,)
    fps : float
        Frames per real second.
    near_side : {"left", "right"}
    leg_length_px : float
    stride_frames : float
        Expected stride period in frames (from the step frequency).
    config : GaitConfig
    """
    contacts: list[Contact] = []
    hip_x = 0.5 * (runner_xy[:, LEFT_HIP, 0] + runner_xy[:, RIGHT_HIP, 0])
    for leg, side in (("near", near_side), ("far", other_side(near_side))):
        idx = leg_indices(side)
        seen = measured[:, [idx.hip, idx.knee, idx.ankle, idx.heel, idx.toe]].all(axis=1)
        contacts += detect_leg_contacts(
            height=foot_height(runner_xy, side=side),
            raw_height=foot_height(runner_raw_xy, side=side),
            forward=runner_xy[:, idx.ankle, 0] - hip_x,
            heel_forward=np.where(
                measured[:, idx.heel], runner_raw_xy[:, idx.heel, 0] - hip_x, np.nan
            ),
            stride_frames=stride_frames,
            measured=np.asarray(seen, dtype=bool),
            times_s=times_s,
            fps=fps,
            leg=leg,  # type: ignore[arg-type]
            leg_length_px=leg_length_px,
            config=config,
        )
    contacts = sorted(contacts, key=lambda c: c.ic_s)
    if not np.isfinite(stride_frames) or stride_frames <= 0:
        return contacts
    contacts = check_leg_sequence(drop_duplicates(contacts), step_s=0.5 * stride_frames / fps)
    return check_contact_times(contacts, frame_s=1.0 / fps)
