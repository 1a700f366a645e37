"""Landmark cleaning: confidence mask, Hampel outliers, leg identity, gaps, low-pass.

Order matters: outliers are removed before gaps are filled, leg swaps are
undone before anything is filtered (a swap is a jump that a low-pass filter
would smear into both legs), and the cutoff of the zero-lag Butterworth
filter is chosen from the step frequency, because one fixed cutoff is wrong
across speeds (METRICS.md, "Filtering").

Cutoff rule: ``cutoff_hz = clip(k * step_hz, min_cutoff_hz, max_cutoff_hz)``,
never above 0.4 x the frame rate; ``k = 4`` gives 11.3 Hz at 170 steps/min
(2.83 Hz) and keeps the fourth harmonic of the step, where almost all the
power of the joint trajectories lies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import butter, sosfiltfilt

from formcheck.config import CleanConfig
from formcheck.landmarks import (
    LEFT_ANKLE,
    LEFT_FOOT_INDEX,
    LEFT_HEEL,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_LEG,
    RIGHT_ANKLE,
    RIGHT_FOOT_INDEX,
    RIGHT_HEEL,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_LEG,
)
from formcheck.track import PoseTrack

Side = Literal["left", "right"]

# Landmarks whose positions decide leg identity (hips overlap in a side view).
_IDENTITY_LEFT = (LEFT_KNEE, LEFT_ANKLE, LEFT_HEEL, LEFT_FOOT_INDEX)
_IDENTITY_RIGHT = (RIGHT_KNEE, RIGHT_ANKLE, RIGHT_HEEL, RIGHT_FOOT_INDEX)
_MAD_TO_SD = 1.4826


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


def hampel_mask(series: np.ndarray, *, window: int, n_sigma: float) -> np.ndarray:
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

    Returns
    -------
    ndarray of bool, same shape as ``series``
    """
    if series.shape[0] < 2 * window + 1:
        return np.zeros(series.shape, dtype=bool)
    pad = [(window, window)] + [(0, 0)] * (series.ndim - 1)
    padded = np.pad(series, pad, mode="edge")
    windows = sliding_window_view(padded, 2 * window + 1, axis=0)
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(windows, axis=-1)
            mad = np.nanmedian(np.abs(windows - median[..., None]), axis=-1)
        # A floor on the spread keeps perfectly smooth stretches from
        # flagging ordinary noise.
        scale = np.maximum(_MAD_TO_SD * mad, 0.5)
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
        # Label runs of missing samples and fill the short interior ones.
        edges = np.diff(np.concatenate([[0], bad.astype(int), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        for s, e in zip(starts, ends, strict=True):
            if s == 0 or e == len(y) or e - s > max_gap:
                continue
            y[s:e] = np.interp(idx[s:e], idx[good], y[good])
    return out


def _pair_cost(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """Summed distance over landmarks finite in both (k, 2) arrays, and their count."""
    dist = np.linalg.norm(a - b, axis=1)
    good = np.isfinite(dist)
    return float(dist[good].sum()), int(good.sum())


def fix_leg_swaps(xy: np.ndarray, *, max_extrapolate: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Undo left/right leg label swaps by continuity of motion.

    Each frame keeps or exchanges the two legs' labels, whichever lies closer
    to a constant-velocity prediction from the previous corrected frames.
    Stance and swing feet cross with very different velocities, so the
    prediction separates them where their positions coincide.

    Parameters
    ----------
    xy : ndarray, shape (n_frames, 33, 2)
    max_extrapolate : int
        Longest gap (frames) bridged with the velocity term; longer gaps
        predict the last position.

    Returns
    -------
    fixed : ndarray, shape (n_frames, 33, 2)
    swapped : ndarray of bool, shape (n_frames,)
        Frames whose leg labels were exchanged relative to the input.
    """
    out = xy.copy()
    left, right = list(_IDENTITY_LEFT), list(_IDENTITY_RIGHT)
    n, k = xy.shape[0], len(left)
    swapped = np.zeros(n, dtype=bool)
    legs = np.concatenate([out[:, left], out[:, right]], axis=1)  # (n, 2k, 2)
    last = prev = -1
    for f in range(n):
        cur = legs[f]
        if np.isfinite(cur).all(axis=1).sum() < 2:
            continue
        if last >= 0:
            gap = f - last
            pred = legs[last]
            if prev >= 0 and last - prev == 1 and gap <= max_extrapolate:
                velocity = legs[last] - legs[prev]
                pred = np.where(np.isfinite(velocity), pred + gap * velocity, pred)
            flipped = np.concatenate([cur[k:], cur[:k]])
            keep_cost, n_keep = _pair_cost(cur, pred)
            swap_cost, n_swap = _pair_cost(flipped, pred)
            if n_keep and n_swap and swap_cost / n_swap < keep_cost / n_keep:
                legs[f] = flipped
                swapped[f] = True
        prev, last = last, f
    for a, b in zip(LEFT_LEG, RIGHT_LEG, strict=True):
        out[swapped, a] = xy[swapped, b]
        out[swapped, b] = xy[swapped, a]
    return out, swapped


def near_side_of(track: PoseTrack, swapped: np.ndarray) -> Side:
    """Which (corrected) side is nearer the camera: higher visibility, smaller z."""
    vis = track.visibility.copy()
    z = track.z.copy()
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
    band = (freqs >= 0.15) & (freqs <= min(8.0, 0.45 * fps))
    if not band.any() or spectrum[band].max() <= 0:
        return float("nan")
    return float(freqs[band][np.argmax(spectrum[band])])


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
    dt = np.diff(track.timestamps_s)
    return dt.size == 0 or float(np.max(np.abs(dt - 1.0 / track.fps))) < 0.25 / track.fps


def clean_track(track: PoseTrack, *, config: CleanConfig) -> CleanTrack:
    """Clean one person's pose track.

    Parameters
    ----------
    track : PoseTrack
    config : CleanConfig

    Returns
    -------
    CleanTrack
    """
    fps = track.fps
    xy = track.xy_px.copy()
    low = track.visibility < config.min_visibility
    xy[low] = np.nan
    window = max(int(round(config.hampel_window_s * fps / 2)), 2)
    outlier = hampel_mask(xy, window=window, n_sigma=config.hampel_n_sigma).any(axis=-1)
    xy[outlier] = np.nan
    xy, swapped = fix_leg_swaps(xy)
    measured = np.isfinite(xy).all(axis=-1)
    filled = fill_gaps(xy, max_gap=max(int(round(config.max_gap_s * fps)), 1))
    step_hz = step_frequency_hz(filled, fps=fps)
    base = config.cutoff_steps_per_cycle * step_hz if np.isfinite(step_hz) else config.max_cutoff_hz
    cutoff = float(np.clip(base, config.min_cutoff_hz, config.max_cutoff_hz))
    cutoff = min(cutoff, 0.4 * fps)
    if _uniform(track):
        smooth = lowpass(filled, cutoff_hz=cutoff, fps=fps, order=config.filter_order)
    else:
        smooth = _lowpass_resampled(filled, track.timestamps_s, cutoff, fps, config.filter_order)
    return CleanTrack(
        xy_px=smooth,
        raw_xy_px=filled,
        measured=measured,
        timestamps_s=track.timestamps_s,
        fps=fps,
        near_side=near_side_of(track, swapped),
        swaps_fixed=int(swapped.sum()),
        cutoff_hz=cutoff,
        step_hz=step_hz,
        outliers=int(outlier.sum()),
    )


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
