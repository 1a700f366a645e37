"""A full-mode pose pass in parts: what a checkpoint holds and how parts join.

The pose pass of a whole video is cut into parts of a fixed number of
frames. A :class:`PosePart` holds everything the pass produced for its
frames (every candidate of every slot, the crop, the timestamps and the
frame differences) and the state the pass carries into the next frame
(:class:`PassState`): the last frame's presentation timestamp (where a
resumed decode seeks to), the frame differencer's previous image and
motion memory (:mod:`formcheck.capture.motion`), the runner follower's
recent boxes (:mod:`formcheck.capture.roi`) and the last VIDEO-mode
timestamp. Restoring that state makes a resumed IMAGE-mode pass give
exactly the candidates of an uninterrupted one; the people are linked and
the runner chosen only once the whole video is done, so those too are
exactly the same.

Pure data and conversions; files are written by :mod:`formcheck.checkpoint`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from formcheck.capture.roi import Box

#: Version of the part layout (a checkpoint of another version is not read).
PART_FORMAT_VERSION = 1
_ARRAYS = ("xy_px", "zvp", "crop_px", "timestamps_s", "diffs")


@dataclass(frozen=True)
class PassState:
    """What the pose pass carries from one frame to the next, at a part's end.

    Attributes
    ----------
    last_pts : int or None
        Presentation timestamp of the part's last frame (None: unknown).
    last_ms : int
        Last timestamp given to a VIDEO-mode landmarker, milliseconds (-1: none).
    differ_previous, differ_memory : ndarray or None
        The frame differencer's last small grey image and motion memory.
    follower_history : list of (int, Box)
        The runner follower's recent ``(frame, box)`` records.
    """

    last_pts: int | None = None
    last_ms: int = -1
    differ_previous: np.ndarray | None = None
    differ_memory: np.ndarray | None = None
    follower_history: list[tuple[int, Box]] = field(default_factory=list)


@dataclass(frozen=True)
class PosePart:
    """Frames ``[start, start + n)`` of a pose pass and the state after them.

    Attributes
    ----------
    start : int
        First frame index.
    xy_px : ndarray of float32, shape (n, slots, 33, 2)
    zvp : ndarray of float32, shape (n, slots, 33, 3)
        Depth, visibility and presence.
    crop_px : ndarray, shape (n, 4)
    timestamps_s : ndarray, shape (n,)
    diffs : ndarray, shape (n,)
        Each frame's largest grey difference from the frame before.
    state : PassState
    final : bool
        The part ends the video (the pass was complete).
    """

    start: int
    xy_px: np.ndarray
    zvp: np.ndarray
    crop_px: np.ndarray
    timestamps_s: np.ndarray
    diffs: np.ndarray
    state: PassState
    final: bool = False

    @property
    def stop(self) -> int:
        """One past the last frame index."""
        return self.start + int(self.timestamps_s.shape[0])


def join_parts(parts: list[PosePart]) -> PosePart:
    """One part covering consecutive ``parts`` (the state of the last)."""
    if not parts:
        raise ValueError("join_parts: expected at least one part, got none")
    for a, b in zip(parts, parts[1:], strict=False):
        if b.start != a.stop:
            raise ValueError(f"join_parts: expected a part starting at {a.stop}, got {b.start}")

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts], axis=0)

    return PosePart(
        start=parts[0].start,
        xy_px=cat("xy_px"),
        zvp=cat("zvp"),
        crop_px=cat("crop_px"),
        timestamps_s=cat("timestamps_s"),
        diffs=cat("diffs"),
        state=parts[-1].state,
        final=parts[-1].final,
    )


def part_to_arrays(part: PosePart) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Arrays and JSON-ready metadata of a part (for a checkpoint file pair)."""
    arrays = {name: np.asarray(getattr(part, name)) for name in _ARRAYS}
    state = part.state
    if state.differ_previous is not None and state.differ_memory is not None:
        arrays["differ_previous"] = state.differ_previous
        arrays["differ_memory"] = state.differ_memory
    meta = {
        "format": PART_FORMAT_VERSION,
        "start": part.start,
        "frames": int(part.timestamps_s.shape[0]),
        "final": part.final,
        "last_pts": state.last_pts,
        "last_ms": state.last_ms,
        "follower_history": [[f, list(b)] for f, b in state.follower_history],
    }
    return arrays, meta


def part_from_arrays(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> PosePart:
    """Rebuild a part; raises ValueError when the arrays and metadata disagree."""
    if meta.get("format") != PART_FORMAT_VERSION:
        raise ValueError(f"part format {meta.get('format')}, expected {PART_FORMAT_VERSION}")
    n = int(meta["frames"])
    xy = arrays["xy_px"]
    expected = {
        "xy_px": (n, *xy.shape[1:]),
        "zvp": (n, *xy.shape[1:3], 3),
        "crop_px": (n, 4),
        "timestamps_s": (n,),
        "diffs": (n,),
    }
    for name, shape in expected.items():
        if arrays[name].shape != shape:
            raise ValueError(f"part {name}: expected shape {shape}, got {arrays[name].shape}")
    history: list[tuple[int, Box]] = [
        (int(f), (float(b[0]), float(b[1]), float(b[2]), float(b[3])))
        for f, b in meta["follower_history"]
    ]
    last_pts = meta["last_pts"]
    state = PassState(
        last_pts=None if last_pts is None else int(last_pts),
        last_ms=int(meta["last_ms"]),
        differ_previous=arrays.get("differ_previous"),
        differ_memory=arrays.get("differ_memory"),
        follower_history=history,
    )
    return PosePart(
        start=int(meta["start"]),
        xy_px=arrays["xy_px"],
        zvp=arrays["zvp"],
        crop_px=arrays["crop_px"],
        timestamps_s=arrays["timestamps_s"],
        diffs=arrays["diffs"],
        state=state,
        final=bool(meta["final"]),
    )
