"""Camera roll from scene lines, on drawn scenes with a known rotation.

A "room" of level and plumb edges (a deck, a console, shelves, door edges)
is drawn on a plain wall and rotated by a known angle with OpenCV. The
estimate must return that angle within 0.3 deg, at full and at half
resolution, with the same amount of evidence (within 30 %) at both sizes:
a half-resolution copy of a real clip once lost most of its lines
because the small image was upscaled before edge detection.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from formcheck.gait.horizon import detect_segments, roll_from_lines, runner_mask, segment_rolls
from formcheck.landmarks import (
    LEFT_ANKLE,
    LEFT_HIP,
    LEFT_KNEE,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_HIP,
    RIGHT_KNEE,
    RIGHT_SHOULDER,
)

ROLL_TOL_DEG = 0.3
EVIDENCE_RATIO_TOL = 0.3


def _room(width: int, height: int, roll_deg: float) -> np.ndarray:
    """A wall with thin level and plumb edges (shelves, a deck, door edges),
    rotated counter-clockwise by ``roll_deg`` and slightly blurred as a
    phone camera would."""
    img = np.full((height, width, 3), 160, np.uint8)
    s = width / 1280
    edge = (80, 80, 80)
    for y in (0.30, 0.55, 0.85):
        y0 = int(y * height)
        cv2.line(img, (int(80 * s), y0), (width - int(80 * s), y0), edge, max(int(2 * s), 1))
    for x in (0.12, 0.45, 0.80):
        x0 = int(x * width)
        cv2.line(img, (x0, int(0.1 * height)), (x0, int(0.8 * height)), edge, max(int(2 * s), 1))
    m = cv2.getRotationMatrix2D((width / 2, height / 2), roll_deg, 1.0)
    rolled = cv2.warpAffine(img, m, (width, height), borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(cv2.GaussianBlur(rolled, (0, 0), 1.0))


@pytest.mark.parametrize("roll_deg", [-4.0, 0.0, 2.5, 5.0])
def test_roll_of_a_rotated_room_is_recovered(roll_deg: float) -> None:
    images = [_room(1280, 720, roll_deg)] * 3
    roll = roll_from_lines(images, excludes=[None] * 3)
    assert roll.usable
    assert abs(roll.roll_deg - roll_deg) <= ROLL_TOL_DEG


def test_half_resolution_gives_the_same_roll_and_evidence() -> None:
    full = roll_from_lines([_room(1280, 720, 3.0)], excludes=[None])
    half_image = cv2.resize(_room(1280, 720, 3.0), (640, 360), interpolation=cv2.INTER_AREA)
    half = roll_from_lines([half_image], excludes=[None])
    assert half.usable and full.usable
    assert abs(half.roll_deg - full.roll_deg) <= ROLL_TOL_DEG
    assert abs(half.total_length / full.total_length - 1.0) <= EVIDENCE_RATIO_TOL


def test_half_resolution_portrait_keeps_its_lines() -> None:
    # The case that failed: a 720x1280 phone clip halved to 360x640. Upscaling
    # the small copy to a fixed working width blurred its edges below Canny's
    # thresholds (evidence fell from ~11 to ~1.4 shorter-side lengths).
    portrait = np.ascontiguousarray(np.rot90(_room(1280, 720, 3.0)))
    a = roll_from_lines([portrait], excludes=[None])
    assert a.usable
    # Half size, and a size that is no exact multiple of the working scale.
    for size in ((360, 640), (270, 480)):
        small = cv2.resize(portrait, size, interpolation=cv2.INTER_AREA)
        b = roll_from_lines([small], excludes=[None])
        assert b.usable
        assert abs(b.roll_deg - a.roll_deg) <= ROLL_TOL_DEG
        assert abs(b.total_length / a.total_length - 1.0) <= EVIDENCE_RATIO_TOL


def test_the_runner_is_masked_but_the_scene_beside_it_is_not() -> None:
    # A steep "limb" along the runner's shin is masked; a shelf edge passing
    # behind the runner still counts on both sides of it.
    img = np.full((720, 1280, 3), 160, np.uint8)
    cv2.line(img, (100, 300), (1180, 300), (80, 80, 80), 2)
    cv2.line(img, (600, 200), (700, 650), (30, 30, 30), 12)
    xy = np.full((33, 2), np.nan)
    xy[[LEFT_HIP, RIGHT_HIP]] = (600, 200)
    xy[[LEFT_KNEE, RIGHT_KNEE]] = (650, 425)
    xy[[LEFT_ANKLE, RIGHT_ANKLE]] = (700, 650)
    xy[[LEFT_SHOULDER, RIGHT_SHOULDER]] = (560, 0)
    mask = runner_mask(img.shape, xy)
    assert mask is not None and mask[425, 650] and not mask[300, 200]
    segments = detect_segments(img, exclude=mask)
    rolls, _ = segment_rolls(segments)
    assert rolls.size == len(segments) and np.all(np.abs(rolls) < 0.5)  # shelf pieces only
    middle_x = 0.5 * (segments[:, 0] + segments[:, 2])
    assert (middle_x < 550).any() and (middle_x > 750).any()  # on both sides of the runner
    assert runner_mask(img.shape, np.full((33, 2), np.nan)) is None
    with pytest.raises(ValueError, match="exclude mask"):
        detect_segments(img, exclude=mask[:100])


def test_segment_rolls_signs() -> None:
    # A level line rising to the right (y down) is a positive roll; a plumb
    # line leaning right at the top is a negative roll; a diagonal is ignored.
    segs = np.array(
        [[0, 10, 100, 10 - 100 * np.tan(np.radians(2))], [50, 100, 52, 0], [0, 0, 50, 50]]
    )
    rolls, lengths = segment_rolls(segs)
    assert rolls.size == 2 and lengths.size == 2
    assert rolls[0] == pytest.approx(2.0, abs=1e-9)
    assert rolls[1] == pytest.approx(-np.degrees(np.arctan2(2, 100)), abs=1e-9)
