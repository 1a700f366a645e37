"""Shared helpers of the report tests (no tests here).

A "synthetic run" is the pipeline's own analysis (``analyze_clip`` ->
``summarize`` -> ``all_findings`` -> ``build_report``, as ``analyze_run``
does) applied to a synthetic landmark track with known kinematics, so the
report is real without running MediaPipe. The matching video is either the
synthetic runner rendered from the same kinematics (for screenshots) or a
cheap moving-pattern clip of the same size and frame count (when only the
container and the overlay matter).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from formcheck.analysis import AnalysisOptions, ClipAnalysis, analyze_clip
from formcheck.assess.findings import all_findings
from formcheck.assess.summary import summarize
from formcheck.capture.video import VideoInfo, probe_video
from formcheck.config import Config
from formcheck.report.json_report import build_report
from formcheck.synthetic.camera import CameraParams
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.landmarks import synthetic_track
from formcheck.synthetic.render import render_clip

FPS = 60.0
# A runner who leans more as the run goes on, lands ahead of the body on a heel.
SLOUCHING_OVERSTRIDER = RunnerParams(
    trunk_lean_deg=8.0,
    trunk_lean_drift_deg_per_min=10.0,
    shank_angle_ic_deg=14.0,
    knee_flexion_ic_deg=12.0,
    foot_strike_angle_deg=15.0,
)
SMALL_CAMERA = CameraParams(
    width=320, height=240, scale_px_per_m=115.0, ground_origin_px=(160.0, 226.0)
)


@dataclass(frozen=True)
class SyntheticRun:
    """A report made by the pipeline's analysis stages from a synthetic track."""

    report: dict[str, Any]
    clips: list[ClipAnalysis]
    params: RunnerParams
    camera: CameraParams
    duration_s: float


def analyse_tracks(
    tracks: list[Any], *, offsets: list[float], path: str
) -> tuple[dict[str, Any], list[ClipAnalysis]]:
    """Run the analysis stages and build the report, as ``analyze_run`` does."""
    config = Config()
    clips = [
        analyze_clip(t, config=config, options=AnalysisOptions(elapsed_offset_s=o))
        for t, o in zip(tracks, offsets, strict=True)
    ]
    reasons = [c.not_running_reason for c in clips if not c.running]
    not_running = "; ".join(reasons) if len(reasons) == len(clips) else ""
    summary = summarize(clips, config=config)
    findings = all_findings(summary, config.findings, not_running=not_running)
    infos = [{"path": path, "duration_s": t.n_frames / t.fps} for t in tracks]
    report = build_report(
        clips=clips,
        video_infos=infos,
        people=[],
        summary=summary,
        findings=findings,
        config=config,
        not_running_reason=not_running,
    )
    return report, clips


@functools.cache
def synthetic_run(
    *,
    duration_s: float,
    params: RunnerParams = SLOUCHING_OVERSTRIDER,
    camera: CameraParams = SMALL_CAMERA,
    seed: int = 1,
) -> SyntheticRun:
    """One clip's report (cached: callers must not mutate it; deep-copy first)."""
    track, _ = synthetic_track(
        params=params, duration_s=duration_s, fps=FPS, camera=camera, seed=seed
    )
    report, clips = analyse_tracks([track], offsets=[0.0], path="synthetic_run.mp4")
    return SyntheticRun(report, clips, params, camera, duration_s)


def write_pattern_video(path: Path, *, n_frames: int, fps: float, width: int, height: int) -> Path:
    """A quick H.264 clip with a moving gradient (content does not matter)."""
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None, None]
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(n_frames):
            image = np.broadcast_to((x + y * 0.5 + 3 * i) % 256, (height, width, 3))
            frame = av.VideoFrame.from_ndarray(image.astype(np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def pattern_video_for(run: SyntheticRun, path: Path) -> VideoInfo:
    """A pattern clip with the run's frame count, rate and size; probed."""
    clip = run.clips[0]
    write_pattern_video(
        path,
        n_frames=clip.track.n_frames,
        fps=clip.track.fps,
        width=clip.track.width,
        height=clip.track.height,
    )
    return probe_video(path)


def rendered_video_for(run: SyntheticRun, path: Path) -> VideoInfo:
    """The synthetic runner rendered from the run's own kinematics; probed."""
    render_clip(params=run.params, path=path, duration_s=run.duration_s, fps=FPS, camera=run.camera)
    return probe_video(path)
