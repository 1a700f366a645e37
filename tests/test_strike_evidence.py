"""Strike angle from each foot end's height at contact above its own flat level."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.landmarks import leg_indices
from formcheck.metrics.angles import foot_strike_angle_deg
from formcheck.metrics.strike_evidence import ground_referenced_strike_angle_deg
from formcheck.synthetic.kinematics import RunnerParams, contacts, landmarks_world

FPS = 60.0


def _track(fsa: float) -> tuple[RunnerParams, np.ndarray, np.ndarray]:
    params = RunnerParams(
        foot_strike_angle_deg=fsa,
        toe_off_foot_angle_deg=-30.0 if fsa < 0 else -35.0,
        knee_flexion_ic_deg=24.0 if fsa < 0 else 18.0,
    )
    times = np.arange(round(3.0 * FPS)) / FPS
    return params, times, landmarks_world(params=params, times_s=times)


def _offset_feet(xy: np.ndarray, *, foot_m: float) -> np.ndarray:
    """A heel point placed high on the heel counter (12 % of a foot length up)
    and a toe point 4 % up: constant offsets, as a pose model's habit."""
    out = xy.copy()
    for leg in (lm.LEFT_LEG, lm.RIGHT_LEG):
        out[:, leg[3], 1] += 0.12 * foot_m
        out[:, leg[4], 1] += 0.04 * foot_m
    return out


@pytest.mark.parametrize("fsa", [-8.0, 3.0, 12.0, 20.0])
def test_exact_landmarks_give_the_strike_angle(fsa: float) -> None:
    params, times, xy = _track(fsa)
    ics = [c for c in contacts(params=params, start_s=0.0, end_s=2.8) if c.side == "near"]
    leg = leg_indices(params.near_leg)
    got = [ground_referenced_strike_angle_deg(xy, times, ic_s=c.ic_s, leg=leg) for c in ics]
    # Between frames the heights are interpolated linearly, and the foot turns
    # fast just after contact: up to 1.4 deg low at 60 fps with a 20 deg landing.
    assert np.allclose(got, fsa, atol=1.5)
    assert abs(float(np.mean(got)) - fsa) < 1.0


@pytest.mark.parametrize("fsa", [-8.0, 20.0])
def test_constant_offsets_in_the_foot_cancel(fsa: float) -> None:
    params, times, xy = _track(fsa)
    foot_m = params.body.foot * params.height_m
    moved = _offset_feet(xy, foot_m=foot_m)
    leg = leg_indices(params.near_leg)
    c = next(c for c in contacts(params=params, start_s=0.0, end_s=2.8) if c.side == "near")
    line = float(np.interp(c.ic_s, times, foot_strike_angle_deg(moved, leg)))
    new = ground_referenced_strike_angle_deg(moved, times, ic_s=c.ic_s, leg=leg)
    exact = ground_referenced_strike_angle_deg(xy, times, ic_s=c.ic_s, leg=leg)
    assert line - fsa < -4.0  # the heel -> toe line reads 4.6 deg toes-down
    assert new == pytest.approx(exact, abs=0.1)  # the flat-level reference cancels it
    assert new == pytest.approx(fsa, abs=1.5)


def test_missing_frames_give_nan() -> None:
    params, times, xy = _track(12.0)
    leg = leg_indices(params.near_leg)
    c = next(c for c in contacts(params=params, start_s=0.0, end_s=2.8) if c.side == "near")
    gone = xy.copy()
    gone[(times > c.ic_s - 0.05) & (times < c.ic_s + 0.05), leg.toe] = np.nan
    assert np.isnan(ground_referenced_strike_angle_deg(gone, times, ic_s=c.ic_s, leg=leg))
