"""Crop around the runner: the mapping maths and the follower, on hand-computable numbers."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.capture.roi import (
    Roi,
    RunnerFollower,
    box_iou,
    is_duplicate,
    landmark_box,
    matches_target,
    predicted_box,
    roi_around,
    same_person,
)
from formcheck.landmarks import NUM_LANDMARKS


def _person(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """33 landmarks spread over a box (first at the top-left, last at the bottom-right)."""
    t = np.linspace(0.0, 1.0, NUM_LANDMARKS)
    return np.stack([x0 + t * (x1 - x0), y0 + t * (y1 - y0)], axis=-1)


def test_crop_coordinates_map_back_to_frame_pixels_and_normalised() -> None:
    roi = Roi(x0=400, y0=200, width=300, height=300, target=(0, 0, 1, 1))
    uv = np.array([[0.0, 0.0], [0.5, 0.25], [1.0, 1.0]])
    px = roi.to_frame_px(uv)
    np.testing.assert_allclose(px, [[400, 200], [550, 275], [700, 500]])
    # Normalised frame coordinates of a 1280 x 720 frame are the pixels over its size.
    np.testing.assert_allclose(
        px / (1280, 720), [[0.3125, 200 / 720], [550 / 1280, 275 / 720], [700 / 1280, 500 / 720]]
    )
    # MediaPipe's z is in units of the image width: a crop 300 px wide of a 1280 px frame.
    np.testing.assert_allclose(
        roi.to_frame_z(np.array([-0.4, 0.2]), frame_width=1280), [-0.09375, 0.046875]
    )


def test_crop_is_cut_at_full_resolution_and_contiguous() -> None:
    image = np.arange(10 * 20 * 3, dtype=np.uint8).reshape(10, 20, 3)
    roi = Roi(x0=5, y0=2, width=8, height=6, target=(0, 0, 1, 1))
    crop = roi.crop(image)
    assert crop.shape == (6, 8, 3) and crop.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(crop, image[2:8, 5:13])
    # A pixel of the crop maps back to the same pixel of the frame (pixel centres at +0.5).
    u, v = (3 + 0.5) / 8, (4 + 0.5) / 6
    np.testing.assert_allclose(roi.to_frame_px(np.array([u, v])), [5 + 3.5, 2 + 4.5])


def test_roi_is_a_square_with_margin_moved_inside_the_frame() -> None:
    # A 100 x 200 box centred at (640, 360): side 200 * (1 + 2 * 0.3) = 320.
    roi = roi_around((590, 260, 690, 460), frame_width=1280, frame_height=720, margin=0.3)
    assert roi is not None
    assert (roi.x0, roi.y0, roi.width, roi.height) == (480, 200, 320, 320)
    # Near the top-left corner the square is moved, not shrunk.
    roi = roi_around((0, 0, 100, 200), frame_width=1280, frame_height=720, margin=0.3)
    assert roi is not None
    assert (roi.x0, roi.y0, roi.width, roi.height) == (0, 0, 320, 320)
    # Near the bottom-right corner.
    roi = roi_around((1200, 600, 1280, 720), frame_width=1280, frame_height=720, margin=0.0)
    assert roi is not None
    assert (roi.x0, roi.y0, roi.width, roi.height) == (1160, 600, 120, 120)


def test_roi_taller_than_the_frame_is_cut_and_a_huge_one_is_none() -> None:
    # Side 500 * 1.6 = 800 > 720: cut to the frame height (aspect ratio of pixels unchanged).
    roi = roi_around((600, 100, 700, 600), frame_width=2000, frame_height=720, margin=0.3)
    assert roi is not None and (roi.width, roi.height, roi.y0) == (800, 720, 0)
    # A crop covering most of the frame is no better than the frame.
    assert roi_around((100, 100, 600, 600), frame_width=800, frame_height=720) is None


def test_small_box_gets_the_minimum_side() -> None:
    roi = roi_around((100, 100, 110, 120), frame_width=1280, frame_height=720, margin=0.3)
    assert roi is not None and roi.width == roi.height == 96


def test_boxes_iou_and_prediction() -> None:
    assert box_iou((0, 0, 2, 2), (1, 1, 3, 3)) == pytest.approx(1 / 7)
    assert box_iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0
    assert landmark_box(np.full((NUM_LANDMARKS, 2), np.nan)) is None
    # Moving 10 px per frame to the right: 8 frames on it has moved 80 px; the
    # prediction holds both the last and the moved box.
    boxes = [(0, (0.0, 0.0, 50.0, 100.0)), (4, (40.0, 0.0, 90.0, 100.0))]
    assert predicted_box(boxes, frame_index=12) == (40.0, 0.0, 170.0, 100.0)
    assert predicted_box(boxes[:1], frame_index=12) == (0.0, 0.0, 50.0, 100.0)


def test_matching_and_duplicates() -> None:
    roi = Roi(x0=0, y0=0, width=300, height=300, target=(100.0, 50.0, 200.0, 250.0))
    assert matches_target([_person(105, 55, 195, 245)], roi)
    assert not matches_target([_person(600, 50, 700, 250)], roi)
    # A wide moving region (a belt under the runner): centre inside and tall enough.
    wide = Roi(x0=0, y0=0, width=600, height=300, target=(0.0, 50.0, 600.0, 260.0))
    assert matches_target([_person(250, 60, 330, 250)], wide)
    same = _person(100, 50, 200, 250)
    assert is_duplicate(_person(110, 55, 210, 255), [same])
    assert not is_duplicate(_person(400, 50, 500, 250), [same])


def test_follower_plans_from_frames_lag_back_and_falls_back_to_motion() -> None:
    f = RunnerFollower(frame_width=1280, frame_height=720, lag_frames=4, max_unseen_frames=5)
    motion = (500.0, 300.0, 700.0, 600.0)
    # Nothing seen yet: the moving region (margin 0.1: side 300 * 1.2 = 360).
    roi = f.plan(0, motion_box=motion)
    assert roi is not None and (roi.width, roi.target) == (360, motion)
    assert f.plan(0, motion_box=None) is None
    # A crop candidate is adopted as the runner when nobody is followed.
    runner = _person(550, 350, 650, 590)
    f.update(0, candidates=[], crop_candidate=runner, motion_box=motion)
    # Frame 3 may use frames up to -1 only: still the moving region.
    roi = f.plan(3, motion_box=motion)
    assert roi is not None and roi.target == motion
    # Frame 4 uses frame 0's box.
    roi = f.plan(4, motion_box=motion)
    assert roi is not None and roi.target == landmark_box(runner)
    # The nearest candidate of similar size is followed; a far bystander is not.
    bystander = _person(900, 100, 1100, 700)
    f.update(
        1, candidates=[bystander, _person(560, 350, 660, 590)], crop_candidate=None, motion_box=None
    )
    assert f.history[-1][1] == landmark_box(_person(560, 350, 660, 590))
    f.update(2, candidates=[bystander], crop_candidate=None, motion_box=None)
    assert len(f.history) == 2
    # Unseen for too long (frames 2..14): the moving region again.
    roi = f.plan(1 + 4 + 5 + 1 + 4, motion_box=motion)
    assert roi is not None and roi.target == motion


def test_follower_prefers_the_person_over_the_moving_region() -> None:
    f = RunnerFollower(frame_width=1280, frame_height=720, lag_frames=4, max_unseen_frames=5)
    still = _person(100, 100, 200, 400)  # a figure standing still, followed first
    f.update(0, candidates=[], crop_candidate=still, motion_box=None)
    assert f.history[-1][1] == landmark_box(still)
    # The runner is found on the crop over the moving region: followed instead.
    runner = _person(600, 300, 680, 520)
    f.update(1, candidates=[still], crop_candidate=runner, motion_box=(580.0, 280.0, 700.0, 540.0))
    assert f.history[-1][1] == landmark_box(runner)


def test_same_person_read_twice() -> None:
    crop = _person(100, 100, 140, 220)  # 120 px tall, centre (120, 160)
    # The whole frame's reading of the same runner, offset by 50 px down: within half the height.
    assert same_person(crop, _person(95, 150, 150, 270))
    assert not same_person(crop, _person(300, 100, 340, 220))
