"""Render a synthetic runner clip to H.264 mp4, with its truth JSON beside it.

``render_clip(..., path="clip.mp4")`` writes ``clip.mp4`` and
``clip.truth.json``. An optional :class:`~formcheck.synthetic.draw.Bystander`
stands still in front of the runner. Encoding is libx264 (yuv420p) through PyAV with one
encoder thread. The same inputs draw the same pictures; repeated encodes on
one PyAV/x264 build have given the same bytes, but one CI run saw two
encodes differ slightly (cause not found), so the tests compare pictures.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from formcheck.synthetic.camera import CameraParams
from formcheck.synthetic.draw import Bystander, RenderStyle, draw_frame
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.landmarks import frame_times_s
from formcheck.synthetic.truth import Truth, compute_truth, write_truth

DEFAULT_CRF = 26
DEFAULT_PRESET = "medium"


def truth_path_for(video_path: str | Path) -> Path:
    """``clip.mp4`` -> ``clip.truth.json``. An optional :class:`~formcheck.synthetic.draw.Bystander`
    stands still in front of the runner."""
    p = Path(video_path)
    return p.with_name(p.stem + ".truth.json")


def iter_frames(
    *,
    params: RunnerParams,
    camera: CameraParams,
    fps: float,
    n_frames: int,
    start_s: float = 0.0,
    style: RenderStyle | None = None,
    bystander: Bystander | None = None,
) -> Iterator[np.ndarray]:
    """Yield the clip's RGB frames, shape (height, width, 3), uint8."""
    for t in frame_times_s(n_frames=n_frames, fps=fps, start_s=start_s):
        yield draw_frame(
            params=params, camera=camera, t_s=float(t), style=style, bystander=bystander
        )


def encode_mp4(
    frames: Iterator[np.ndarray], *, path: str | Path, fps: float, crf: int = DEFAULT_CRF
) -> Path:
    """Encode RGB frames as H.264 (libx264, yuv420p, one thread) in an mp4."""
    import av

    path = Path(path)
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": DEFAULT_PRESET}
        stream.codec_context.thread_count = 1
        first = True
        for image in frames:
            if first:
                stream.height, stream.width = image.shape[:2]
                first = False
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def render_clip(
    *,
    params: RunnerParams,
    path: str | Path,
    duration_s: float,
    fps: float = 60.0,
    camera: CameraParams | None = None,
    style: RenderStyle | None = None,
    start_s: float = 0.0,
    crf: int = DEFAULT_CRF,
    bystander: Bystander | None = None,
) -> Truth:
    """Render ``round(duration_s * fps)`` frames to ``path`` and write the truth beside it.

    Returns
    -------
    Truth
        The clip's truth (noiseless), with ``video`` describing the file.
    """
    camera = camera if camera is not None else CameraParams()
    style = style if style is not None else RenderStyle()
    n = round(duration_s * fps)
    if camera.width % 2 or camera.height % 2:
        raise ValueError("render_clip: yuv420p needs an even width and height")
    frames = iter_frames(
        params=params,
        camera=camera,
        fps=fps,
        n_frames=n,
        start_s=start_s,
        style=style,
        bystander=bystander,
    )
    encode_mp4(frames, path=path, fps=fps, crf=crf)
    truth = compute_truth(params=params, camera=camera, fps=fps, n_frames=n, start_s=start_s)
    truth = dataclasses.replace(
        truth,
        video={
            "file": Path(path).name,
            "codec": "h264 (libx264)",
            "pix_fmt": "yuv420p",
            "crf": crf,
            "preset": DEFAULT_PRESET,
            "width": camera.width,
            "height": camera.height,
            "fps": fps,
            "n_frames": n,
            "style": {
                k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(style).items()
            },
        },
    )
    if bystander is not None:  # only then, so clips without one keep their truth bytes
        video = dict(truth.video or {})
        video["bystander"] = {
            "x_px": bystander.x_px,
            "ground_y_px": bystander.ground_y_px,
            "scale_px_per_m": bystander.scale_px_per_m,
            "facing": bystander.facing,
        }
        truth = dataclasses.replace(truth, video=video)
    write_truth(truth, truth_path_for(path))
    return truth
