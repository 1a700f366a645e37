"""Landmark cleaning: confidence mask, Hampel outliers, leg identity, gaps, low-pass.

Order matters: outliers are removed before gaps are filled, leg swaps are
undone before anything is filtered (a swap is a jump that a low-pass filter
would smear into both legs), single frames where the pose model pulled both
feet together are removed before the swap check (part way between the true
feet, they make a label exchange look smooth) and again after it, and
the cutoff of the zero-lag Butterworth filter is chosen from the step
frequency, because one fixed cutoff is wrong across speeds (METRICS.md,
"Filtering").

Cutoff rule: ``cutoff_hz = clip(k * step_hz, min_cutoff_hz, max_cutoff_hz)``,
never above 0.4 x the frame rate; ``k = 4`` gives 11.3 Hz at 170 steps/min
(2.83 Hz) and keeps the fourth harmonic of the step, where almost all the
power of the joint trajectories lies.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import butter, sosfiltfilt

from formcheck.capture.track import PoseTrack
from formcheck.config import CleanConfig
from formcheck.landmarks import (
    LEFT_ANKLE,
    LEFT_FOOT_INDEX,
    LEFT_HEEL,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_LEG,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_FOOT_INDEX,
    RIGHT_HEEL,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_LEG,
    RIGHT_SHOULDER,
)
from formcheck.metrics.intervals import MAD_TO_SD

Side = Literal["left", "right"]

# Landmarks whose positions decide leg identity (hips overlap in a side view).
_IDENTITY_LEFT = (LEFT_KNEE, LEFT_ANKLE, LEFT_HEEL, LEFT_FOOT_INDEX)
_IDENTITY_RIGHT = (RIGHT_KNEE, RIGHT_ANKLE, RIGHT_HEEL, RIGHT_FOOT_INDEX)
# Cost (torso lengths) of an acceleration term that cannot be computed.
_MISSING_ACCEL_COST = 0.5
# Memory budget of one block of the Hampel filter's windowed medians.
_HAMPEL_BLOCK_BYTES = 8 * 2**20
# Cost of exchanging one frame's labels (torso lengths) when no frame has
# every leg landmark measured to set it from.
_DEFAULT_SWAP_COST = 0.1
# Frames per block of the leg-swap Viterbi pass.
_VITERBI_BLOCK = 8192
# A frame whose distance between the feet falls below the mean of its two
# neighbours by more than this x (frame interval)^2 had both feet pulled
# together by the pose model (merged_leg_frames): 0.1 torso at 60 fps,
# 0.4 at 30 fps, torso lengths per s^2.
_MERGE_DIP_TORSO_PER_S2 = 360.0
# Floor of that limit (torso lengths): at 240 real frames per second the
# limit above falls below the pose model's own jitter (about 2 px on a
# 230-px runner), which flagged every other frame of a slow-motion clip.
_MERGE_DIP_FLOOR_TORSO = 0.05
_LEG_POINTS = np.array([*_IDENTITY_LEFT, *_IDENTITY_RIGHT])
_FEET = (
    (LEFT_ANKLE, LEFT_HEEL, LEFT_FOOT_INDEX),
    (RIGHT_ANKLE, RIGHT_HEEL, RIGHT_FOOT_INDEX),
)


@dataclass(frozen=True)
class CleanTrack:
    """A cleaned pose track.

    Attributes
    ----------
    xy_px : ndarray, shape (n_frames, 33, 2)
        Cleaned, low-passed image coordinates (x right, y down); NaN where
        the gap was too long to fill.
    raw_xy_px : ndarray, shape (n_frames, 33, 2)
        Identity-corrected coordinates after masking, outlier removal and
        short-gap filling, but not low-passed (for event timing and angles
        at contact, where a filter would round off sharp corners).
        Both are float32 (computed in float64): 1e-4 px resolution at 2000
        px, far below the pose model's own noise, at half the memory (an
        hour at 60 fps holds 114 MB per array in float64).
    measured : ndarray of bool, shape (n_frames, 33)
        True where the landmark was measured (not masked, not an outlier).
    timestamps_s : ndarray, shape (n_frames,)
    fps : float
    near_side : {"left", "right"}
        MediaPipe side label that, after identity correction, is the leg
        nearer the camera on every frame.
    swaps_fixed : int
        Number of frames whose leg labels were exchanged.
    cutoff_hz : float
        Low-pass cutoff used.
    step_hz : float
        Step frequency estimated for the cutoff (in video time).
    outliers : int
        Landmark coordinates rejected by the Hampel filter.
    merged_frames : int
        Frames whose leg landmarks were removed because the pose model
        pulled both feet together (:func:`merged_leg_frames`).
    """

    xy_px: np.ndarray
    raw_xy_px: np.ndarray
    measured: np.ndarray
    timestamps_s: np.ndarray
    fps: float
    near_side: Side
    swaps_fixed: int
    cutoff_hz: float
    step_hz: float
    outliers: int
    merged_frames: int = 0


def hampel_mask(
    series: np.ndarray, *, window: int, n_sigma: float, floor: float = 0.0
) -> np.ndarray:
    """Outlier mask of a Hampel filter along axis 0.

    Parameters
    ----------
    series : ndarray, shape (n, ...)
        NaN entries are ignored.
    window : int
        Half-width of the moving window, in samples.
    n_sigma : float
        Points further than ``n_sigma`` robust standard deviations
        (1.4826 x MAD) from the moving median are outliers.
    floor : float
        Lower bound of the robust standard deviation (unit of ``series``):
        in a short window the MAD of plain noise is sometimes tiny, and
        ordinary noise would be flagged without it.

    Returns
    -------
    ndarray of bool, same shape as ``series``
    """
    if series.shape[0] < 2 * window + 1:
        return np.zeros(series.shape, dtype=bool)
    # The windowed medians copy every window (and NumPy's NaN-aware median
    # copies them again): done a block of rows at a time, each block padded
    # on its own, so memory stays bounded however long the series is.
    n = series.shape[0]
    width = 2 * window + 1
    per_row = width * max(int(np.prod(series.shape[1:])), 1) * 8
    rows = max(_HAMPEL_BLOCK_BYTES // per_row, 1)
    out = np.empty(series.shape, dtype=bool)
    rest = [(0, 0)] * (series.ndim - 1)
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        lo, hi = start - window, stop + window
        block = series[max(lo, 0) : min(hi, n)]
        if lo < 0 or hi > n:  # the series' ends: repeat the edge sample, as before
            block = np.pad(block, [(max(-lo, 0), max(hi - n, 0)), *rest], mode="edge")
        out[start:stop] = _hampel_block(block, series[start:stop], width, n_sigma, floor)
    return out


def _hampel_block(
    padded: np.ndarray, series: np.ndarray, width: int, n_sigma: float, floor: float
) -> np.ndarray:
    """Outlier mask of ``series`` (m, ...) from its edge-padded rows (m + width - 1, ...)."""
    windows = sliding_window_view(padded, width, axis=0)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(windows, axis=-1)
        mad = np.nanmedian(np.abs(windows - median[..., None]), axis=-1)
        scale = np.maximum(MAD_TO_SD * mad, floor)
        return np.abs(series - median) > n_sigma * scale


def fill_gaps(series: np.ndarray, *, max_gap: int) -> np.ndarray:
    """Linearly interpolate interior NaN runs of at most ``max_gap`` samples along axis 0."""
    out = series.copy()
    flat = out.reshape(out.shape[0], -1)
    idx = np.arange(flat.shape[0])
    for col in range(flat.shape[1]):
        y = flat[:, col]
        good = np.isfinite(y)
        if good.sum() < 2 or good.all():
            continue
        bad = ~good
        # Label runs of missing samples and fill the short interior ones
        # (all of a column's in one interpolation: linear in its length).
        edges = np.diff(np.concatenate([[0], bad.astype(int), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        short = (starts > 0) & (ends < len(y)) & (ends - starts <= max_gap)
        if not short.any():
            continue
        fill = np.concatenate([idx[s:e] for s, e in zip(starts[short], ends[short], strict=True)])
        y[fill] = np.interp(fill, idx[good], y[good])
    return out


def _legs(xy: np.ndarray, swap: int) -> np.ndarray:
    """Identity landmarks of both legs (n, 2k, 2), optionally with labels exchanged."""
    left, right = list(_IDENTITY_LEFT), list(_IDENTITY_RIGHT)
    order = left + right if swap == 0 else right + left
    return xy[:, order]


def fix_leg_swaps(
    xy: np.ndarray, *, prior_cost: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Undo left/right leg label swaps by smoothness of motion (Viterbi).

    Each frame either keeps or exchanges the legs' labels. The labelling
    chosen minimises, over the whole clip, the summed acceleration of every
    leg landmark (second differences, in torso lengths) plus a small cost
    per exchanged frame (pose models are right most of the time). Stance
    and swing feet cross with very different velocities, so acceleration
    tells a crossing from a bounce where positions alone cannot, and a
    global optimum cannot lock into a wrong identity after one bad frame.

    Parameters
    ----------
    xy : ndarray, shape (n_frames, 33, 2)
    prior_cost : float, optional
        Cost of exchanging one frame's labels, torso lengths. By default the
        median frame's acceleration cost under the labels as given: a block
        of frames is exchanged only when that saves more than the legs'
        typical motion over as many frames. (A fixed small cost let one or
        two frames with both feet pulled part way together, common when
        each frame is estimated on its own, open a wrongly exchanged block
        of 20-100 frames on the rendered samples; the typical acceleration
        per frame also grows fourfold from 60 to 30 fps.)

    Returns
    -------
    fixed : ndarray, shape (n_frames, 33, 2)
    swapped : ndarray of bool, shape (n_frames,)
        Frames whose leg labels were exchanged relative to the input.
    """
    n = xy.shape[0]
    if n < 3:
        return xy.copy(), np.zeros(n, dtype=bool)
    torso = _torso_px(xy)
    legs = np.stack([_legs(xy, 0), _legs(xy, 1)]) / max(torso, 1e-6)  # (2, n, 2k, 2)

    # accel[a, b, c][t - 2]: summed acceleration at frame t with labels a, b, c
    # at t - 2, t - 1, t, computed for all frames at once (n - 2 values each).
    accel = np.empty((2, 2, 2, n - 2))
    complete = np.zeros(n - 2, dtype=bool)
    for a, b, c in np.ndindex(2, 2, 2):
        d = legs[c, 2:] - 2.0 * legs[b, 1:-1] + legs[a, :-2]
        norms = np.linalg.norm(d, axis=-1)
        finite = np.isfinite(norms)
        if (a, b, c) == (0, 0, 0):
            complete = finite.all(axis=-1)
        # A missing term costs a fixed amount: otherwise moving a lone
        # measured leg into the other leg's (empty) track would look free.
        accel[a, b, c] = np.where(finite, norms, _MISSING_ACCEL_COST).sum(axis=-1)
    if prior_cost is None:
        # The legs' typical motion, from frames where every term is measured
        # (the fixed cost of missing terms would inflate it where a leg is
        # often hidden, and real swaps would go unfixed).
        kept = accel[0, 0, 0][complete]
        prior_cost = float(np.median(kept)) if kept.size else _DEFAULT_SWAP_COST
    flat = accel.reshape(8, n - 2).T  # (n - 2, 8): index 4a + 2b + c
    # cost[2b + c]: best cost with labels b at t-1 and c at t. A scalar loop
    # over plain floats (blocks of rows converted at a time) and a bytearray
    # of back-pointers keep the table small: 4 bytes per frame.
    cost = [prior_cost * (b + c) for b in (0, 1) for c in (0, 1)]
    back = bytearray(4 * n)
    for start in range(2, n, _VITERBI_BLOCK):
        for t, step in enumerate(
            flat[start - 2 : min(start + _VITERBI_BLOCK, n) - 2].tolist(), start
        ):
            new = [0.0] * 4
            for b in (0, 1):
                for c in (0, 1):
                    keep = cost[b] + step[2 * b + c]
                    swap = cost[2 + b] + step[4 + 2 * b + c]
                    back[4 * t + 2 * b + c] = 0 if keep <= swap else 1
                    new[2 * b + c] = min(keep, swap) + prior_cost * c
            cost = new
    cost_table = np.array(cost).reshape(2, 2)
    b, c = (int(v) for v in np.unravel_index(int(np.argmin(cost_table)), (2, 2)))
    state = [0] * n
    state[n - 1], state[n - 2] = c, b
    for t in range(n - 1, 1, -1):
        state[t - 2] = back[4 * t + 2 * state[t - 1] + state[t]]
    swapped = np.array(state, dtype=bool)
    out = xy.copy()
    for left, right in zip(LEFT_LEG, RIGHT_LEG, strict=True):
        out[swapped, left] = xy[swapped, right]
        out[swapped, right] = xy[swapped, left]
    return out, swapped


def _dip(series: np.ndarray) -> np.ndarray:
    """How far each interior sample lies from the mean of its two neighbours.

    Shape (n - 2, ...) for ``series`` of shape (n, ...): ``mean(s[k-1], s[k+1]) - s[k]``.
    """
    return 0.5 * (series[:-2] + series[2:]) - series[1:-1]


def merged_leg_frames(xy: np.ndarray, *, fps: float) -> np.ndarray:
    """Single frames where the pose model pulled both feet towards each other.

    At push-off MediaPipe sometimes places both feet part way between their
    true positions for one frame; the stance foot then seems to leave the
    ground early. A frame counts when the distance between the feet (each
    the mean of ankle, heel and toe) falls below the mean of its two
    neighbours by more than ``_MERGE_DIP_TORSO_PER_S2 x (1 / fps)^2`` torso
    lengths (0.1 at 60 fps, 0.4 at 30 fps, never below
    ``_MERGE_DIP_FLOOR_TORSO``), and one foot also lies that far
    from the mean of its own neighbouring positions. The second condition
    keeps the frames where the feet really pass each other: there the
    distance has a sharp minimum, but each foot moves smoothly.

    Parameters
    ----------
    xy : ndarray, shape (n_frames, 33, 2)
        Image coordinates, pixels; NaN where missing (identity-corrected or
        not: the spread test needs no labels, the foot test takes the worse foot).
    fps : float
        Frames per second of video time (slow motion not undone, as in the
        rest of cleaning).

    Returns
    -------
    ndarray of bool, shape (n_frames,)
    """
    n = xy.shape[0]
    merged = np.zeros(n, dtype=bool)
    if n < 3:
        return merged
    left, right = (xy[:, list(foot)].mean(axis=1) for foot in _FEET)
    limit = max(_MERGE_DIP_TORSO_PER_S2 / fps**2, _MERGE_DIP_FLOOR_TORSO) * _torso_px(xy)
    spread_dip = _dip(np.linalg.norm(left - right, axis=-1))
    foot_off = np.fmax(np.linalg.norm(_dip(left), axis=-1), np.linalg.norm(_dip(right), axis=-1))
    with np.errstate(invalid="ignore"):
        merged[1:-1] = (spread_dip > limit) & (foot_off > limit)
    return merged


def near_side_of(track: PoseTrack, swapped: np.ndarray) -> Side:
    """Which (corrected) side is nearer the camera: higher visibility, smaller z."""
    vis = track.visibility.astype(float)
    z = track.z.astype(float)
    for a, b in zip(LEFT_LEG, RIGHT_LEG, strict=True):
        vis[swapped, a], vis[swapped, b] = (
            track.visibility[swapped, b],
            track.visibility[swapped, a],
        )
        z[swapped, a], z[swapped, b] = track.z[swapped, b], track.z[swapped, a]
    leg_l = [LEFT_KNEE, LEFT_ANKLE, LEFT_HEEL, LEFT_FOOT_INDEX, LEFT_HIP]
    leg_r = [RIGHT_KNEE, RIGHT_ANKLE, RIGHT_HEEL, RIGHT_FOOT_INDEX, RIGHT_HIP]
    vis_diff = np.nanmean(vis[:, leg_l]) - np.nanmean(vis[:, leg_r])
    with np.errstate(invalid="ignore"):
        z_diff = np.nanmedian(z[:, leg_r] - z[:, leg_l]) if np.isfinite(z).any() else 0.0
    # Positive votes mean "left is nearer".
    score = np.sign(vis_diff) * min(abs(vis_diff) / 0.05, 1.0) + np.sign(z_diff) * min(
        abs(z_diff) / 0.02, 1.0
    )
    return "left" if score > 0 else "right"


def step_frequency_hz(xy: np.ndarray, *, fps: float) -> float:
    """Dominant step frequency (Hz, video time) from |ankle x difference|.

    The horizontal distance between the ankles peaks once per step whatever
    the leg labels say, so leg swaps do not halve or double the estimate.
    Returns NaN when no periodicity is found.
    """
    d = np.abs(xy[:, LEFT_ANKLE, 0] - xy[:, RIGHT_ANKLE, 0])
    good = np.isfinite(d)
    if good.sum() < 16:
        return float("nan")
    idx = np.arange(d.size)
    d = np.interp(idx, idx[good], d[good])
    d = d - d.mean()
    n = 1 << int(np.ceil(np.log2(4 * d.size)))
    spectrum = np.abs(np.fft.rfft(d * np.hanning(d.size), n=n))
    freqs = np.fft.rfftfreq(n, d=1.0 / fps)
    band = np.flatnonzero((freqs >= 0.15) & (freqs <= min(8.0, 0.45 * fps)))
    if band.size < 3 or spectrum[band].max() <= 0:
        return float("nan")
    k = int(band[np.argmax(spectrum[band])])
    if 0 < k < spectrum.size - 1:
        # Parabolic interpolation of the log-magnitude peak: a fraction of a bin.
        a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-12)
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
        return float(freqs[k] + np.clip(shift, -0.5, 0.5) * (freqs[1] - freqs[0]))
    return float(freqs[k])


def lowpass(series: np.ndarray, *, cutoff_hz: float, fps: float, order: int) -> np.ndarray:
    """Zero-lag Butterworth low-pass along axis 0, run on each finite stretch."""
    sos = butter(order, cutoff_hz, btype="low", fs=fps, output="sos")
    out = series.copy()
    flat = out.reshape(out.shape[0], -1)
    min_len = 3 * (2 * order + 1) + 1
    for col in range(flat.shape[1]):
        y = flat[:, col]
        good = np.isfinite(y)
        edges = np.diff(np.concatenate([[0], good.astype(int), [0]]))
        for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
            if e - s >= min_len:
                y[s:e] = sosfiltfilt(sos, y[s:e])
    return out


def _uniform(track: PoseTrack) -> bool:
    return _uniform_times(track.timestamps_s, track.fps)


def _uniform_times(timestamps_s: np.ndarray, fps: float) -> bool:
    dt = np.diff(timestamps_s)
    return dt.size == 0 or float(np.max(np.abs(dt - 1.0 / fps))) < 0.25 / fps


def _torso_px(xy: np.ndarray) -> float:
    """Median hip-midpoint to shoulder-midpoint distance, pixels (50 if never seen)."""
    hips = 0.5 * (xy[:, LEFT_HIP] + xy[:, RIGHT_HIP])
    shoulders = 0.5 * (xy[:, LEFT_SHOULDER] + xy[:, RIGHT_SHOULDER])
    torso = np.linalg.norm(shoulders - hips, axis=-1)
    torso = torso[np.isfinite(torso)]
    return float(np.median(torso)) if torso.size else 50.0


def _hampel_floor_px(xy: np.ndarray) -> float:
    """Spread floor for the Hampel filter: 2 % of the median torso length, pixels."""
    return 0.02 * _torso_px(xy)


def clean_track(track: PoseTrack, *, config: CleanConfig, time_scale: float = 1.0) -> CleanTrack:
    """Clean one person's pose track.

    Parameters
    ----------
    track : PoseTrack
    config : CleanConfig
    time_scale : float
        Real seconds per video second (1/8 for 8x slow motion): the Hampel
        window, the longest gap filled and the merged-feet limit are real
        times (the body moves as fast in a slow-motion clip, per real
        second). The low-pass cutoff stays in video time here; see
        :func:`refilter_at_step`.

    Returns
    -------
    CleanTrack
    """
    fps = track.fps
    real_fps = fps / time_scale
    xy = track.xy_px.astype(float)  # float64 from here, whatever the track holds
    low = track.visibility < config.min_visibility
    xy[low] = np.nan
    window = max(int(round(config.hampel_window_s * real_fps / 2)), 2)
    outlier = hampel_mask(
        xy, window=window, n_sigma=config.hampel_n_sigma, floor=_hampel_floor_px(xy)
    ).any(axis=-1)
    xy[outlier] = np.nan
    # Frames with both feet pulled together are set aside before the leg
    # labels are checked too: part way between the true feet, they make a
    # label exchange look smooth to the acceleration cost.
    merged = merged_leg_frames(xy, fps=real_fps)
    xy[np.ix_(merged, _LEG_POINTS)] = np.nan
    xy, swapped = fix_leg_swaps(xy)
    merged |= merged_leg_frames(xy, fps=real_fps)
    xy[np.ix_(merged, _LEG_POINTS)] = np.nan
    measured = np.isfinite(xy).all(axis=-1)
    filled = fill_gaps(xy, max_gap=max(int(round(config.max_gap_s * real_fps)), 1))
    del xy  # an hour at 60 fps: 114 MB less at the filter's peak
    step_hz = step_frequency_hz(filled, fps=fps)
    base = config.cutoff_steps_per_cycle * step_hz if np.isfinite(step_hz) else config.max_cutoff_hz
    cutoff = float(np.clip(base, config.min_cutoff_hz, config.max_cutoff_hz))
    cutoff = min(cutoff, 0.4 * fps)
    if _uniform(track):
        smooth = lowpass(filled, cutoff_hz=cutoff, fps=fps, order=config.filter_order)
    else:
        smooth = _lowpass_resampled(filled, track.timestamps_s, cutoff, fps, config.filter_order)
    return CleanTrack(
        xy_px=smooth.astype(np.float32),
        raw_xy_px=filled.astype(np.float32),
        measured=measured,
        timestamps_s=track.timestamps_s,
        fps=fps,
        near_side=near_side_of(track, swapped),
        swaps_fixed=int(swapped.sum()),
        cutoff_hz=cutoff,
        step_hz=step_hz,
        outliers=int(outlier.sum()),
        merged_frames=int(merged.sum()),
    )


def refilter_at_step(
    clean: CleanTrack, *, step_hz: float, time_scale: float, config: CleanConfig
) -> CleanTrack:
    """The track low-passed again with the cutoff set by a given step frequency.

    The cutoff rule is the one of :func:`clean_track`, applied in real time:
    ``clip(k x step_hz / time_scale, min_cutoff_hz, max_cutoff_hz) x
    time_scale`` in video time, never above 0.4 x the frame rate. A
    slow-motion clip (``time_scale`` < 1) is filtered at the same share of
    its step as a real-time one.

    Parameters
    ----------
    clean : CleanTrack
    step_hz : float
        Step frequency in video time (from :mod:`formcheck.gait.rhythm`).
    time_scale : float
        Real seconds per video second (1 for real time, 1/8 for 8x slow motion).
    config : CleanConfig
    """
    if not (np.isfinite(step_hz) and step_hz > 0 and time_scale > 0):
        return clean
    real = config.cutoff_steps_per_cycle * step_hz / time_scale
    cutoff = float(np.clip(real, config.min_cutoff_hz, config.max_cutoff_hz)) * time_scale
    cutoff = min(cutoff, 0.4 * clean.fps)
    filled = clean.raw_xy_px
    uniform = _uniform_times(clean.timestamps_s, clean.fps)
    if uniform:
        smooth = lowpass(filled, cutoff_hz=cutoff, fps=clean.fps, order=config.filter_order)
    else:
        smooth = _lowpass_resampled(
            filled, clean.timestamps_s, cutoff, clean.fps, config.filter_order
        )
    return replace(clean, xy_px=smooth.astype(np.float32), cutoff_hz=cutoff, step_hz=float(step_hz))


def _lowpass_resampled(
    series: np.ndarray, times_s: np.ndarray, cutoff_hz: float, fps: float, order: int
) -> np.ndarray:
    """Variable frame rate: resample to a uniform grid, filter, sample back."""
    grid = np.arange(times_s[0], times_s[-1] + 0.5 / fps, 1.0 / fps)
    flat = series.reshape(series.shape[0], -1)
    on_grid = np.full((grid.size, flat.shape[1]), np.nan)
    for col in range(flat.shape[1]):
        good = np.isfinite(flat[:, col])
        if good.sum() >= 2:
            on_grid[:, col] = np.interp(grid, times_s[good], flat[good, col])
    smooth = lowpass(on_grid, cutoff_hz=cutoff_hz, fps=fps, order=order)
    back = np.empty_like(flat)
    for col in range(flat.shape[1]):
        back[:, col] = np.interp(times_s, grid, smooth[:, col])
    back[~np.isfinite(flat)] = np.nan
    return back.reshape(series.shape)
