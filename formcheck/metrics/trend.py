"""Robust straight-line fit shared by the scene, cadence and posture metrics."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import theilslopes


def theil_sen(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Theil-Sen slope and intercept of ``y`` against ``x``, shapes (n,).

    SciPy also computes a confidence interval for the slope, which warns on
    near-constant data; only the slope and intercept are used, so that
    warning is silenced here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        slope, intercept, _, _ = theilslopes(y, x)
    return float(slope), float(intercept)
