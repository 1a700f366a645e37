"""The METRICS.md angle definitions, on points in the runner frame.

Runner frame: x forward (direction of travel), y up; the ground line is
horizontal. Every function takes arrays of points with shape (..., 2) and
returns degrees with shape (...). These are the definitions the truth uses;
the analysis must agree with them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

StrikeClass = Literal["rearfoot", "midfoot", "forefoot"]

# Altman & Davis 2012 (Gait Posture): rearfoot > 8.0 deg, forefoot < -1.6 deg.
REARFOOT_ABOVE_DEG = 8.0
FOREFOOT_BELOW_DEG = -1.6


def foot_strike_angle_deg(*, heel: np.ndarray, toe: np.ndarray) -> np.ndarray:
    """Angle of heel -> foot_index against the ground line, + toes up."""
    d = toe - heel
    return np.degrees(np.arctan2(d[..., 1], d[..., 0]))


def shank_angle_deg(*, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Angle of knee -> ankle against vertical, + ankle ahead of the knee."""
    d = ankle - knee
    return np.degrees(np.arctan2(d[..., 0], -d[..., 1]))


def knee_flexion_deg(*, hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """180 minus the hip-knee-ankle angle (0 = straight leg)."""
    a = hip - knee
    b = ankle - knee
    cross = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    dot = (a * b).sum(axis=-1)
    return 180.0 - np.degrees(np.arctan2(np.abs(cross), dot))


def trunk_lean_deg(*, hip_mid: np.ndarray, shoulder_mid: np.ndarray) -> np.ndarray:
    """Angle of hip midpoint -> shoulder midpoint against vertical, + shoulders ahead."""
    d = shoulder_mid - hip_mid
    return np.degrees(np.arctan2(d[..., 0], d[..., 1]))


def head_forward_deg(
    *, hip_mid: np.ndarray, shoulder_mid: np.ndarray, ear: np.ndarray
) -> np.ndarray:
    """Angle of shoulder midpoint -> ear against the trunk axis, + ear ahead."""
    trunk = shoulder_mid - hip_mid
    neck = ear - shoulder_mid
    cross = trunk[..., 1] * neck[..., 0] - trunk[..., 0] * neck[..., 1]
    dot = (trunk * neck).sum(axis=-1)
    return np.degrees(np.arctan2(cross, dot))


def strike_class(foot_strike_angle: float) -> StrikeClass:
    """Altman & Davis class of a foot strike angle in degrees."""
    if foot_strike_angle > REARFOOT_ABOVE_DEG:
        return "rearfoot"
    if foot_strike_angle < FOREFOOT_BELOW_DEG:
        return "forefoot"
    return "midfoot"
