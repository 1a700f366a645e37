"""Long-run mode: window plans, parsing, resumable window poses (synthetic tracks, no
MediaPipe) and the report's long_run block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from formcheck.analysis import AnalysisOptions
from formcheck.capture.video import VideoInfo
from formcheck.config import Config, LongRunConfig, with_overrides
from formcheck.errors import ConfigError
from formcheck.longrun import (
    Window,
    parse_duration_s,
    parse_windows_spec,
    plan_windows,
    use_windows,
)
from formcheck.pipeline import PoseResult
from formcheck.synthetic import RunnerParams, synthetic_track


def test_plan_30_minutes_default() -> None:
    windows = plan_windows(duration_s=1800.0, window_s=20.0, every_s=120.0)
    starts = np.array([w.start_s for w in windows])
    # (1800 - 20) / 120 = 14.8 -> 15 gaps, 16 windows, first at 0, last ending at 1800
    assert len(windows) == 16
    assert starts[0] == 0.0 and windows[-1].end_s == pytest.approx(1800.0)
    assert np.all(np.diff(starts) <= 120.0 + 1e-9)
    assert all(w.duration_s == pytest.approx(20.0) for w in windows)
    assert [w.index for w in windows] == list(range(16))


def test_plan_exact_multiple_and_short_video() -> None:
    windows = plan_windows(duration_s=260.0, window_s=20.0, every_s=120.0)
    assert [w.start_s for w in windows] == [0.0, 120.0, 240.0]
    assert plan_windows(duration_s=12.0, window_s=20.0, every_s=120.0) == [Window(0, 0.0, 12.0)]
    with pytest.raises(ConfigError, match="every_s >= window_s"):
        plan_windows(duration_s=100.0, window_s=30.0, every_s=20.0)


def test_parse_windows_spec() -> None:
    assert parse_windows_spec("20s/2m") == (20.0, 120.0)
    assert parse_windows_spec("15/90") == (15.0, 90.0)
    assert parse_windows_spec("0.5min/1h") == (30.0, 3600.0)
    assert parse_duration_s(" 2 m ", what="x") == 120.0
    for bad in ("20s", "20x/2m", "a/b", "20s/2m/3m"):
        with pytest.raises(ConfigError, match="--windows"):
            parse_windows_spec(bad)


def test_use_windows_modes() -> None:
    cfg = LongRunConfig()
    assert not use_windows(duration_s=600.0, config=cfg)
    assert use_windows(duration_s=601.0, config=cfg)
    assert use_windows(duration_s=30.0, config=LongRunConfig(mode="windows"))
    assert not use_windows(duration_s=3600.0, config=LongRunConfig(mode="full"))
    with pytest.raises(ConfigError, match=r"long_run\.window_s"):
        LongRunConfig(window_s=60.0, every_s=30.0)


_RUNNER = RunnerParams(trunk_lean_deg=6.0, trunk_lean_drift_deg_per_min=3.0)


class FakeDetector:
    """Synthetic runner tracks in place of MediaPipe; records the windows it computed."""

    def __init__(self) -> None:
        self.computed: list[int] = []

    def __call__(
        self, info: VideoInfo, window: Window, *, config: Config, progress: Any
    ) -> tuple[PoseResult, float]:
        self.computed.append(window.index)
        track, _ = synthetic_track(
            params=_RUNNER,
            duration_s=window.duration_s,
            fps=info.fps,
            start_s=window.start_s,
            seed=window.index,
        )
        progress.advance(track.n_frames)
        people = [{"person": 0, "coverage": 1.0}]
        return PoseResult(info, track, people, 0, 0, False, None), window.start_s


class Interrupt(Exception):
    pass


def _long_info(tmp_path: Path) -> VideoInfo:
    video = tmp_path / "run.mp4"
    video.write_bytes(b"not decoded: the detector is fake")
    return VideoInfo(video, 640, 480, 30.0, 30 * 100, 100.0, 0, "h264")


def _config() -> Config:
    return with_overrides(
        Config(),
        {"long_run.mode": "windows", "long_run.window_s": 9.0, "long_run.every_s": 50.0},
    )


@pytest.fixture(scope="module")
def whole_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An uninterrupted windows run of a 100 s synthetic video (3 windows of 9 s)."""
    from formcheck.capture.windows_pose import analyze_windows

    tmp = tmp_path_factory.mktemp("whole")
    return analyze_windows(
        _long_info(tmp),
        video_index=0,
        options=AnalysisOptions(),
        config=_config(),
        out_dir=tmp / "out",
        detect=FakeDetector(),
    )


def test_windows_resume_after_interruption(tmp_path: Path, whole_run: Any) -> None:
    from formcheck.capture.windows_pose import analyze_windows
    from formcheck.checkpoint import resume_dir_for

    info, config = _long_info(tmp_path), _config()
    out = tmp_path / "out"

    def run(out_dir: Path, detect: FakeDetector, hook: Any = None) -> Any:
        return analyze_windows(
            info,
            video_index=0,
            options=AnalysisOptions(),
            config=config,
            out_dir=out_dir,
            on_window=hook,
            detect=detect,
        )

    whole = whole_run
    assert [w.window.start_s for w in whole.windows] == [0.0, 45.5, 91.0]

    def stop_after_0(index: int, resumed: bool) -> None:
        if index == 0:
            raise Interrupt

    first = FakeDetector()
    with pytest.raises(Interrupt):
        run(out, first, stop_after_0)
    assert first.computed == [0]
    assert sorted(p.name for p in (resume_dir_for(out) / "video_0").glob("window_*")) == [
        "window_000.json",
        "window_000.npz",
    ]
    second = FakeDetector()
    resumed = run(out, second)
    assert second.computed == [1, 2]  # only the windows not checkpointed
    assert [w.from_checkpoint for w in resumed.windows] == [True, False, False]
    for a, b in zip(whole.clips, resumed.clips, strict=True):
        assert a.options.elapsed_offset_s == b.options.elapsed_offset_s
        # the same numbers exactly: computed windows are analysed as stored
        assert [s.trunk_lean_deg for s in a.strides] == [s.trunk_lean_deg for s in b.strides]
        assert a.cadence_spm == b.cadence_spm
        assert [c.ic_frame for c in a.contacts] == [c.ic_frame for c in b.contacts]


def test_checkpoints_of_another_job_are_discarded(tmp_path: Path) -> None:
    from formcheck.checkpoint import CheckpointStore

    track, _ = synthetic_track(params=_RUNNER, duration_s=1.0, fps=30.0)
    store = CheckpointStore(tmp_path / "ck", key="job-a")
    store.save(0, track, {"start_s": 0.0})
    loaded = store.load(0)
    assert loaded is not None and loaded[1] == {"start_s": 0.0}
    np.testing.assert_allclose(loaded[0].xy_px, track.xy_px, atol=1e-3)  # float32 on disk
    other = CheckpointStore(tmp_path / "ck", key="job-b")  # another video, setting or plan
    assert other.load(0) is None
    other.save(1, track, {"start_s": 1.0})
    assert sorted(p.name for p in (tmp_path / "ck").glob("window_*")) == [
        "window_001.json",
        "window_001.npz",
    ]
    (tmp_path / "ck" / "window_001.npz").write_bytes(b"damaged")
    assert other.load(1) is None


def test_long_run_report_block(whole_run: Any) -> None:
    from formcheck.assess.findings import all_findings
    from formcheck.assess.summary import summarize
    from formcheck.capture.windows_pose import add_long_run_report
    from formcheck.report.json_report import build_report
    from formcheck.report.windows import windows_plot, windows_table

    run, config = whole_run, _config()
    info = run.info
    summary = summarize(run.clips, config=config)
    report = build_report(
        clips=run.clips,
        video_infos=[{"path": str(info.path), "duration_s": 9.0}] * len(run.clips),
        people=[],
        summary=summary,
        findings=all_findings(summary, config.findings),
        config=config,
        not_running_reason="",
    )
    add_long_run_report(report, [run])
    lr = report["long_run"]
    assert lr["video_duration_s"] == 100.0 and len(lr["windows"]) == 3
    assert lr["analysed_share"] == pytest.approx(27.0 / 100.0, abs=0.01)
    ev = lr["early_vs_late"]
    assert (ev["early_window"], ev["late_window"]) == (0, 2)
    # 3 deg/min drift; the window mid-times are 91 s apart -> +4.55 deg
    assert ev["trunk_lean_change_deg"] == pytest.approx(3.0 * 91.0 / 60.0, abs=0.6)
    assert ev["ci95"][0] < ev["trunk_lean_change_deg"] < ev["ci95"][1]
    for w in lr["windows"]:
        assert w["strides"] >= 7
        assert w["used_start_s"] >= w["start_s"] and w["used_end_s"] <= w["end_s"] + 1e-6
        assert w["cadence_spm"] == pytest.approx(170.0, abs=1.0)
    lean = [w["trunk_lean_deg"] for w in lr["windows"]]
    assert np.all(np.diff(lean) > 0)  # the drift shows window to window
    plot = windows_plot(report)
    assert plot is not None and plot.png.startswith(b"\x89PNG")
    assert "Long run: windows analysed" in windows_table(report)


@pytest.mark.integration
def test_resume_real_video(tmp_path: Path) -> None:
    """MediaPipe on a rendered clip in windows: interrupted after the first window,
    re-run resumes with the other two and reports what an uninterrupted run does."""
    from formcheck.analysis import AnalysisOptions
    from formcheck.pipeline import analyze_run

    video = Path(__file__).resolve().parents[1] / "sample_videos" / "slouch.mp4"
    config = with_overrides(
        Config(),
        {"long_run.mode": "windows", "long_run.window_s": 5.0, "long_run.every_s": 7.5},
    )
    calls: list[tuple[int, bool]] = []

    def run(out: Path, hook: Any = None) -> dict[str, Any]:
        def record(index: int, resumed: bool) -> None:
            calls.append((index, resumed))
            if hook is not None:
                hook(index)

        return analyze_run(
            [video],
            config=config,
            options=[AnalysisOptions()],
            out_dir=out,
            annotated_video=False,
            html=False,
            on_window=record,
        ).report

    def stop(index: int) -> None:
        if index == 0:
            raise Interrupt

    out = tmp_path / "out"
    with pytest.raises(Interrupt):
        run(out, stop)
    assert not out.exists()  # no partial output
    calls.clear()
    resumed = run(out)
    assert calls == [(0, True), (1, False), (2, False)]
    assert not (tmp_path / ".out.resume").exists()  # checkpoints removed when done
    whole = run(tmp_path / "whole")
    for key in ("summary", "strides", "contacts"):
        assert resumed[key] == whole[key]
    starts = [w["start_s"] for w in resumed["long_run"]["windows"]]
    assert starts == pytest.approx([0.0, 7.5, 15.0], abs=1 / 60)
    # slouch.mp4: lean 6 deg + 18 deg/min; each window's median stride lean
    # within 1 deg of the truth at its middle
    for w in resumed["long_run"]["windows"]:
        mid_s = 0.5 * (w["start_s"] + w["end_s"])
        assert w["trunk_lean_deg"] == pytest.approx(6.0 + 18.0 * mid_s / 60.0, abs=1.0)


@pytest.mark.integration
def test_windows_drift_agrees_with_full_processing(tmp_path: Path) -> None:
    """A rendered minute of running (320x240, 30 fps, lean +3 deg/min with stride-to-stride
    variation) analysed in windows and in full: the drift agrees within 1 deg.
    The 4-minute validation with default windows is tools/validate_longrun.py."""
    from formcheck.synthetic.long_run import LongRun, render_long_run
    from tools.validate_longrun import _analyse, compare

    run = LongRun(
        params=RunnerParams(
            trunk_lean_deg=6.0,
            trunk_lean_drift_deg_per_min=3.0,
            shank_angle_ic_deg=7.0,
            speed_m_s=2.6,
        ),
        duration_s=60.0,
    )
    video = render_long_run(run, path=tmp_path / "run.mp4")
    every_frame = with_overrides(Config(), {"long_run.mode": "full"})
    full, _ = _analyse(video, tmp_path / "full", every_frame)
    windowed = with_overrides(
        Config(),
        {"long_run.mode": "windows", "long_run.window_s": 10.0, "long_run.every_s": 25.0},
    )
    windows, _ = _analyse(video, tmp_path / "windows", windowed)
    result = compare(full, windows, run=run)
    assert result["windows"] == 3
    assert abs(result["windows_minus_full_change_deg"]) < 1.0
    assert abs(result["windows_minus_full_drift_over_run_deg"]) < 1.0
    assert result["windows_change_deg"] == pytest.approx(result["true_change_deg"], abs=1.0)


def test_iter_frames_between_seeks_to_exact_frames(tmp_path: Path) -> None:
    """Frames in [1.0, 2.0) s of a 30 fps clip with a keyframe every 10 frames are
    frames 30..59, each recognised by its grey level."""
    import av

    from formcheck.capture.video import iter_frames_between, probe_video

    path = tmp_path / "ramp.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.gop_size = 10
        for i in range(90):
            image = np.full((48, 64, 3), 2 * i + 30, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    info = probe_video(path)
    frames = list(iter_frames_between(info, start_s=1.0, end_s=2.0))
    assert [f.index for f in frames] == list(range(30))
    np.testing.assert_allclose([f.timestamp_s for f in frames], np.arange(30, 60) / 30, atol=1e-6)
    levels = [float(f.rgb.mean()) for f in frames]
    np.testing.assert_allclose(levels, 2 * np.arange(30, 60) + 30, atol=3)
    last = list(iter_frames_between(info, start_s=2.9, end_s=10.0))
    assert [round(f.timestamp_s * 30) for f in last] == [87, 88, 89]
