"""The clip's own step rhythm, in frames: where running happens and how often a step comes.

Nothing here uses a clock. A running clip may be real time, slow motion
(0.125x-1x) or filmed at 24-240 fps, and a real clip starts with a
lead-in (the runner waits in the blocks, steps onto the belt, walks into
frame). Two period-free cues answer "where" and "how often":

- the legs pass each other once per step: the signed fore-aft distance
  between the ankles (torso lengths) changes sign, with hysteresis so that
  landmark noise around zero is no crossing. A standing runner, a runner in
  the set position (feet apart but still) and a person doing an exercise in
  place give no rhythmic chain of crossings;
- the landmark signals repeat with the step: the autocorrelation of several
  of them (the ankles' distance and the hip height once per step; each
  ankle's, heel's and toe's position once per stride, two steps) peaks at the
  step period. Several signals together keep one bad signal (a hidden foot,
  swapped labels) from halving or doubling it; a stride-periodic signal is
  anti-phase at one step, which rules out half the period.

All functions are pure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.landmarks import (
    LEFT_ANKLE,
    LEFT_FOOT_INDEX,
    LEFT_HEEL,
    LEFT_HIP,
    LEFT_SHOULDER,
    RIGHT_ANKLE,
    RIGHT_FOOT_INDEX,
    RIGHT_HEEL,
    RIGHT_HIP,
    RIGHT_SHOULDER,
)

# Hysteresis of a leg crossing: the ankles must be this far apart (torso
# lengths) on each side. Running ankles separate by 1-1.6 torso lengths.
_CROSSING_HYSTERESIS_TORSO = 0.25
# Consecutive steps of one chain differ by at most this factor (an
# accelerating sprint start shortens steps by about 25 % per step).
_CHAIN_RATIO = 1.8
# A chain needs this many crossings (two steps) to be rhythmic.
_MIN_CHAIN_CROSSINGS = 3
# The autocorrelation peak counts when it reaches this share of the best
# score; the shortest such lag wins (a period's multiples score as high).
_PEAK_SHARE = 0.85
# A score peak counts after the score dipped by this much below it.
_MIN_DIP = 0.3
# Fore-aft range of the ankles (torso lengths) within a stride that marks
# swinging legs (running spans 1-2 torso lengths; a still foot's noise is
# a few hundredths).
_ACTIVE_RANGE_TORSO = 0.5
# Swinging steps a running span needs.
_MIN_SPAN_STEPS = 2.0


@dataclass(frozen=True)
class Rhythm:
    """Step rhythm of one clip.

    Attributes
    ----------
    step_frames : float
        Step period in stored frames (NaN when no rhythm was found).
    span : (int, int)
        Frames ``[start, end)`` where running happens (the whole clip when
        no rhythmic span was found).
    crossings : ndarray of float
        Fractional frames where the legs pass each other, inside the span.
    n_signals : int
        Signals whose autocorrelation agreed on the step period (0 when it
        came from the crossings alone).
    span_reason : str
        Why frames outside the span were left out ("" when none were).
    """

    step_frames: float
    span: tuple[int, int]
    crossings: np.ndarray
    n_signals: int
    span_reason: str

    @property
    def found(self) -> bool:
        """Whether a rhythmic chain of steps was found."""
        return bool(np.isfinite(self.step_frames))


def _torso_px(xy: np.ndarray) -> np.ndarray:
    hips = 0.5 * (xy[:, LEFT_HIP] + xy[:, RIGHT_HIP])
    shoulders = 0.5 * (xy[:, LEFT_SHOULDER] + xy[:, RIGHT_SHOULDER])
    return np.linalg.norm(shoulders - hips, axis=-1)


def leg_crossings(xy: np.ndarray, *, hysteresis: float = _CROSSING_HYSTERESIS_TORSO) -> np.ndarray:
    """Fractional frames where the ankles pass each other fore and aft.

    Parameters
    ----------
    xy : ndarray, shape (n_frames, 33, 2)
        Cleaned image coordinates, pixels (NaN where missing).
    hysteresis : float
        Distance (torso lengths) the ankles must reach on each side.

    Returns
    -------
    ndarray of float
        Crossing frames in time order: the zero crossing of the signed
        ankle distance between two states beyond the hysteresis.
    """
    torso = np.nanmedian(_torso_px(xy)) if np.isfinite(_torso_px(xy)).any() else np.nan
    if not np.isfinite(torso) or torso <= 0:
        return np.empty(0)
    d = (xy[:, LEFT_ANKLE, 0] - xy[:, RIGHT_ANKLE, 0]) / torso
    out: list[float] = []
    state, last_frame = 0, -1
    for i, v in enumerate(d):
        if not np.isfinite(v) or abs(v) < hysteresis:
            continue
        s = 1 if v > 0 else -1
        if state and s != state:
            out.append(_zero_crossing(d, last_frame, i))
        state, last_frame = s, i
    return np.asarray(out)


def _zero_crossing(d: np.ndarray, lo: int, hi: int) -> float:
    """Fractional frame in [lo, hi] where ``d`` changes sign (first change)."""
    for k in range(lo, hi):
        a, b = d[k], d[k + 1]
        if np.isfinite(a) and np.isfinite(b) and a * b <= 0 and a != b:
            return float(k + a / (a - b))
    return 0.5 * (lo + hi)


def _chains(crossings: np.ndarray) -> list[np.ndarray]:
    """Split crossings into chains of steps of consistent length."""
    if crossings.size == 0:
        return []
    chains = [[float(crossings[0])]]
    for c in crossings[1:]:
        chain = chains[-1]
        gap = c - chain[-1]
        if len(chain) >= 2:
            prev = chain[-1] - chain[-2]
            ok = prev / _CHAIN_RATIO <= gap <= prev * _CHAIN_RATIO
        else:
            ok = True
        if ok:
            chain.append(float(c))
        elif len(chain) == 2 and gap < chain[1] - chain[0]:
            # The chain's first gap was a pause before the rhythm started.
            chains[-1] = [chain[1], float(c)]
        else:
            chains.append([float(c)])
    return [np.asarray(ch) for ch in chains]


def _signals(xy: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Step-periodic and stride-periodic signals, each (n_frames,), NaN where missing."""
    hip_x = 0.5 * (xy[:, LEFT_HIP, 0] + xy[:, RIGHT_HIP, 0])
    hip_y = 0.5 * (xy[:, LEFT_HIP, 1] + xy[:, RIGHT_HIP, 1])
    step = [np.abs(xy[:, LEFT_ANKLE, 0] - xy[:, RIGHT_ANKLE, 0]), hip_y]
    stride = []
    for idx in (LEFT_ANKLE, RIGHT_ANKLE, LEFT_HEEL, RIGHT_HEEL, LEFT_FOOT_INDEX, RIGHT_FOOT_INDEX):
        stride.append(xy[:, idx, 0] - hip_x)
        stride.append(xy[:, idx, 1] - hip_y)
    return step, stride


def _fft_autocorr(x: np.ndarray, max_lag: int) -> np.ndarray:
    """Unbiased normalised autocorrelation of ``x`` at lags 0..max_lag (NaN filled linearly).

    Returns an all-NaN array when fewer than half the samples are finite.
    """
    out = np.full(max_lag + 1, np.nan)
    good = np.isfinite(x)
    if good.sum() < max(8, 0.5 * x.size):
        return out
    idx = np.arange(x.size)
    y = np.interp(idx, idx[good], x[good])
    y = y - y.mean()
    energy = float(np.dot(y, y))
    if energy <= 0:
        return out
    n = 1 << int(np.ceil(np.log2(2 * y.size)))
    spec = np.fft.rfft(y, n=n)
    acf = np.fft.irfft(spec * np.conj(spec), n=n)[: max_lag + 1]
    lags = np.arange(max_lag + 1)
    out[:] = acf / energy * y.size / np.maximum(y.size - lags, 1)
    return out


def autocorr_step_frames(
    xy: np.ndarray, *, lo_frames: float, hi_frames: float
) -> tuple[float, int]:
    """Step period (frames) where several signals' autocorrelations agree.

    The score of a lag ``tau`` is the mean, over signals, of the
    autocorrelation at ``tau`` (step-periodic signals) or, for the
    stride-periodic ones, half the contrast between ``2 tau`` (one stride:
    in phase) and ``tau`` (one step: the other leg, anti-phase). The
    contrast is what tells a step from a stride: at twice the step period
    a stride-periodic signal is in phase at both lags and scores nothing,
    while an autocorrelation at ``2 tau`` alone scores a stride (or two) as
    high as a step, and a step-periodic signal whose left and right steps
    differ (perspective, a limp, swapped labels) even higher. Smooth
    signals correlate at short lags whatever their period, so a lag counts
    only at a local maximum that follows a dip of the score (at half a step
    the step-periodic signals are at their opposite phase, and the
    stride-periodic ones at a whole step). The
    shortest such lag scoring at least ``_PEAK_SHARE`` of the best wins (a
    period's multiples score as high); it is refined to a fraction of a
    frame by a parabola through its neighbours.

    Peaks are found on the unbiased autocorrelation (a long period is not
    penalised), but compared on the biased one: each signal's value
    weighted by the share of the clip its product spans (``1 - lag / n``;
    ``1 - 2 lag / n`` for the stride contrast, which reaches ``2 tau``).
    On a short clip an unbiased estimate at a long lag averages a few
    frame pairs, so its noise can lift three steps (anti-phase at ``tau``
    and in phase at ``2 tau`` for the stride signals, like one step) above
    the step itself. On 40 noisy 3 s landmark tracks (160 steps/min at
    30 fps; tests/test_rhythm.py) the step came out right (within 5 %) on
    36 → 39 with pixel SD 6 and 5 % label swaps, and 15 → 30 with pixel
    SD 12 and 10 % swaps (three steps read on 10 → 1).

    Parameters
    ----------
    xy : ndarray, shape (n_frames, 33, 2)
        Cleaned image coordinates, pixels.
    lo_frames, hi_frames : float
        Lags searched, frames.

    Returns
    -------
    step_frames : float
        NaN when no lag qualifies.
    n_signals : int
        Signals positively correlated at the chosen lag.
    """
    step, stride = _signals(xy)
    hi = int(np.ceil(hi_frames))
    lo = max(int(np.floor(lo_frames)), 2)
    if hi < lo + 2 or 2 * hi >= xy.shape[0]:
        hi = (xy.shape[0] - 1) // 2
    if hi < lo + 2:
        return float("nan"), 0
    n = xy.shape[0]
    lags = np.arange(0, hi + 1)
    rows = [_fft_autocorr(sig, hi) for sig in step]
    spans = [np.maximum(n - lags, 0) / n] * len(rows)
    for sig in stride:
        acf = _fft_autocorr(sig, 2 * hi)
        rows.append(0.5 * (acf[2 * lags] - acf[lags]))
        spans.append(np.maximum(n - 2 * lags, 0) / n)
    table = np.array(rows)
    usable = np.isfinite(table).all(axis=1)
    if not usable.any():
        return float("nan"), 0
    score = table[usable].mean(axis=0)
    biased = (table[usable] * np.array(spans)[usable]).mean(axis=0)
    peaks = []
    low = score[0]
    for k in range(1, lags.size - 1):
        low = min(low, score[k])
        if (
            k >= lo
            and score[k] >= score[k - 1]
            and score[k] >= score[k + 1]
            and score[k] > 0
            and score[k] - low >= _MIN_DIP
        ):
            peaks.append(k)
    # Weighted, a peak of the unbiased score can fall to zero or below (the
    # stride contrast's span shrinks twice as fast): no evidence of a period.
    peaks = [k for k in peaks if biased[k] > 0]
    if not peaks:
        return float("nan"), 0
    best = max(biased[k] for k in peaks)
    k = next(k for k in peaks if biased[k] >= _PEAK_SHARE * best)
    tau = float(lags[k])
    a, b, c = score[k - 1 : k + 2]
    denom = a - 2 * b + c
    if denom < 0:
        tau += float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5))
    agree = int(np.sum(table[usable][:, k] > 0))
    return tau, agree


def spectral_step_frames(xy: np.ndarray, *, near_frames: float) -> float:
    """Step period (frames) from the spectral peak of the ankles' distance, near a guess.

    The spectrum of ``|ankle x difference|`` (zero-padded, Hann window)
    peaks at the step frequency; its peak, interpolated to a fraction of a
    bin, is more precise than an autocorrelation lag (within 0.04
    steps/min on synthetic runs). Searched within 20 % of ``near_frames``;
    NaN when the peak lies at the edge of that band.
    """
    d = np.abs(xy[:, LEFT_ANKLE, 0] - xy[:, RIGHT_ANKLE, 0])
    good = np.isfinite(d)
    if good.sum() < max(16, 2 * near_frames) or not np.isfinite(near_frames):
        return float("nan")
    idx = np.arange(d.size)
    d = np.interp(idx, idx[good], d[good])
    d = d - d.mean()
    n = 1 << int(np.ceil(np.log2(8 * d.size)))
    spectrum = np.abs(np.fft.rfft(d * np.hanning(d.size), n=n))
    freqs = np.fft.rfftfreq(n)
    band = np.flatnonzero((freqs >= 0.8 / near_frames) & (freqs <= 1.2 / near_frames))
    if band.size < 3:
        return float("nan")
    k = int(band[np.argmax(spectrum[band])])
    if k in (band[0], band[-1]):
        return float("nan")
    a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-12)
    denom = a - 2 * b + c
    shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
    f = freqs[k] + np.clip(shift, -0.5, 0.5) * (freqs[1] - freqs[0])
    return float(1.0 / f) if f > 0 else float("nan")


def running_span(xy: np.ndarray, *, step_frames: float) -> tuple[int, int]:
    """The longest stretch where the legs swing, frames ``[start, end)``.

    A frame is active when the ankles' signed fore-aft distance, or one
    ankle's position ahead of the hips (a leg hidden), spans at least
    ``_ACTIVE_RANGE_TORSO`` torso lengths within one stride (two steps)
    centred on it: a standing runner, one in the set position and one doing
    an exercise in place keep their feet still. Active stretches separated
    by less than a stride are joined.
    """
    n = xy.shape[0]
    torso = _torso_px(xy)
    t = float(np.nanmedian(torso)) if np.isfinite(torso).any() else float("nan")
    if not (np.isfinite(t) and t > 0 and np.isfinite(step_frames)):
        return 0, 0
    hip_x = 0.5 * (xy[:, LEFT_HIP, 0] + xy[:, RIGHT_HIP, 0])
    signals = [
        (xy[:, LEFT_ANKLE, 0] - xy[:, RIGHT_ANKLE, 0]) / t,
        (xy[:, LEFT_ANKLE, 0] - hip_x) / t,
        (xy[:, RIGHT_ANKLE, 0] - hip_x) / t,
    ]
    half = max(int(round(step_frames)), 1)
    active = np.zeros(n, dtype=bool)
    for i in range(n):
        for d in signals:
            seg = d[max(i - half, 0) : i + half + 1]
            seg = seg[np.isfinite(seg)]
            if seg.size >= half and float(seg.max() - seg.min()) >= _ACTIVE_RANGE_TORSO:
                active[i] = True
                break
    edges = np.diff(np.concatenate([[0], active.astype(int), [0]]))
    runs = list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))
    merged: list[tuple[int, int]] = []
    for s0, e0 in runs:
        if merged and s0 - merged[-1][1] < 2 * half:
            merged[-1] = (merged[-1][0], int(e0))
        else:
            merged.append((int(s0), int(e0)))
    if not merged:
        return 0, 0
    return max(merged, key=lambda r: r[1] - r[0])


def _chain_span(xy: np.ndarray) -> tuple[float, int, int]:
    """Step period and span ``[start, end)`` from the longest chain of leg
    crossings (widened by one step each side); NaN and (0, 0) without one."""
    # A step shorter than two frames cannot be sampled (the autocorrelation's
    # floor too): crossings that close are landmark noise, not legs.
    chains = [
        c
        for c in _chains(leg_crossings(xy))
        if c.size >= _MIN_CHAIN_CROSSINGS and np.median(np.diff(c)) >= 2
    ]
    if not chains:
        return float("nan"), 0, 0
    chain = max(chains, key=lambda c: (c.size, c[-1] - c[0]))
    steps = np.diff(chain)
    start = max(int(np.floor(chain[0] - steps[0])), 0)
    end = min(int(np.ceil(chain[-1] + steps[-1])) + 1, xy.shape[0])
    return float(np.median(steps)), start, end


def step_rhythm(xy: np.ndarray) -> Rhythm:
    """The running span and step period of a clip, in frames.

    First the step period over the whole clip (several signals'
    autocorrelation; a lead-in where the runner stands adds little to it,
    the feet being still); then the span where the legs swing
    (:func:`running_span`); then the period again over the span alone,
    searched within a factor 1.5 of the first. A clip with less than two
    steps of swinging legs has no rhythm.

    Parameters
    ----------
    xy : ndarray, shape (n_frames, 33, 2)
        Cleaned image coordinates, pixels.

    Returns
    -------
    Rhythm
    """
    n = xy.shape[0]
    first, _ = autocorr_step_frames(xy, lo_frames=2, hi_frames=n / 2.5)
    start, end = running_span(xy, step_frames=first) if np.isfinite(first) else (0, 0)
    if end - start < _MIN_SPAN_STEPS * first or not np.isfinite(first):
        # A short burst of running after a long lead-in (a sprint start) is
        # lost in the whole clip's correlation: the legs' crossings find it.
        first, start, end = _chain_span(xy)
        if not np.isfinite(first):
            return Rhythm(float("nan"), (0, n), np.empty(0), 0, "")
    step, agree = autocorr_step_frames(xy[start:end], lo_frames=first / 1.5, hi_frames=first * 1.5)
    if not np.isfinite(step):
        step, agree = first, 0
    fine = spectral_step_frames(xy[start:end], near_frames=step)
    if np.isfinite(fine):
        step = fine
    # Less than a step at either end is the activity window's own edge, not
    # a lead-in: kept, and not reported.
    if start < step:
        start = 0
    if n - end < step:
        end = n
    crossings = leg_crossings(xy[start:end]) + start
    reason = ""
    if start > 0 or end < n:
        parts = []
        if start > 0:
            parts.append(f"frames 0-{start - 1} before it")
        if end < n:
            parts.append(f"frames {end}-{n - 1} after it")
        reason = (
            f"running found in frames {start}-{end - 1} (legs swinging in a rhythm of "
            f"{step:.1f} frames per step); {' and '.join(parts)} left out: the feet do not "
            "swing there (standing, set position, or the runner out of view)"
        )
    return Rhythm(step, (start, end), crossings, agree, reason)
