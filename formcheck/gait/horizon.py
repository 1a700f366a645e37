"""Camera roll from straight lines in the scene (pure image computation).

MediaPipe's foot landmarks slide along the shoe as the foot rolls through
stance (measured on rendered runners: the heel and toe points rise 5-10 px
while the drawn foot lies flat), so a ground line fitted to them tilts by
several degrees. A treadmill scene is full of straight lines that are level
or plumb in the world: the belt and deck, the console, walls, cabinets,
windows. Their median direction gives the camera roll directly. The runner
is masked out, so limbs do not count: a band along each skeleton segment,
12 % of the body height wide, not the runner's bounding box (a striding
runner filmed in portrait spans the frame's width, and the box would hide
the belt and the window sills, leaving only the ceiling's perspective).

Convention: ``roll_deg`` is positive when the scene appears rotated
counter-clockwise on screen (a level line rises to the right).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.landmarks import (
    CONNECTIONS,
    LEFT_HIP,
    LEFT_SHOULDER,
    NOSE,
    RIGHT_HIP,
    RIGHT_SHOULDER,
)

# Names the method; a pose cache whose roll was measured otherwise is not reused.
LINE_ROLL_METHOD = "scene-lines-2: 360 px shorter side, limb mask"
# Segments within this many degrees of level or plumb count as evidence.
_NEAR_AXIS_DEG = 15.0
# Shortest segment used, as a share of the image's shorter side.
_MIN_LENGTH_SHARE = 0.12
# Evidence needed: total segment length, in image shorter-side units.
_MIN_TOTAL_LENGTH = 1.0
# The lines set the roll only when they agree to within this (degrees).
_MAX_SPREAD_DEG = 2.5
# Images are downscaled (area averaging) to this shorter side, so the same
# scene gives the same edges whatever the video's resolution; smaller images
# are used as they are (upscaling blurs edges below Canny's thresholds: a
# half-resolution copy of a 720x1280 clip lost three quarters of its lines).
_WORK_SHORT_SIDE_PX = 360
# Width of the masked band along the runner's limbs, share of body height.
_MASK_WIDTH_SHARE = 0.12
# Width of the band along the trunk (shoulder to hip): in a side view both
# shoulders and both hips nearly coincide, and chest or back edges lie up to
# about 7 % of body height from that line.
_TRUNK_WIDTH_SHARE = 0.2
# Radius of the masked head disc, share of body height.
_HEAD_RADIUS_SHARE = 0.1
# Hough accumulator votes a segment needs (capped below the shortest length
# for small images).
_HOUGH_VOTES = 40


@dataclass(frozen=True)
class LineRoll:
    """Roll evidence from scene lines.

    Attributes
    ----------
    roll_deg : float
        Length-weighted median roll over all level and plumb segments; NaN
        when there is too little evidence.
    spread_deg : float
        Length-weighted median absolute deviation of the segment rolls.
    n_segments : int
    total_length : float
        Summed segment length, in units of the image's shorter side.
    """

    roll_deg: float
    spread_deg: float
    n_segments: int
    total_length: float

    @property
    def usable(self) -> bool:
        """Whether the lines are many and consistent enough to set the roll."""
        return (
            bool(np.isfinite(self.roll_deg))
            and self.total_length >= _MIN_TOTAL_LENGTH
            and self.spread_deg <= _MAX_SPREAD_DEG
        )


def segment_rolls(segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Roll implied by each near-level or near-plumb segment, and its length.

    Parameters
    ----------
    segments : ndarray, shape (n, 4)
        ``x1, y1, x2, y2`` in image pixels (y down).

    Returns
    -------
    rolls_deg, lengths : ndarray, shape (m,)
        Only segments within 15 deg of level or plumb.
    """
    if segments.size == 0:
        return np.empty(0), np.empty(0)
    dx = segments[:, 2] - segments[:, 0]
    dy = segments[:, 3] - segments[:, 1]
    length = np.hypot(dx, dy)
    # Level: direction pointing right; roll = -(angle with y down).
    sign = np.where(dx < 0, -1.0, 1.0)
    level = -np.degrees(np.arctan2(sign * dy, sign * dx))
    # Plumb: direction pointing up (dy < 0); roll = atan2(-dx, -dy).
    up = np.where(dy > 0, -1.0, 1.0)
    plumb = np.degrees(np.arctan2(-up * dx, -up * dy))
    is_level = np.abs(level) <= _NEAR_AXIS_DEG
    is_plumb = np.abs(plumb) <= _NEAR_AXIS_DEG
    rolls = np.where(is_level, level, plumb)
    keep = is_level | is_plumb
    return rolls[keep], length[keep]


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


def runner_mask(shape: tuple[int, ...], xy_px: np.ndarray) -> np.ndarray | None:
    """Pixels covered by the runner, from one frame's landmarks.

    Parameters
    ----------
    shape : tuple
        Image shape (H, W, ...).
    xy_px : ndarray, shape (33, 2)
        Landmarks in the image's pixels; NaN where not detected.

    Returns
    -------
    ndarray of bool, shape (H, W), or None
        None when fewer than 5 landmarks were detected (the runner is not
        in this frame, or barely: nothing is masked).
    """
    good = np.isfinite(xy_px).all(axis=1)
    if good.sum() < 5:
        return None
    h, w = shape[:2]
    # Far-off points (a wild landmark) are clipped so OpenCV's int32 maths holds.
    pts = np.round(np.clip(np.where(good[:, None], xy_px, 0.0), -2 * max(h, w), 3 * max(h, w)))
    pts = pts.astype(np.int32)
    height = float(np.ptp(pts[good, 1]))
    mask = np.zeros((h, w), np.uint8)

    def band(a: int, b: int, share: float) -> None:
        if good[a] and good[b]:
            width = max(int(round(share * height)), 3)
            cv2.line(
                mask, (int(pts[a, 0]), int(pts[a, 1])), (int(pts[b, 0]), int(pts[b, 1])), 1, width
            )

    for a, b in CONNECTIONS:
        band(a, b, _MASK_WIDTH_SHARE)
    for shoulder, hip in ((LEFT_SHOULDER, LEFT_HIP), (RIGHT_SHOULDER, RIGHT_HIP)):
        band(shoulder, hip, _TRUNK_WIDTH_SHARE)
    torso = [LEFT_SHOULDER, RIGHT_SHOULDER, RIGHT_HIP, LEFT_HIP]
    if good[torso].all():
        cv2.fillPoly(mask, [pts[torso]], 1)
    if good[NOSE]:
        centre = (int(pts[NOSE, 0]), int(pts[NOSE, 1]))
        cv2.circle(mask, centre, int(_HEAD_RADIUS_SHARE * height), 1, -1)
    return mask.astype(bool)


def detect_segments(rgb: np.ndarray, *, exclude: np.ndarray | None) -> np.ndarray:
    """Straight edge segments of one image, with a region (the runner) masked out.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3), uint8
    exclude : ndarray of bool, shape (H, W), or None
        Pixels whose edges are ignored.

    Returns
    -------
    ndarray, shape (n, 4)
        ``x1, y1, x2, y2`` in the input image's pixels.
    """
    h, w = rgb.shape[:2]
    if exclude is not None and exclude.shape != (h, w):
        raise ValueError(f"exclude mask: expected shape {(h, w)}, got {exclude.shape}")
    scale = min(1.0, _WORK_SHORT_SIDE_PX / min(h, w))
    small = rgb
    if scale < 1.0:
        size = (max(int(round(w * scale)), 1), max(int(round(h * scale)), 1))
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(gray, 50, 150)
    if exclude is not None:
        size = (gray.shape[1], gray.shape[0])
        small_mask = cv2.resize(exclude.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
        edges[small_mask > 0] = 0
    min_len = _MIN_LENGTH_SHARE * min(gray.shape)
    votes = max(int(min(_HOUGH_VOTES, 0.9 * min_len)), 1)
    lines = cv2.HoughLinesP(
        edges, rho=1, theta=np.pi / 720, threshold=votes, minLineLength=min_len, maxLineGap=4
    )
    if lines is None:
        return np.empty((0, 4))
    return lines.reshape(-1, 4).astype(float) / scale


def roll_from_lines(images: list[np.ndarray], *, excludes: list[np.ndarray | None]) -> LineRoll:
    """Camera roll from level and plumb lines over a few frames of a video.

    Parameters
    ----------
    images : list of ndarray, shape (H, W, 3), uint8
        RGB frames sampled across the video.
    excludes : list
        Per frame, a boolean mask (H, W) of the runner's pixels to ignore
        (see :func:`runner_mask`), or None.
    """
    rolls, lengths = [], []
    short_side = 1.0
    for rgb, mask in zip(images, excludes, strict=True):
        short_side = float(min(rgb.shape[:2]))
        r, length = segment_rolls(detect_segments(rgb, exclude=mask))
        rolls.append(r)
        lengths.append(length / short_side)
    if not rolls:
        return LineRoll(float("nan"), float("nan"), 0, 0.0)
    r, length = np.concatenate(rolls), np.concatenate(lengths)
    if r.size == 0:
        return LineRoll(float("nan"), float("nan"), 0, 0.0)
    roll = _weighted_median(r, length)
    spread = _weighted_median(np.abs(r - roll), length)
    return LineRoll(roll, spread, int(r.size), float(length.sum() / len(images)))
