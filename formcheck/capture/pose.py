"""Pose estimation: MediaPipe PoseLandmarker over a video, several people per frame.

This stage reads frames (through :mod:`formcheck.capture.video`) and returns every
person candidate per frame; :mod:`formcheck.capture.people` links candidates into
identities and picks the runner. IMAGE mode (every frame on its own) is the
default; see ``docs/pose.md`` for the measurement behind that choice. In
IMAGE mode frames are independent, so several landmarkers run on
consecutive frames in worker threads (MediaPipe releases the GIL while it
infers): on 2 cores this nearly doubles the frame rate, with results
identical to a serial run. VIDEO mode tracks from frame to frame and runs
serially.
"""

from __future__ import annotations

import dataclasses
import os
import queue
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.capture.model_bundle import sha256_file, verify_bundle
from formcheck.capture.motion import FrameDiffer, repeated_frames
from formcheck.capture.pose_parts import PassState, PosePart
from formcheck.capture.roi import (
    SMALL_TARGET_SHARE,
    Box,
    Roi,
    RunnerFollower,
    is_duplicate,
    matches_target,
    same_person,
)
from formcheck.capture.video import Frame, VideoInfo, iter_frames
from formcheck.config import PoseConfig
from formcheck.errors import ConfigError, ModelError
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.progress import NullProgress, ProgressReporter

# Most worker threads used by default (each holds its own landmarker).
_MAX_DEFAULT_WORKERS = 4
# Frames in flight per worker (decoded, waiting for or in inference).
_FRAMES_IN_FLIGHT_PER_WORKER = 2
# The crop for frame f is planned from landmarks of frames up to f - this;
# frames in flight are capped at it, so those frames are always finished.
ROI_LAG_FRAMES = _MAX_DEFAULT_WORKERS * _FRAMES_IN_FLIGHT_PER_WORKER
# Frames the followed runner may go unseen before the moving region is used again.
_MAX_UNSEEN_FRAMES = 15


@dataclass(frozen=True)
class Detections:
    """Every pose candidate MediaPipe returned, frame by frame.

    Attributes
    ----------
    xy_px : ndarray of float32, shape (n_frames, n_slots, 33, 2)
        Image coordinates in pixels; NaN in empty slots. The first
        ``num_poses`` slots are the whole frame's candidates in MediaPipe's
        order (no identity); with ``runner_crop`` one more slot holds the
        candidate found on the crop around the runner (:mod:`formcheck.capture.roi`),
        mapped back to frame pixels.
    z, visibility, presence : ndarray of float32, shape (n_frames, n_slots, 33)
    timestamps_s : ndarray, shape (n_frames,)
    info : VideoInfo
    model_id : str
        First 12 hex digits of the bundle's sha256.
    settings : PoseConfig
    crop_px : ndarray, shape (n_frames, 4)
        ``[x0, y0, width, height]`` of the crop the pose model ran on, NaN on
        frames where it ran on the whole frame only.
    repeated : ndarray of bool, shape (n_frames,)
        The frame repeats the one before (:mod:`formcheck.capture.motion`).
    """

    xy_px: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    timestamps_s: np.ndarray
    info: VideoInfo
    model_id: str
    settings: PoseConfig
    crop_px: np.ndarray | None = None
    repeated: np.ndarray | None = None


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
    resume: PosePart | None = None,
    on_part: Callable[[PosePart], None] | None = None,
    part_frames: int = 0,
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
        :func:`formcheck.capture.video.iter_frames_between`); default every frame
        of ``info``. ``info.n_frames`` should then be their number.
    resume : PosePart, optional
        Frames already done by an interrupted pass (:mod:`formcheck.capture.pose_parts`):
        the pass carries on from its end with its state restored, decoding
        from the frame after it.
    on_part : callable, optional
        Called with each finished :class:`~formcheck.capture.pose_parts.PosePart`:
        every ``part_frames`` frames from frame 0, and once at the end
        (``final``, possibly empty), so a caller can checkpoint the pass.
    part_frames : int
        Frames per part (0: no parts).

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
    first = 0 if resume is None else resume.stop
    n_alloc = max(info.n_frames, first, 1)
    crops = settings.runner_crop and settings.running_mode == "image"
    slots = settings.num_poses + (1 if crops else 0)
    # float32: MediaPipe's own precision, and half the memory of a long video.
    xy = np.full((n_alloc, slots, NUM_LANDMARKS, 2), np.nan, dtype=np.float32)
    zvp = np.zeros((n_alloc, slots, NUM_LANDMARKS, 3), dtype=np.float32)
    zvp[..., 0] = np.nan
    crop_px = np.full((n_alloc, 4), np.nan)
    times: list[float] = []
    carry = _Carry(info, part_frames=part_frames if on_part is not None else 0)
    if resume is not None:
        xy[:first], zvp[:first], crop_px[:first] = resume.xy_px, resume.zvp, resume.crop_px
        times = resume.timestamps_s.tolist()
        carry.restore(resume)
    workers = worker_count(settings)
    part_start = first
    with ExitStack() as stack:
        landmarkers = [
            stack.enter_context(_create_landmarker(PoseLandmarker, model_path, settings))
            for _ in range(workers)
        ]
        label = f"pose, resumed at frame {first}" if first else "pose"
        progress.start(total=max(info.n_frames - first, 0), label=label)
        last_pts = None if resume is None else resume.state.last_pts
        source = (
            frames
            if frames is not None
            else iter_frames(info, from_index=first, after_pts=last_pts)
        )
        # Closed before the landmarkers (the stack unwinds in reverse): on an
        # exception (Ctrl-C, a failing part hook) its thread pool first waits
        # for the detections in flight, which a closed landmarker would crash.
        found_frames = stack.enter_context(
            closing(
                _landmark_frames(
                    info, source, landmarkers, settings, on_frame=on_frame, carry=carry, crops=crops
                )
            )
        )
        for frame, found in found_frames:
            if frame.index >= xy.shape[0]:
                xy, zvp = _grow(xy, fill=np.nan), _grow(zvp, fill=0.0)
                crop_px = _grow(crop_px, fill=np.nan)
                zvp[frame.index :, ..., 0] = np.nan
            for slot, person in enumerate(found.people[: settings.num_poses]):
                xy[frame.index, slot], zvp[frame.index, slot] = person[:, :2], person[:, 2:]
            if found.crop_person is not None:
                xy[frame.index, -1] = found.crop_person[:, :2]
                zvp[frame.index, -1] = found.crop_person[:, 2:]
            if found.crop is not None:
                crop_px[frame.index] = found.crop.as_array()
            times.append(frame.timestamp_s)
            progress.advance()
            if on_part is not None and carry.is_boundary(frame.index + 1):
                arrays = (xy, zvp, crop_px, times)
                on_part(carry.part(arrays, part_start, frame.index + 1, last_pts=frame.pts))
                part_start = frame.index + 1
            last_pts = frame.pts
    progress.finish()
    n = len(times)
    if on_part is not None:
        final = carry.part((xy, zvp, crop_px, times), part_start, n, last_pts=last_pts)
        on_part(dataclasses.replace(final, final=True))
    differ = carry.differ
    return Detections(
        xy_px=xy[:n],
        z=zvp[:n, ..., 0],
        visibility=zvp[:n, ..., 1],
        presence=zvp[:n, ..., 2],
        timestamps_s=np.asarray(times, dtype=float),
        info=info,
        model_id=model_id_of(model_path),
        settings=settings,
        crop_px=crop_px[:n],
        repeated=differ.repeated()[:n],
    )


class _Carry:
    """The state a pose pass carries across frames, and snapshots of it at part ends.

    The differencer's state is taken when a part's last frame is decoded
    (decoding runs ahead of inference in IMAGE mode); the follower's and
    the VIDEO-mode clock's when that frame's landmarks are in, which is
    when the part is made.
    """

    def __init__(self, info: VideoInfo, *, part_frames: int) -> None:
        self.differ = FrameDiffer(frame_width=info.width, fps=info.fps)
        self.follower = RunnerFollower(
            frame_width=info.width,
            frame_height=info.height,
            lag_frames=ROI_LAG_FRAMES,
            max_unseen_frames=_MAX_UNSEEN_FRAMES,
        )
        self.last_ms = -1
        self.part_frames = part_frames
        self._differ_at: dict[int, tuple[np.ndarray | None, np.ndarray | None]] = {}

    def restore(self, part: PosePart) -> None:
        """Carry on from the end of ``part``."""
        state = part.state
        self.differ.previous = state.differ_previous
        self.differ.memory = state.differ_memory
        self.differ.diffs = part.diffs.tolist()
        self.follower.history = list(state.follower_history)
        self.last_ms = state.last_ms

    def is_boundary(self, stop: int) -> bool:
        """Whether a part ends before frame ``stop``."""
        return self.part_frames > 0 and stop % self.part_frames == 0

    def _differ_state(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        d = self.differ
        return (
            None if d.previous is None else d.previous.copy(),
            None if d.memory is None else d.memory.copy(),
        )

    def decoded(self, index: int) -> None:
        """Frame ``index`` went through the differencer."""
        if self.is_boundary(index + 1):
            self._differ_at[index + 1] = self._differ_state()

    def part(
        self, arrays: tuple[Any, ...], start: int, stop: int, *, last_pts: int | None
    ) -> PosePart:
        """Frames ``[start, stop)`` of the pass's arrays ``(xy, zvp, crop_px, times)``."""
        xy, zvp, crop_px, times = arrays
        at = self._differ_at.pop(stop, None)
        previous, memory = at if at is not None else self._differ_state()
        state = PassState(
            last_pts=last_pts,
            last_ms=self.last_ms,
            differ_previous=previous,
            differ_memory=memory,
            follower_history=list(self.follower.history),
        )
        return PosePart(
            start,
            xy[start:stop].copy(),
            zvp[start:stop].copy(),
            crop_px[start:stop].copy(),
            np.asarray(times[start:stop], dtype=float),
            np.asarray(self.differ.diffs[start:stop], dtype=float),
            state,
        )


def detections_of_part(
    part: PosePart, *, info: VideoInfo, model_id: str, settings: PoseConfig
) -> Detections:
    """The :class:`Detections` of a whole pass rebuilt from its checkpointed parts.

    ``part`` holds every frame from 0 (:func:`~formcheck.capture.pose_parts.join_parts`).
    """
    if part.start != 0:
        raise ValueError(f"detections_of_part: expected a part from frame 0, got {part.start}")
    return Detections(
        xy_px=part.xy_px,
        z=part.zvp[..., 0],
        visibility=part.zvp[..., 1],
        presence=part.zvp[..., 2],
        timestamps_s=part.timestamps_s,
        info=info,
        model_id=model_id,
        settings=settings,
        crop_px=part.crop_px,
        repeated=repeated_frames(part.diffs),
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


@dataclass(frozen=True)
class _Found:
    """One frame's candidates, each (33, 5): x, y in frame pixels, z, visibility, presence.

    ``crop`` is the region the model also ran on (None: whole frame only);
    ``crop_person`` the candidate kept from it (None: nobody new there).
    """

    people: list[np.ndarray]
    crop: Roi | None = None
    crop_person: np.ndarray | None = None


def _detect_frame(landmarker: Any, rgb: np.ndarray, roi: Roi | None) -> _Found:
    """The whole frame, then the crop ``roi`` when no candidate covers it or it is small.

    For a small target (under :data:`~formcheck.capture.roi.SMALL_TARGET_SHARE` of
    the frame height) the crop always runs and its candidate replaces the
    whole frame's copy of the same person: at full resolution its landmarks
    are the better ones (on ``sprint_start_b4`` the whole frame's torso of
    the sprinting runner read 54-100 px, the crop's 40-48 px).
    """
    import mediapipe as mp

    height, width = rgb.shape[:2]
    result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    people = []
    for person in result.pose_landmarks:
        arr = _landmark_array(person)
        arr[:, 0] *= width
        arr[:, 1] *= height
        people.append(arr)
    if roi is None:
        return _Found(people)
    small = roi.target[3] - roi.target[1] < SMALL_TARGET_SHARE * height
    if not small and matches_target([p[:, :2] for p in people], roi):
        return _Found(people)
    image = mp.Image(image_format=mp.ImageFormat.SRGB, data=roi.crop(rgb))
    found = []
    for person in landmarker.detect(image).pose_landmarks:
        arr = _landmark_array(person)
        arr[:, :2] = roi.to_frame_px(arr[:, :2])
        arr[:, 2] = roi.to_frame_z(arr[:, 2], frame_width=width)
        found.append(arr)
    centre = np.array([(roi.target[0] + roi.target[2]) / 2, (roi.target[1] + roi.target[3]) / 2])
    found.sort(key=lambda a: float(np.linalg.norm(np.nanmean(a[:, :2], axis=0) - centre)))
    best = found[0] if found else None
    if best is not None and small:
        people = [p for p in people if not same_person(p[:, :2], best[:, :2])]
    elif best is not None and is_duplicate(best[:, :2], [p[:, :2] for p in people]):
        best = None
    return _Found(people, roi, best)


def _landmark_frames(
    info: VideoInfo,
    source: Iterable[Frame],
    landmarkers: list[Any],
    settings: PoseConfig,
    *,
    on_frame: Callable[[int, np.ndarray], None] | None,
    carry: _Carry,
    crops: bool,
) -> Generator[tuple[Frame, _Found], None, None]:
    """Decoded frames with their candidates, in frame order.

    VIDEO mode: one landmarker, inference inline (timestamps must increase),
    whole frames only. IMAGE mode: frames are handed to a thread pool in
    which each call borrows an idle landmarker, with a bounded number of
    frames in flight so memory stays flat; results are yielded in frame
    order. With ``crops``, each frame's crop is planned from the frames at
    least :data:`ROI_LAG_FRAMES` earlier (all finished by then), so the
    result does not depend on the number of workers.
    """
    import mediapipe as mp

    differ = carry.differ

    def decoded() -> Iterator[tuple[Frame, Box | None]]:
        for frame in source:
            if on_frame is not None:
                on_frame(frame.index, frame.rgb)
            differ.add(frame.rgb)
            carry.decoded(frame.index)
            yield frame, (differ.motion_box() if crops else None)

    if settings.running_mode == "video":
        landmarker = landmarkers[0]
        for frame, _ in decoded():
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.rgb)
            # Timestamps must strictly increase, in whole milliseconds.
            carry.last_ms = max(round(frame.timestamp_s * 1000.0), carry.last_ms + 1)
            result = landmarker.detect_for_video(image, carry.last_ms)
            people = [_landmark_array(p) * _px_scale(info) for p in result.pose_landmarks]
            yield frame, _Found(people)
        return

    idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for landmarker in landmarkers:
        idle.put(landmarker)

    def detect(rgb: np.ndarray, roi: Roi | None) -> _Found:
        landmarker = idle.get()
        try:
            return _detect_frame(landmarker, rgb, roi)
        finally:
            idle.put(landmarker)

    follower = carry.follower
    limit = min(_FRAMES_IN_FLIGHT_PER_WORKER * len(landmarkers), ROI_LAG_FRAMES)
    pending: deque[tuple[Frame, Box | None, Future[_Found]]] = deque()

    def finish() -> tuple[Frame, _Found]:
        frame, motion, future = pending.popleft()
        found = future.result()
        follower.update(
            frame.index,
            candidates=[p[:, :2] for p in found.people],
            crop_candidate=None if found.crop_person is None else found.crop_person[:, :2],
            motion_box=motion,
        )
        return frame, found

    with ThreadPoolExecutor(max_workers=len(landmarkers), thread_name_prefix="pose") as pool:
        for frame, motion in decoded():
            roi = follower.plan(frame.index, motion_box=motion) if crops else None
            pending.append((frame, motion, pool.submit(detect, frame.rgb, roi)))
            if len(pending) >= limit:
                yield finish()
        while pending:
            yield finish()


def _px_scale(info: VideoInfo) -> np.ndarray:
    """Multiplier taking a (33, 5) normalised landmark array to frame pixels."""
    return np.array([info.width, info.height, 1.0, 1.0, 1.0])


def _landmark_array(person: Any) -> np.ndarray:
    """One MediaPipe pose as (33, 5): normalised x, y, z, visibility, presence."""
    return np.array([(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in person])


def _grow(array: np.ndarray, *, fill: float) -> np.ndarray:
    """Double the first axis of a preallocated array (header frame count was low)."""
    extra = np.full_like(array, fill)
    return np.concatenate([array, extra], axis=0)
