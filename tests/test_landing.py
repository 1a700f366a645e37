"""The ground-speed landing cue (formcheck.landing), with answers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.config import GaitConfig
from formcheck.gait import detect_leg_contacts
from formcheck.landing import fused_landing, ground_speed, ground_speed_landing, heel_velocity


def _step_path(n: int = 40, *, reach: int = 20, landing: float = 22.5) -> np.ndarray:
    """Heel ahead of the hips: forward to a reach at 100 px, still until the
    landing, then back with the ground at 10 px per frame."""
    t = np.arange(n, dtype=float)
    return np.where(
        t < reach, 100 - 5 * (reach - t), np.where(t <= landing, 100, 100 - 10 * (t - landing))
    )


def test_velocity_spans_about_a_sixtieth_of_a_second() -> None:
    x = 3.0 * np.arange(12, dtype=float)
    v, centre = heel_velocity(x, fps=30.0)  # one frame
    assert np.allclose(v, 3.0) and centre[0] == 0.5
    v, centre = heel_velocity(x, fps=240.0)  # four frames
    assert np.allclose(v, 3.0) and centre[0] == 2.0 and v.size == 8


def test_ground_speed_is_the_median_over_mid_stance() -> None:
    v, centre = heel_velocity(_step_path(), fps=30.0)
    # Stance 22.5-38: its middle (26.4-31.8) moves at -10 px per frame.
    assert ground_speed(v, centre, [(22.5, 38.0)]) == pytest.approx(-10.0)
    assert np.isnan(ground_speed(v, centre, []))


def test_landing_is_when_the_heel_reaches_nine_tenths_of_the_ground_speed() -> None:
    x = _step_path()
    v, centre = heel_velocity(x, fps=30.0)
    # Velocity -5 centred on 22.5 (half the frame on the ground), -10 on 23.5:
    # -9 is crossed four fifths of the way, at 23.3.
    landing = ground_speed_landing(
        x, v, centre, ic_frame=26.0, to_frame=38.0, speed=-10.0, fps=30.0
    )
    assert landing == pytest.approx(23.3)
    # No backward ground speed, or none reached before toe-off: no landing.
    assert np.isnan(
        ground_speed_landing(x, v, centre, ic_frame=26.0, to_frame=38.0, speed=2.0, fps=30.0)
    )
    assert np.isnan(
        ground_speed_landing(x, v, centre, ic_frame=26.0, to_frame=38.0, speed=-20.0, fps=30.0)
    )


def test_a_heel_that_does_not_go_on_with_the_ground_has_not_landed() -> None:
    x = _step_path()
    x[24:] = x[23]  # one frame's jump back (landmark noise), then still
    v, centre = heel_velocity(x, fps=30.0)
    assert np.isnan(
        ground_speed_landing(x, v, centre, ic_frame=26.0, to_frame=38.0, speed=-10.0, fps=30.0)
    )


def test_height_landing_kept_unless_the_cues_disagree_by_more_than_40_ms() -> None:
    assert fused_landing(24.0, 23.3, fps=30.0) == (24.0, False)  # 23 ms apart
    assert fused_landing(26.0, 23.3, fps=30.0) == (23.3, True)  # 90 ms apart
    assert fused_landing(26.0, float("nan"), fps=30.0) == (26.0, False)


def _gait(fps: float, ic_s: list[float], *, contact_s: float, height_late_s: float):
    """Foot height landing ``height_late_s`` after the true contacts (a hovering
    heel point), a heel that moves back with the ground from the true contact,
    and a fore-aft swing for the stride cycles."""
    t = np.arange(0, 5, 1 / fps)
    height = np.full(t.size, 60.0)
    heel = np.full(t.size, np.nan)
    for ic in ic_s:
        seen = ic + height_late_s
        before = (t > seen - 0.1) & (t <= seen)
        height[before] = np.minimum(height[before], 600 * (seen - t[before]))
        height[(t >= seen) & (t <= ic + contact_s)] = 0.0
        after = (t > ic + contact_s) & (t < ic + contact_s + 0.1)
        height[after] = np.minimum(height[after], 600 * (t[after] - ic - contact_s))
    stride_s = ic_s[1] - ic_s[0]
    phase = ((t - ic_s[0]) / stride_s) % 1.0
    in_stance = phase * stride_s <= contact_s
    heel = np.where(in_stance, 80 - 900 * phase * stride_s, np.nan)
    swing_phase = (phase * stride_s - contact_s) / (stride_s - contact_s)
    back = 80 - 900 * contact_s
    heel = np.where(in_stance, heel, back + (80 - back) * np.clip(swing_phase / 0.9, 0, 1))
    forward = np.cos(2 * np.pi * phase) * 80
    return t, height, forward, heel


@pytest.mark.parametrize(("height_late_s", "cue"), [(0.0, "foot height"), (0.12, "ground speed")])
def test_a_late_height_landing_is_retimed_on_the_ground_speed(
    height_late_s: float, cue: str
) -> None:
    fps, stride_s, contact_s = 30.0, 0.7, 0.26
    ic_s = [0.41 + k * stride_s for k in range(7)]
    t, height, forward, heel = _gait(fps, ic_s, contact_s=contact_s, height_late_s=height_late_s)
    contacts = detect_leg_contacts(
        height=height,
        raw_height=height,
        forward=forward,
        heel_forward=heel,
        measured=np.ones(t.size, bool),
        times_s=t,
        fps=fps,
        stride_frames=stride_s * fps,
        leg="near",
        leg_length_px=300.0,
        config=GaitConfig(),
    )
    timed = [c for c in contacts if c.timed]
    assert len(timed) >= 5
    for c in timed:
        true_ic = min(ic_s, key=lambda x: abs(x - c.ic_s))
        assert c.ic_cue == cue
        assert abs(c.ic_s - true_ic) * fps <= 1.0
