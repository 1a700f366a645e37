"""Camera roll from straight lines in the scene (pure image computation).

MediaPipe's foot landmarks slide along the shoe as the foot rolls through
stance (measured on rendered runners: the heel and toe points rise 5-10 px
while the drawn foot lies flat), so a ground line fitted to them tilts by
several degrees. A treadmill scene is full of straight lines that are level
or plumb in the world: the belt and deck, the console, walls, cabinets,
windows. Their median direction gives the camera roll directly. The runner
is masked out, so limbs do not count.

Convention: ``roll_deg`` is positive when the scene appears rotated
counter-clockwise on screen (a level line rises to the right).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Segments within this many degrees of level or plumb count as evidence.
_NEAR_AXIS_DEG = 15.0
# Shortest segment used, as a share of the image's shorter side.
_MIN_LENGTH_SHARE = 0.12
# Evidence needed: total segment length, in image shorter-side units.
_MIN_TOTAL_LENGTH = 1.0
# Images are analysed at this width (up- or downscaled), so the same scene
# gives the same edges whatever the video's resolution.
_WORK_WIDTH_PX = 640


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
        """Whether the evidence is enough to set the roll."""
        return bool(np.isfinite(self.roll_deg)) and self.total_length >= _MIN_TOTAL_LENGTH


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


def detect_segments(
    rgb: np.ndarray, *, exclude_box: tuple[int, int, int, int] | None
) -> np.ndarray:
    """Straight edge segments of one image, with a box (the runner) masked out.

    Returns
    -------
    ndarray, shape (n, 4)
        ``x1, y1, x2, y2`` in the input image's pixels.
    """
    h, w = rgb.shape[:2]
    scale = _WORK_WIDTH_PX / w
    small = cv2.resize(rgb, (_WORK_WIDTH_PX, max(int(round(h * scale)), 1)))
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(gray, 50, 150)
    if exclude_box is not None:
        x0, y0, x1, y1 = (int(round(v * scale)) for v in exclude_box)
        edges[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)] = 0
    min_len = _MIN_LENGTH_SHARE * min(gray.shape)
    lines = cv2.HoughLinesP(
        edges, rho=1, theta=np.pi / 720, threshold=40, minLineLength=min_len, maxLineGap=4
    )
    if lines is None:
        return np.empty((0, 4))
    return lines.reshape(-1, 4).astype(float) / scale


def roll_from_lines(
    images: list[np.ndarray], *, exclude_boxes: list[tuple[int, int, int, int] | None]
) -> LineRoll:
    """Camera roll from level and plumb lines over a few frames of a video.

    Parameters
    ----------
    images : list of ndarray, shape (H, W, 3), uint8
        RGB frames sampled across the video.
    exclude_boxes : list
        Per frame, the runner's box (x0, y0, x1, y1) to ignore, or None.
    """
    rolls, lengths = [], []
    short_side = 1.0
    for rgb, box in zip(images, exclude_boxes, strict=True):
        short_side = float(min(rgb.shape[:2]))
        r, length = segment_rolls(detect_segments(rgb, exclude_box=box))
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
