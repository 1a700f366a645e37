"""Synthetic pose tracks: noise, dropouts, swaps, misses and seeds."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.capture.track import PoseTrack
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.landmarks import noiseless_landmarks_px, synthetic_track
from formcheck.synthetic.noise import NoiseParams
from formcheck.synthetic.truth import Truth

QUIET = NoiseParams.none()


def _track(noise: NoiseParams, seed: int = 0, duration_s: float = 10.0) -> tuple[PoseTrack, Truth]:
    return synthetic_track(
        params=RunnerParams(), duration_s=duration_s, fps=60.0, noise=noise, seed=seed
    )


def test_noiseless_track_is_exact_projection() -> None:
    track, truth = _track(QUIET, duration_s=2.0)
    exact = noiseless_landmarks_px(
        params=truth.params, camera=truth.camera, times_s=track.timestamps_s
    )
    assert np.array_equal(track.xy_px, exact)
    assert np.isfinite(track.xy_px).all()
    assert track.detection_rate == 1.0
    assert track.source == "synthetic"
    assert truth.corruption.swapped_frames == ()
    assert truth.corruption.dropouts == ()


def test_pixel_noise_sd() -> None:
    noise = NoiseParams(pixel_sd=2.0, dropout_rate=0.0, far_leg_low_vis_rate=0.0, swap_rate=0.0)
    track, _ = _track(noise)
    exact, _ = _track(QUIET)
    err = (track.xy_px - exact.xy_px).ravel()
    assert err.std() == pytest.approx(2.0, rel=0.03)
    assert abs(err.mean()) < 0.05


def test_dropouts_counted() -> None:
    noise = NoiseParams(pixel_sd=0.0, dropout_rate=0.01, swap_rate=0.0, far_leg_low_vis_rate=0.0)
    track, truth = _track(noise)
    nan = np.isnan(track.xy_px[..., 0])
    logged = np.zeros_like(nan)
    for f, j in truth.corruption.dropouts:
        logged[f, j] = True
    assert np.array_equal(nan, logged)
    assert (track.visibility[nan] == 0).all()
    n = track.n_frames * lm.NUM_LANDMARKS
    # Runs of 1-3 frames starting with probability 0.01: about 2 % of values.
    assert 0.01 < nan.sum() / n < 0.03
    assert not track.detected.sum() < track.n_frames  # no whole frame lost


def test_swaps_exchange_leg_landmarks_only() -> None:
    noise = NoiseParams(
        pixel_sd=0.0, visibility_sd=0.0, dropout_rate=0.0, far_leg_low_vis_rate=0.0, swap_rate=0.02
    )
    track, truth = _track(noise)
    exact, _ = _track(QUIET)
    swapped = np.array(truth.corruption.swapped_frames)
    assert swapped.size > 0
    mask = np.zeros(track.n_frames, dtype=bool)
    mask[swapped] = True
    for left, right in zip(lm.LEFT_LEG, lm.RIGHT_LEG, strict=True):
        assert np.array_equal(track.xy_px[mask, left], exact.xy_px[mask, right])
        assert np.array_equal(track.z[mask, left], exact.z[mask, right])
        assert np.array_equal(track.xy_px[~mask, left], exact.xy_px[~mask, left])
    assert np.array_equal(track.xy_px[:, lm.LEFT_WRIST], exact.xy_px[:, lm.LEFT_WRIST])
    # Runs are short: 2-6 frames.
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(int), 0]))
    lengths = edges[1::2] - edges[::2]
    assert lengths.min() >= 2 and lengths.max() <= 6


def test_far_leg_low_visibility() -> None:
    noise = NoiseParams(
        pixel_sd=0.0, visibility_sd=0.0, dropout_rate=0.0, swap_rate=0.0, far_leg_low_vis_rate=0.02
    )
    track, truth = _track(noise)
    low = np.array(truth.corruption.low_vis_frames)
    assert low.size > 0
    far = np.array(lm.LEFT_LEG)  # facing right: the left leg is far
    assert (track.visibility[np.ix_(low, far)] <= 0.35).all()
    others = np.setdiff1d(np.arange(track.n_frames), low)
    assert np.allclose(track.visibility[np.ix_(others, far)], 0.75)
    assert np.allclose(track.visibility[:, list(lm.RIGHT_LEG)], 0.97)


def test_whole_frame_misses() -> None:
    noise = NoiseParams(frame_miss_rate=0.05)
    track, truth = _track(noise)
    missed = np.array(truth.corruption.missed_frames)
    assert missed.size > 0
    assert np.array_equal(np.flatnonzero(~track.detected), missed)
    assert (track.presence[missed] == 0).all()
    assert track.detection_rate == pytest.approx(1 - missed.size / track.n_frames)


def test_seeds_reproducible() -> None:
    a, ta = _track(NoiseParams(frame_miss_rate=0.01), seed=7)
    b, tb = _track(NoiseParams(frame_miss_rate=0.01), seed=7)
    c, _ = _track(NoiseParams(frame_miss_rate=0.01), seed=8)
    assert np.array_equal(a.xy_px, b.xy_px, equal_nan=True)
    assert np.array_equal(a.visibility, b.visibility)
    assert ta == tb
    assert not np.array_equal(a.xy_px, c.xy_px, equal_nan=True)
