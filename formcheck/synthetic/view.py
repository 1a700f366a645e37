"""Pinhole (perspective) view of the runner, for the domain-randomised clips.

:mod:`formcheck.synthetic.camera` is orthographic: every point of the runner
frame maps to the image with one scale. A phone beside a treadmill is a
pinhole camera at some distance, height and pitch: the near leg (nearer the
camera) looks larger than the far leg, a camera below the hips looks up at
the runner and one above looks down (keystone), and a person standing between
the camera and the runner looks bigger. :class:`PinholeView` projects
runner-frame points with a depth through such a camera; the scale at the
ground point under the hip (depth 0) is the orthographic camera's
``scale_px_per_m`` and that point lands on ``ground_origin_px``, so the
framing matches the orthographic clip; camera roll is applied on top the same
way. The truth is unchanged (it is the runner's own geometry): the view is an
error source the analysis has to live with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from formcheck.synthetic.camera import CameraParams

# Background polygons are clamped to this box (metres around the aim point).
_REACH_M = 8.0
_FLOOR_M = -2.5
_CEILING_M = 3.5


@dataclass(frozen=True)
class PinholeView:
    """A pinhole camera looking at the runner from the near side.

    Attributes
    ----------
    distance_m : float
        Distance from the camera to the runner's midplane, metres.
    height_m : float
        Camera height above the ground, metres.
    pitch_deg : float
        Pitch of the optical axis, + looking down.
    """

    distance_m: float = 3.0
    height_m: float = 1.0
    pitch_deg: float = 0.0

    def __post_init__(self) -> None:
        if self.distance_m <= 0.3:
            raise ValueError("PinholeView: distance_m must be above 0.3")

    def _camera_coords(
        self, x: np.ndarray, y: np.ndarray, depth_m: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Camera coordinates (right, up, forward along the axis), metres."""
        p = math.radians(self.pitch_deg)
        yy = y - self.height_m
        zz = np.asarray(depth_m, dtype=float) + self.distance_m
        forward = zz * math.cos(p) - yy * math.sin(p)
        up = yy * math.cos(p) + zz * math.sin(p)
        return x, up, forward

    def project(
        self,
        *,
        xy_m: np.ndarray,
        depth_m: np.ndarray | float,
        camera: CameraParams,
        facing: str,
        camera_x: np.ndarray | float = 0.0,
    ) -> np.ndarray:
        """Runner-frame points (x forward, y up, metres) at ``depth_m`` (+ away
        from the camera) -> image pixels, shape like ``xy_m``.

        The scene's huge background rectangles (tens of metres) are clamped
        to ``_REACH_M`` around the aim first (exact for axis-aligned boxes),
        so no vertex falls behind the camera.
        """
        cx = np.asarray(camera_x, dtype=float)
        cx = cx.reshape(cx.shape + (1,) * (xy_m.ndim - 1 - cx.ndim))
        sign = 1.0 if facing == "right" else -1.0
        x = np.clip(sign * (xy_m[..., 0] - cx), -_REACH_M, _REACH_M)
        y = np.clip(xy_m[..., 1], _FLOOR_M, _CEILING_M)
        right, up, fwd = self._camera_coords(x, y, depth_m)
        _, up0, fwd0 = self._camera_coords(np.zeros(1), np.zeros(1), 0.0)
        focal = camera.scale_px_per_m * float(fwd0[0])
        fwd = np.maximum(fwd, 0.05)
        dx = focal * right / fwd
        dy = -(focal * up / fwd - focal * float(up0[0]) / float(fwd0[0]))
        a = math.radians(camera.roll_deg)
        c, n = math.cos(a), math.sin(a)
        ox, oy = camera.ground_origin_px
        return np.stack([ox + dx * c + dy * n, oy - dx * n + dy * c], axis=-1)
