"""Pose estimation: MediaPipe PoseLandmarker over a video, several people per frame.

This stage reads frames (through :mod:`formcheck.video`) and returns every
person candidate per frame; :mod:`formcheck.people` links candidates into
identities and picks the runner. IMAGE mode (every frame on its own) is the
default; see ``docs/pose.md`` for the measurement behind that choice. In
IMAGE mode frames are independent, so several landmarkers run on
consecutive frames in worker threads (MediaPipe releases the GIL while it
infers): on 2 cores this nearly doubles the frame rate, with results
identical to a serial run. VIDEO mode tracks from frame to frame and runs
serially.
"""

from __future__ import annotations

import os
import queue
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.config import PoseConfig
from formcheck.errors import ConfigError, ModelError
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.model_bundle import sha256_file, verify_bundle
from formcheck.progress import NullProgress, ProgressReporter
from formcheck.video import Frame, VideoInfo, iter_frames

# Most worker threads used by default (each holds its own landmarker).
_MAX_DEFAULT_WORKERS = 4
# Frames in flight per worker (decoded, waiting for or in inference).
_FRAMES_IN_FLIGHT_PER_WORKER = 2


@dataclass(frozen=True)
class Detections:
    """Every pose candidate MediaPipe returned, frame by frame.

    Attributes
    ----------
    xy_px : ndarray, shape (n_frames, n_slots, 33, 2)
        Image coordinates in pixels; NaN in empty slots. The slot order is
        MediaPipe's output order and carries no identity.
    z, visibility, presence : ndarray, shape (n_frames, n_slots, 33)
    timestamps_s : ndarray, shape (n_frames,)
    info : VideoInfo
    model_id : str
        First 12 hex digits of the bundle's sha256.
    settings : PoseConfig
    """

    xy_px: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    timestamps_s: np.ndarray
    info: VideoInfo
    model_id: str
    settings: PoseConfig


def _landmarker_options(model_path: Path, settings: PoseConfig) -> Any:
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarkerOptions, RunningMode

    mode = RunningMode.VIDEO if settings.running_mode == "video" else RunningMode.IMAGE
    return PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=mode,
        num_poses=settings.num_poses,
        min_pose_detection_confidence=settings.min_detection_confidence,
        min_pose_presence_confidence=settings.min_presence_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
    )


def model_id_of(path: Path) -> str:
    """Model identifier: the first 12 hex digits of the bundle's sha256."""
    return sha256_file(path)[:12]


def detect_poses(
    info: VideoInfo,
    *,
    settings: PoseConfig,
    progress: ProgressReporter | None = None,
    on_frame: Callable[[int, np.ndarray], None] | None = None,
    frames: Iterable[Frame] | None = None,
) -> Detections:
    """Run the pose landmarker on every frame of a probed video.

    Parameters
    ----------
    info : VideoInfo
        The probed video.
    settings : PoseConfig
        Running mode, number of poses, confidence thresholds, model path
        (empty: the default bundle location).
    progress : ProgressReporter, optional
        Receives one ``advance`` per frame.
    on_frame : callable, optional
        Called with ``(index, rgb)`` for every decoded frame, so other
        per-frame work shares this single decode of the video.
    frames : iterable of Frame, optional
        The frames to analyse (e.g. one window of a long video, from
        :func:`formcheck.video.iter_frames_between`); default every frame
        of ``info``. ``info.n_frames`` should then be their number.

    Returns
    -------
    Detections

    Raises
    ------
    ModelError
        The bundle is missing, altered or fails to load.
    VideoError
        The video cannot be decoded to the end.
    """
    # MediaPipe's native logging (glog/TFLite) writes INFO lines to stderr;
    # keep warnings and errors only, unless the user asked otherwise.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from mediapipe.tasks.python.vision import PoseLandmarker

    model_path = verify_bundle(Path(settings.model_path) if settings.model_path else None)
    progress = progress or NullProgress()
    n_alloc = max(info.n_frames, 1)
    slots = settings.num_poses
    xy = np.full((n_alloc, slots, NUM_LANDMARKS, 2), np.nan)
    z = np.full((n_alloc, slots, NUM_LANDMARKS), np.nan)
    vis = np.zeros((n_alloc, slots, NUM_LANDMARKS))
    pres = np.zeros((n_alloc, slots, NUM_LANDMARKS))
    times: list[float] = []
    workers = worker_count(settings)
    with ExitStack() as stack:
        landmarkers = [
            stack.enter_context(_create_landmarker(PoseLandmarker, model_path, settings))
            for _ in range(workers)
        ]
        progress.start(total=info.n_frames, label="pose")
        source = frames if frames is not None else iter_frames(info)
        for frame, result in _landmark_frames(source, landmarkers, settings, on_frame):
            if frame.index >= xy.shape[0]:
                xy, z = _grow(xy, fill=np.nan), _grow(z, fill=np.nan)
                vis, pres = _grow(vis, fill=0.0), _grow(pres, fill=0.0)
            for slot, person in enumerate(result.pose_landmarks[:slots]):
                arr = _landmark_array(person)
                xy[frame.index, slot] = arr[:, :2] * (info.width, info.height)
                z[frame.index, slot], vis[frame.index, slot], pres[frame.index, slot] = arr[:, 2:].T
            times.append(frame.timestamp_s)
            progress.advance()
    progress.finish()
    n = len(times)
    return Detections(
        xy_px=xy[:n],
        z=z[:n],
        visibility=vis[:n],
        presence=pres[:n],
        timestamps_s=np.asarray(times, dtype=float),
        info=info,
        model_id=model_id_of(model_path),
        settings=settings,
    )


def worker_count(settings: PoseConfig) -> int:
    """Landmarker threads for these settings: 1 in VIDEO mode, else ``workers``
    (0 = one per usable CPU core, at most 4)."""
    if settings.workers < 0:
        raise ConfigError(f"pose.workers: expected 0 (automatic) or more, got {settings.workers}")
    if settings.running_mode == "video":
        return 1
    if settings.workers > 0:
        return settings.workers
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, _MAX_DEFAULT_WORKERS))


def _create_landmarker(landmarker_class: Any, model_path: Path, settings: PoseConfig) -> Any:
    try:
        return landmarker_class.create_from_options(_landmarker_options(model_path, settings))
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"{model_path}: the pose model failed to load ({exc})") from exc


def _landmark_frames(
    source: Iterable[Frame],
    landmarkers: list[Any],
    settings: PoseConfig,
    on_frame: Callable[[int, np.ndarray], None] | None,
) -> Iterator[tuple[Frame, Any]]:
    """Decoded frames with their MediaPipe results, in frame order.

    One landmarker: inference inline (VIDEO mode needs increasing
    timestamps). Several: frames are handed to a thread pool in which each
    call borrows an idle landmarker, with a bounded number of frames in
    flight so memory stays flat; results are yielded in frame order.
    """
    import mediapipe as mp

    def image_of(frame: Frame) -> Any:
        if on_frame is not None:
            on_frame(frame.index, frame.rgb)
        return mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.rgb)

    if len(landmarkers) == 1:
        landmarker, last_ms = landmarkers[0], -1
        for frame in source:
            image = image_of(frame)
            if settings.running_mode == "video":
                # Timestamps must strictly increase, in whole milliseconds.
                last_ms = max(round(frame.timestamp_s * 1000.0), last_ms + 1)
                yield frame, landmarker.detect_for_video(image, last_ms)
            else:
                yield frame, landmarker.detect(image)
        return

    idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for landmarker in landmarkers:
        idle.put(landmarker)

    def detect(image: Any) -> Any:
        landmarker = idle.get()
        try:
            return landmarker.detect(image)
        finally:
            idle.put(landmarker)

    limit = _FRAMES_IN_FLIGHT_PER_WORKER * len(landmarkers)
    pending: deque[tuple[Frame, Future[Any]]] = deque()
    with ThreadPoolExecutor(max_workers=len(landmarkers), thread_name_prefix="pose") as pool:
        for frame in source:
            pending.append((frame, pool.submit(detect, image_of(frame))))
            if len(pending) >= limit:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def _landmark_array(person: Any) -> np.ndarray:
    """One MediaPipe pose as (33, 5): normalised x, y, z, visibility, presence."""
    return np.array([(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in person])


def _grow(array: np.ndarray, *, fill: float) -> np.ndarray:
    """Double the first axis of a preallocated array (header frame count was low)."""
    extra = np.full_like(array, fill)
    return np.concatenate([array, extra], axis=0)
