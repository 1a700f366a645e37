"""Unit tests of the median interval and the overstride verdict (answers by hand)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from formcheck.analysis import AnalysisOptions, analyze_clip
from formcheck.assess.findings import forward_lean, heel_strike, late_run_slouch, overstride
from formcheck.assess.summary import ContactRow, RunStride, RunSummary, lean_values, summarize
from formcheck.config import Config, FindingsConfig
from formcheck.metrics.intervals import median_interval, outlying
from formcheck.metrics.posture import Drift
from formcheck.synthetic import RunnerParams, synthetic_track


def test_median_interval_ranks_and_coverage_by_hand() -> None:
    # n = 10: P(B <= 1) = 11/1024, so k = 2 covers 1 - 22/1024 = 97.9 %;
    # k = 3 would cover 1 - 2 * 56/1024 = 89.1 % < 95 %.
    mi = median_interval(np.arange(1.0, 11.0), level=0.95)
    assert (mi.low, mi.high, mi.median, mi.n) == (2.0, 9.0, 5.5, 10)
    assert mi.coverage == pytest.approx(1 - 22 / 1024)
    # n = 6: only the full range reaches 95 % (1 - 2/64 = 96.9 %).
    mi = median_interval(np.array([6.0, 1.0, 5.0, 2.0, 4.0, 3.0]), level=0.95)
    assert (mi.low, mi.high) == (1.0, 6.0)
    assert mi.coverage == pytest.approx(1 - 2 / 64)


def test_median_interval_with_too_few_values_gives_the_range_and_its_coverage() -> None:
    mi = median_interval(np.array([3.0, np.nan, 1.0, 2.0]), level=0.95)
    assert (mi.low, mi.median, mi.high, mi.n) == (1.0, 2.0, 3.0, 3)
    assert mi.coverage == pytest.approx(0.75)  # 1 - 2/8
    empty = median_interval(np.array([np.nan]))
    assert empty.n == 0 and np.isnan(empty.median)
    with pytest.raises(ValueError, match="level"):
        median_interval(np.ones(3), level=1.0)


def test_outlying_uses_the_spread_floor_and_the_side() -> None:
    x = np.array([10.0, 10.0, 10.0, 10.0, 27.0, 26.0, np.nan])
    # MAD 0 -> floor 5: limit 3.5 * 5 = 17.5 from the median 10.
    assert not outlying(x, n_mads=3.5, min_spread=5.0).any()
    x[4] = 28.0
    assert outlying(x, n_mads=3.5, min_spread=5.0).tolist()[4] is True
    assert not outlying(x, n_mads=3.5, min_spread=5.0, side="low").any()
    y = np.array([-8.0, 10.0, 10.0, 10.0, 10.0, 10.0])
    assert outlying(y, n_mads=3.5, min_spread=5.0, side="low").tolist() == [True] + [False] * 5
    assert not outlying(y, n_mads=3.5, min_spread=5.0, side="high").any()


def _summary(
    shank_deg: list[float],
    ahead: list[float],
    knee_deg: float = 20.0,
    strike_deg: list[float] | None = None,
) -> RunSummary:
    strike = strike_deg or [5.0] * len(shank_deg)
    rows = [
        ContactRow(
            clip=0,
            contact=i,
            frame=10 * i,
            leg="near",
            elapsed_s=0.3 * i,
            foot_strike_angle_deg=f,
            strike_class="midfoot",
            shank_angle_deg=s,
            knee_flexion_deg=knee_deg,
            foot_ahead_leg_lengths=a,
            peak_stance_knee_flexion_deg=40.0,
            contact_time_ms=250.0,
        )
        for i, (s, a, f) in enumerate(zip(shank_deg, ahead, strike, strict=True))
    ]
    nan = float("nan")
    return RunSummary(
        strides=[],
        contacts=rows,
        cadence_spm=170.0,
        contact_time_ms=250.0,
        contact_time_resolution_ms=16.7,
        duty_factor=0.35,
        trunk_lean_deg=5.0,
        strike_leg="near",
        strike_angle_deg=float(np.median(strike)),
        strike_class="midfoot",
        strike_share={"midfoot": 1.0},
        shank_angle_deg=float(np.median(shank_deg)),
        foot_ahead_leg_lengths=float(np.median(ahead)),
        knee_flexion_ic_deg=knee_deg,
        peak_stance_knee_flexion_deg=40.0,
        vertical_oscillation_leg_lengths=nan,
        vertical_oscillation_cm=nan,
        step_length_m=nan,
        vertical_ratio_percent=nan,
        lean_drift=None,
        head_drift=None,
        asymmetry={},
    )


def test_overstride_flag_needs_enough_consistent_contacts() -> None:
    cfg = FindingsConfig()
    six = [12.0, 13.0, 14.0, 15.0, 16.0, 17.0]
    assert overstride(_summary(six, [0.3] * 6), cfg).status == "flag"
    # The same angles on 5 contacts: no 95 % interval -> caution, says why.
    five = overstride(_summary(six[:5], [0.3] * 5), cfg)
    assert five.status == "caution"
    assert "too few or too scattered" in five.reason
    # One contact at 2 deg drags the interval's low end below 6: caution.
    low = overstride(_summary([2.0, *six[1:]], [0.3] * 6), cfg)
    assert low.status == "caution"
    assert "interval 2.0° to 17.0°" in low.reason
    assert "too few or too scattered to be sure" in low.reason


def test_overstride_sets_aside_a_mis_timed_landing() -> None:
    cfg = FindingsConfig()
    angles = [-20.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0]
    result = overstride(_summary(angles, [0.05] + [0.3] * 6), cfg)
    assert result.status == "flag"
    assert "1 outlying low contact(s) set aside" in result.reason
    assert result.value == pytest.approx(14.5)


def test_overstride_keeps_high_values_and_recounts_after_setting_aside() -> None:
    cfg = FindingsConfig()
    # A high value is what the finding looks for: never set aside.
    high = overstride(_summary([12.0, 13.0, 14.0, 14.0, 15.0, 40.0], [0.3] * 6), cfg)
    assert high.status == "flag"
    assert "set aside" not in high.reason
    assert "interval 12.0° to 40.0°" in high.reason
    # Three contacts, one of them a mis-timed landing: 2 left, a verdict
    # that says how few it rests on (issue 12: short clips give verdicts).
    few = overstride(_summary([-30.0, 5.0, 5.5], [0.0, 0.2, 0.2]), cfg)
    assert few.status == "ok"
    assert "median of 2 contacts" in few.reason
    assert "1 outlying low contact(s) set aside" in few.reason
    # One landing is not enough for a verdict: unknown, with what to film.
    one = overstride(_summary([5.0], [0.2]), cfg)
    assert one.status == "unknown"
    assert "only 1 measurable landing (2 needed)" in one.reason
    assert "film at least 4 running steps" in one.reason


def test_overstride_ok_needs_the_interval_below_the_flag_limit() -> None:
    cfg = FindingsConfig()
    assert overstride(_summary([1.0, 2.0, 3.0, 4.0], [0.1] * 4), cfg).status == "ok"
    unclear = overstride(_summary([-3.0, 2.0, 4.0, 13.0], [0.1, 0.1, 0.1, 0.3]), cfg)
    assert unclear.status == "caution"
    assert unclear.reason.startswith("unclear")
    # A straight knee at contact is caution whatever the shank says.
    straight = overstride(_summary([1.0, 2.0, 3.0, 4.0], [0.1] * 4, knee_deg=10.0), cfg)
    assert straight.status == "caution"


def test_heel_strike_reason_says_when_the_interval_crosses_a_cut_off() -> None:
    cfg = FindingsConfig()
    clear = heel_strike(_summary([3.0] * 6, [0.1] * 6, strike_deg=[2.0] * 3 + [4.0] * 3), cfg, "ok")
    # Six contacts: the full range, covering 1 - 2/64 = 97 %.
    assert "97 % interval 2.0° to 4.0°" in clear.reason
    assert "cut-off" not in clear.reason
    # Contacts from 2 to 12 deg: the interval spans the 8 deg rearfoot cut-off.
    mixed = heel_strike(
        _summary([3.0] * 6, [0.1] * 6, strike_deg=[2.0, 5.0, 7.0, 9.0, 10.0, 12.0]), cfg, "ok"
    )
    assert "the interval crosses a class cut-off" in mixed.reason


def _drift(change: float, lo: float, hi: float) -> Drift:
    return Drift(
        change=change,
        ci95=(lo, hi),
        trend_per_min=0.0,
        early_strides=(0,),
        late_strides=(1,),
        early_mean=5.0,
        late_mean=5.0 + change,
    )


def test_late_run_slouch_reads_a_clear_change_either_way() -> None:
    cfg = FindingsConfig()
    strides = [RunStride(0, k, 10 * k, 95.0 * k, 5.0, 0.0, 0.0, 0.0) for k in range(2)]
    base = dataclasses.replace(_summary([3.0] * 6, [0.1] * 6), strides=strides)
    forward = late_run_slouch(dataclasses.replace(base, lean_drift=_drift(4.0, 2.5, 5.5)), cfg)
    assert forward.status == "flag" and "slouches" in forward.reason
    assert "5.0° early, 9.0° late over 1:35 (min:s) of running" in forward.reason
    upright = late_run_slouch(dataclasses.replace(base, lean_drift=_drift(-2.0, -3.3, -0.8)), cfg)
    assert upright.status == "ok" and "more upright late in the run" in upright.reason
    flat = late_run_slouch(dataclasses.replace(base, lean_drift=_drift(-0.2, -1.0, 0.6)), cfg)
    assert flat.status == "ok" and flat.reason.startswith("posture holds")


def test_late_run_slouch_unknown_says_which_clip_is_short() -> None:
    cfg = FindingsConfig()
    strides = [RunStride(0, k, 10 * k, 0.7 * k, 5.0, 0.0, 0.0, 0.0) for k in range(6)]
    strides += [RunStride(1, k, 10 * k, 300 + 0.7 * k, 5.0, 0.0, 0.0, 0.0) for k in range(9)]
    two = late_run_slouch(dataclasses.replace(_summary([3.0] * 6, [0.1] * 6), strides=strides), cfg)
    assert two.status == "unknown"
    assert "15 strides measured (6 in clip 1, 9 in clip 2)" in two.reason
    assert "at least 7 strides in each" in two.reason and "elapsed" not in two.reason
    one = late_run_slouch(
        dataclasses.replace(_summary([3.0] * 6, [0.1] * 6), strides=strides[:6]), cfg
    )
    assert "an early and a late clip with their elapsed times" in one.reason


def test_lean_values_fall_back_from_strides_to_steps_to_the_span() -> None:
    nan = float("nan")
    values, kind = lean_values(stride_leans=[1, 2, 3], step_leans=[9, 9], span_lean_deg=7)
    assert (values.tolist(), kind) == ([1, 2, 3], "strides")
    values, kind = lean_values(stride_leans=[5, nan], step_leans=[4, 6, nan], span_lean_deg=7)
    assert (values.tolist(), kind) == ([4, 6], "steps")
    values, kind = lean_values(stride_leans=[5], step_leans=[4], span_lean_deg=7)
    assert (values.tolist(), kind) == ([7], "span")
    values, kind = lean_values(stride_leans=[], step_leans=[], span_lean_deg=nan)
    assert (values.size, kind) == (0, "none")


CONFIG = Config()


@pytest.mark.parametrize("duration_s", [2.0, 3.0, 4.0])
def test_the_summary_lean_is_the_forward_lean_findings_value(duration_s: float) -> None:
    # A short clip's lean came from its strides in the summary (the terminal and
    # the dynamics table) and from the running span in the finding: 48.8 vs
    # 44.9 degrees on a sprint start. Both now rest on the same values.
    track, _ = synthetic_track(
        params=RunnerParams(trunk_lean_deg=9.0), duration_s=duration_s, fps=60.0, seed=2
    )
    clip = analyze_clip(track, config=CONFIG, options=AnalysisOptions())
    summary = summarize([clip], config=CONFIG)
    lean = forward_lean(summary, CONFIG.findings)
    assert lean.status != "unknown"
    assert lean.value == pytest.approx(summary.trunk_lean_deg)
