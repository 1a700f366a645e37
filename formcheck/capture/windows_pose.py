"""Pose for long-run mode: seek to each window, run the pose model, checkpoint it.

Each window is decoded from the keyframe before its start
(:func:`formcheck.capture.video.iter_frames_between`), never from the start of the
video, and analysed on its own: people linked and the runner chosen within
the window, the camera roll from scene lines in a few of its frames. Each
finished window is checkpointed (:mod:`formcheck.checkpoint`) before the
next starts, so an interrupted job resumes at the window it was in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.capture.track import PoseTrack
from formcheck.capture.video import VideoInfo, iter_frames_between
from formcheck.checkpoint import CheckpointStore
from formcheck.config import Config
from formcheck.gait.horizon import LINE_ROLL_METHOD
from formcheck.longrun import Window
from formcheck.progress import NullProgress, ProgressReporter, SpanProgress

#: Called after each window: (window index, whether it came from a checkpoint).
WindowHook = Callable[[int, bool], None]


@dataclass(frozen=True)
class WindowPose:
    """One window's pose result.

    Attributes
    ----------
    window : Window
        As planned.
    start_s : float
        Time of the window's first decoded frame, seconds from the video start.
    pose : PoseResult
        The runner's track (times from the window's first frame) and people.
    from_checkpoint : bool
    """

    window: Window
    start_s: float
    pose: Any
    from_checkpoint: bool


def window_job_key(
    *, video_key: str, windows: list[Window], window_s: float, every_s: float
) -> str:
    """Checkpoint key: the pose cache key plus the window plan."""
    import hashlib
    import json

    plan = [(round(w.start_s, 4), round(w.end_s, 4)) for w in windows]
    blob = json.dumps(
        {"pose": video_key, "plan": plan, "w": window_s, "e": every_s, "roll": LINE_ROLL_METHOD}
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _window_info(info: VideoInfo, window: Window) -> VideoInfo:
    n = max(1, int(round(window.duration_s * info.fps)))
    return dataclasses.replace(info, n_frames=n, duration_s=window.duration_s)


def _detect_window(
    info: VideoInfo, window: Window, *, config: Config, progress: ProgressReporter
) -> tuple[Any, float]:
    """Pose of one window (MediaPipe); returns the PoseResult and the first frame's time."""
    from formcheck.capture.people import choose_runner, link_people, person_track
    from formcheck.capture.pose import detect_poses
    from formcheck.pipeline import PoseResult, _FrameSampler, _people_summary

    winfo = _window_info(info, window)
    first: list[float] = []

    def frames() -> Any:
        for frame in iter_frames_between(info, start_s=window.start_s, end_s=window.end_s):
            if not first:
                first.append(frame.timestamp_s)
            yield dataclasses.replace(frame, timestamp_s=frame.timestamp_s - first[0])

    sampler = _FrameSampler(winfo.n_frames)
    det = detect_poses(
        winfo, settings=config.pose, progress=progress, on_frame=sampler, frames=frames()
    )
    winfo = dataclasses.replace(winfo, n_frames=int(det.timestamps_s.size))
    source = f"{info.path}@{window.start_s:.1f}s"
    people = link_people(det)
    runner = choose_runner(people, source=source)
    track = person_track(det, people[runner], source=str(info.path))
    pose = PoseResult(
        winfo, track, _people_summary(people), runner, 0, False, sampler.line_roll(track)
    )
    return pose, first[0] if first else window.start_s


def _meta(pose: Any, start_s: float) -> dict[str, Any]:
    from formcheck.report.json_report import clean_json

    return clean_json(
        {
            "start_s": start_s,
            "people": pose.people,
            "runner_index": pose.runner_index,
            "line_roll": dataclasses.asdict(pose.line_roll) if pose.line_roll else None,
            "duration_s": pose.info.duration_s,
        },
        digits=6,
    )


def _from_checkpoint(
    info: VideoInfo, track: PoseTrack, meta: dict[str, Any], window: Window
) -> tuple[Any, float]:
    from formcheck.pipeline import PoseResult, _line_roll_from_json

    winfo = dataclasses.replace(
        info, n_frames=track.n_frames, duration_s=float(meta.get("duration_s") or 0.0)
    )
    lines = meta.get("line_roll")
    pose = PoseResult(
        winfo,
        track,
        meta["people"],
        int(meta["runner_index"]),
        0,
        True,
        _line_roll_from_json(lines) if lines else None,
    )
    return pose, float(meta["start_s"])


def window_poses(
    info: VideoInfo,
    windows: list[Window],
    *,
    config: Config,
    store: CheckpointStore,
    progress: ProgressReporter | None = None,
    on_window: WindowHook | None = None,
    detect: Callable[..., tuple[Any, float]] | None = None,
) -> list[WindowPose]:
    """Pose results of every window, resuming from checkpoints where they exist.

    Parameters
    ----------
    info : VideoInfo
    windows : list of Window
    config : Config
    store : CheckpointStore
        Finished windows are read from it and new ones written to it.
    progress : ProgressReporter, optional
        One bar over the frames of all windows still to compute.
    on_window : callable, optional
        Called after each window as ``(index, from_checkpoint)`` (tests
        inject an interruption here).
    detect : callable, optional
        Replaces the MediaPipe pass (tests): called like
        ``detect(info, window, config=..., progress=...)`` and returns
        ``(PoseResult, first_frame_s)``.
    """
    progress = progress or NullProgress()
    detect = detect or _detect_window
    cached = {w.index: store.load(w.index) for w in windows}
    todo = [w for w in windows if cached[w.index] is None]
    total = sum(_window_info(info, w).n_frames for w in todo)
    resumed = len(windows) - len(todo)
    label = f"pose, {len(todo)} window{'s' if len(todo) != 1 else ''}"
    if resumed:
        label += f" ({resumed} resumed)"
    out: list[WindowPose] = []
    span = SpanProgress(progress)
    if todo:
        progress.start(total=total, label=label)
    for w in windows:
        hit = cached[w.index]
        if hit is not None:
            pose, start = _from_checkpoint(info, hit[0], hit[1], w)
            out.append(WindowPose(w, start, pose, True))
        else:
            pose, start = detect(info, w, config=config, progress=span)
            store.save(w.index, pose.track, _meta(pose, start))
            # Analyse what was stored (float32 coordinates), so a resumed run
            # gives exactly the result of an uninterrupted one.
            saved = store.load(w.index)
            if saved is not None:
                pose = dataclasses.replace(_from_checkpoint(info, *saved, w)[0], from_cache=False)
            out.append(WindowPose(w, start, pose, False))
        if on_window is not None:
            on_window(w.index, hit is not None)
    if todo:
        progress.finish()
    return out


def window_frame_image(info: VideoInfo, start_s: float, frames: set[int]) -> dict[int, np.ndarray]:
    """Decode the given frames (indices within a window starting at ``start_s``)."""
    out: dict[int, np.ndarray] = {}
    if not frames:
        return out
    last = max(frames)
    end_s = start_s + (last + 2) / info.fps
    for frame in iter_frames_between(info, start_s=start_s - 0.5 / info.fps, end_s=end_s):
        if frame.index in frames:
            out[frame.index] = frame.rgb.copy()
        if frame.index >= last:
            break
    return out


def windows_dir_name(video_index: int) -> str:
    """Folder of a finished output holding video ``video_index``'s window poses."""
    return f"pose_windows_{video_index}"


def store_for(out_dir: Path, key: str, video_index: int) -> CheckpointStore:
    """The checkpoint store of one video of an output folder.

    Checkpoints go to ``.NAME.resume/video_K`` beside the output folder;
    finished windows are also read from an earlier finished output.
    """
    from formcheck.checkpoint import resume_dir_for

    return CheckpointStore(
        resume_dir_for(out_dir) / f"video_{video_index}",
        key=key,
        also_read=[out_dir / windows_dir_name(video_index)],
    )


@dataclass
class WindowedVideo:
    """A long video analysed in windows: the store, the plan and each window's result."""

    video_index: int
    info: VideoInfo
    store: CheckpointStore
    window_s: float
    every_s: float
    windows: list[WindowPose]
    clips: list[Any]


def analyze_windows(
    info: VideoInfo,
    *,
    video_index: int,
    options: Any,
    config: Config,
    out_dir: Path,
    progress: ProgressReporter | None = None,
    on_window: WindowHook | None = None,
    detect: Callable[..., tuple[Any, float]] | None = None,
) -> WindowedVideo:
    """Plan, pose (resumable) and analyse the windows of one long video.

    Each window becomes a clip at elapsed time ``options.elapsed_offset_s``
    plus the time of its first frame.
    """
    from formcheck.analysis import analyze_clip
    from formcheck.capture.model_bundle import verify_bundle
    from formcheck.capture.pose import model_id_of
    from formcheck.capture.track_io import cache_key
    from formcheck.longrun import plan_windows
    from formcheck.pipeline import _pose_settings

    lr = config.long_run
    windows = plan_windows(duration_s=info.duration_s, window_s=lr.window_s, every_s=lr.every_s)
    if detect is None:
        model_path = verify_bundle(Path(config.pose.model_path) if config.pose.model_path else None)
        model_id = model_id_of(model_path)
    else:
        model_id = "test"
    video_key = cache_key(video_path=info.path, model_id=model_id, settings=_pose_settings(config))
    key = window_job_key(
        video_key=video_key, windows=windows, window_s=lr.window_s, every_s=lr.every_s
    )
    store = store_for(out_dir, key, video_index)
    results = window_poses(
        info,
        windows,
        config=config,
        store=store,
        progress=progress,
        on_window=on_window,
        detect=detect,
    )
    clips = [
        analyze_clip(
            r.pose.track,
            config=config,
            options=dataclasses.replace(
                options, elapsed_offset_s=options.elapsed_offset_s + r.start_s
            ),
            line_roll=r.pose.line_roll,
        )
        for r in results
    ]
    return WindowedVideo(video_index, info, store, lr.window_s, lr.every_s, results, clips)


def window_dicts(run: WindowedVideo) -> list[dict[str, Any]]:
    """What was planned and decoded per window (for ``report.json``)."""
    return [
        {
            "video": run.video_index,
            "index": r.window.index,
            "start_s": r.start_s,
            "end_s": r.start_s + float(r.pose.track.timestamps_s[-1]) + 1.0 / r.pose.track.fps
            if r.pose.track.n_frames
            else r.window.end_s,
            "planned_start_s": r.window.start_s,
            "planned_end_s": r.window.end_s,
            "frames": r.pose.track.n_frames,
            "from_checkpoint": r.from_checkpoint,
            "cadence_spm": c.cadence_spm,
        }
        for r, c in zip(run.windows, run.clips, strict=True)
    ]


def add_long_run_report(report: dict[str, Any], runs: list[WindowedVideo]) -> None:
    """Add the ``long_run`` block (plan, windows, early vs late) to ``report``, in place."""
    from formcheck.longrun import long_run_section
    from formcheck.report.json_report import clean_json

    rows = [d for run in runs for d in window_dicts(run)]
    first = runs[0]
    section = long_run_section(
        report=report,
        windows=rows,
        duration_s=sum(r.info.duration_s for r in runs),
        window_s=first.window_s,
        every_s=first.every_s,
    )
    report["long_run"] = clean_json(section)
    report["warnings"].append(
        f"long-run mode: {len(rows)} windows of {first.window_s:g} s at most "
        f"{first.every_s:g} s apart analysed ({100 * (section['analysed_share'] or 0):.0f} % "
        "of the video); no annotated video is written in this mode (use --full for one)"
    )


def write_long_run_outputs(
    report: dict[str, Any],
    clips: list[Any],
    sources: list[tuple[VideoInfo, float]],
    runs: list[WindowedVideo],
    staging: Path,
    *,
    html: bool,
) -> None:
    """The windows' pose checkpoints and (if asked) keyframes and ``report.html``.

    ``sources`` gives, per clip, its video and the time of the clip's first
    frame in it (0 for a video analysed whole).
    """
    from formcheck.report.windows import write_window_visuals

    for run in runs:
        run.store.copy_to(
            staging / windows_dir_name(run.video_index), [w.window.index for w in run.windows]
        )
    if html:
        write_window_visuals(report=report, clips=clips, sources=sources, out_dir=staging)
