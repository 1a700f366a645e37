"""Pose extraction: parallel IMAGE-mode inference equals the serial run."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from formcheck.capture.pose import detect_poses, worker_count
from formcheck.capture.video import iter_frames, probe_video
from formcheck.config import PoseConfig
from formcheck.errors import ConfigError
from tests.conftest import write_clip

SAMPLE = Path(__file__).parents[1] / "sample_videos" / "efficient.mp4"


def test_worker_count() -> None:
    assert worker_count(PoseConfig(workers=3)) == 3
    assert worker_count(PoseConfig(running_mode="video", workers=3)) == 1  # tracks frame to frame
    assert 1 <= worker_count(PoseConfig()) <= 4
    with pytest.raises(ConfigError, match=r"pose\.workers"):
        worker_count(PoseConfig(workers=-1))


@pytest.mark.integration
def test_parallel_inference_gives_the_serial_landmarks_in_order(tmp_path: Path) -> None:
    frames = [f.rgb for f in islice(iter_frames(probe_video(SAMPLE)), 40)]
    clip = probe_video(write_clip(tmp_path / "short.mp4", np.stack(frames), fps=60, crf=18))
    seen: list[list[int]] = [[], []]
    serial = detect_poses(
        clip, settings=PoseConfig(workers=1), on_frame=lambda i, _: seen[0].append(i)
    )
    parallel = detect_poses(
        clip, settings=PoseConfig(workers=3), on_frame=lambda i, _: seen[1].append(i)
    )
    assert seen[0] == seen[1] == list(range(40))
    np.testing.assert_array_equal(parallel.timestamps_s, serial.timestamps_s)
    np.testing.assert_array_equal(parallel.xy_px, serial.xy_px)
    np.testing.assert_array_equal(parallel.visibility, serial.visibility)
    assert np.isfinite(serial.xy_px[:, 0]).all()  # the runner was found on every frame
