"""Distribution-free confidence interval for a median (used by the findings).

Angles at contact from 30 fps video scatter by 5-10 degrees from contact to
contact, and a short clip has only a handful of contacts, so a finding that
reads the median alone can change its verdict when one contact moves. The
interval says how far the median itself could be off.

For ``n`` values, the interval between the ``k``-th smallest and ``k``-th
largest contains the population median with probability
``1 - 2 P(B <= k - 1)``, ``B ~ Binomial(n, 1/2)``, whatever the distribution
(Conover 1999, Practical Nonparametric Statistics, section 3.2). ``k`` is the
largest rank whose coverage still reaches the requested level. Below six
values no rank reaches 95 % (n = 5 gives 93.75 % with the full range), so the
full range is returned with its lower coverage and the caller decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import binom

# Scales a median absolute deviation to the standard deviation of normal data
# (shared by the Hampel filters in clean.py and here, and scene.py's fit).
MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class MedianInterval:
    """A median with its order-statistic interval.

    Attributes
    ----------
    median, low, high : float
        Same unit as the values.
    coverage : float
        Probability that ``[low, high]`` contains the population median (0..1).
    n : int
        Number of finite values used.
    """

    median: float
    low: float
    high: float
    coverage: float
    n: int


def median_interval(values: np.ndarray, *, level: float = 0.95) -> MedianInterval:
    """Median of ``values`` and its distribution-free interval.

    Parameters
    ----------
    values : ndarray, shape (n,)
        Non-finite values are ignored.
    level : float
        Wanted coverage, 0 < level < 1.

    Returns
    -------
    MedianInterval
        The narrowest order-statistic interval with coverage >= ``level``,
        or the full range (coverage below ``level``) when there are too few
        values; all NaN with ``n = 0`` for no finite values.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie between 0 and 1, got {level}")
    x = np.sort(np.asarray(values, dtype=float))
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return MedianInterval(float("nan"), float("nan"), float("nan"), 0.0, 0)
    # coverage(k) = 1 - 2 P(B <= k - 1) falls as k grows; keep the largest
    # k (narrowest interval) that still reaches the level, at least k = 1.
    ranks = np.arange(1, (n + 1) // 2 + 1)
    coverage = 1.0 - 2.0 * binom.cdf(ranks - 1, n, 0.5)
    ok = ranks[coverage >= level]
    k = int(ok[-1]) if ok.size else 1
    return MedianInterval(
        median=float(np.median(x)),
        low=float(x[k - 1]),
        high=float(x[n - k]),
        coverage=float(coverage[k - 1]),
        n=n,
    )


def outlying(
    values: np.ndarray,
    *,
    n_mads: float,
    min_spread: float,
    side: Literal["both", "low", "high"] = "both",
) -> np.ndarray:
    """Values far from the median (Hampel identifier, applied once).

    Parameters
    ----------
    values : ndarray, shape (n,)
        The values to screen; non-finite values are never outlying.
    n_mads : float
        How many scaled median absolute deviations (1.4826 MAD, the normal
        standard deviation's consistent estimate) count as far.
    min_spread : float
        Floor for the scaled MAD, in the values' unit, so that tightly
        clustered values do not make ordinary scatter look far.
    side : {"both", "low", "high"}
        Which side of the median counts.

    Returns
    -------
    ndarray of bool, shape (n,)
        True for finite values beyond the limit on the chosen side.
    """
    x = np.asarray(values, dtype=float)
    finite = np.isfinite(x)
    if not finite.any():
        return np.zeros(x.shape, dtype=bool)
    med = float(np.median(x[finite]))
    spread = max(MAD_TO_SD * float(np.median(np.abs(x[finite] - med))), min_spread)
    limit = n_mads * spread
    with np.errstate(invalid="ignore"):
        low = x < med - limit
        high = x > med + limit
    far = {"both": low | high, "low": low, "high": high}[side]
    return finite & far
