"""The four headline findings: status, value, reason, cue and evidence frames.

Thresholds come from :class:`formcheck.config.FindingsConfig` (defaults and
sources in METRICS.md and ``config.example.toml``). Every finding says
``unknown`` with a reason when the footage cannot support it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from formcheck.assess.summary import RunSummary, lean_values
from formcheck.config import FindingsConfig
from formcheck.metrics.intervals import MedianInterval, median_interval, outlying

Status = Literal["ok", "caution", "flag", "unknown"]
FindingId = Literal["forward_lean", "heel_strike", "overstride", "late_run_slouch"]


@dataclass(frozen=True)
class Finding:
    """One headline finding.

    Attributes
    ----------
    id : str
    status : {"ok", "caution", "flag", "unknown"}
    value : float or str or None
        The number the status rests on (or the strike class).
    unit : str
    reason : str
        Why this status, in one sentence with the numbers.
    cue : str
        One line a runner can act on.
    reference : str
        The reference range and its source.
    evidence : list of (clip, frame)
        Frames that show it best (clip index, frame index).
    """

    id: FindingId
    status: Status
    value: float | str | None
    unit: str
    reason: str
    cue: str
    reference: str
    evidence: list[tuple[int, int]] = field(default_factory=list)


# Landings a landing finding needs: with 2 the interval is their full range
# and the verdict says how few it rests on (a short clip of 4 steps gives 2
# landings per leg).
MIN_CONTACTS = 2
FILM_ADVICE = "film at least 4 running steps from the side with both feet in view"


def _leg_note(summary: RunSummary, attr: str, unit: str) -> str:
    """Which leg a landing finding rests on, and the other leg's median where
    it was measured too (both legs shown)."""
    near = [getattr(r, attr) for r in summary.contacts if r.leg == "near"]
    far = [getattr(r, attr) for r in summary.contacts if r.leg == "far"]

    def med(v: list[float]) -> str:
        arr = np.asarray(v, dtype=float)
        arr = arr[np.isfinite(arr)]
        return f"{np.median(arr):.1f}{unit} from {arr.size}" if arr.size else ""

    if summary.strike_leg == "near":
        other = med(far)
        return f"; far leg {other} landing(s)" if other else ""
    if summary.strike_leg == "far":
        note = "; far leg used: the near leg's landings were not measurable"
        return note + (f" (near leg {med(near)})" if med(near) else "")
    if summary.strike_leg == "both":
        return f"; near and far legs pooled (near {med(near)}, far {med(far)})"
    return ""


def _unknown(fid: FindingId, reason: str, unit: str, reference: str) -> Finding:
    return Finding(fid, "unknown", None, unit, reason, "", reference)


LEAN_REFERENCE = (
    "low-lean runners 3.6 ± 2.8°, high-lean 10.8 ± 2.2° (Teng & Powers 2015); "
    "self-selected range about -2° to 25° (Warrener 2021); no consensus on 'excessive'"
)
STRIKE_REFERENCE = (
    "rearfoot > 8.0°, midfoot -1.6° to 8.0°, forefoot < -1.6° (Altman & Davis 2012); "
    "rearfoot striking is common (71-94 % of recreational runners) and not a fault alone"
)
OVERSTRIDE_REFERENCE = (
    "no validated cut-off exists (Souza 2016); formcheck flags shank angle > 10° with the "
    "heel > 0.25 leg lengths ahead of the hips on most strides"
)
SLOUCH_REFERENCE = (
    "fatigue raises trunk flexion about 4° in novices (Koblbauer 2014); 2D angle changes "
    "under 2-4° are within measurement noise (Dingenen 2018)"
)


def forward_lean(summary: RunSummary, cfg: FindingsConfig) -> Finding:
    """Trunk lean over the strides (METRICS.md section 1).

    Lean is an angle on every frame and needs no contact: a clip too short
    for 3 strides uses the mean lean of each step (landing to the next
    landing of either leg), and a clip without 2 timed steps the median over
    the running span's frames. The reason says which.
    """
    c = cfg.forward_lean
    leans, kind = lean_values(
        stride_leans=[s.trunk_lean_deg for s in summary.strides],
        step_leans=[v for _, _, v in summary.step_leans],
        span_lean_deg=summary.span_lean_deg,
    )
    n = leans.size
    source = {
        "strides": f"{n} stride{'' if n == 1 else 's'}",
        "steps": f"{n} steps (too few strides for stride means)",
        "span": "the running span's frames (no 2 timed steps)",
        "none": "",
    }[kind]
    evidence_steps = kind == "steps"
    if kind == "none":
        return _unknown(
            "forward_lean",
            f"only {n} measurable stride{'' if n == 1 else 's'} and no running span; {FILM_ADVICE}",
            "deg",
            LEAN_REFERENCE,
        )
    median = float(np.median(leans))
    above = float(np.mean(leans > c.flag_above_deg))
    if evidence_steps:
        frames = [(k, f) for k, f, v in summary.step_leans if np.isfinite(v)]
        evidence = [frames[int(np.argmin(np.abs(leans - median)))], frames[int(np.argmax(leans))]]
    elif kind == "strides":
        evidence = _stride_evidence(summary, leans, target=median)
    else:
        evidence = []
    if median < c.flag_below_deg:
        return Finding(
            "forward_lean",
            "flag",
            median,
            "deg",
            f"leaning back: median trunk lean {median:.1f}° (below {c.flag_below_deg}°; "
            f"from {source})",
            "Stand tall and let the whole body tip slightly forward from the ankles.",
            LEAN_REFERENCE,
            evidence,
        )
    if above >= c.sustained_share or median > c.flag_above_deg:
        status: Status = "flag"
        reason = (
            f"median trunk lean {median:.1f}°, above {c.flag_above_deg}° on "
            f"{100 * above:.0f} % of them"
        )
    elif median > c.caution_above_deg:
        status = "caution"
        reason = f"median trunk lean {median:.1f}° (caution above {c.caution_above_deg}°)"
    else:
        status = "ok"
        reason = f"median trunk lean {median:.1f}°, within the usual range"
    reason += f" (from {source})"
    cue = (
        "Run tall: lean from the ankles, not the waist; keep hips under shoulders."
        if status != "ok"
        else "Keep the tall posture."
    )
    return Finding("forward_lean", status, median, "deg", reason, cue, LEAN_REFERENCE, evidence)


def _stride_evidence(
    summary: RunSummary, values: np.ndarray, *, target: float
) -> list[tuple[int, int]]:
    """Frames of the stride closest to ``target`` and of the stride with the largest value."""
    strides = [s for s in summary.strides if np.isfinite(s.trunk_lean_deg)]
    if not strides:
        return []
    typical = strides[int(np.argmin(np.abs(values - target)))]
    worst = strides[int(np.argmax(values))]
    return [(s.clip, s.frame) for s in (typical, worst)]


# Shank angles further than this many scaled MADs (floor in degrees) below
# the median are gross errors, not scatter (Hampel identifier).
_OUTLIER_MADS = 3.5
_OUTLIER_MIN_SPREAD_DEG = 5.0


def overstride(summary: RunSummary, cfg: FindingsConfig) -> Finding:
    """Shank angle and foot-ahead distance at initial contact (METRICS.md section 3).

    The verdict accounts for how well the contacts pin the median shank
    angle down (:func:`median_interval`): ``flag`` needs most contacts past
    both flag limits and the interval of the median at or above the caution
    limit, with enough contacts for the interval to reach its level (6 at
    95 %); ``ok`` needs the interval (the full range when there are fewer
    contacts) at or below the flag limit. Anything in between, including
    too few contacts to flag, is ``caution`` and says so. Shank angles far
    below the rest (mis-timed landings) are set aside first.
    """
    c = cfg.overstride
    rows = summary.leg_rows()
    shank = np.array([r.shank_angle_deg for r in rows], dtype=float)
    ahead = np.array([r.foot_ahead_leg_lengths for r in rows], dtype=float)
    good = np.isfinite(shank) & np.isfinite(ahead)
    # A landing found a frame or two late (30 fps) reads the shank already
    # swung back under the body: a gross error on the low side that would
    # widen the interval, so it is set aside (and counted in the reason).
    # High values are kept: they are what the finding looks for.
    far = np.zeros_like(good)
    far[good] = outlying(
        shank[good], n_mads=_OUTLIER_MADS, min_spread=_OUTLIER_MIN_SPREAD_DEG, side="low"
    )
    set_aside = f"; {int(far.sum())} outlying low contact(s) set aside" if far.any() else ""
    good &= ~far
    if good.sum() < MIN_CONTACTS:
        return _unknown(
            "overstride",
            f"only {int(good.sum())} measurable landing{'' if good.sum() == 1 else 's'} "
            f"({MIN_CONTACTS} needed){set_aside}; {FILM_ADVICE}",
            "deg",
            OVERSTRIDE_REFERENCE,
        )
    shank, ahead = shank[good], ahead[good]
    rows = [r for r, g in zip(rows, good, strict=True) if g]
    flagged = (shank > c.flag_shank_angle_deg) & (ahead > c.flag_foot_ahead_leg_lengths)
    share = float(flagged.mean())
    mid = median_interval(shank, level=cfg.interval_level)
    med_ahead = float(np.median(ahead))
    knee = summary.knee_flexion_ic_deg
    straight = np.isfinite(knee) and knee < c.straight_knee_below_deg
    worst = rows[int(np.argmax(shank))]
    typical = rows[int(np.argmin(np.abs(shank - mid.median)))]
    evidence = [(typical.clip, typical.frame), (worst.clip, worst.frame)]
    detail = (
        f"shank angle {mid.median:.1f}° (median of {mid.n} contacts, "
        f"{100 * mid.coverage:.0f} % interval {mid.low:.1f}° to {mid.high:.1f}°), heel "
        f"{med_ahead:.2f} leg lengths ahead of the hips, knee flexion {knee:.0f}° at contact"
        f"{set_aside}{_leg_note(summary, 'shank_angle_deg', '°')}"
    )
    status, reason = _overstride_verdict(
        cfg, share=share, mid=mid, straight=straight, detail=detail
    )
    cue = (
        "Land with the foot closer under the hips; a 5-10 % higher step rate helps "
        "(Heiderscheit 2011)."
        if status in ("flag", "caution")
        else "Keep landing under the body."
    )
    return Finding(
        "overstride", status, mid.median, "deg", reason, cue, OVERSTRIDE_REFERENCE, evidence
    )


def _overstride_verdict(
    cfg: FindingsConfig, *, share: float, mid: MedianInterval, straight: bool, detail: str
) -> tuple[Status, str]:
    """Status and reason of the overstride finding (see :func:`overstride`)."""
    c = cfg.overstride
    sure = mid.coverage >= cfg.interval_level
    most = share > c.majority_share
    if most and sure and mid.low >= c.caution_shank_angle_deg:
        return "flag", f"overstriding on {100 * share:.0f} % of contacts: {detail}"
    if mid.median >= c.caution_shank_angle_deg or straight:
        extra = "; straight-leg landing" if straight else ""
        if most:
            extra += (
                f"; overstriding on {100 * share:.0f} % of contacts, but too few or too "
                "scattered to be sure"
            )
        return "caution", f"landing somewhat ahead: {detail}{extra}"
    if mid.high > c.flag_shank_angle_deg:
        return "caution", (
            f"unclear: the median is low but the contacts cannot rule out overstriding: {detail}"
        )
    return "ok", f"foot lands under the body: {detail}"


def heel_strike(summary: RunSummary, cfg: FindingsConfig, overstride_status: Status) -> Finding:
    """Foot strike pattern; 'heavy heel strike' when rearfoot comes with overstriding."""
    rows = [r for r in summary.leg_rows() if r.strike_class]
    if len(rows) < MIN_CONTACTS or summary.strike_class is None:
        return _unknown(
            "heel_strike",
            f"only {len(rows)} measurable landing{'' if len(rows) == 1 else 's'} "
            f"({MIN_CONTACTS} needed); {FILM_ADVICE}",
            "deg",
            STRIKE_REFERENCE,
        )
    angle = summary.strike_angle_deg
    share = summary.strike_share
    leg_note = _leg_note(summary, "foot_strike_angle_deg", "°")
    mix = ", ".join(f"{k} {100 * v:.0f} %" for k, v in share.items() if v > 0)
    angles = np.array([r.foot_strike_angle_deg for r in rows])
    typical = rows[int(np.argmin(np.abs(angles - angle)))]
    worst = rows[int(np.argmax(angles))]
    evidence = [(typical.clip, typical.frame), (worst.clip, worst.frame)]
    mid = median_interval(angles, level=cfg.interval_level)
    h = cfg.heel_strike
    spans = any(mid.low < cut < mid.high for cut in (h.forefoot_below_deg, h.rearfoot_above_deg))
    base = (
        f"{summary.strike_class} strike, median strike angle {angle:.1f}° "
        f"({100 * mid.coverage:.0f} % interval {mid.low:.1f}° to {mid.high:.1f}°"
        + ("; the interval crosses a class cut-off" if spans else "")
        + f"; {mix}; from {len(rows)} landings){leg_note}"
    )
    if summary.strike_class == "rearfoot" and overstride_status == "flag":
        status: Status = "flag"
        reason = f"heavy heel strike: {base}, together with overstriding"
        cue = "Shorten the stride so the heel lands under you, not out in front."
    elif summary.strike_class == "rearfoot" and overstride_status == "caution":
        status = "caution"
        reason = f"{base}, with the foot landing somewhat ahead"
        cue = "Let the foot land closer under the hips; no need to change to the forefoot."
    else:
        status = "ok"
        reason = base + (
            "; heel striking alone is common and not a fault"
            if summary.strike_class == "rearfoot"
            else ""
        )
        cue = "No change needed to the strike pattern."
    return Finding(
        "heel_strike",
        status,
        summary.strike_class,
        "class",
        reason,
        cue,
        STRIKE_REFERENCE,
        evidence,
    )


def late_run_slouch(summary: RunSummary, cfg: FindingsConfig) -> Finding:
    """Late-minus-early trunk lean with its bootstrap interval (METRICS.md section 4)."""
    c = cfg.late_run_slouch
    drift = summary.lean_drift
    if drift is None:
        n = len(summary.strides)
        clips = sorted({s.clip for s in summary.strides})
        if len(clips) > 1:
            counts = ", ".join(
                f"{sum(s.clip == k for s in summary.strides)} in clip {k + 1}" for k in clips
            )
            reason = (
                f"{n} stride{'' if n == 1 else 's'} measured ({counts}); comparing the first "
                f"and last clip needs at least {c.min_strides_per_window} strides in each "
                "(longer clips)"
            )
        else:
            reason = (
                f"{n} stride{'' if n == 1 else 's'} measured; comparing early and late needs "
                f"at least {c.min_strides_per_window} strides in each window (a longer clip, "
                "or an early and a late clip with their elapsed times)"
            )
        return _unknown("late_run_slouch", reason, "deg", SLOUCH_REFERENCE)
    lo, hi = drift.ci95
    excludes_zero = lo > 0 or hi < 0
    strides = summary.strides
    span = ""
    if drift.early_strides and drift.late_strides:
        span_s = (
            strides[drift.late_strides[-1]].elapsed_s - strides[drift.early_strides[0]].elapsed_s
        )
        if span_s >= 0:  # clips given out of time order have no span to state
            span = f" over {int(span_s // 60)}:{int(span_s % 60):02d} (min:s) of running"
    detail = (
        f"trunk lean {drift.early_mean:.1f}° early, {drift.late_mean:.1f}° late{span}: change "
        f"{drift.change:+.1f}° (95 % interval {lo:+.1f} to {hi:+.1f})"
    )
    if drift.change >= c.flag_change_deg and lo > 0:
        status: Status = "flag"
        reason = f"posture slouches late in the run: {detail}"
    elif drift.change >= 0.5 * c.flag_change_deg and excludes_zero:
        status = "caution"
        reason = f"posture drifts a little forward: {detail}"
    elif drift.change < 0 and excludes_zero:
        status = "ok"
        reason = f"no slouch: the trunk is more upright late in the run: {detail}"
    else:
        status = "ok"
        reason = f"posture holds: {detail}"
    cue = (
        "When tired, reset: tall through the crown, shoulders relaxed, eyes ahead."
        if status != "ok"
        else "Posture holds through the run."
    )
    evidence = []
    if drift.early_strides and drift.late_strides:
        e, l_ = strides[drift.early_strides[0]], strides[drift.late_strides[-1]]
        evidence = [(e.clip, e.frame), (l_.clip, l_.frame)]
    return Finding(
        "late_run_slouch", status, drift.change, "deg", reason, cue, SLOUCH_REFERENCE, evidence
    )


def all_findings(
    summary: RunSummary, cfg: FindingsConfig, *, not_running: str = ""
) -> list[Finding]:
    """The four findings in fixed order; all unknown when no running was found."""
    if not_running:
        refs = (
            ("forward_lean", LEAN_REFERENCE),
            ("heel_strike", STRIKE_REFERENCE),
            ("overstride", OVERSTRIDE_REFERENCE),
            ("late_run_slouch", SLOUCH_REFERENCE),
        )
        return [_unknown(fid, not_running, "", ref) for fid, ref in refs]  # type: ignore[arg-type]
    over = overstride(summary, cfg)
    return [
        forward_lean(summary, cfg),
        heel_strike(summary, cfg, over.status),
        over,
        late_run_slouch(summary, cfg),
    ]
