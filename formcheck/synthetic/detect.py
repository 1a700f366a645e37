"""Run MediaPipe's PoseLandmarker on frames: checks of the rendered runner.

Used by the integration tests, the sample generator's detection check and
``tools/measure_bias.py``. Deliberately independent of the analysis pipeline:
it calls ``mediapipe.tasks.python.vision.PoseLandmarker`` directly (as a
context manager) with the bundle :func:`formcheck.capture.model_bundle.verify_bundle`
returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from formcheck.capture.model_bundle import verify_bundle
from formcheck.landmarks import NUM_LANDMARKS

Mode = Literal["video", "image"]


@dataclass(frozen=True)
class Detections:
    """Landmarks of the first detected person per frame.

    Attributes
    ----------
    xy_px : ndarray, shape (n, 33, 2)
        Pixels; NaN where nobody was detected.
    visibility : ndarray, shape (n, 33)
        0 where nobody was detected.
    mode : {"video", "image"}
    """

    xy_px: np.ndarray
    visibility: np.ndarray
    mode: Mode

    @property
    def detected(self) -> np.ndarray:
        """Boolean (n,): frames with a detection."""
        return np.isfinite(self.xy_px[:, :, 0]).all(axis=1)

    @property
    def detection_rate(self) -> float:
        """Share of frames with a detection."""
        return float(self.detected.mean()) if self.detected.size else 0.0


def read_video_frames(path: str | Path) -> Iterator[np.ndarray]:
    """Decode a video's frames as RGB arrays (PyAV)."""
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24")


def detect_frames(
    frames: Iterable[np.ndarray],
    *,
    fps: float,
    mode: Mode = "video",
    model_path: Path | None = None,
) -> Detections:
    """Run PoseLandmarker (one pose) on RGB frames.

    Parameters
    ----------
    frames : iterable of ndarray, shape (h, w, 3), uint8
    fps : float
        Frame rate, for VIDEO-mode timestamps (frame i at ``round(1000 i / fps)`` ms).
    mode : {"video", "image"}
    model_path : Path, optional
        Bundle; the verified default when omitted.

    Raises
    ------
    formcheck.errors.ModelError
        The bundle is missing or altered (run ``formcheck setup``).
    """
    import mediapipe as mp
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import (
        PoseLandmarker,
        PoseLandmarkerOptions,
        RunningMode,
    )

    bundle = verify_bundle(model_path)
    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(bundle)),
        running_mode=RunningMode.VIDEO if mode == "video" else RunningMode.IMAGE,
        num_poses=1,
    )
    xy: list[np.ndarray] = []
    vis: list[np.ndarray] = []
    with PoseLandmarker.create_from_options(options) as landmarker:
        for i, rgb in enumerate(frames):
            h, w = rgb.shape[:2]
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
            if mode == "video":
                result = landmarker.detect_for_video(image, round(1000.0 * i / fps))
            else:
                result = landmarker.detect(image)
            if result.pose_landmarks:
                person = result.pose_landmarks[0]
                arr = np.array([(p.x * w, p.y * h, p.visibility or 0.0) for p in person])
                xy.append(arr[:, :2])
                vis.append(arr[:, 2])
            else:
                xy.append(np.full((NUM_LANDMARKS, 2), np.nan))
                vis.append(np.zeros(NUM_LANDMARKS))
    return Detections(
        np.array(xy).reshape(-1, NUM_LANDMARKS, 2), np.array(vis).reshape(-1, NUM_LANDMARKS), mode
    )


def detect_video(path: str | Path, *, fps: float, mode: Mode = "video") -> Detections:
    """:func:`detect_frames` on a video file's decoded frames."""
    return detect_frames(read_video_frames(path), fps=fps, mode=mode)
