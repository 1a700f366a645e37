"""Benchmark inputs: treadmill clips rendered by :mod:`formcheck.synthetic`.

Made at run time in a temporary folder (nothing is written into the
repository): a 720p30 and a 1080p60 clip of the synthetic runner on a
treadmill. Drawing a 1080p frame takes about half a second on the shared
2-core machine, so one stride is drawn and looped: at 180 steps/min a
stride lasts 2/3 s, exactly 20 frames at 30 fps and 40 at 60 fps, so the
loop is seamless (a treadmill runner without drift). The frames are encoded
once with libx264 (crf 20, preset veryfast, yuv420p). MediaPipe detects the
rendered runner on every frame, so the pose pass does its real work.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from formcheck.synthetic.camera import CameraParams
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.render import iter_frames

CADENCE_SPM = 180.0  # one stride = 2/3 s: a whole number of frames at 30 and 60 fps
ENCODE_CRF = 20
ENCODE_PRESET = "veryfast"


@dataclass(frozen=True)
class ClipSpec:
    """One rendered input."""

    name: str
    width: int
    height: int
    fps: float

    def camera(self) -> CameraParams:
        """A side-view treadmill camera whose runner fills most of the height."""
        scale = self.height / 720.0
        return CameraParams(
            width=self.width,
            height=self.height,
            scale_px_per_m=340.0 * scale,
            ground_origin_px=(self.width / 2.0, self.height - 30.0 * scale),
        )


CLIPS = {
    "720p30": ClipSpec("720p30", 1280, 720, 30.0),
    "1080p60": ClipSpec("1080p60", 1920, 1080, 60.0),
}


def stride_frames(spec: ClipSpec) -> list[np.ndarray]:
    """The frames of one stride of the synthetic runner (RGB)."""
    n = round(2 * 60.0 / CADENCE_SPM * spec.fps)
    params = RunnerParams(cadence_spm=CADENCE_SPM)
    return list(iter_frames(params=params, camera=spec.camera(), fps=spec.fps, n_frames=n))


def render(spec: ClipSpec, *, duration_s: float, folder: Path) -> Path:
    """Write ``duration_s`` of the runner at ``spec``'s size and rate (one stride looped)."""
    path = folder / f"{spec.name}_{duration_s:g}s.mp4"
    if path.is_file():
        return path
    stride = stride_frames(spec)
    n = round(duration_s * spec.fps)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(spec.fps).limit_denominator(1001))
        stream.width, stream.height = spec.width, spec.height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(ENCODE_CRF), "preset": ENCODE_PRESET}
        for i in range(n):
            frame = av.VideoFrame.from_ndarray(stride[i % len(stride)], format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path
