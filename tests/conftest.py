"""Shared test helpers: tiny clips written with PyAV, footage location, one leg's
contacts from hand-made signals."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.config import GaitConfig
from formcheck.gait.contact import Contact
from formcheck.gait.events import detect_leg_contacts

FOOTAGE_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "footage"


def write_clip(
    path: Path,
    frames: list[np.ndarray] | np.ndarray,
    *,
    fps: int = 30,
    rotation_deg: float | None = None,
    faststart: bool = False,
    crf: int | None = None,
) -> Path:
    """Write RGB frames (N, H, W, 3) as H.264 mp4; optional display rotation."""
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream("libx264", rate=fps)
        if crf is not None:
            stream.options = {"crf": str(crf)}
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        if rotation_deg is not None:
            stream.set_display_rotation(rotation_deg)
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def marker_frames(n: int = 20, *, width: int = 64, height: int = 48) -> np.ndarray:
    """Frames with a white block in the top-left corner and a moving bar."""
    frames = np.zeros((n, height, width, 3), np.uint8)
    frames[:, :10, :20] = 255
    for i in range(n):
        frames[i, -8:, (i * 3) % width] = 200
    return frames


def footage(name: str) -> Path:
    """Path of a clip in ../shared/footage; skips the test when absent."""
    path = FOOTAGE_DIR / name
    if not path.is_file():
        pytest.skip(f"real footage not available: {path}")
    return path


def near_contacts(
    t: np.ndarray,
    height: np.ndarray,
    forward: np.ndarray,
    measured: np.ndarray,
    fps: float,
    stride_s: float,
    heel_forward: np.ndarray | None = None,
) -> list[Contact]:
    """Contacts of one leg from noise-free signals (height is also the raw height).

    Without ``heel_forward`` the ground-speed landing cue has nothing to go
    on, and the landings come from the height alone.
    """
    return detect_leg_contacts(
        height=height,
        raw_height=height,
        forward=forward,
        heel_forward=np.full(t.size, np.nan) if heel_forward is None else heel_forward,
        measured=measured,
        times_s=t,
        fps=fps,
        stride_frames=stride_s * fps,
        leg="near",
        leg_length_px=300.0,
        config=GaitConfig(),
    )
