"""The analysis as a whole: report.json contract, several clips of one run, CLI errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from formcheck.cli import main
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.landmarks import synthetic_track
from formcheck.synthetic.noise import NoiseParams
from tests.conftest import marker_frames, write_clip
from tests.test_report_fixtures import analyse_tracks

REQUIRED = {
    "schema_version",
    "formcheck_version",
    "config",
    "video",
    "facing",
    "summary",
    "findings",
    "contacts",
    "strides",
    "warnings",
}
SUMMARY = {
    "cadence_spm",
    "contact_time_ms",
    "duty_factor",
    "trunk_lean_deg",
    "foot_strike",
    "overstride",
    "posture_drift",
    "vertical_oscillation_leg_lengths",
}


def _no_nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_no_nan(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_nan(v) for v in value)
    return True


def test_report_json_contract() -> None:
    track, truth = synthetic_track(params=RunnerParams(), duration_s=8, fps=60, seed=3)
    report, _ = analyse_tracks([track], offsets=[0.0], path="x.mp4")
    assert set(report) >= REQUIRED
    assert set(report["summary"]) >= SUMMARY
    assert {"path", "fps", "frames", "width", "height", "duration_s", "capture_fps"} <= set(
        report["video"]
    )
    assert report["facing"] == truth.facing
    assert [f["id"] for f in report["findings"]] == [
        "forward_lean",
        "heel_strike",
        "overstride",
        "late_run_slouch",
    ]
    for f in report["findings"]:
        assert f["status"] in ("ok", "caution", "flag", "unknown")
        assert f["reason"]
    contact = report["contacts"][0]
    assert {"leg", "ic_frame", "ic_s", "to_frame", "to_s", "usable"} <= set(contact)
    json.dumps(report, allow_nan=False)  # null, never NaN
    assert _no_nan(report)


def test_low_frame_rate_is_warned_about_and_60_fps_is_not() -> None:
    # Landing timing and the strike angle degrade below 60 fps
    # (docs/accuracy.md, 30 fps table); the report must say so.
    low, _ = synthetic_track(params=RunnerParams(), duration_s=8, fps=30, seed=3)
    high, _ = synthetic_track(params=RunnerParams(), duration_s=8, fps=60, seed=3)
    low_report, _ = analyse_tracks([low], offsets=[0.0], path="x.mp4")
    high_report, _ = analyse_tracks([high], offsets=[0.0], path="x.mp4")
    warned = [w for w in low_report["warnings"] if "frame rate 30 fps" in w]
    assert len(warned) == 1
    assert "strike angle" in warned[0] and "60 fps or more is recommended" in warned[0]
    assert not any("frame rate" in w for w in high_report["warnings"])


def test_early_and_late_clips_of_one_run_give_the_drift() -> None:
    # One runner whose lean drifts 0.1 deg/min; clips at 5:00 and 45:00 differ by 4 deg.
    params = RunnerParams(trunk_lean_drift_deg_per_min=0.1)
    early, _ = synthetic_track(
        params=params, duration_s=8, fps=60, seed=1, start_s=300.0, noise=NoiseParams()
    )
    late, _ = synthetic_track(
        params=params, duration_s=8, fps=60, seed=2, start_s=2700.0, noise=NoiseParams()
    )
    report, _ = analyse_tracks([early, late], offsets=[300.0, 2700.0], path="run.mp4")
    drift = report["summary"]["posture_drift"]
    assert drift["trunk_lean_change_deg"] == pytest.approx(4.0, abs=0.75)
    assert drift["ci95"][0] > 0
    assert drift["trend_deg_per_min"] == pytest.approx(0.1, abs=0.03)
    slouch = next(f for f in report["findings"] if f["id"] == "late_run_slouch")
    assert slouch["status"] == "flag"


def test_bad_input_leaves_no_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    out = tmp_path / "out"
    assert main(["analyze", str(bad), "-o", str(out), "--quiet"]) != 0
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["notes.mp4"]  # no staging left behind
    assert "notes.mp4" in capsys.readouterr().err


def test_too_short_clip_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = write_clip(tmp_path / "short.mp4", marker_frames(10), fps=30)
    assert main(["analyze", str(clip), "-o", str(tmp_path / "o"), "--quiet"]) != 0
    assert "two strides" in capsys.readouterr().err


def test_several_clips_need_their_elapsed_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = write_clip(tmp_path / "a.mp4", marker_frames(10), fps=30)
    code = main(["analyze", str(clip), str(clip), "-o", str(tmp_path / "o")])
    assert code != 0
    assert "--elapsed" in capsys.readouterr().err


@pytest.mark.integration
def test_pose_cache_is_reused_only_when_it_matches(tmp_path: Path) -> None:
    """A second run reads the cached pose track and scene-line roll; a cache
    whose roll was measured by another method is a miss, not a stale answer."""
    from itertools import islice

    import numpy as np

    from formcheck.capture.video import iter_frames, probe_video
    from formcheck.config import Config
    from formcheck.outdir import check_output_dir
    from formcheck.pipeline import PEOPLE_NAME, extract_pose, write_pose_outputs

    sample = Path(__file__).parents[1] / "sample_videos" / "forefoot.mp4"
    frames = [f.rgb for f in islice(iter_frames(probe_video(sample)), 90)]
    clip = write_clip(tmp_path / "short.mp4", np.stack(frames), fps=60, crf=18)
    config, cache = Config(), tmp_path / "cache"
    first = extract_pose(clip, config=config)
    assert not first.from_cache and first.line_roll is not None and first.line_roll.usable
    cache.mkdir()
    write_pose_outputs(first, cache)
    check_output_dir(cache)  # all of it is formcheck's own, so a later run may replace it
    again = extract_pose(clip, config=config, cache_dir=cache)
    assert again.from_cache
    np.testing.assert_allclose(again.track.xy_px, first.track.xy_px, atol=1e-3)  # float32 cache
    assert again.line_roll is not None
    assert again.line_roll.roll_deg == pytest.approx(first.line_roll.roll_deg)
    meta = json.loads((cache / PEOPLE_NAME).read_text(encoding="utf-8"))
    meta["line_roll_method"] = "an older method"
    (cache / PEOPLE_NAME).write_text(json.dumps(meta), encoding="utf-8")
    assert not extract_pose(clip, config=config, cache_dir=cache).from_cache


def test_report_records_the_facts_the_user_gave() -> None:
    from formcheck.analysis import AnalysisOptions, analyze_clip
    from formcheck.assess.findings import all_findings
    from formcheck.assess.summary import summarize
    from formcheck.config import Config
    from formcheck.report.json_report import build_report

    track, _ = synthetic_track(params=RunnerParams(), duration_s=8, fps=60, seed=3)
    config = Config()
    options = AnalysisOptions(belt_speed_mps=3.0, runner_height_m=1.78, elapsed_offset_s=300.0)
    clip = analyze_clip(track, config=config, options=options)
    summary = summarize([clip], config=config)
    report = build_report(
        clips=[clip],
        video_infos=[{"path": "x.mp4"}],
        people=[],
        summary=summary,
        findings=all_findings(summary, config.findings),
        config=config,
        not_running_reason="",
    )
    given = {k: report["video"][k] for k in ("belt_speed_mps", "runner_height_m", "capture_fps")}
    assert given == {"belt_speed_mps": 3.0, "runner_height_m": 1.78, "capture_fps": None}
    assert report["video"]["elapsed_offset_s"] == 300.0


@pytest.mark.integration
def test_native_log_lines_reach_the_terminal_only_with_verbose(tmp_path: Path) -> None:
    """MediaPipe's C++ log lines (XNNPACK, feedback manager) are kept off stderr
    unless --verbose; the verbose run shows they exist, so the quiet run's
    silence is the capture's doing."""
    import subprocess
    import sys
    from itertools import islice

    import numpy as np

    from formcheck.capture.video import iter_frames, probe_video

    sample = Path(__file__).parents[1] / "sample_videos" / "forefoot.mp4"
    frames = [f.rgb for f in islice(iter_frames(probe_video(sample)), 20)]
    clip = write_clip(tmp_path / "tiny.mp4", np.stack(frames), fps=60, crf=18)

    def stderr_of(*flags: str, out: str) -> str:
        cmd = [sys.executable, "-m", "formcheck", "pose", str(clip), "-o", str(tmp_path / out)]
        done = subprocess.run([*cmd, *flags], capture_output=True, text=True, check=True)
        return done.stderr

    native = ("XNNPACK", "inference_feedback_manager", "InitGoogle")
    assert any(marker in stderr_of("--verbose", out="v") for marker in native)
    assert not any(marker in stderr_of(out="q") for marker in native)
