"""Orthographic side-view camera: runner frame (metres) <-> image pixels.

The runner frame has x forward and y up; the image has x right and y down.
Facing right, runner-frame +x maps to image +x; facing left, to image -x.
``roll_deg`` rotates the whole scene about ``ground_origin_px``,
counterclockwise on screen for positive values (the ground line then rises
to the right by ``roll_deg``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from formcheck.synthetic.kinematics import RunnerParams


@dataclass(frozen=True)
class CameraParams:
    """Where the runner appears in the image.

    Attributes
    ----------
    width, height : int
        Image size, pixels.
    scale_px_per_m : float
        Pixels per metre.
    ground_origin_px : tuple of float
        Image position (x, y) of the ground point under the hip (at t = 0 for
        a fixed overground camera).
    roll_deg : float
        Scene rotation, + counterclockwise on screen.
    follow : bool
        Overground only: the camera pans with the runner's mean speed so the
        runner stays in frame (the ground then moves backwards).
    """

    width: int = 640
    height: int = 480
    scale_px_per_m: float = 230.0
    ground_origin_px: tuple[float, float] = (320.0, 452.0)
    roll_deg: float = 0.0
    follow: bool = True

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.scale_px_per_m <= 0:
            raise ValueError("CameraParams: width, height and scale_px_per_m must be positive")


def camera_x_m(*, params: RunnerParams, camera: CameraParams, times_s: np.ndarray) -> np.ndarray:
    """World x of the point the camera looks at (``ground_origin_px``), per time."""
    t = np.asarray(times_s, dtype=float)
    if params.setting == "overground" and camera.follow:
        return params.speed_m_s * t
    return np.zeros_like(t)


def _direction(facing: str) -> float:
    return 1.0 if facing == "right" else -1.0


def runner_to_image_px(
    *, xy_m: np.ndarray, camera: CameraParams, facing: str, camera_x: np.ndarray | float = 0.0
) -> np.ndarray:
    """Project runner-frame points into the image.

    Parameters
    ----------
    xy_m : ndarray, shape (n, ..., 2)
        Points in metres (x forward, y up).
    camera : CameraParams
    facing : {"right", "left"}
    camera_x : float or ndarray, shape (n,)
        World x the camera looks at, per frame (see :func:`camera_x_m`).

    Returns
    -------
    ndarray, same shape as ``xy_m``
        Image pixels (x right, y down).
    """
    cx = np.asarray(camera_x, dtype=float)
    cx = cx.reshape(cx.shape + (1,) * (xy_m.ndim - 1 - cx.ndim))
    s = camera.scale_px_per_m
    dx = _direction(facing) * (xy_m[..., 0] - cx) * s
    dy = -xy_m[..., 1] * s
    a = math.radians(camera.roll_deg)
    c, n = math.cos(a), math.sin(a)
    ox, oy = camera.ground_origin_px
    return np.stack([ox + dx * c + dy * n, oy - dx * n + dy * c], axis=-1)


def image_to_runner_m(
    *, xy_px: np.ndarray, camera: CameraParams, facing: str, camera_x: np.ndarray | float = 0.0
) -> np.ndarray:
    """Inverse of :func:`runner_to_image_px` (same shapes)."""
    cx = np.asarray(camera_x, dtype=float)
    cx = cx.reshape(cx.shape + (1,) * (xy_px.ndim - 1 - cx.ndim))
    ox, oy = camera.ground_origin_px
    px = xy_px[..., 0] - ox
    py = xy_px[..., 1] - oy
    a = math.radians(camera.roll_deg)
    c, n = math.cos(a), math.sin(a)
    dx = px * c - py * n
    dy = px * n + py * c
    s = camera.scale_px_per_m
    return np.stack([_direction(facing) * dx / s + cx, -dy / s], axis=-1)


def ground_line_angle_deg(camera: CameraParams) -> float:
    """Angle of the ground line in the image, degrees, + rising to the right."""
    return float(camera.roll_deg)


def depth_to_z(depth_m: np.ndarray, camera: CameraParams) -> np.ndarray:
    """MediaPipe-style relative depth: metres -> units of image width."""
    return depth_m * camera.scale_px_per_m / camera.width
