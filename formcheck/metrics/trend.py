"""Robust straight-line fit shared by the scene, cadence and posture metrics.

Theil-Sen takes the median of the slopes between all pairs of points, so
its cost is quadratic in the number of points (SciPy's ``theilslopes``
builds full n x n matrices: 36,000 points, ten minutes of frames at 60 fps,
need tens of gigabytes). Here the pairwise slopes are computed row by row
into one array of ``n (n - 1) / 2`` values, and a series longer than
:data:`MAX_THEIL_SEN_POINTS` is first thinned to that many points, evenly
spaced in its given order (for the time series fitted here, a sample spread
evenly over time). Up to that size the result is exactly SciPy's
(``method="separate"``); beyond it, the slope is the Theil-Sen slope of the
evenly spaced sample, and the intercept still uses the medians of all the
points. Memory is then bounded (about 36 MB of slopes) whatever the length.
"""

from __future__ import annotations

import numpy as np

# Largest number of points whose pairwise slopes are all used (4.5 million
# pairs, 36 MB as float64); longer series are thinned evenly to this size.
MAX_THEIL_SEN_POINTS = 3000


def even_sample(n: int, size: int) -> np.ndarray:
    """Indices of ``min(n, size)`` points evenly spaced over ``range(n)``, first and last kept."""
    if n <= size:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, size)).astype(np.int64))


def pairwise_slopes(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Slopes ``(y_j - y_i) / (x_j - x_i)`` of all pairs with ``x_i != x_j``, shape (m,).

    Memory is one float64 per pair; the caller bounds the number of points.
    """
    n = x.size
    out = np.empty(n * (n - 1) // 2)
    pos = 0
    for i in range(n - 1):
        dx = x[i + 1 :] - x[i]
        dy = y[i + 1 :] - y[i]
        ok = dx != 0
        m = int(np.count_nonzero(ok))
        np.divide(dy[ok], dx[ok], out=out[pos : pos + m])
        pos += m
    return out[:pos]


def theil_sen(
    y: np.ndarray, x: np.ndarray, *, max_points: int = MAX_THEIL_SEN_POINTS
) -> tuple[float, float]:
    """Theil-Sen slope and intercept of ``y`` against ``x``, shapes (n,).

    Parameters
    ----------
    y, x : ndarray, shape (n,)
        Finite values.
    max_points : int
        Points whose pairs are all used; a longer series is thinned to this
        many, evenly spaced in its order (see the module docstring).

    Returns
    -------
    slope : float
        Median of the pairwise slopes.
    intercept : float
        ``median(y) - slope * median(x)`` over all the points.

    Raises
    ------
    ValueError
        All x values are equal (no slope is defined).
    """
    y = np.asarray(y, dtype=float).ravel()
    x = np.asarray(x, dtype=float).ravel()
    if x.size != y.size:
        raise ValueError(f"theil_sen: x and y differ in length ({x.size} vs {y.size})")
    pick = even_sample(x.size, max_points)
    slopes = pairwise_slopes(y[pick], x[pick])
    if slopes.size == 0:
        raise ValueError("theil_sen: all x values are identical, no slope is defined")
    slope = float(np.median(slopes))
    return slope, float(np.median(y) - slope * np.median(x))
