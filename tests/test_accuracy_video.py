"""Video-level accuracy: the rendered sample clips through the whole pipeline.

MediaPipe runs on the rendered runner, so these tolerances include the pose
model's own errors (docs/synthetic.md has its bias table). Gates from the
analysis issue: cadence within 1 step/min, trunk lean within 2 deg, strike
class right for clear cases (truth at least 10 deg beyond a cut-off),
overstride and lean statuses right for clear cases, drift within 1.5 deg.
Contacts within 2 frames at 60 fps: initial contacts (of every contact
whose landing is usable) and toe-offs (of usable contacts), per clip.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis import AnalysisOptions, analyze_clip
from formcheck.assess.findings import all_findings
from formcheck.assess.summary import summarize
from formcheck.assess.validation import clip_errors, drift_error_deg
from formcheck.config import Config
from formcheck.pipeline import RunResult, analyze_run
from formcheck.synthetic.truth import Truth, read_truth

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
CADENCE_TOL_SPM = 1.0
LEAN_TOL_DEG = 2.0
DRIFT_TOL_DEG = 1.5
# Measured on the four samples: 100 % of initial contacts within 2 frames
# at 60 fps (median error at most 0.46 frames).
IC_MEDIAN_TOL_FRAMES = 2.0
IC_WITHIN_2_FRAMES_MIN_SHARE = 0.85
# Toe-offs (usable contacts), measured: median error -0.41 to +0.30 frames
# per clip, 100 % within 2 frames on every clip (9-34 usable contacts a
# clip). Before the merged-feet frames were removed and short contacts set
# aside more tightly, 69-100 % per clip: MediaPipe swapped the feet or
# pulled the pushing foot forward at push-off (docs/accuracy.md).
TO_MEDIAN_TOL_FRAMES = 1.0
TO_WITHIN_2_FRAMES_MIN_SHARE = 0.9
# Every other frame of a sample's pose track is a 30 fps clip of the same
# run. Measured: median shank angle within 1.7 deg of the truth (slouch;
# the others within 1.0). The overstride and heel-strike statuses are as at
# 60 fps on the three runners whose true shank angle is clear of the
# overstride cut-offs. The slouch runner's 6 deg is the caution cut-off
# itself: caution at 60 fps, ok at 30, and the heel-strike status (rearfoot
# plus the overstride status) follows it.
SHANK_30FPS_TOL_DEG = 2.5
OVERSTRIDE_CLEAR_MARGIN_DEG = 2.0


@functools.cache
def _run(name: str, tmp: str) -> tuple[RunResult, Truth]:
    result = analyze_run(
        [SAMPLES / f"{name}.mp4"],
        config=Config(),
        options=[AnalysisOptions()],
        out_dir=Path(tmp) / name,
        annotated_video=False,
        html=False,
    )
    return result, read_truth(SAMPLES / f"{name}.truth.json")


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("samples"))


def _finding(result: RunResult, fid: str) -> str:
    return next(f["status"] for f in result.report["findings"] if f["id"] == fid)


@pytest.mark.parametrize("name", ["efficient", "overstrider", "forefoot", "slouch"])
def test_cadence_lean_and_contacts(name: str, tmp_root: str) -> None:
    result, truth = _run(name, tmp_root)
    errors = clip_errors(result.clips[0], truth)
    assert abs(errors.cadence_spm) <= CADENCE_TOL_SPM
    assert abs(errors.trunk_lean_deg) <= LEAN_TOL_DEG
    assert np.median(np.abs(errors.ic_frames_usable)) <= IC_MEDIAN_TOL_FRAMES
    assert np.mean(np.abs(errors.ic_frames_usable) <= 2.0) >= IC_WITHIN_2_FRAMES_MIN_SHARE


def test_toe_offs_within_two_frames(tmp_root: str) -> None:
    errors = [
        clip_errors(_run(name, tmp_root)[0].clips[0], _run(name, tmp_root)[1]).to_frames_usable
        for name in ("efficient", "overstrider", "forefoot", "slouch")
    ]
    for to in errors:
        assert abs(np.median(to)) <= TO_MEDIAN_TOL_FRAMES
        assert np.mean(np.abs(to) <= 2.0) >= TO_WITHIN_2_FRAMES_MIN_SHARE


def test_clear_overstrider_is_flagged_and_heel_strike_read(tmp_root: str) -> None:
    result, truth = _run("overstrider", tmp_root)
    rearfoot_above = Config().findings.heel_strike.rearfoot_above_deg
    assert truth.params.foot_strike_angle_deg >= rearfoot_above + 10.0  # a clear rearfoot case
    assert result.report["summary"]["foot_strike"]["class"] == "rearfoot"
    assert _finding(result, "overstride") == "flag"
    assert _finding(result, "heel_strike") == "flag"  # heavy heel strike


def test_efficient_runner_reads_ok(tmp_root: str) -> None:
    result, truth = _run("efficient", tmp_root)
    caution_above = Config().findings.forward_lean.caution_above_deg
    assert truth.params.trunk_lean_deg <= caution_above - 5.0  # clearly below caution
    assert _finding(result, "forward_lean") == "ok"
    assert _finding(result, "overstride") == "ok"


def test_slouch_drift_is_measured_and_flagged(tmp_root: str) -> None:
    result, truth = _run("slouch", tmp_root)
    summary = summarize(result.clips, config=Config())
    assert abs(drift_error_deg(summary, truth)) <= DRIFT_TOL_DEG
    assert _finding(result, "late_run_slouch") == "flag"


def test_camera_roll_is_removed(tmp_root: str) -> None:
    result, truth = _run("forefoot", tmp_root)  # rendered with the camera rolled 3 deg
    assert truth.camera.roll_deg == pytest.approx(3.0)
    assert abs(result.clips[0].scene.roll_deg - truth.camera.roll_deg) <= 0.5


@pytest.mark.parametrize("name", ["efficient", "overstrider", "forefoot", "slouch"])
def test_every_other_frame_gives_the_same_overstride_verdict(name: str, tmp_root: str) -> None:
    result, truth = _run(name, tmp_root)
    pose = result.pose[0]
    track = pose.track
    half = dataclasses.replace(track.take(slice(None, None, 2)), fps=track.fps / 2)
    config = Config()
    clip = analyze_clip(half, config=config, line_roll=pose.line_roll)
    assert clip.fps == pytest.approx(30.0)
    summary = summarize([clip], config=config)
    statuses = {f.id: f.status for f in all_findings(summary, config.findings)}
    true_shank = np.median([c.shank_angle_deg for c in truth.contacts if c.side == "near"])
    limits = config.findings.overstride
    cut_offs = (limits.caution_shank_angle_deg, limits.flag_shank_angle_deg)
    if min(abs(true_shank - c) for c in cut_offs) >= OVERSTRIDE_CLEAR_MARGIN_DEG:
        assert statuses["overstride"] == _finding(result, "overstride")
        assert statuses["heel_strike"] == _finding(result, "heel_strike")
    assert abs(summary.shank_angle_deg - true_shank) <= SHANK_30FPS_TOL_DEG
