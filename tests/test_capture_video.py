"""Finding the runner on rendered clips: a small runner, and a bystander in front.

Both clips are landscape 1280 x 720 at 30 fps, 4 s, rendered here (a few
minutes of MediaPipe on 2 cores). Measured when written (docs/pose.md):
the small runner (a third of the frame height) was found on 37 % of frames
on the whole frame and 100 % with the crop; with a bystander 1.65 times the
runner's scale standing in front, the whole frame found only the bystander
(the runner on 0 % of frames) and with the crop the runner on 99 %.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis import AnalysisOptions, analyze_clip
from formcheck.config import Config
from formcheck.landmarks import LEFT_HIP, RIGHT_HIP
from formcheck.pipeline import PoseResult, extract_pose
from formcheck.synthetic.camera import CameraParams
from formcheck.synthetic.draw import Bystander
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.render import render_clip
from formcheck.synthetic.truth import Truth

pytestmark = pytest.mark.integration

MIN_DETECTION_RATE = 0.9
CADENCE_TOL_SPM = 2.0
# Runner 1.75 m at 137 px/m: 240 px, a third of 720.
SMALL = CameraParams(width=1280, height=720, scale_px_per_m=137.0, ground_origin_px=(640.0, 620.0))
NEAR = CameraParams(width=1280, height=720, scale_px_per_m=200.0, ground_origin_px=(560.0, 600.0))
BYSTANDER = Bystander(x_px=900.0, ground_y_px=700.0, scale_px_per_m=330.0)


@functools.cache
def _clip(name: str, root: str) -> tuple[Path, Truth]:
    path = Path(root) / f"{name}.mp4"
    camera = SMALL if name == "small" else NEAR
    truth = render_clip(
        params=RunnerParams(),
        path=path,
        duration_s=4.0,
        fps=30.0,
        camera=camera,
        bystander=BYSTANDER if name == "bystander" else None,
    )
    return path, truth


@functools.cache
def _pose(name: str, root: str) -> PoseResult:
    return extract_pose(_clip(name, root)[0], config=Config())


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("capture"))


def test_small_runner_is_found_and_its_cadence_is_right(root: str) -> None:
    pose = _pose("small", root)
    assert pose.track.detection_rate >= MIN_DETECTION_RATE
    truth = _clip("small", root)[1]
    clip = analyze_clip(pose.track, config=Config(), options=AnalysisOptions())
    assert abs(clip.cadence_spm - truth.cadence_spm) <= CADENCE_TOL_SPM
    # The mapped landmarks lie on the runner: hips within 0.1 m of the truth's place.
    hip_x = np.nanmedian(pose.track.xy_px[:, [LEFT_HIP, RIGHT_HIP], 0])
    assert abs(hip_x - SMALL.ground_origin_px[0]) <= 0.1 * SMALL.scale_px_per_m
    # No repeated frames in a rendered clip.
    assert pose.track.repeated is not None and not pose.track.repeated.any()


def test_runner_not_bystander_is_analysed(root: str) -> None:
    pose = _pose("bystander", root)
    hip_x = np.nanmedian(pose.track.xy_px[:, [LEFT_HIP, RIGHT_HIP], 0])
    assert abs(hip_x - NEAR.ground_origin_px[0]) <= 0.1 * NEAR.scale_px_per_m
    assert pose.track.detection_rate >= MIN_DETECTION_RATE
    assert len(pose.people) >= 2  # the bystander is seen too, and not chosen
    truth = _clip("bystander", root)[1]
    clip = analyze_clip(pose.track, config=Config(), options=AnalysisOptions())
    assert clip.running
    assert abs(clip.cadence_spm - truth.cadence_spm) <= CADENCE_TOL_SPM


def test_without_the_crop_the_small_runner_is_mostly_missed(root: str) -> None:
    """The reason for the crop: the whole frame alone misses the small runner."""
    config = Config()
    config = dataclasses.replace(config, pose=dataclasses.replace(config.pose, runner_crop=False))
    pose = extract_pose(_clip("small", root)[0], config=config)
    assert pose.track.detection_rate < 0.6
