"""Scene: facing direction, camera roll from the ground line, the runner frame, scale.

The runner frame has x along the direction of travel and y up, with the
ground (belt) at y = 0, in pixels of the upright, roll-corrected image. Roll
and the ground level come from the line through the points where the feet
rest on the ground: the lower envelope of heel and toe positions, fitted
robustly (Theil-Sen through per-bin high quantiles). The analysis keeps that
ground level but replaces the roll by the one from straight scene lines
(:mod:`formcheck.gait.horizon`), or by zero when they are unclear: MediaPipe's
foot points slide along the shoe and tilt the feet's line by several
degrees. A low camera sees the belt edge in perspective, so the belt edge
itself is not used either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from formcheck.landmarks import (
    LEFT_ANKLE,
    LEFT_EAR,
    LEFT_FOOT_INDEX,
    LEFT_HEEL,
    LEFT_HIP,
    NOSE,
    RIGHT_ANKLE,
    RIGHT_EAR,
    RIGHT_FOOT_INDEX,
    RIGHT_HEEL,
    RIGHT_HIP,
)
from formcheck.metrics.intervals import MAD_TO_SD
from formcheck.metrics.trend import theil_sen

Facing = Literal["right", "left"]

_FOOT_POINTS = (LEFT_HEEL, LEFT_FOOT_INDEX, RIGHT_HEEL, RIGHT_FOOT_INDEX)
_MIN_GROUND_POINTS = 20
# Share of a stance during which the toe rests on the ground, for any strike.
_TOE_DOWN_FROM = 0.3
_TOE_DOWN_UNTIL = 0.95


@dataclass(frozen=True)
class Scene:
    """How image pixels map to the runner frame.

    Attributes
    ----------
    facing : {"right", "left"}
        Direction of travel in the image.
    roll_deg : float
        Camera roll: angle of the ground line in the image, degrees,
        positive when the line rises to the right (counter-clockwise on screen).
    ground_point_px : tuple of float
        A point (x, y) of the ground line in image pixels.
    leg_length_px : float
        Leg length L (hip to ankle of the near leg at fullest extension).
    roll_reliable : bool
        False when too few ground points were seen to trust the roll estimate
        (roll then set to 0).
    """

    facing: Facing
    roll_deg: float
    ground_point_px: tuple[float, float]
    leg_length_px: float
    roll_reliable: bool

    def to_runner(self, xy_px: np.ndarray) -> np.ndarray:
        """Map image pixels (..., 2) to the runner frame (..., 2), pixels, y up, ground at 0."""
        theta = np.deg2rad(self.roll_deg)
        c, s = np.cos(theta), np.sin(theta)
        gx, gy = self.ground_point_px
        dx = xy_px[..., 0] - gx
        dy_up = -(xy_px[..., 1] - gy)  # image y points down
        # Undo the roll: rotate by -roll in the y-up plane, written into the
        # output in place (an hour of frames makes each temporary ~60 MB):
        # x = c dx + s dy_up, y = -s dx + c dy_up.
        out = np.empty((*dx.shape, 2), dtype=np.result_type(dx, float))
        x, y = out[..., 0], out[..., 1]
        np.multiply(c, dx, out=x)
        x += s * dy_up
        np.multiply(-s, dx, out=y)
        y += c * dy_up
        if self.facing == "left":
            np.negative(x, out=x)
        return out

    def to_image(self, xy_runner: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_runner`."""
        theta = np.deg2rad(self.roll_deg)
        c, s = np.cos(theta), np.sin(theta)
        x = xy_runner[..., 0] * (-1.0 if self.facing == "left" else 1.0)
        y = xy_runner[..., 1]
        dx = c * x - s * y
        dy_up = s * x + c * y
        gx, gy = self.ground_point_px
        return np.stack([dx + gx, gy - dy_up], axis=-1)


def detect_facing(xy_px: np.ndarray) -> tuple[Facing, float]:
    """Direction of travel from toes ahead of heels and nose ahead of ears.

    Parameters
    ----------
    xy_px : ndarray, shape (n_frames, 33, 2)

    Returns
    -------
    facing : {"right", "left"}
    agreement : float
        Share of frames whose own vote agrees with the result, in [0, 1].
    """
    feet = np.concatenate(
        [
            xy_px[:, LEFT_FOOT_INDEX, 0] - xy_px[:, LEFT_HEEL, 0],
            xy_px[:, RIGHT_FOOT_INDEX, 0] - xy_px[:, RIGHT_HEEL, 0],
        ]
    )
    ears = 0.5 * (xy_px[:, LEFT_EAR, 0] + xy_px[:, RIGHT_EAR, 0])
    head = xy_px[:, NOSE, 0] - ears
    votes = np.concatenate([np.sign(feet), np.sign(head)])
    votes = votes[np.isfinite(votes) & (votes != 0)]
    if votes.size == 0:
        return "right", 0.0
    facing: Facing = "right" if votes.mean() >= 0 else "left"
    agreement = float(np.mean(votes == (1 if facing == "right" else -1)))
    return facing, agreement


def fit_ground_line(xy_px: np.ndarray) -> tuple[float, tuple[float, float], bool]:
    """Fit the ground line through the points where the feet rest.

    In every frame but flight, the lowest foot point (heel or toe, either
    leg) rests on the ground, and the stance foot sweeps along it. A
    Theil-Sen line through the per-frame lowest points, refitted on the half
    nearest the ground, is that line.

    Parameters
    ----------
    xy_px : ndarray, shape (n_frames, 33, 2)

    Returns
    -------
    roll_deg : float
        Angle of the line, positive when it rises to the right on screen.
    point_px : tuple of float
        A point on the line (image pixels).
    reliable : bool
        Whether the ground points spread far enough along x to fix a slope.
    """
    feet = xy_px[:, list(_FOOT_POINTS)]  # (n, 4, 2)
    y = np.where(np.isfinite(feet[..., 1]), feet[..., 1], -np.inf)
    lowest = np.argmax(y, axis=1)
    pts = feet[np.arange(feet.shape[0]), lowest]
    pts = pts[np.isfinite(pts).all(axis=1)]
    if pts.shape[0] == 0:
        return 0.0, (0.0, 0.0), False
    if pts.shape[0] < _MIN_GROUND_POINTS:
        centre = tuple(np.nanmedian(pts, axis=0))
        return 0.0, (float(centre[0]), float(centre[1])), False
    keep = np.ones(pts.shape[0], dtype=bool)
    slope = intercept = 0.0
    for _ in range(3):
        if np.ptp(pts[keep, 0]) <= 0:  # a standing person: no spread along the ground
            return 0.0, (float(pts[0, 0]), float(np.median(pts[:, 1]))), False
        slope, intercept = theil_sen(pts[keep, 1], pts[keep, 0])
        resid = pts[:, 1] - (slope * pts[:, 0] + intercept)  # > 0: lower on screen
        keep = resid >= np.median(resid)
    centre_x = float(np.median(pts[keep, 0]))
    spread = float(np.subtract(*np.percentile(pts[keep, 0], [95, 5])))
    foot = np.linalg.norm(feet[:, 1] - feet[:, 0], axis=-1)  # one heel-to-toe length
    foot_px = float(np.nanmedian(foot)) if np.isfinite(foot).any() else 0.0
    reliable = spread >= foot_px and keep.sum() >= _MIN_GROUND_POINTS // 2
    roll_deg = float(np.degrees(np.arctan(-slope)))  # image y is down
    return roll_deg, (centre_x, float(slope * centre_x + intercept)), bool(reliable)


def leg_length_px(xy_px: np.ndarray, *, near_side: str) -> float:
    """Leg length: 95th percentile of the near hip-to-ankle distance, pixels."""
    hip, ankle = (LEFT_HIP, LEFT_ANKLE) if near_side == "left" else (RIGHT_HIP, RIGHT_ANKLE)
    d = np.linalg.norm(xy_px[:, hip] - xy_px[:, ankle], axis=-1)
    d = d[np.isfinite(d)]
    return float(np.percentile(d, 95)) if d.size else float("nan")


def estimate_scene(xy_px: np.ndarray, *, near_side: str) -> tuple[Scene, float]:
    """Facing, roll, ground and scale from cleaned landmarks.

    Returns
    -------
    scene : Scene
    facing_agreement : float
        Share of per-frame facing votes that agree, in [0, 1].
    """
    facing, agreement = detect_facing(xy_px)
    roll, point, reliable = fit_ground_line(xy_px)
    if not reliable:
        roll = 0.0
    return (
        Scene(
            facing=facing,
            roll_deg=roll,
            ground_point_px=point,
            leg_length_px=leg_length_px(xy_px, near_side=near_side),
            roll_reliable=reliable,
        ),
        agreement,
    )


def stance_ground_roll(xy_px: np.ndarray, stances: dict[str, list[tuple[int, int]]]) -> float:
    """Camera roll from the toes on the ground: one slope, one offset per leg.

    From foot-flat to toe-off (here 30-95 % of each stance, whatever the
    strike pattern) the toe rests on the ground while the belt carries it
    back, so the toe landmark traces the ground line. (The heel rises in
    late stance and a heel strike lifts the toe early, so neither the heel
    nor "the lowest point" traces it as cleanly.) Each leg gets its own
    offset, because a camera looking down at the belt sees the far foot's
    contact line higher in the image; the slope is shared.

    Parameters
    ----------
    xy_px : ndarray, shape (n_frames, 33, 2)
        Image landmarks (identity-corrected).
    stances : dict
        For each side label ("left"/"right"), (first, last) frames of its
        stances.

    Returns
    -------
    float
        Roll in degrees; NaN when fewer than 10 stance points were found.
    """
    xs, ys, groups = [], [], []
    for g, (side, runs) in enumerate(stances.items()):
        toe = LEFT_FOOT_INDEX if side == "left" else RIGHT_FOOT_INDEX
        for first, last in runs:
            span = last - first
            lo = first + int(round(_TOE_DOWN_FROM * span))
            hi = first + int(round(_TOE_DOWN_UNTIL * span))
            pts = xy_px[lo : hi + 1, toe]
            pts = pts[np.isfinite(pts).all(axis=1)]
            xs += list(pts[:, 0])
            ys += list(pts[:, 1])
            groups += [g] * len(pts)
    if len(xs) < 10:
        return float("nan")
    x, y, grp = np.asarray(xs), np.asarray(ys), np.asarray(groups)
    keep = np.ones(x.size, dtype=bool)
    slope = 0.0
    for _ in range(2):
        design = np.column_stack([x] + [(grp == g).astype(float) for g in np.unique(grp)])
        coef, *_ = np.linalg.lstsq(design[keep], y[keep], rcond=None)
        resid = y - design @ coef
        spread = MAD_TO_SD * np.median(np.abs(resid[keep])) + 1e-9
        keep = np.abs(resid) <= 3.0 * spread
        slope = float(coef[0])
    return float(np.degrees(np.arctan(-slope)))
