"""Frame differences: repeated frames and the moving region, on hand-made frames."""

from __future__ import annotations

import numpy as np

from formcheck.capture.motion import FrameDiffer, moving_box, repeated_frames, unique_frame_rate
from formcheck.capture.track import PoseTrack


def test_tripled_frames_are_repeats_and_a_still_scene_is_not() -> None:
    # Every picture stored 3 times: new frames differ by ~150, repeats by 0-1.
    tripled = np.array([np.nan, 1, 150, 0, 1, 140, 1, 1, 160, 0, 1])
    assert repeated_frames(tripled).tolist() == [
        False, True, False, True, True, False, True, True, False, True, True,
    ]  # fmt: skip
    assert unique_frame_rate(repeated_frames(tripled), fps=30.0) == 30.0 * 4 / 11
    # A still real scene (sensor noise 3-9 grey levels) has no repeats.
    assert not repeated_frames(np.array([np.nan, 5, 4, 6, 9, 5, 3, 4])).any()
    # Nor has a perfectly still picture: nothing around it moves either.
    assert not repeated_frames(np.array([np.nan, 0, 0, 0, 0])).any()
    # A small difference next to large ones is a repeat only below the absolute limit.
    assert not repeated_frames(np.array([np.nan, 100, 4, 100]))[2]


def test_differ_finds_repeats_and_the_moving_square() -> None:
    width, height = 640, 360
    differ = FrameDiffer(frame_width=width, fps=30.0)
    for k in range(12):
        image = np.full((height, width, 3), 90, dtype=np.uint8)
        x = 400 + 8 * (k // 2)  # each picture twice
        image[100:220, x : x + 40] = 230
        differ.add(image)
    rep = differ.repeated()
    assert rep.tolist() == [False] + [True, False] * 5 + [True]
    box = differ.motion_box()
    assert box is not None
    # The square swept x 400..480, y 100..220; the box is found on a 4x smaller
    # image and dilated by 2 small pixels (8 frame pixels) each side.
    assert 385 <= box[0] <= 400 and 480 <= box[2] <= 500
    assert 85 <= box[1] <= 100 and 220 <= box[3] <= 240


def test_no_motion_no_box() -> None:
    assert moving_box(np.full((90, 160), 5.0, dtype=np.float32), scale=0.125) is None


def test_track_unique_fps() -> None:
    n = 6
    track = PoseTrack(
        xy_px=np.zeros((n, 33, 2)),
        z=np.zeros((n, 33)),
        visibility=np.ones((n, 33)),
        presence=np.ones((n, 33)),
        timestamps_s=np.arange(n) / 30.0,
        fps=30.0,
        width=10,
        height=10,
        repeated=np.array([False, True, True, False, True, True]),
    )
    assert track.unique_fps == 10.0
