"""Running dynamics: cadence, contact time, duty factor, vertical oscillation, asymmetry."""

from __future__ import annotations

import numpy as np

from formcheck.gait import Contact


def cadence_spm(contacts: list[Contact]) -> float:
    """Steps per minute (both feet) from initial contacts.

    Each leg's contact times are regressed on their stride index (robust to
    a missed contact: the index follows the time gaps); cadence is twice the
    stride rate, averaged over legs weighted by their contact counts.

    Returns NaN with fewer than two contacts on every leg.
    """
    rates, weights = [], []
    for leg in ("near", "far"):
        t = np.array(sorted(c.ic_s for c in contacts if c.leg == leg))
        if t.size < 2:
            continue
        period = np.median(np.diff(t))
        index = np.round((t - t[0]) / period)
        if np.ptp(index) <= 0:
            continue
        slope = np.polyfit(index, t, 1)[0]
        rates.append(2 * 60.0 / slope)
        weights.append(t.size)
    if not rates:
        return float("nan")
    return float(np.average(rates, weights=weights))


def step_times_s(contacts: list[Contact]) -> np.ndarray:
    """Intervals between successive initial contacts of alternating legs, seconds."""
    ic = sorted(contacts, key=lambda c: c.ic_s)
    out = [b.ic_s - a.ic_s for a, b in zip(ic[:-1], ic[1:], strict=True) if a.leg != b.leg]
    return np.asarray(out, dtype=float)


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
