"""Late-run posture drift: early vs late window, Theil-Sen trend, bootstrap interval.

METRICS.md section 4: compare the first and last 20 % of strides (at least
7 strides each), fit a robust trend over the whole run, and put a 95 %
bootstrap interval (over strides) on the late-minus-early change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.metrics.trend import theil_sen

# Resampled values drawn per block of the bootstrap (8 MB of indices).
_BOOTSTRAP_BLOCK_VALUES = 2**20


@dataclass(frozen=True)
class Drift:
    """Change of a per-stride posture quantity over the run.

    Attributes
    ----------
    change : float
        Mean of the late window minus mean of the early window (unit of the input).
    ci95 : tuple of float
        Percentile bootstrap 95 % interval of ``change``.
    trend_per_min : float
        Theil-Sen slope over all strides, unit per minute.
    early_strides, late_strides : tuple of int
        Indices of the strides in each window.
    early_mean, late_mean : float
    """

    change: float
    ci95: tuple[float, float]
    trend_per_min: float
    early_strides: tuple[int, ...]
    late_strides: tuple[int, ...]
    early_mean: float
    late_mean: float


def windows(
    times_s: np.ndarray, *, share: float, min_strides: int, window_min: float = 0.0
) -> tuple[np.ndarray, np.ndarray] | None:
    """Early and late stride windows, or None when the run is too short.

    Parameters
    ----------
    times_s : ndarray, shape (n_strides,)
        Stride mid-times (elapsed run time), seconds, increasing.
    share : float
        Share of strides in each window when ``window_min`` is 0.
    min_strides : int
        Minimum strides per window.
    window_min : float
        When > 0, windows are the first and last ``window_min`` minutes.
    """
    n = times_s.size
    if window_min > 0:
        early = np.flatnonzero(times_s <= times_s[0] + 60.0 * window_min)
        late = np.flatnonzero(times_s >= times_s[-1] - 60.0 * window_min)
    else:
        k = max(int(np.ceil(share * n)), min_strides)
        early, late = np.arange(min(k, n)), np.arange(max(n - k, 0), n)
    if early.size < min_strides or late.size < min_strides or early[-1] >= late[0]:
        return None
    return early, late


def _bootstrap_means(values: np.ndarray, *, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_boot`` resamples (with replacement) of ``values``, shape (n_boot,).

    Drawn a block of resamples at a time, so memory stays bounded for a
    long run's thousands of strides; the generator yields the same numbers
    as one ``(n_boot, n)`` draw, so results do not depend on the block size.
    """
    n = values.size
    rows = max(_BOOTSTRAP_BLOCK_VALUES // max(n, 1), 1)
    means = np.empty(n_boot)
    for start in range(0, n_boot, rows):
        stop = min(start + rows, n_boot)
        means[start:stop] = values[rng.integers(0, n, (stop - start, n))].mean(axis=1)
    return means


def posture_drift(
    values: np.ndarray,
    times_s: np.ndarray,
    *,
    share: float,
    min_strides: int,
    window_min: float,
    n_boot: int,
    seed: int,
    early: np.ndarray | None = None,
    late: np.ndarray | None = None,
) -> Drift | None:
    """Late-minus-early change of a per-stride series, with interval and trend.

    Parameters
    ----------
    values : ndarray, shape (n_strides,)
        Per-stride values (e.g. trunk lean, degrees); NaN strides are dropped.
    times_s : ndarray, shape (n_strides,)
        Stride mid-times, seconds of elapsed run time.
    share, min_strides, window_min : see :func:`windows`.
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the bootstrap generator (results are reproducible).
    early, late : ndarray of int, optional
        Explicit window stride indices (e.g. the first and the last clip of
        a run filmed in several clips); they override the share rule.

    Returns
    -------
    Drift or None
        None when the windows cannot hold ``min_strides`` strides each.
    """
    keep = np.isfinite(values) & np.isfinite(times_s)
    index = np.flatnonzero(keep)
    v, t = values[keep], times_s[keep]
    if early is not None and late is not None:
        position = np.full(values.size, -1)
        position[index] = np.arange(index.size)
        early, late = position[early], position[late]
        early, late = early[early >= 0], late[late >= 0]
        if early.size < min_strides or late.size < min_strides:
            return None
    else:
        w = windows(t, share=share, min_strides=min_strides, window_min=window_min)
        if w is None:
            return None
        early, late = w
    rng = np.random.default_rng(seed)
    boot_e = _bootstrap_means(v[early], n_boot=n_boot, rng=rng)
    boot_l = _bootstrap_means(v[late], n_boot=n_boot, rng=rng)
    lo, hi = np.percentile(boot_l - boot_e, [2.5, 97.5])
    slope = theil_sen(v, t / 60.0)[0] if np.ptp(t) > 0 else float("nan")
    return Drift(
        change=float(v[late].mean() - v[early].mean()),
        ci95=(float(lo), float(hi)),
        trend_per_min=float(slope),
        early_strides=tuple(int(i) for i in index[early]),
        late_strides=tuple(int(i) for i in index[late]),
        early_mean=float(v[early].mean()),
        late_mean=float(v[late].mean()),
    )
