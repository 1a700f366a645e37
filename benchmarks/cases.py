"""The measured cases, each run in its own process: ``python -m benchmarks.cases SPEC RESULT``.

- ``decode``: :func:`formcheck.capture.video.iter_frames` over the clip: the floor.
- ``inference``: the product's landmarkers (IMAGE mode, ``num_poses`` 3,
  one thread per core) on frames decoded beforehand and held in memory (the
  first :data:`INFERENCE_FRAMES`): inference alone, no decode.
- ``naive``: the plain loop a user would write: decode a frame, wrap it in
  ``mp.Image``, ``detect_for_video`` (VIDEO mode, one pose), next frame.
- ``pose``: :func:`formcheck.capture.pose.detect_poses` with the default settings.
- ``analyze``: :func:`formcheck.pipeline.analyze_run` into a new folder
  (default config), without or with ``annotated.mp4`` + ``report.html``.
- ``long_track``: an N-minute 60 fps synthetic pose track (no video,
  :func:`formcheck.synthetic.landmarks.long_synthetic_track`) through
  ``analyze_clip`` + ``summarize`` + ``build_report``: memory by length.
"""

from __future__ import annotations

import json
import queue
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.measure import StageTimer, peak_rss_mib

INFERENCE_FRAMES = 60


def _decode(path: str) -> dict[str, Any]:
    from formcheck.capture.video import iter_frames, probe_video

    info = probe_video(path)
    t0, c0, n = time.perf_counter(), time.process_time(), 0
    for _ in iter_frames(info):
        n += 1
    return {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "frames": n}


def _landmarker(mode: str, num_poses: int) -> Any:
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import (
        PoseLandmarker,
        PoseLandmarkerOptions,
        RunningMode,
    )

    from formcheck.capture.model_bundle import verify_bundle

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(verify_bundle(None))),
        running_mode=RunningMode.VIDEO if mode == "video" else RunningMode.IMAGE,
        num_poses=num_poses,
    )
    return PoseLandmarker.create_from_options(options)


def _inference(path: str) -> dict[str, Any]:
    """The product's landmarkers on frames decoded beforehand (no decode in the loop)."""
    import mediapipe as mp

    from formcheck.capture.pose import worker_count
    from formcheck.capture.video import iter_frames, probe_video
    from formcheck.config import PoseConfig

    images = []
    for frame in iter_frames(probe_video(path)):
        images.append(mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.rgb))
        if len(images) >= INFERENCE_FRAMES:
            break
    workers = worker_count(PoseConfig())
    marks = [_landmarker("image", 3) for _ in range(workers)]
    idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for m in marks:
        idle.put(m)

    def detect(image: Any) -> Any:
        m = idle.get()
        try:
            return m.detect(image)
        finally:
            idle.put(m)

    detect(images[0])  # first call allocates
    t0, c0 = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = sum(len(r.pose_landmarks) > 0 for r in pool.map(detect, images))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    for m in marks:
        m.close()
    return {"wall_s": wall, "cpu_s": cpu, "frames": len(images), "detected": found / len(images)}


def _naive(path: str) -> dict[str, Any]:
    """Decode, wrap, detect_for_video, frame after frame (VIDEO mode, one pose)."""
    import mediapipe as mp

    from formcheck.capture.video import iter_frames, probe_video

    info = probe_video(path)
    with _landmarker("video", 1) as landmarker:
        t0, c0, n, found = time.perf_counter(), time.process_time(), 0, 0
        for frame in iter_frames(info):
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=frame.rgb)
            result = landmarker.detect_for_video(image, round(frame.timestamp_s * 1000) + n)
            found += len(result.pose_landmarks) > 0
            n += 1
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"wall_s": wall, "cpu_s": cpu, "frames": n, "detected": found / max(n, 1)}


def _pose(path: str) -> dict[str, Any]:
    from formcheck.capture.pose import detect_poses
    from formcheck.capture.video import probe_video
    from formcheck.config import PoseConfig

    timer = StageTimer()
    t0, c0 = time.perf_counter(), time.process_time()
    det = detect_poses(probe_video(path), settings=PoseConfig(), progress=timer)
    detected = float((det.visibility.max(axis=(1, 2)) > 0).mean())
    return {
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
        "loop_s": timer.seconds["pose"],
        "frames": timer.frames["pose"],
        "detected": detected,
    }


def _analyze(path: str, visual: bool, tmp: str) -> dict[str, Any]:
    from formcheck.analysis import AnalysisOptions
    from formcheck.config import Config
    from formcheck.pipeline import analyze_run

    out = Path(tempfile.mkdtemp(prefix="analyze_", dir=tmp)) / "out"
    timer = StageTimer()
    t0, c0 = time.perf_counter(), time.process_time()
    analyze_run(
        [Path(path)],
        config=Config(),
        options=[AnalysisOptions()],
        out_dir=out,
        progress=timer,
        annotated_video=visual,
        html=visual,
    )
    return {
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
        "stages_s": timer.seconds,
        "stage_frames": timer.frames,
        "until_pose_s": timer.first_start - t0,
    }


def _long_track(minutes: float) -> dict[str, Any]:
    from formcheck.analysis import analyze_clip
    from formcheck.assess.findings import all_findings
    from formcheck.assess.summary import summarize
    from formcheck.config import Config
    from formcheck.report.json_report import build_report
    from formcheck.synthetic.kinematics import RunnerParams
    from formcheck.synthetic.landmarks import long_synthetic_track

    track = long_synthetic_track(params=RunnerParams(), duration_s=60.0 * minutes, fps=60.0)
    before = peak_rss_mib()
    config = Config()
    t0 = time.perf_counter()
    clip = analyze_clip(track, config=config)
    summary = summarize([clip], config=config)
    findings = all_findings(summary, config.findings)
    build_report(
        clips=[clip],
        video_infos=[
            {"path": "synthetic", "duration_s": 60.0 * minutes, "rotation_deg": 0, "codec": "-"}
        ],
        people=[],
        summary=summary,
        findings=findings,
        config=config,
        not_running_reason="",
    )
    return {
        "wall_s": time.perf_counter() - t0,
        "frames": track.n_frames,
        "strides": len(clip.strides),
        "rss_before_analysis_mib": before,
    }


def run_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the case ``spec`` describes (in this process) and add its peak memory."""
    kind = spec["kind"]
    if kind == "decode":
        result = _decode(spec["video"])
    elif kind == "inference":
        result = _inference(spec["video"])
    elif kind == "naive":
        result = _naive(spec["video"])
    elif kind == "pose":
        result = _pose(spec["video"])
    elif kind == "analyze":
        result = _analyze(spec["video"], spec["visual"], spec["tmp"])
    elif kind == "long_track":
        result = _long_track(spec["minutes"])
    else:
        raise ValueError(f"unknown case kind {kind!r}")
    result["peak_rss_mib"] = peak_rss_mib()
    return result


if __name__ == "__main__":
    spec_path, result_path = Path(sys.argv[1]), Path(sys.argv[2])
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    result_path.write_text(json.dumps(run_worker(spec)), encoding="utf-8")
