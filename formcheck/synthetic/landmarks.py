"""Synthetic pose tracks: the runner's 33 landmarks as a pose model would give them.

:func:`synthetic_track` projects the gait model into the image with a
:class:`CameraParams`, gives the landmarks MediaPipe-like depth and
visibility (near side nearer and more visible), corrupts them with
:class:`NoiseParams`, and returns the :class:`PoseTrack` with its
:class:`Truth`.
"""

from __future__ import annotations

import numpy as np

from formcheck import landmarks as lm
from formcheck.capture.track import PoseTrack
from formcheck.synthetic.camera import (
    CameraParams,
    camera_x_m,
    depth_to_z,
    runner_to_image_px,
)
from formcheck.synthetic.kinematics import RunnerParams, landmark_depth_m, landmarks_world
from formcheck.synthetic.noise import CorruptionLog, NoiseParams, TrackArrays, corrupt
from formcheck.synthetic.truth import Truth, compute_truth

GENERATOR_ID = "formcheck.synthetic/1"

# Noiseless visibility of each body part on the near and far side.
_VISIBILITY = {
    "near_leg": 0.97,
    "far_leg": 0.75,
    "near_arm": 0.95,
    "far_arm": 0.6,
    "near_face": 0.98,
    "far_face": 0.9,
    "trunk_far": 0.95,
    "midline": 0.99,
}
_LEG_PARTS = ("hip", "knee", "ankle", "heel", "foot_index")
_ARM_PARTS = ("elbow", "wrist", "pinky", "index", "thumb")


def frame_times_s(*, n_frames: int, fps: float, start_s: float = 0.0) -> np.ndarray:
    """Elapsed running time of each frame: ``start_s + i / fps``, shape (n_frames,)."""
    return start_s + np.arange(n_frames) / fps


def noiseless_landmarks_px(
    *, params: RunnerParams, camera: CameraParams, times_s: np.ndarray
) -> np.ndarray:
    """Exact image positions of the 33 landmarks, shape (n, 33, 2), pixels."""
    world = landmarks_world(params=params, times_s=times_s)
    cam_x = camera_x_m(params=params, camera=camera, times_s=times_s)
    return runner_to_image_px(xy_m=world, camera=camera, facing=params.facing, camera_x=cam_x)


def base_visibility(params: RunnerParams) -> np.ndarray:
    """Noiseless visibility per landmark, shape (33,)."""
    vis = np.full(lm.NUM_LANDMARKS, _VISIBILITY["midline"])
    for i, name in enumerate(lm.NAMES):
        if "left" not in name and "right" not in name:
            continue
        side = "near" if params.near_leg in name else "far"
        part = name.removeprefix("left_").removeprefix("right_")
        if part in _LEG_PARTS:
            vis[i] = _VISIBILITY[f"{side}_leg"]
        elif part in _ARM_PARTS:
            vis[i] = _VISIBILITY[f"{side}_arm"]
        elif part == "shoulder":
            vis[i] = _VISIBILITY["midline"] if side == "near" else _VISIBILITY["trunk_far"]
        else:
            vis[i] = _VISIBILITY[f"{side}_face"]
    return vis


def _track_arrays(
    *,
    params: RunnerParams,
    camera: CameraParams,
    noise: NoiseParams,
    times_s: np.ndarray,
    rng: np.random.Generator,
) -> tuple[TrackArrays, CorruptionLog]:
    """Noisy landmark arrays of the frames at ``times_s`` (elapsed running time)."""
    n = times_s.size
    xy = noiseless_landmarks_px(params=params, camera=camera, times_s=times_s)
    z = np.broadcast_to(depth_to_z(landmark_depth_m(params=params), camera), (n, lm.NUM_LANDMARKS))
    vis = np.broadcast_to(base_visibility(params), (n, lm.NUM_LANDMARKS))
    clean = TrackArrays(xy, z.copy(), vis.copy(), np.full((n, lm.NUM_LANDMARKS), 0.99))
    return corrupt(clean, noise=noise, far_leg=params.far_leg, rng=rng)


def long_synthetic_track(
    *,
    params: RunnerParams,
    duration_s: float,
    fps: float,
    camera: CameraParams | None = None,
    noise: NoiseParams | None = None,
    seed: int = 0,
    chunk_s: float = 60.0,
) -> PoseTrack:
    """A long run's landmark track (no truth), built a chunk at a time, float32.

    The same runner as :func:`synthetic_track` (drift included: the model is
    a function of elapsed time), for memory and speed tests of hour-long
    runs: the truth is not computed, and the arrays are float32, so a
    60-minute 60 fps track (216,000 frames) takes about 85 MB.

    Parameters
    ----------
    params, duration_s, fps, camera, noise, seed : see :func:`synthetic_track`
        Frame ``i`` is at elapsed time ``i / fps``.
    chunk_s : float
        Seconds of frames generated (in float64) per step.
    """
    camera = camera if camera is not None else CameraParams()
    noise = noise if noise is not None else NoiseParams()
    n = round(duration_s * fps)
    if n < 1:
        raise ValueError(f"long_synthetic_track: duration_s * fps gives {n} frames, need >= 1")
    xy = np.empty((n, lm.NUM_LANDMARKS, 2), np.float32)
    z, vis, pres = (np.empty((n, lm.NUM_LANDMARKS), np.float32) for _ in range(3))
    rng = np.random.default_rng(seed)
    step = max(round(chunk_s * fps), 1)
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        times = np.arange(lo, hi) / fps
        arrays, _ = _track_arrays(params=params, camera=camera, noise=noise, times_s=times, rng=rng)
        xy[lo:hi], z[lo:hi] = arrays.xy_px, arrays.z
        vis[lo:hi], pres[lo:hi] = arrays.visibility, arrays.presence
    return PoseTrack(
        xy_px=xy,
        z=z,
        visibility=vis,
        presence=pres,
        timestamps_s=np.arange(n) / fps,
        fps=float(fps),
        width=camera.width,
        height=camera.height,
        source="synthetic",
        model_id=GENERATOR_ID,
        settings={"seed": seed, "start_s": 0.0, "facing": params.facing, "chunk_s": chunk_s},
    )


def synthetic_track(
    *,
    params: RunnerParams,
    duration_s: float,
    fps: float,
    camera: CameraParams | None = None,
    noise: NoiseParams | None = None,
    seed: int = 0,
    start_s: float = 0.0,
) -> tuple[PoseTrack, Truth]:
    """A runner's landmark track with its exact truth.

    Parameters
    ----------
    params : RunnerParams
    duration_s : float
        Clip length, s; ``round(duration_s * fps)`` frames.
    fps : float
        Frame rate; frame ``i`` is at video time ``i / fps``.
    camera : CameraParams, optional
        Defaults to ``CameraParams()`` (640x480).
    noise : NoiseParams, optional
        Defaults to ``NoiseParams()`` (realistic); ``NoiseParams.none()`` for
        the exact projection.
    seed : int
        Seed of ``numpy.random.default_rng``: the only randomness.
    start_s : float
        Elapsed running time at frame 0 (drift is linear in elapsed time).

    Returns
    -------
    PoseTrack
        ``xy_px`` (n, 33, 2), ``z``, ``visibility``, ``presence`` (n, 33),
        ``timestamps_s = i / fps``; ``source == "synthetic"``.
    Truth
        Contacts, strides, summary and drift, in the same video times; the
        applied corruption is in ``truth.corruption``.
    """
    camera = camera if camera is not None else CameraParams()
    noise = noise if noise is not None else NoiseParams()
    n = round(duration_s * fps)
    if n < 1:
        raise ValueError(f"synthetic_track: duration_s * fps gives {n} frames, need >= 1")
    times = frame_times_s(n_frames=n, fps=fps, start_s=start_s)
    rng = np.random.default_rng(seed)
    noisy, log = _track_arrays(params=params, camera=camera, noise=noise, times_s=times, rng=rng)
    track = PoseTrack(
        xy_px=noisy.xy_px,
        z=noisy.z,
        visibility=noisy.visibility,
        presence=noisy.presence,
        timestamps_s=times - start_s,
        fps=float(fps),
        width=camera.width,
        height=camera.height,
        source="synthetic",
        model_id=GENERATOR_ID,
        settings={"seed": seed, "start_s": start_s, "facing": params.facing},
    )
    truth = compute_truth(
        params=params,
        camera=camera,
        fps=fps,
        n_frames=n,
        start_s=start_s,
        noise=noise,
        seed=seed,
        corruption=log,
    )
    return track, truth
