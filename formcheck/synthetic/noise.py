"""Pose-model-like corruption of a noiseless landmark track.

What a pose model does to a side-view runner, each switchable: Gaussian pixel
noise, short per-landmark dropouts, runs of low far-leg visibility, left/right
leg swaps in short runs of frames, and whole-frame misses. All randomness
comes from the ``numpy.random.Generator`` passed in, and every corruption
applied is logged in a :class:`CorruptionLog` so tests can count it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck import landmarks as lm
from formcheck.capture.track import swap_sides


@dataclass(frozen=True)
class NoiseParams:
    """Corruption settings. Rates are per frame (per landmark for dropouts).

    Attributes
    ----------
    pixel_sd : float
        Gaussian noise on every coordinate, pixels (about 1.5 at 720p).
    visibility_sd : float
        Gaussian noise on visibility scores.
    dropout_rate : float
        Probability per landmark and frame that a dropout run starts
        (coordinates NaN, visibility and presence 0).
    dropout_frames : tuple of int
        Inclusive (min, max) length of a dropout run, frames.
    far_leg_low_vis_rate : float
        Probability per frame that a run of low far-leg visibility starts.
    far_leg_low_vis_frames : tuple of int
        Inclusive (min, max) run length, frames.
    far_leg_low_vis : tuple of float
        Range of the far leg's visibility during such a run.
    far_leg_low_vis_extra_sd : float
        Extra pixel noise on the far leg during such a run.
    swap_rate : float
        Probability per frame that a left/right leg swap run starts.
    swap_frames : tuple of int
        Inclusive (min, max) swap run length, frames.
    swap_whole_body : bool
        Swap every left/right pair (arms, face too) instead of the legs only.
    frame_miss_rate : float
        Probability that a frame has no detection at all.
    """

    pixel_sd: float = 1.5
    visibility_sd: float = 0.02
    dropout_rate: float = 0.002
    dropout_frames: tuple[int, int] = (1, 3)
    far_leg_low_vis_rate: float = 0.01
    far_leg_low_vis_frames: tuple[int, int] = (3, 10)
    far_leg_low_vis: tuple[float, float] = (0.05, 0.35)
    far_leg_low_vis_extra_sd: float = 3.0
    swap_rate: float = 0.004
    swap_frames: tuple[int, int] = (2, 6)
    swap_whole_body: bool = False
    frame_miss_rate: float = 0.0

    @classmethod
    def none(cls) -> NoiseParams:
        """No corruption at all: the exact projected landmarks."""
        return cls(
            pixel_sd=0.0,
            visibility_sd=0.0,
            dropout_rate=0.0,
            far_leg_low_vis_rate=0.0,
            swap_rate=0.0,
            frame_miss_rate=0.0,
        )


@dataclass(frozen=True)
class CorruptionLog:
    """What was corrupted, by frame index.

    Attributes
    ----------
    swapped_frames : tuple of int
        Frames whose left/right leg landmarks were exchanged.
    missed_frames : tuple of int
        Frames with no detection.
    dropouts : tuple of (int, int)
        (frame, landmark) pairs set to NaN (in detected frames).
    low_vis_frames : tuple of int
        Frames with low far-leg visibility.
    """

    swapped_frames: tuple[int, ...] = ()
    missed_frames: tuple[int, ...] = ()
    dropouts: tuple[tuple[int, int], ...] = ()
    low_vis_frames: tuple[int, ...] = ()


@dataclass(frozen=True)
class TrackArrays:
    """Mutable-free bundle of the per-landmark arrays of a track."""

    xy_px: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray


def _runs(rng: np.random.Generator, n: int, rate: float, lengths: tuple[int, int]) -> np.ndarray:
    """Boolean mask (n,) of non-overlapping runs that start with ``rate`` per frame."""
    mask = np.zeros(n, dtype=bool)
    if rate <= 0:
        return mask
    starts = rng.random(n) < rate
    lo, hi = lengths
    sizes = rng.integers(lo, hi + 1, size=n)
    i = 0
    while i < n:
        if starts[i]:
            mask[i : i + sizes[i]] = True
            i += int(sizes[i]) + 1  # runs are separated by at least one frame
        else:
            i += 1
    return mask


def _swap_legs(values: np.ndarray, frames: np.ndarray, whole_body: bool) -> np.ndarray:
    if whole_body:
        return swap_sides(values, frames)
    out = values.copy()
    for left, right in zip(lm.LEFT_LEG, lm.RIGHT_LEG, strict=True):
        out[frames, left] = values[frames, right]
        out[frames, right] = values[frames, left]
    return out


def corrupt(
    clean: TrackArrays, *, noise: NoiseParams, far_leg: str, rng: np.random.Generator
) -> tuple[TrackArrays, CorruptionLog]:
    """Apply ``noise`` to a noiseless track.

    Parameters
    ----------
    clean : TrackArrays
        ``xy_px`` (n, 33, 2), ``z``, ``visibility``, ``presence`` (n, 33).
    noise : NoiseParams
    far_leg : {"left", "right"}
        The leg further from the camera.
    rng : numpy.random.Generator

    Returns
    -------
    TrackArrays, CorruptionLog
    """
    n = clean.xy_px.shape[0]
    xy = clean.xy_px + rng.normal(0.0, 1.0, clean.xy_px.shape) * noise.pixel_sd
    z = clean.z.copy()
    vis = np.clip(
        clean.visibility + rng.normal(0.0, 1.0, clean.visibility.shape) * noise.visibility_sd, 0, 1
    )
    pres = clean.presence.copy()

    far = np.array(lm.LEFT_LEG if far_leg == "left" else lm.RIGHT_LEG)
    low = _runs(rng, n, noise.far_leg_low_vis_rate, noise.far_leg_low_vis_frames)
    lo, hi = noise.far_leg_low_vis
    low_idx = np.flatnonzero(low)
    vis[np.ix_(low_idx, far)] = rng.uniform(lo, hi, (low_idx.size, far.size))
    extra = rng.normal(0.0, 1.0, (low_idx.size, far.size, 2)) * noise.far_leg_low_vis_extra_sd
    xy[np.ix_(low_idx, far)] += extra

    swapped = _runs(rng, n, noise.swap_rate, noise.swap_frames)
    xy = _swap_legs(xy, swapped, noise.swap_whole_body)
    z = _swap_legs(z, swapped, noise.swap_whole_body)
    vis = _swap_legs(vis, swapped, noise.swap_whole_body)
    pres = _swap_legs(pres, swapped, noise.swap_whole_body)

    missed = np.zeros(n, dtype=bool)
    if noise.frame_miss_rate > 0:
        missed = np.asarray(rng.random(n) < noise.frame_miss_rate)
    dropped = np.zeros((n, clean.xy_px.shape[1]), dtype=bool)
    if noise.dropout_rate > 0:
        for j in range(clean.xy_px.shape[1]):
            dropped[:, j] = _runs(rng, n, noise.dropout_rate, noise.dropout_frames)
    dropped &= ~missed[:, None]
    gone = dropped | missed[:, None]
    xy[gone] = np.nan
    z[gone] = np.nan
    vis[gone] = 0.0
    pres[gone] = 0.0
    log = CorruptionLog(
        swapped_frames=tuple(int(i) for i in np.flatnonzero(swapped)),
        missed_frames=tuple(int(i) for i in np.flatnonzero(missed)),
        dropouts=tuple((int(f), int(j)) for f, j in zip(*np.nonzero(dropped), strict=True)),
        low_vis_frames=tuple(int(i) for i in low_idx),
    )
    return TrackArrays(xy, z, vis, pres), log
