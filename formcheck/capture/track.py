"""The pose track: what pose estimation hands to the analysis.

A :class:`PoseTrack` is the single data structure shared by the pose stage,
the synthetic runner (which produces tracks with known truth) and the
analysis. It holds one person's landmarks over time in image pixels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from formcheck.landmarks import LEFT_RIGHT_PAIRS, NUM_LANDMARKS


@dataclass(frozen=True)
class PoseTrack:
    """One person's landmarks over a video.

    Attributes
    ----------
    xy_px : ndarray, shape (n_frames, 33, 2)
        Landmark image coordinates in pixels (x right, y down), in the upright
        (rotation-corrected) frame. NaN where the person was not detected.
    z : ndarray, shape (n_frames, 33)
        MediaPipe's relative depth (smaller is nearer the camera), in the same
        normalised units MediaPipe uses (about image width). NaN where missing.
    visibility : ndarray, shape (n_frames, 33)
        Per-landmark visibility score in [0, 1]; 0 where not detected.
    presence : ndarray, shape (n_frames, 33)
        Per-landmark presence score in [0, 1]; 0 where not detected.
    timestamps_s : ndarray, shape (n_frames,)
        Presentation time of each frame in seconds, from the container (real
        timestamps, so variable frame rate is handled), starting near 0.
    fps : float
        Nominal frame rate in frames per second (from the stream).
    width, height : int
        Upright image size in pixels.
    source : str
        Where the track came from: a video path, or ``"synthetic"``.
    model_id : str
        Identifier of the pose model (bundle sha256 prefix) or generator.
    settings : Mapping[str, Any]
        Settings used to produce the track (running mode, thresholds, ...).
    repeated : ndarray of bool, shape (n_frames,), optional
        True where the video frame repeats the one before (a clip storing
        each picture 2-3 times); None when not measured (synthetic tracks).
        Timing should use only frames where it is False; see
        :attr:`unique_fps`.
    """

    xy_px: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    timestamps_s: np.ndarray
    fps: float
    width: int
    height: int
    source: str = ""
    model_id: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)
    repeated: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = self.xy_px.shape[0]
        if self.repeated is not None and self.repeated.shape != (n,):
            raise ValueError(
                f"PoseTrack.repeated: expected shape {(n,)}, got {self.repeated.shape}"
            )
        expected = {
            "xy_px": (n, NUM_LANDMARKS, 2),
            "z": (n, NUM_LANDMARKS),
            "visibility": (n, NUM_LANDMARKS),
            "presence": (n, NUM_LANDMARKS),
            "timestamps_s": (n,),
        }
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise ValueError(f"PoseTrack.{name}: expected shape {shape}, got {actual}")

    def take(self, frames: slice | np.ndarray) -> PoseTrack:
        """The track on a subset of its frames (a slice, indices or a mask).

        ``fps`` is left as it is; a caller taking every k-th frame sets it.
        """
        return dataclasses.replace(
            self,
            xy_px=self.xy_px[frames],
            z=self.z[frames],
            visibility=self.visibility[frames],
            presence=self.presence[frames],
            timestamps_s=self.timestamps_s[frames],
            repeated=None if self.repeated is None else self.repeated[frames],
        )

    @property
    def n_frames(self) -> int:
        """Number of frames in the track."""
        return int(self.xy_px.shape[0])

    @property
    def detected(self) -> np.ndarray:
        """Boolean mask, shape (n_frames,): frames where the person was found."""
        return np.isfinite(self.xy_px[:, :, 0]).any(axis=1)

    @property
    def unique_fps(self) -> float:
        """Frames per second carrying a new picture: ``fps`` times the share of
        frames not repeated (``fps`` when repeats were not measured)."""
        if self.repeated is None or not self.n_frames:
            return float(self.fps)
        return float(self.fps * (self.n_frames - int(self.repeated.sum())) / self.n_frames)

    @property
    def detection_rate(self) -> float:
        """Share of frames with a detection, in [0, 1]."""
        return float(self.detected.mean()) if self.n_frames else 0.0


def swap_sides(values: np.ndarray, frames: np.ndarray | slice) -> np.ndarray:
    """Return a copy of ``values`` with left and right landmarks exchanged.

    Parameters
    ----------
    values : ndarray, shape (n_frames, 33, ...)
        Any per-landmark array (coordinates, visibility, ...).
    frames : ndarray of bool or int, or slice
        Frames where the sides are exchanged.

    Returns
    -------
    ndarray
        Same shape as ``values``.
    """
    out = values.copy()
    for left, right in LEFT_RIGHT_PAIRS:
        out[frames, left] = values[frames, right]
        out[frames, right] = values[frames, left]
    return out
