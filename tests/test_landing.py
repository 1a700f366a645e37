"""The ground-speed landing cue (formcheck.gait.landing), with answers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.gait.landing import fused_landing, ground_speed, ground_speed_landing, heel_velocity
from tests.conftest import near_contacts


def _step_path(n: int = 40, *, reach: int = 20, landing: float = 22.5) -> np.ndarray:
    """Heel ahead of the hips: forward to a reach at 100 px, still until the
    landing, then back with the ground at 10 px per frame."""
    t = np.arange(n, dtype=float)
    return np.where(
        t < reach, 100 - 5 * (reach - t), np.where(t <= landing, 100, 100 - 10 * (t - landing))
    )


def test_velocity_spans_about_a_sixtieth_of_a_second() -> None:
    x = 3.0 * np.arange(12, dtype=float)
    v, centre = heel_velocity(heel_forward=x, fps=30.0)  # one frame
    assert np.allclose(v, 3.0) and centre[0] == 0.5
    v, centre = heel_velocity(heel_forward=x, fps=240.0)  # four frames
    assert np.allclose(v, 3.0) and centre[0] == 2.0 and v.size == 8


def test_ground_speed_is_the_median_over_mid_stance() -> None:
    v, centre = heel_velocity(heel_forward=_step_path(), fps=30.0)
    # Stance 22.5-38: its middle (26.4-31.8) moves at -10 px per frame.
    assert ground_speed(velocity=v, centre=centre, stances=[(22.5, 38.0)]) == pytest.approx(-10.0)
    assert np.isnan(ground_speed(velocity=v, centre=centre, stances=[]))


def _landing(x: np.ndarray, *, speed: float = -10.0, fps: float = 30.0) -> float:
    v, centre = heel_velocity(heel_forward=x, fps=fps)
    return ground_speed_landing(
        heel_forward=x,
        velocity=v,
        centre=centre,
        ic_frame=26.0,
        to_frame=38.0,
        speed=speed,
        fps=fps,
    )


def test_landing_is_when_the_heel_reaches_nine_tenths_of_the_ground_speed() -> None:
    # Velocity -5 centred on 22.5 (half the frame on the ground), -10 on 23.5:
    # -9 is crossed four fifths of the way, at 23.3 (0.8 frames after the
    # sudden landing at 22.5: the cue lags a step in speed).
    assert _landing(_step_path()) == pytest.approx(23.3)
    # No backward ground speed, or none reached before toe-off: no landing.
    assert np.isnan(_landing(_step_path(), speed=2.0))
    assert np.isnan(_landing(_step_path(), speed=-20.0))


def test_a_heel_that_does_not_go_on_with_the_ground_has_not_landed() -> None:
    x = _step_path()
    x[23:] = 90.0  # one frame's jump back at ground speed, then still
    assert np.isnan(_landing(x))
    # The same jump followed by the ground's motion is a landing.
    assert np.isfinite(_landing(_step_path()))


def test_unmeasured_heel_frames_are_not_a_landing() -> None:
    x = _step_path()
    x[24:27] = np.nan  # the frames after the landing were not measured
    assert np.isnan(_landing(x))


def test_height_landing_kept_unless_the_cues_disagree_by_more_than_40_ms() -> None:
    assert fused_landing(height_frame=24.0, speed_frame=23.3, fps=30.0) == (24.0, False)  # 23 ms
    assert fused_landing(height_frame=26.0, speed_frame=23.3, fps=30.0) == (23.3, True)  # 90 ms
    assert fused_landing(height_frame=26.0, speed_frame=float("nan"), fps=30.0) == (26.0, False)


def _gait(fps: float, ic_s: list[float], *, contact_s: float, height_shift_s: float):
    """Foot height landing ``height_shift_s`` after the true contacts (a hovering
    heel point when positive, a mis-fitted ground level when negative), a heel
    that moves back with the ground from the true contact, and a fore-aft
    swing for the stride cycles."""
    t = np.arange(0, 5, 1 / fps)
    height = np.full(t.size, 60.0)
    for ic in ic_s:
        seen = ic + height_shift_s
        before = (t > seen - 0.1) & (t <= seen)
        height[before] = np.minimum(height[before], 600 * (seen - t[before]))
        height[(t >= seen) & (t <= ic + contact_s)] = 0.0
        after = (t > ic + contact_s) & (t < ic + contact_s + 0.1)
        height[after] = np.minimum(height[after], 600 * (t[after] - ic - contact_s))
    stride_s = ic_s[1] - ic_s[0]
    since_ic_s = ((t - ic_s[0]) / stride_s % 1.0) * stride_s
    back = 80 - 900 * contact_s
    swing_share = np.clip((since_ic_s - contact_s) / (0.9 * (stride_s - contact_s)), 0, 1)
    heel = np.where(
        since_ic_s <= contact_s, 80 - 900 * since_ic_s, back + (80 - back) * swing_share
    )
    forward = np.cos(2 * np.pi * since_ic_s / stride_s) * 80
    return t, height, forward, heel


@pytest.mark.parametrize(
    ("fps", "height_shift_s", "cue"),
    [
        (30.0, 0.0, "foot height"),
        (30.0, 0.12, "ground speed"),  # height landing 3.6 frames late
        (30.0, -0.07, "ground speed"),  # 2.1 frames early
        (240.0, 0.0, "foot height"),
        (240.0, 0.12, "ground speed"),  # velocities over 4 frames
    ],
)
def test_a_misplaced_height_landing_is_retimed_on_the_ground_speed(
    fps: float, height_shift_s: float, cue: str
) -> None:
    stride_s, contact_s = 0.7, 0.26
    ic_s = [0.41 + k * stride_s for k in range(7)]
    t, height, forward, heel = _gait(fps, ic_s, contact_s=contact_s, height_shift_s=height_shift_s)
    contacts = near_contacts(t, height, forward, np.ones(t.size, bool), fps, stride_s, heel)
    timed = [c for c in contacts if c.timed]
    assert len(timed) >= 5
    for c in timed:
        true_ic = min(ic_s, key=lambda x: abs(x - c.ic_s))
        assert c.ic_cue == cue
        assert abs(c.ic_s - true_ic) <= 1.0 / 30.0  # a 30 fps frame
