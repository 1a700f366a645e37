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
from typing import Literal

import numpy as np
from scipy.signal import find_peaks

from formcheck.config import GaitConfig
from formcheck.landing import fused_landing, ground_speed, ground_speed_landing, heel_velocity
from formcheck.landmarks import LEFT_HIP, RIGHT_HIP, leg_indices, other_side

LegName = Literal["near", "far"]
LandingCue = Literal["foot height", "ground speed"]

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


@dataclass(frozen=True)
class Contact:
    """One ground contact of one leg.

    Attributes
    ----------
    leg : {"near", "far"}
    ic_s, to_s : float
        Initial contact and toe-off times, seconds (real time), sub-frame.
    ic_frame, to_frame : int
        Nearest frame indices.
    usable : bool
        Whether the contact is complete and both events were measured well
        enough for metrics (contact time, duty factor, angles at contact).
    reason : str
        Why it is not usable ("" when usable).
    timed : bool
        Whether both events were timed to a fraction of a frame on a
        complete contact (true for usable contacts, and for contacts only
        lacking measured landmarks for their angles); cadence and strides
        use timed contacts.
    ic_cue : {"foot height", "ground speed"}
        Which cue timed the landing (:mod:`formcheck.landing`).
    landing_usable : bool
        Whether the landing alone is usable: true for usable contacts, and
        for those whose only fault is an unmeasured toe-off (the pose model
        lost the pushing foot). Angles at contact are read on these; their
        contact time is not used.
    """

    leg: LegName
    ic_s: float
    to_s: float
    ic_frame: int
    to_frame: int
    usable: bool
    reason: str
    timed: bool = True
    ic_cue: LandingCue = "foot height"
    landing_usable: bool = False

    def __post_init__(self) -> None:
        if self.usable and not self.landing_usable:
            object.__setattr__(self, "landing_usable", True)

    @property
    def contact_time_s(self) -> float:
        """Ground contact time, seconds."""
        return self.to_s - self.ic_s


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
    best_t, best_sse = float("nan"), np.inf
    grid = np.arange(t_lo, t_hi + 1e-12, step)
    for tc in grid:
        ramp = np.maximum(0.0, (tc - t) if descending else (t - tc))
        if np.count_nonzero(ramp) < 1 or np.count_nonzero(ramp == 0) < 2:
            continue
        design = np.column_stack([np.ones_like(ramp), ramp])
        coef, *_ = np.linalg.lstsq(design, h, rcond=None)
        if coef[1] <= 0:
            continue
        sse = float(np.sum((h - design @ coef) ** 2))
        if sse < best_sse:
            best_t, best_sse = float(tc), sse
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
    (:func:`formcheck.landing.fused_landing`) is timed on the ground speed
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
        (:mod:`formcheck.landing`).
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
        frame within 2 of them), are returned unusable.
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


_DUPLICATE_REASON = "duplicate: overlaps another contact of the same leg"
_SEQUENCE_REASON = "leg label breaks the left-right alternation (near and far swapped here)"
# A gap between contacts this far (in steps) from a whole number of steps
# breaks the parity chain.
_SEQUENCE_TOLERANCE_STEPS = 0.3


# A usable contact shorter than the clip's median contact time by more than
# this share of it, and by more than _SHORT_CONTACT_FRAMES frame intervals,
# was mis-timed: its landing found late or its toe-off early. Both are about
# 3 standard deviations of a contact time about its clip's median: 4 %
# stride-to-stride variation and 0.7 frame of timing noise per contact give
# 36 ms at 60 fps (20 % of a 215-ms contact is 43 ms) and 78 ms at 30 fps
# (2.5 frames are 83 ms).
_SHORT_CONTACT_SHARE = 0.2
_SHORT_CONTACT_FRAMES = 2.5


def _demote(contact: Contact, reason: str) -> Contact:
    return dataclasses.replace(
        contact, usable=False, landing_usable=False, timed=False, reason=reason
    )


def drop_duplicates(contacts: list[Contact]) -> list[Contact]:
    """Mark the shorter of two overlapping contacts of one leg as a duplicate.

    One stance can be found twice when a noisy fore-aft swing has two
    forward peaks around it. Parameters and result: contacts in time order.
    """
    out = list(contacts)
    last: dict[str, int] = {}
    for i, c in enumerate(out):
        j = last.get(c.leg)
        if c.timed and j is not None and c.ic_s < out[j].to_s:
            shorter = i if c.contact_time_s <= out[j].contact_time_s else j
            out[shorter] = _demote(out[shorter], _DUPLICATE_REASON)
            if shorter == i:
                continue
        if out[i].timed:
            last[c.leg] = i
    return out


def check_leg_sequence(contacts: list[Contact], *, step_s: float) -> list[Contact]:
    """Mark usable contacts whose leg label contradicts the alternation of steps.

    Running alternates legs, one contact per step. Walking through the
    contacts with a usable landing in time order, each gap is a whole number of steps,
    which fixes every contact's step parity relative to its neighbours; the
    majority says which parity is the near leg. A gap that is not close to
    a whole number of steps (more than 0.3 off), or longer than 6 steps,
    starts a new run, so one mistimed contact cannot flip the parity of all
    that follow. A contact whose label disagrees with its run's majority was
    found on the other leg's landmarks (the pose model swapped near and far
    for a while and the swap was not undone): its angles describe the wrong
    leg, so it is marked unusable and untimed.

    Parameters
    ----------
    contacts : list of Contact
        Both legs, in time order of initial contact.
    step_s : float
        Expected step period, seconds.
    """
    out = list(contacts)
    if not step_s > 0:
        return out
    runs: list[list[tuple[int, int]]] = []  # (contact index, parity)
    for i, c in enumerate(contacts):
        if not c.landing_usable:
            continue
        if runs:
            j, p = runs[-1][-1]
            steps = (c.ic_s - contacts[j].ic_s) / step_s
            if abs(steps - round(steps)) <= _SEQUENCE_TOLERANCE_STEPS and steps <= 6.0:
                runs[-1].append((i, (p + int(round(steps))) % 2))
                continue
        runs.append([(i, 0)])
    for run in runs:
        near_even = sum((p == 0) == (contacts[i].leg == "near") for i, p in run)
        if len(run) < 3 or 2 * near_even == len(run):
            continue
        near_parity = 0 if 2 * near_even > len(run) else 1
        for i, p in run:
            if (contacts[i].leg == "near") != (p == near_parity):
                out[i] = _demote(contacts[i], _SEQUENCE_REASON)
    return out


def check_contact_times(contacts: list[Contact], *, frame_s: float) -> list[Contact]:
    """Mark usable contacts much shorter than the clip's median as unusable.

    One runner's contact times vary by a few percent from step to step
    (stride-to-stride coefficients of variation of 2-5 % on a treadmill).
    A contact shorter than the median of the usable ones by more than
    ``_SHORT_CONTACT_SHARE`` of it and by more than ``_SHORT_CONTACT_FRAMES``
    frame intervals (whichever is longer) was mis-timed. On the rendered
    samples MediaPipe swapped the feet or pulled the pushing foot forward
    for a few frames and the toe-off came 2-5 frames early; all 7 such
    contacts were 21-38 % short, and every correctly timed one within 15 %
    of the median. On the eye-labelled real clips (30 fps, where two frames
    are the longer limit) it sets aside one contact with a toe-off 3 frames
    early, and three labelled within 2 frames. The contact stays timed (it
    is still a step) but its contact time and angles are not used. Needs at
    least 4 usable contacts; otherwise returns them unchanged.

    Parameters
    ----------
    contacts : list of Contact
        Both legs, in time order of initial contact.
    frame_s : float
        Frame interval, seconds (real time).
    """
    durations = [c.contact_time_s for c in contacts if c.usable]
    if len(durations) < 4:
        return list(contacts)
    median_s = float(np.median(durations))
    shortest_s = median_s - max(_SHORT_CONTACT_SHARE * median_s, _SHORT_CONTACT_FRAMES * frame_s)
    out = []
    for c in contacts:
        if c.usable and c.contact_time_s < shortest_s:
            reason = (
                f"contact time {1000 * c.contact_time_s:.0f} ms is under "
                f"{1000 * shortest_s:.0f} ms, far below the clip's median "
                f"{1000 * median_s:.0f} ms (landing found late or toe-off early)"
            )
            c = dataclasses.replace(c, usable=False, landing_usable=False, reason=reason)
        out.append(c)
    return out
