"""Orchestration: the one place where the stages are called in order.

Compute stages are pure; this module does the I/O around them (video,
cache, output folder) and hands data from one stage to the next.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formcheck.capture.people import Person, choose_runner, link_people, person_track
from formcheck.capture.pose import detect_poses, model_id_of
from formcheck.capture.track import PoseTrack
from formcheck.capture.track_io import cache_key, load_track, save_track
from formcheck.capture.video import VideoInfo, iter_frames, probe_video
from formcheck.config import Config
from formcheck.errors import FormcheckError, NoPersonError, VideoError
from formcheck.gait.horizon import LINE_ROLL_METHOD, LineRoll, roll_from_lines, runner_mask
from formcheck.progress import NullProgress, ProgressReporter
from formcheck.report.draw import OTHER_PERSON_COLOUR, bounding_box, draw_skeleton, put_label
from formcheck.report.json_report import clean_json

POSE_CACHE_NAME = "pose_track.npz"
PEOPLE_NAME = "people.json"


@dataclass(frozen=True)
class PoseResult:
    """The runner's pose track and how the runner was chosen.

    Attributes
    ----------
    info : VideoInfo
    track : PoseTrack
        The runner's landmarks.
    people : list of dict
        One summary per person seen: coverage, leg cycling, runner score.
    runner_index : int
        Index into ``people`` of the analysed person.
    preview_frame : int
        Frame chosen to show everyone detected (most people in view).
    from_cache : bool
        True when inference was skipped because a valid cache was found.
    resumed_at_frame : int
        Frame the pose pass resumed at from checkpoints (0: from the start).
    """

    info: VideoInfo
    track: PoseTrack
    people: list[dict[str, Any]]
    runner_index: int
    preview_frame: int
    from_cache: bool
    line_roll: LineRoll | None = None
    preview_image: np.ndarray | None = None
    preview_scale: float = 1.0
    resumed_at_frame: int = 0


# Frames sampled across a video for the scene-line roll estimate.
_LINE_SAMPLES = 8
_LINE_SAMPLE_WIDTH_PX = 960


class _FrameSampler:
    """Keeps downscaled copies of a few evenly spaced frames during the pose pass."""

    def __init__(self, n_frames: int) -> None:
        self.wanted = {int(i) for i in np.linspace(0, max(n_frames - 1, 0), _LINE_SAMPLES)}
        self.frames: dict[int, tuple[np.ndarray, float]] = {}

    def __call__(self, index: int, rgb: np.ndarray) -> None:
        if index in self.wanted:
            scale = min(1.0, _LINE_SAMPLE_WIDTH_PX / rgb.shape[1])
            small = (
                cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                if scale < 1
                else rgb.copy()
            )
            self.frames[index] = (small, scale)

    def line_roll(self, track: PoseTrack) -> LineRoll:
        """Roll from scene lines with the runner masked out."""
        images, masks = [], []
        for index, (image, scale) in sorted(self.frames.items()):
            images.append(image)
            masks.append(runner_mask(image.shape, track.xy_px[index] * scale))
        return roll_from_lines(images, excludes=masks)


def _people_summary(people: list[Person]) -> list[dict[str, Any]]:
    return [
        {
            "person": i,
            "coverage": round(p.coverage, 4),
            "leg_cycling": round(p.leg_cycling, 4),
            "runner_score": round(p.score, 4),
            "mean_height_px": round(p.mean_height_px, 1),
            "frames": [int(f) for f in p.frames[[0, -1]]] if p.coverage > 0 else [],
        }
        for i, p in enumerate(people)
    ]


def _pose_settings(config: Config) -> dict[str, Any]:
    pose = config.pose
    return {
        "running_mode": pose.running_mode,
        "num_poses": pose.num_poses,
        "min_detection_confidence": pose.min_detection_confidence,
        "min_presence_confidence": pose.min_presence_confidence,
        "min_tracking_confidence": pose.min_tracking_confidence,
        "runner_crop": pose.runner_crop,
    }


def extract_pose(
    video_path: str | Path,
    *,
    config: Config,
    cache_dir: Path | None = None,
    progress: ProgressReporter | None = None,
    resume_dir: Path | None = None,
    on_part: Any = None,
) -> PoseResult:
    """Probe a video, run pose estimation (or reuse the cache) and pick the runner.

    Parameters
    ----------
    video_path : str or Path
    config : Config
    cache_dir : Path, optional
        Folder holding ``pose_track.npz`` and ``people.json`` from an earlier
        run; reused when the video, model and pose settings match.
    progress : ProgressReporter, optional
    resume_dir : Path, optional
        Checkpoint folder of this video (:mod:`formcheck.capture.pose_resume`):
        the pose pass is written there in parts of
        ``long_run.checkpoint_every_s`` seconds and resumed from the parts
        found there. Without it the pass is not checkpointed.
    on_part : callable, optional
        Called after each checkpointed part as ``(part index, frames done)``.
    """
    from formcheck.capture.model_bundle import verify_bundle

    info = probe_video(video_path)
    model_path = verify_bundle(Path(config.pose.model_path) if config.pose.model_path else None)
    model_id = model_id_of(model_path)
    key = cache_key(video_path=info.path, model_id=model_id, settings=_pose_settings(config))
    if cache_dir is not None and (cache_dir / POSE_CACHE_NAME).is_file():
        cached = _read_cache(cache_dir, key)
        if cached is not None:
            track, meta = cached
            lines = meta.get("line_roll")
            line_roll = None
            if lines:
                line_roll = _line_roll_from_json(lines)
            return PoseResult(
                info,
                track,
                meta["people"],
                meta["runner_index"],
                meta["preview_frame"],
                True,
                line_roll,
            )
    sampler = _FrameSampler(info.n_frames)
    resumed_at = 0
    if resume_dir is None:
        det = detect_poses(
            info, settings=config.pose, progress=progress or NullProgress(), on_frame=sampler
        )
    else:
        det, resumed_at = _resumable_pass(
            info,
            config,
            (key, model_id),
            resume_dir,
            sampler,
            progress=progress,
            on_part=on_part,
        )
    people = link_people(det)
    runner = choose_runner(people, source=str(info.path))
    track = person_track(det, people[runner], source=str(info.path))
    counts = (det.visibility.max(axis=2) > 0).sum(axis=1)
    # The preview is one of the frames kept during the pose pass (the one
    # showing most people), so writing it needs no second decode.
    sampled = sorted(sampler.frames)
    preview = max(sampled, key=lambda i: counts[i] + 1e-3 * track.detected[i]) if sampled else 0
    image, scale = sampler.frames.get(preview, (None, 1.0))
    return PoseResult(
        info,
        track,
        _people_summary(people),
        runner,
        preview,
        False,
        sampler.line_roll(track),
        image,
        scale,
        resumed_at,
    )


def _resumable_pass(
    info: VideoInfo,
    config: Config,
    keys: tuple[str, str],
    resume_dir: Path,
    sampler: _FrameSampler,
    *,
    progress: ProgressReporter | None,
    on_part: Any,
) -> tuple[Any, int]:
    """The pose pass checkpointed in ``resume_dir``: (Detections, frame resumed at).

    ``keys`` are the pose cache key and the model id.
    """
    from formcheck.capture.pose_resume import (
        full_job_key,
        part_frames_for,
        resumable_detect_poses,
    )
    from formcheck.checkpoint import CheckpointStore

    key, model_id = keys
    part_frames = part_frames_for(fps=info.fps, every_s=config.long_run.checkpoint_every_s)
    store = CheckpointStore(resume_dir, key=full_job_key(video_key=key, part_frames=part_frames))
    return resumable_detect_poses(
        info,
        settings=config.pose,
        model_id=model_id,
        store=store,
        part_frames=part_frames,
        samples=sampler.frames,
        on_frame=sampler,
        progress=progress,
        on_part=on_part,
    )


def _line_roll_from_json(data: dict[str, Any]) -> LineRoll:
    """Rebuild the cached scene-line roll (null numbers were NaN)."""

    def num(key: str) -> float:
        value = data.get(key)
        return float("nan") if value is None else float(value)

    return LineRoll(
        roll_deg=num("roll_deg"),
        spread_deg=num("spread_deg"),
        n_segments=int(data.get("n_segments") or 0),
        total_length=num("total_length"),
    )


def _read_cache(cache_dir: Path, key: str) -> tuple[PoseTrack, dict[str, Any]] | None:
    try:
        track, found_key = load_track(cache_dir / POSE_CACHE_NAME)
        meta = json.loads((cache_dir / PEOPLE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, FormcheckError):
        return None  # a missing or damaged cache is only a cache miss
    if found_key != key or "runner_index" not in meta:
        return None
    if meta.get("line_roll_method") != LINE_ROLL_METHOD:
        return None  # the scene-line roll was measured by an older method
    return track, meta


def write_pose_outputs(result: PoseResult, out_dir: Path) -> None:
    """Write the pose cache, people summary and the people preview image."""
    from formcheck.capture.track_io import write_track_csv

    key = cache_key(
        video_path=result.info.path,
        model_id=result.track.model_id,
        settings=dict(result.track.settings),
    )
    save_track(result.track, out_dir / POSE_CACHE_NAME, key=key)
    write_track_csv(result.track, out_dir / "pose.csv")
    meta = {
        "people": result.people,
        "runner_index": result.runner_index,
        "preview_frame": result.preview_frame,
        "line_roll": dataclasses.asdict(result.line_roll) if result.line_roll else None,
        "line_roll_method": LINE_ROLL_METHOD,
    }
    meta = clean_json(meta, digits=6)
    (out_dir / PEOPLE_NAME).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    image = render_people_preview(result)
    if image is not None:
        cv2.imwrite(str(out_dir / "people.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))


def read_frame(info: VideoInfo, index: int) -> np.ndarray | None:
    """Decode frames up to ``index`` and return that frame (RGB), or None."""
    for frame in iter_frames(info):
        if frame.index == index:
            return frame.rgb
    return None


def render_people_preview(result: PoseResult) -> np.ndarray | None:
    """The preview frame with the analysed runner boxed and labelled."""
    scale = result.preview_scale
    image = result.preview_image
    if image is None:  # from the cache: decode the one frame
        image, scale = read_frame(result.info, result.preview_frame), 1.0
    if image is None:
        return None
    image = image.copy()
    xy = result.track.xy_px[result.preview_frame] * scale
    draw_skeleton(image, xy, colour=None, thickness=max(2, image.shape[1] // 400))
    box = bounding_box(xy)
    if box is not None:
        cv2.rectangle(image, box[:2], box[2:], (0, 255, 0), 3)
        put_label(image, f"analysed: person {result.runner_index}", (box[0], max(box[1] - 8, 20)))
    put_label(
        image,
        f"people seen: {len(result.people)}",
        (10, image.shape[0] - 12),
        colour=OTHER_PERSON_COLOUR,
    )
    return image


@dataclass(frozen=True)
class RunResult:
    """What ``formcheck analyze`` produced for one run."""

    report: dict[str, Any]
    clips: list[Any]
    pose: list[PoseResult]
    out_dir: Path


def analyze_run(
    videos: list[Path],
    *,
    config: Config,
    options: list[Any],
    out_dir: Path,
    progress: ProgressReporter | None = None,
    annotated_video: bool = True,
    html: bool = True,
    on_window: Any = None,
    athlete: dict[str, Any] | None = None,
    on_part: Any = None,
) -> RunResult:
    """Analyse one run (one video, or several clips of it) and write its outputs.

    Everything is written into a staging folder that replaces ``out_dir``
    only when complete. Pose tracks cached in an earlier ``out_dir`` are
    reused when the video, model and pose settings match. ``out_dir`` is
    checked first (:func:`formcheck.outdir.check_output_dir`): an
    :class:`~formcheck.errors.OutputError` comes before the pose pass.

    Parameters
    ----------
    videos : list of Path
    config : Config
    options : list of AnalysisOptions
        One per video (capture fps, belt speed, height, elapsed offset).
    out_dir : Path
    progress : ProgressReporter, optional
    annotated_video, html : bool
        Whether to render ``annotated.mp4`` and ``report.html``.
    on_window : callable, optional
        Long-run mode: called after each window as ``(index, from_checkpoint)``.
    athlete : dict, optional
        The athlete's own answers from the web upload page (``name``,
        ``height_cm``, ``belt_speed_kmh``, ``shoe_km``, ``surface``,
        ``training_changes``, ``where_it_hurts``): stored as ``report.json``'s
        ``athlete`` and shown (escaped) in ``report.html``.
    on_part : callable, optional
        Full mode: called after each checkpointed part of the pose pass as
        ``(part index, frames done)``.

    A video longer than ``long_run.auto_above_s`` (or any video with
    ``long_run.mode = "windows"``) is analysed in sampled windows, each a
    clip at its elapsed time (:mod:`formcheck.capture.windows_pose`); its pose
    results are checkpointed beside ``out_dir`` so an interrupted run resumes.
    In full mode the pose pass is checkpointed there too, every
    ``long_run.checkpoint_every_s`` seconds of video
    (:mod:`formcheck.capture.pose_resume`). The checkpoints are removed once
    the output is complete.
    """
    from formcheck.analysis import analyze_clip
    from formcheck.capture.video import check_duration
    from formcheck.capture.windows_pose import analyze_windows
    from formcheck.longrun import use_windows
    from formcheck.outdir import check_output_dir

    check_output_dir(out_dir, inputs=videos)  # before the long pose pass, not after it
    run = _Gathered()
    for k, (video, opts) in enumerate(zip(videos, options, strict=True)):
        info = probe_video(video)
        check_duration(
            info,
            min_duration_s=_min_duration_s(config, opts, info.fps),
            capture_fps=getattr(opts, "capture_fps", None),
        )
        if use_windows(duration_s=info.duration_s, config=config.long_run):
            windows = analyze_windows(
                info,
                video_index=k,
                options=opts,
                config=config,
                out_dir=out_dir,
                progress=progress,
                on_window=on_window,
            )
            run.windowed.append(windows)
            run.poses += [w.pose for w in windows.windows]
            run.clips += windows.clips
            run.sources += [(info, w.start_s) for w in windows.windows]
            continue
        pose = _full_pose(
            video, k, config=config, out_dir=out_dir, progress=progress, on_part=on_part
        )
        run.poses.append(pose)
        run.full_poses.append((k, pose))
        run.sources.append((info, 0.0))
        run.clips.append(
            analyze_clip(pose.track, config=config, options=opts, line_roll=pose.line_roll)
        )
    report = _run_report(run, config=config, athlete=athlete)
    _write_run(
        report,
        run,
        out_dir=out_dir,
        videos=videos,
        html=html,
        annotated_video=annotated_video,
        progress=progress,
    )
    return RunResult(report=report, clips=run.clips, pose=run.poses, out_dir=out_dir)


@dataclass
class _Gathered:
    """What the pose and analysis stages of a run gave, clip by clip."""

    poses: list[PoseResult] = field(default_factory=list)
    clips: list[Any] = field(default_factory=list)
    full_poses: list[tuple[int, PoseResult]] = field(default_factory=list)
    windowed: list[Any] = field(default_factory=list)  # WindowedVideo per long video
    # Per clip: its video and the clip's start in it, seconds.
    sources: list[tuple[VideoInfo, float]] = field(default_factory=list)


def _full_pose(
    video: Path,
    k: int,
    *,
    config: Config,
    out_dir: Path,
    progress: ProgressReporter | None,
    on_part: Any,
) -> PoseResult:
    """Video ``k``'s pose pass in full mode: from the cache in ``out_dir/pose_K``,
    or computed with checkpoints beside ``out_dir``."""
    from formcheck.checkpoint import CheckpointStore, resume_dir_for

    cache = out_dir / f"pose_{k}"
    resume = resume_dir_for(out_dir) / f"video_{k}"
    try:
        return extract_pose(
            video,
            config=config,
            cache_dir=cache if cache.is_dir() else None,
            progress=progress,
            resume_dir=resume,
            on_part=on_part,
        )
    except (NoPersonError, VideoError):
        # The video itself is unusable (nobody in it, a corrupt stream): a
        # re-run gives the same answer, so its checkpoints are not kept.
        CheckpointStore(resume, key="").discard()
        raise


def _run_report(
    run: _Gathered, *, config: Config, athlete: dict[str, Any] | None
) -> dict[str, Any]:
    """report.json's content: summary, findings, videos, people, athlete, long run."""
    from formcheck.assess.findings import all_findings
    from formcheck.assess.summary import summarize
    from formcheck.report.json_report import build_report, clean_json

    clips = run.clips
    reasons = [c.not_running_reason for c in clips if not c.running]
    not_running = "; ".join(reasons) if len(reasons) == len(clips) else ""
    summary = summarize(clips, config=config)
    report = build_report(
        clips=clips,
        video_infos=[_info_dict(p.info) for p in run.poses],
        people=[
            {"clip": k, "runner_index": p.runner_index, "people": p.people}
            for k, p in enumerate(run.poses)
        ],
        summary=summary,
        findings=all_findings(summary, config.findings, not_running=not_running),
        config=config,
        not_running_reason=not_running,
    )
    if athlete:
        report["athlete"] = clean_json(dict(athlete))
    if run.windowed:
        from formcheck.capture.windows_pose import add_long_run_report

        add_long_run_report(report, run.windowed)
    return report


def _write_run(
    report: dict[str, Any],
    run: _Gathered,
    *,
    out_dir: Path,
    videos: list[Path],
    html: bool,
    annotated_video: bool,
    progress: ProgressReporter | None,
) -> None:
    """Write every output through a staging folder, then drop the checkpoints."""
    from formcheck.checkpoint import CheckpointStore, resume_dir_for
    from formcheck.outdir import staged_output
    from formcheck.report.strides_csv import write_strides_csv

    with staged_output(out_dir, inputs=videos) as staging:
        for k, pose in run.full_poses:
            (staging / f"pose_{k}").mkdir()
            write_pose_outputs(pose, staging / f"pose_{k}")
        (staging / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        write_strides_csv(report, staging / "strides.csv")
        if run.windowed:
            from formcheck.capture.windows_pose import write_long_run_outputs

            write_long_run_outputs(report, run.clips, run.sources, run.windowed, staging, html=html)
        elif html or annotated_video:
            _write_visual_outputs(
                report,
                run.clips,
                run.poses,
                staging,
                html=html,
                annotated_video=annotated_video,
                progress=progress,
            )
    for windows in run.windowed:
        windows.store.discard()  # finished: the windows' poses are in out_dir/pose_windows
    for k, _ in run.full_poses:
        # finished: the pose track is in out_dir/pose_K (any key opens it to remove it)
        CheckpointStore(resume_dir_for(out_dir) / f"video_{k}", key="").discard()


def _min_duration_s(config: Config, opts: Any, fps: float) -> float:
    """Shortest clip (stored time) that can hold two strides at the fastest cadence."""
    stride_s = 2 * 60.0 / config.gait.max_cadence_spm
    scale = fps / opts.capture_fps if getattr(opts, "capture_fps", None) else 1.0
    return 2 * stride_s / scale


def _info_dict(info: VideoInfo) -> dict[str, Any]:
    return {
        "path": str(info.path),
        "duration_s": info.duration_s,
        "rotation_deg": info.rotation_deg,
        "codec": info.codec,
    }


def _write_visual_outputs(
    report: dict[str, Any],
    clips: list[Any],
    poses: list[PoseResult],
    staging: Path,
    *,
    html: bool,
    annotated_video: bool,
    progress: ProgressReporter | None,
) -> None:
    """The HTML report, keyframes and annotated video (formcheck.report.visual)."""
    from formcheck.report import visual

    visual.write_visual_outputs(
        report=report,
        clips=clips,
        infos=[p.info for p in poses],
        out_dir=staging,
        html=html,
        annotated_video=annotated_video,
        progress=progress,
    )
