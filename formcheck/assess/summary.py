"""Summaries over a run (one clip, or several clips of one run): per-stride series,
medians, class shares and the late-run posture drift."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from formcheck.analysis import ClipAnalysis
from formcheck.config import Config
from formcheck.metrics.dynamics import asymmetry_percent
from formcheck.metrics.posture import Drift, posture_drift

# Landings one leg needs for the findings to rest on it alone; below that,
# the other leg is used (far leg) or both legs are pooled.
MIN_LEG_LANDINGS = 3
# Hip-to-ankle length as a share of body height (Winter 2009, anthropometric
# segment table: greater trochanter 0.530 H minus lateral malleolus 0.039 H).
LEG_LENGTH_PER_HEIGHT = 0.491


@dataclass(frozen=True)
class RunStride:
    """A stride placed on the run's elapsed-time axis."""

    clip: int
    stride: int
    frame: int
    elapsed_s: float
    trunk_lean_deg: float
    head_forward_deg: float
    ear_shoulder_leg_lengths: float
    vertical_oscillation_leg_lengths: float


@dataclass(frozen=True)
class ContactRow:
    """A contact with its angles (for summaries): a usable contact, or one
    with only its landing usable (contact time and peak knee flexion NaN)."""

    clip: int
    contact: int
    frame: int
    leg: str
    elapsed_s: float
    foot_strike_angle_deg: float
    strike_class: str | None
    shank_angle_deg: float
    knee_flexion_deg: float
    foot_ahead_leg_lengths: float
    peak_stance_knee_flexion_deg: float
    contact_time_ms: float


@dataclass(frozen=True)
class RunSummary:
    """Numbers over the whole run. NaN where unknown."""

    strides: list[RunStride]
    contacts: list[ContactRow]
    cadence_spm: float
    contact_time_ms: float
    contact_time_resolution_ms: float
    duty_factor: float
    trunk_lean_deg: float
    """Median of what :func:`lean_values` gives: strides, else steps, else the span."""
    strike_leg: str | None
    """``"near"``, ``"far"`` or ``"both"`` (pooled), None without landings:
    the near leg when it has ``MIN_LEG_LANDINGS`` measured landings, else
    the far leg when it has them, else both legs pooled."""
    strike_angle_deg: float
    strike_class: str | None
    strike_share: dict[str, float]
    shank_angle_deg: float
    foot_ahead_leg_lengths: float
    knee_flexion_ic_deg: float
    peak_stance_knee_flexion_deg: float
    vertical_oscillation_leg_lengths: float
    vertical_oscillation_cm: float
    step_length_m: float
    vertical_ratio_percent: float
    lean_drift: Drift | None
    head_drift: Drift | None
    asymmetry: dict[str, float]
    step_leans: list[tuple[int, int, float]] = field(default_factory=list)
    span_lean_deg: float = float("nan")
    clock_known: bool = True

    def leg_rows(self) -> list[ContactRow]:
        """The contacts the landing findings rest on (``strike_leg``: near,
        far, or both pooled)."""
        if self.strike_leg == "both":
            return list(self.contacts)
        return [r for r in self.contacts if r.leg == self.strike_leg]


def _median(values: list[float]) -> float:
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(np.median(arr)) if arr.size else float("nan")


def _collect(clips: list[ClipAnalysis]) -> tuple[list[RunStride], list[ContactRow]]:
    strides: list[RunStride] = []
    rows: list[ContactRow] = []
    for k, clip in enumerate(clips):
        if not clip.running:
            continue
        offset = clip.options.elapsed_offset_s
        for s in clip.strides:
            strides.append(
                RunStride(
                    clip=k,
                    stride=s.index,
                    frame=s.midstance_frame,
                    elapsed_s=offset + 0.5 * (s.start_s + s.end_s),
                    trunk_lean_deg=s.trunk_lean_deg,
                    head_forward_deg=s.head_forward_deg,
                    ear_shoulder_leg_lengths=s.ear_shoulder_leg_lengths,
                    vertical_oscillation_leg_lengths=s.vertical_oscillation_leg_lengths,
                )
            )
        for i, (c, a) in enumerate(zip(clip.contacts, clip.angles, strict=True)):
            if a is None:
                continue
            rows.append(
                ContactRow(
                    clip=k,
                    contact=i,
                    frame=c.ic_frame,
                    leg=c.leg,
                    elapsed_s=offset + c.ic_s,
                    foot_strike_angle_deg=a.foot_strike_angle_deg,
                    strike_class=a.strike_class,
                    shank_angle_deg=a.shank_angle_deg,
                    knee_flexion_deg=a.knee_flexion_deg,
                    foot_ahead_leg_lengths=a.foot_ahead_leg_lengths,
                    peak_stance_knee_flexion_deg=a.peak_stance_knee_flexion_deg,
                    contact_time_ms=c.reported_contact_time_ms,
                )
            )
    return strides, rows


def _drift(
    values: list[float], strides: list[RunStride], n_clips: int, config: Config
) -> Drift | None:
    slouch = config.findings.late_run_slouch
    v = np.asarray(values, dtype=float)
    t = np.asarray([s.elapsed_s for s in strides], dtype=float)
    clip = np.asarray([s.clip for s in strides])
    early = late = None
    if n_clips > 1 and clip.size:
        early, late = np.flatnonzero(clip == clip.min()), np.flatnonzero(clip == clip.max())
    return posture_drift(
        v,
        t,
        share=slouch.window_share,
        min_strides=slouch.min_strides_per_window,
        window_min=slouch.window_min,
        n_boot=slouch.bootstrap_samples,
        seed=slouch.seed,
        early=early,
        late=late,
    )


def summarize(clips: list[ClipAnalysis], *, config: Config) -> RunSummary:
    """Summarise one run from its analysed clips (clips without running are skipped)."""
    strides, rows = _collect(clips)
    running = [c for c in clips if c.running]
    near = [r for r in rows if r.leg == "near"]
    far = [r for r in rows if r.leg == "far"]
    strike_leg = choose_leg(len(near), len(far))
    strike_rows = {"near": near, "far": far, "both": rows}.get(strike_leg or "", [])
    classes = [r.strike_class for r in strike_rows if r.strike_class]
    share = {
        k: (classes.count(k) / len(classes) if classes else float("nan"))
        for k in ("rearfoot", "midfoot", "forefoot")
    }
    strike_class = max(share, key=lambda k: share[k]) if classes else None
    weights = [c.times_s[-1] - c.times_s[0] for c in running]
    cad = [c.cadence_spm for c in running]
    cadence = (
        float(np.average(cad, weights=weights)) if running and sum(weights) > 0 else float("nan")
    )
    fps = min((c.fps for c in running if c.clock_known), default=float("nan"))
    vo = _median([s.vertical_oscillation_leg_lengths for s in strides])
    leg_m = _leg_length_m(running)
    belt = next((c.options.belt_speed_mps for c in running if c.options.belt_speed_mps), None)
    step_length = belt / (cadence / 60.0) if belt and np.isfinite(cadence) else float("nan")
    vo_cm = 100.0 * vo * leg_m if np.isfinite(leg_m) else float("nan")
    step_leans = [(k, f, v) for k, c in enumerate(running) for f, v in c.step_leans]
    span_lean = _median([c.span_lean_deg for c in running])
    leans, _ = lean_values(
        stride_leans=[s.trunk_lean_deg for s in strides],
        step_leans=[v for _, _, v in step_leans],
        span_lean_deg=span_lean,
    )
    return RunSummary(
        strides=strides,
        contacts=rows,
        cadence_spm=cadence,
        contact_time_ms=_median([r.contact_time_ms for r in near]),
        contact_time_resolution_ms=1000.0 / fps if np.isfinite(fps) else float("nan"),
        duty_factor=_median([c.duty_factor for c in running]),
        trunk_lean_deg=float(np.median(leans)) if leans.size else float("nan"),
        strike_leg=strike_leg,
        strike_angle_deg=_median([r.foot_strike_angle_deg for r in strike_rows]),
        strike_class=strike_class,
        strike_share=share,
        shank_angle_deg=_median([r.shank_angle_deg for r in strike_rows]),
        foot_ahead_leg_lengths=_median([r.foot_ahead_leg_lengths for r in strike_rows]),
        knee_flexion_ic_deg=_median([r.knee_flexion_deg for r in strike_rows]),
        peak_stance_knee_flexion_deg=_median([r.peak_stance_knee_flexion_deg for r in strike_rows]),
        vertical_oscillation_leg_lengths=vo,
        vertical_oscillation_cm=vo_cm,
        step_length_m=step_length,
        vertical_ratio_percent=100.0 * vo_cm / 100.0 / step_length
        if np.isfinite(step_length) and np.isfinite(vo_cm)
        else float("nan"),
        lean_drift=_drift([s.trunk_lean_deg for s in strides], strides, len(running), config),
        head_drift=_drift([s.head_forward_deg for s in strides], strides, len(running), config),
        asymmetry=_asymmetry(near, far),
        step_leans=step_leans,
        span_lean_deg=span_lean,
        clock_known=all(c.clock_known for c in running),
    )


# Fewest stride means, then step means, the run's trunk lean rests on; below
# both, the median over the running span's frames (lean needs no contact).
MIN_LEAN_STRIDES = 3
MIN_LEAN_STEPS = 2
LeanSource = Literal["strides", "steps", "span", "none"]


def lean_values(
    *, stride_leans: list[float], step_leans: list[float], span_lean_deg: float
) -> tuple[np.ndarray, LeanSource]:
    """The trunk leans (degrees) the run's lean rests on, and which they are.

    Stride means when there are ``MIN_LEAN_STRIDES``; else step means (landing
    to the next landing of either leg) when there are ``MIN_LEAN_STEPS``; else
    the running span's median; else none (an empty array). The summary's
    trunk lean and the forward-lean finding both use this, so they agree.
    """
    strides = np.asarray(stride_leans, dtype=float)
    strides = strides[np.isfinite(strides)]
    if strides.size >= MIN_LEAN_STRIDES:
        return strides, "strides"
    steps = np.asarray(step_leans, dtype=float)
    steps = steps[np.isfinite(steps)]
    if steps.size >= MIN_LEAN_STEPS:
        return steps, "steps"
    if np.isfinite(span_lean_deg):
        return np.array([span_lean_deg]), "span"
    return strides, "none"


def choose_leg(n_near: int, n_far: int) -> str | None:
    """Which leg's landings the findings rest on.

    The near leg when it has ``MIN_LEG_LANDINGS`` measured landings (it is
    the better seen); else the far leg when it has them; else both legs
    pooled (a short clip); None without any landing.
    """
    if n_near >= MIN_LEG_LANDINGS:
        return "near"
    if n_far >= MIN_LEG_LANDINGS:
        return "far"
    if n_near and n_far:
        return "both"
    if n_near or n_far:
        return "near" if n_near else "far"
    return None


def _leg_length_m(clips: list[ClipAnalysis]) -> float:
    height = next((c.options.runner_height_m for c in clips if c.options.runner_height_m), None)
    return LEG_LENGTH_PER_HEIGHT * height if height else float("nan")


def _asymmetry(near: list[ContactRow], far: list[ContactRow]) -> dict[str, float]:
    """Near-vs-far symmetry indices (percent) where both legs were measured."""
    if not near or not far:
        return {}
    return {
        "contact_time_percent": asymmetry_percent(
            _median([r.contact_time_ms for r in near]), _median([r.contact_time_ms for r in far])
        ),
        "strike_angle_difference_deg": _median([r.foot_strike_angle_deg for r in near])
        - _median([r.foot_strike_angle_deg for r in far]),
        "shank_angle_difference_deg": _median([r.shank_angle_deg for r in near])
        - _median([r.shank_angle_deg for r in far]),
    }
