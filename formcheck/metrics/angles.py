"""Sagittal angles in the runner frame (x = travel direction, y = up), degrees.

Signs follow METRICS.md: trunk lean positive with the shoulders ahead of the
hips; foot strike angle positive toes up; shank angle positive with the
ankle ahead of the knee; knee flexion = 180 - hip-knee-ankle angle.
"""

from __future__ import annotations

import numpy as np

from formcheck.landmarks import (
    LEFT_EAR,
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_EAR,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    LegIndices,
)


def _mid(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return 0.5 * (xy[..., a, :] + xy[..., b, :])


def hip_mid(xy: np.ndarray) -> np.ndarray:
    """Hip midpoint, shape (..., 2)."""
    return _mid(xy, LEFT_HIP, RIGHT_HIP)


def shoulder_mid(xy: np.ndarray) -> np.ndarray:
    """Shoulder midpoint, shape (..., 2)."""
    return _mid(xy, LEFT_SHOULDER, RIGHT_SHOULDER)


def trunk_lean_deg(xy: np.ndarray) -> np.ndarray:
    """Angle of hip-mid -> shoulder-mid against vertical, + forward; shape (...)."""
    v = shoulder_mid(xy) - hip_mid(xy)
    return np.degrees(np.arctan2(v[..., 0], v[..., 1]))


def head_forward_deg(xy: np.ndarray) -> np.ndarray:
    """Angle of shoulder-mid -> ear-mid against the trunk axis, + ear ahead; shape (...)."""
    trunk = shoulder_mid(xy) - hip_mid(xy)
    head = _mid(xy, LEFT_EAR, RIGHT_EAR) - shoulder_mid(xy)
    return np.degrees(
        np.arctan2(head[..., 0], head[..., 1]) - np.arctan2(trunk[..., 0], trunk[..., 1])
    )


def ear_shoulder_distance(xy: np.ndarray) -> np.ndarray:
    """Distance ear-mid to shoulder-mid (same unit as ``xy``); shape (...)."""
    return np.linalg.norm(_mid(xy, LEFT_EAR, RIGHT_EAR) - shoulder_mid(xy), axis=-1)


def foot_strike_angle_deg(xy: np.ndarray, leg: LegIndices) -> np.ndarray:
    """Angle of heel -> toe against the ground, + toes up; shape (...)."""
    v = xy[..., leg.toe, :] - xy[..., leg.heel, :]
    return np.degrees(np.arctan2(v[..., 1], v[..., 0]))


def shank_angle_deg(xy: np.ndarray, leg: LegIndices) -> np.ndarray:
    """Angle of knee -> ankle against vertical, + ankle ahead of knee; shape (...)."""
    v = xy[..., leg.ankle, :] - xy[..., leg.knee, :]
    return np.degrees(np.arctan2(v[..., 0], -v[..., 1]))


def knee_flexion_deg(xy: np.ndarray, leg: LegIndices) -> np.ndarray:
    """180 minus the hip-knee-ankle angle; 0 for a straight leg; shape (...)."""
    a = xy[..., leg.hip, :] - xy[..., leg.knee, :]
    b = xy[..., leg.ankle, :] - xy[..., leg.knee, :]
    cos = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
