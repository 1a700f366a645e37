"""Running dynamics: cadence, contact time, duty factor, vertical oscillation, asymmetry."""

from __future__ import annotations

import numpy as np

from formcheck.gait.contact import Contact
from formcheck.metrics.trend import theil_sen


def _leg_stride_s(ic_s: np.ndarray, *, stride_s_prior: float) -> tuple[float, int]:
    """Stride period of one leg from its contact times; returns (period_s, n_used).

    Each contact gets a stride index from its time (so a missed contact
    leaves a gap, not an error), duplicates of an index are dropped, a line
    is fitted to time versus index (Theil-Sen, robust to a stray contact),
    and contacts off that line by more than a fifth of a stride are dropped
    before a final least-squares fit.
    """
    diffs = np.diff(ic_s)
    near_prior = diffs[(diffs > 0.7 * stride_s_prior) & (diffs < 1.3 * stride_s_prior)]
    period = float(np.median(near_prior)) if near_prior.size else stride_s_prior
    if not np.isfinite(period) or period <= 0:
        return float("nan"), 0
    index = np.round((ic_s - ic_s[0]) / period)
    _, first = np.unique(index, return_index=True)
    t, k = ic_s[first], index[first]
    if t.size < 2 or np.ptp(k) <= 0:
        return float("nan"), 0
    slope, intercept = theil_sen(t, k)
    keep = np.abs(t - (slope * k + intercept)) <= 0.2 * period
    t, k = t[keep], k[keep]
    if t.size < 2 or np.ptp(k) <= 0:
        return float("nan"), 0
    return float(np.polyfit(k, t, 1)[0]), int(t.size)


def cadence_spm(contacts: list[Contact], *, stride_s_prior: float = float("nan")) -> float:
    """Steps per minute (both feet) from initial contacts.

    Each leg's timed contact times give its stride period (see
    :func:`_leg_stride_s`); cadence is twice the stride rate, averaged over
    legs weighted by the contacts used.

    Parameters
    ----------
    contacts : list of Contact
    stride_s_prior : float
        Expected stride period, seconds (from the step frequency spectrum);
        it anchors the stride indices when many contacts are missing. NaN:
        use the median interval.

    Returns
    -------
    float
        NaN with fewer than two usable contacts on every leg.
    """
    rates, weights = [], []
    for leg in ("near", "far"):
        t = np.array(sorted(c.ic_s for c in contacts if c.leg == leg and c.timed))
        if t.size < 2:
            continue
        prior = stride_s_prior if np.isfinite(stride_s_prior) else float(np.median(np.diff(t)))
        period, used = _leg_stride_s(t, stride_s_prior=prior)
        if np.isfinite(period) and used >= 2:
            rates.append(2 * 60.0 / period)
            weights.append(used)
    if not rates:
        return float("nan")
    return float(np.average(rates, weights=weights))


def duty_factor(contacts: list[Contact], *, leg: str = "near") -> float:
    """Median contact time over median stride time for one leg (NaN if unknown)."""
    own = sorted((c for c in contacts if c.leg == leg and c.usable), key=lambda c: c.ic_s)
    all_ic = np.array(sorted(c.ic_s for c in contacts if c.leg == leg))
    if len(own) < 1 or all_ic.size < 2:
        return float("nan")
    stride = float(np.median(np.diff(all_ic)))
    return float(np.median([c.contact_time_s for c in own]) / stride)


def vertical_oscillation(hip_y: np.ndarray, start: int, end: int) -> float:
    """Peak-to-peak height of the hip midpoint over frames [start, end] (input unit)."""
    seg = hip_y[start : end + 1]
    seg = seg[np.isfinite(seg)]
    return float(np.ptp(seg)) if seg.size >= 3 else float("nan")


def asymmetry_percent(near: float, far: float) -> float:
    """Symmetry index 100 * (near - far) / mean(near, far); NaN if either is missing."""
    if not (np.isfinite(near) and np.isfinite(far)) or near + far == 0:
        return float("nan")
    return float(100.0 * (near - far) / (0.5 * (near + far)))
