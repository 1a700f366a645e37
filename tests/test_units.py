"""Unit tests of the pure compute functions, on data whose answers are worked out by hand."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from formcheck.analysis import _strides
from formcheck.gait.clean import (
    fill_gaps,
    fix_leg_swaps,
    hampel_mask,
    lowpass,
    merged_leg_frames,
    step_frequency_hz,
)
from formcheck.gait.contact import Contact, LegName
from formcheck.gait.contact_checks import check_contact_times, check_leg_sequence, drop_duplicates
from formcheck.gait.scene import Scene, detect_facing
from formcheck.landmarks import (
    LEFT_ANKLE,
    LEFT_EAR,
    LEFT_HIP,
    LEFT_SHOULDER,
    NUM_LANDMARKS,
    RIGHT_ANKLE,
    RIGHT_EAR,
    RIGHT_HIP,
    RIGHT_SHOULDER,
    leg_indices,
)
from formcheck.metrics.angles import (
    foot_strike_angle_deg,
    head_forward_deg,
    knee_flexion_deg,
    shank_angle_deg,
    trunk_lean_deg,
)
from formcheck.metrics.contact_angles import (
    ContactAngles,
    classify_strike,
    implausible_landing,
    strike_angle_at,
    value_at_event,
    value_between_frames,
)
from formcheck.metrics.dynamics import asymmetry_percent, cadence_spm, duty_factor
from formcheck.metrics.posture import posture_drift
from formcheck.report.json_report import clean_json
from tests.conftest import near_contacts


def _pose() -> np.ndarray:
    return np.zeros((NUM_LANDMARKS, 2))


# --- angles (runner frame: x forward, y up) -------------------------------------


def test_trunk_lean_sign_and_value() -> None:
    xy = _pose()
    xy[[LEFT_HIP, RIGHT_HIP]] = (0.0, 0.0)
    xy[[LEFT_SHOULDER, RIGHT_SHOULDER]] = (1.0, 1.0)  # 45 deg forward
    assert trunk_lean_deg(xy) == pytest.approx(45.0)
    xy[[LEFT_SHOULDER, RIGHT_SHOULDER]] = (-np.tan(np.radians(5)), 1.0)  # leaning back 5
    assert trunk_lean_deg(xy) == pytest.approx(-5.0)


def test_leg_angles_by_hand() -> None:
    leg = leg_indices("right")
    xy = _pose()
    xy[leg.hip] = (0.0, 1.0)
    xy[leg.knee] = (0.0, 0.5)
    xy[leg.ankle] = (0.5 * np.tan(np.radians(10)), 0.0)  # ankle ahead of knee: +10 deg
    xy[leg.heel] = (0.0, 0.0)
    xy[leg.toe] = (np.cos(np.radians(15)), np.sin(np.radians(15)))  # toes up 15 deg
    assert shank_angle_deg(xy, leg) == pytest.approx(10.0)
    assert knee_flexion_deg(xy, leg) == pytest.approx(10.0)  # thigh vertical, shank 10 off
    assert foot_strike_angle_deg(xy, leg) == pytest.approx(15.0)


def test_head_forward_relative_to_trunk() -> None:
    xy = _pose()
    xy[[LEFT_HIP, RIGHT_HIP]] = (0.0, 0.0)
    xy[[LEFT_SHOULDER, RIGHT_SHOULDER]] = (0.0, 1.0)
    xy[[LEFT_EAR, RIGHT_EAR]] = (np.tan(np.radians(20)) * 0.3, 1.3)
    assert head_forward_deg(xy) == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("angle", "expected"),
    [(8.1, "rearfoot"), (8.0, "midfoot"), (-1.6, "midfoot"), (-1.7, "forefoot"), (np.nan, None)],
)
def test_strike_classes_follow_altman_davis(angle: float, expected: str | None) -> None:
    assert classify_strike(angle, rearfoot_above_deg=8.0, forefoot_below_deg=-1.6) == expected


def test_value_at_event_follows_a_corner_exactly() -> None:
    t = np.arange(0, 1, 1 / 60)
    corner = 0.5083  # between frames
    series = np.where(t < corner, 12 + 200 * (t - corner), 12 - 300 * (t - corner))
    assert value_at_event(series, t, corner, window_s=0.05) == pytest.approx(12.0, abs=1e-9)
    assert np.isnan(value_at_event(series, t, 0.001, window_s=0.05))


def test_value_between_frames_interpolates_and_refuses_missing_frames() -> None:
    t = np.array([0.0, 0.1, 0.2, 0.3])
    series = np.array([10.0, 12.0, np.nan, 4.0])
    assert value_between_frames(series, t, 0.025) == pytest.approx(10.5)
    assert value_between_frames(series, t, 0.1) == 12.0  # on a frame
    assert value_between_frames(series, t, 0.0) == 10.0  # the first frame
    assert np.isnan(value_between_frames(series, t, 0.15))  # a neighbour missing
    assert np.isnan(value_between_frames(series, t, -0.01))
    assert np.isnan(value_between_frames(series, t, 0.31))


@pytest.mark.parametrize(
    ("fps", "n_frames", "interpolated"),
    [(30.0, 300, False), (50.0, 100, True), (50.0, 1000, True), (60.0, 600, True)],
)
def test_strike_angle_is_interpolated_from_45_fps(
    fps: float, n_frames: int, interpolated: bool
) -> None:
    # A corner at 0.5 s that no frame falls on: the corner fit recovers its
    # peak (12), interpolation reads the line between the frames around it.
    t = np.arange(n_frames) / fps
    corner = 0.5 + 0.37 / fps
    series = np.where(t < corner, 12 + 200 * (t - corner), 12 - 300 * (t - corner))
    frame_s = float(np.median(np.diff(t)))
    value = strike_angle_at(series, t, corner, frame_s=frame_s, window_s=max(0.05, 3 / fps))
    expected = value_between_frames(series, t, corner) if interpolated else 12.0
    assert value == pytest.approx(expected, abs=1e-9)
    if interpolated:
        assert abs(value - 12.0) > 0.1  # between frames, the peak is cut off


# --- cleaning -----------------------------------------------------------------------


def test_hampel_flags_a_spike_only() -> None:
    y = np.sin(np.linspace(0, 6, 200))[:, None] * 50
    y[100] += 40
    mask = hampel_mask(y, window=4, n_sigma=3.5, floor=1.0)
    assert mask[:, 0].sum() == 1 and mask[100, 0]


def test_fill_gaps_interior_short_only() -> None:
    y = np.arange(20, dtype=float)[:, None]
    y[3:5] = np.nan  # 2 missing: filled
    y[10:16] = np.nan  # 6 missing: too long
    y[0] = np.nan  # leading: never extrapolated
    out = fill_gaps(y, max_gap=3)
    assert out[3, 0] == pytest.approx(3.0) and out[4, 0] == pytest.approx(4.0)
    assert np.isnan(out[10:16, 0]).all() and np.isnan(out[0, 0])


def test_lowpass_keeps_slow_and_removes_fast() -> None:
    fps = 60.0
    t = np.arange(0, 10, 1 / fps)
    slow = np.sin(2 * np.pi * 1.0 * t)
    fast = 0.5 * np.sin(2 * np.pi * 25.0 * t)
    out = lowpass((slow + fast)[:, None], cutoff_hz=8.0, fps=fps, order=2)[:, 0]
    core = slice(60, -60)
    assert np.max(np.abs(out[core] - slow[core])) < 0.02


def test_step_frequency_from_ankles() -> None:
    fps, step_hz = 60.0, 170 / 60
    t = np.arange(0, 8, 1 / fps)
    xy = np.zeros((t.size, NUM_LANDMARKS, 2))
    xy[:, LEFT_ANKLE, 0] = 100 * np.sin(np.pi * step_hz * t)  # stride = 2 steps
    xy[:, RIGHT_ANKLE, 0] = -xy[:, LEFT_ANKLE, 0]
    assert step_frequency_hz(xy, fps=fps) == pytest.approx(step_hz, abs=0.02)


def _scissoring_legs(phase: np.ndarray) -> np.ndarray:
    """Legs swinging in anti-phase about a still torso (150 px), (n, 33, 2)."""
    xy = np.zeros((phase.size, NUM_LANDMARKS, 2))
    left, right = leg_indices("left"), leg_indices("right")
    for k, j in enumerate((left.knee, left.ankle, left.heel, left.toe)):
        xy[:, j, 0] = 100 * np.sin(phase) + 5 * k
        xy[:, j, 1] = 300 + 50 * k + 20 * np.cos(phase)
    for k, j in enumerate((right.knee, right.ankle, right.heel, right.toe)):
        xy[:, j, 0] = -100 * np.sin(phase) + 5 * k
        xy[:, j, 1] = 300 + 50 * k - 20 * np.cos(phase)
    xy[:, [LEFT_HIP, RIGHT_HIP]] = (0.0, 200.0)
    xy[:, [LEFT_SHOULDER, RIGHT_SHOULDER]] = (0.0, 50.0)
    return xy


def test_leg_swap_glitches_are_undone() -> None:
    fps = 60.0
    t = np.arange(0, 4, 1 / fps)
    left, right = leg_indices("left"), leg_indices("right")
    xy = _scissoring_legs(2 * np.pi * 1.4 * t)
    truth = xy.copy()
    glitch = np.zeros(t.size, bool)
    glitch[[40, 41, 42, 130, 200, 201]] = True
    corrupted = xy.copy()
    for a, b in zip(left, right, strict=True):
        corrupted[glitch, a], corrupted[glitch, b] = xy[glitch, b], xy[glitch, a]
    fixed, swapped = fix_leg_swaps(corrupted)
    assert np.array_equal(swapped, glitch)
    np.testing.assert_allclose(fixed, truth)


def test_a_swapped_block_is_fixed_when_the_far_leg_is_often_hidden() -> None:
    # The same scissoring legs; the far (right) leg unmeasured on half of
    # every stride (hidden behind the near one), and a real label swap over
    # 25 frames. The cost of exchanging a frame comes from fully measured
    # frames, so the hidden stretches do not raise it above the swap's gain.
    t = np.arange(0, 4, 1 / 60)
    phase = 2 * np.pi * 1.4 * t
    left, right = leg_indices("left"), leg_indices("right")
    xy = _scissoring_legs(phase)
    hidden = np.sin(phase) > 0  # half of every stride
    xy[np.ix_(hidden, np.array([right.knee, right.ankle, right.heel, right.toe]))] = np.nan
    block = np.zeros(t.size, bool)
    block[100:125] = True
    corrupted = xy.copy()
    for a, b in zip(left, right, strict=True):
        corrupted[block, a], corrupted[block, b] = xy[block, b], xy[block, a]
    _, swapped = fix_leg_swaps(corrupted)
    assert swapped[100:125].all()
    assert swapped.sum() <= 25 + 2  # at most a frame each side of the block


def test_feet_pulled_together_for_one_frame_are_found_but_crossings_are_not() -> None:
    # Scissoring feet at the same height, so the distance between them has
    # a sharp zero where they cross (every 1/2.8 s). Torso 150 px; at 60 fps
    # the limit is 360 x 150 / 60^2 = 15 px.
    fps = 60.0
    t = np.arange(0, 2, 1 / fps)
    xy = np.zeros((t.size, NUM_LANDMARKS, 2))
    left, right = leg_indices("left"), leg_indices("right")
    swing = 100 * np.sin(2 * np.pi * 1.4 * t)
    for leg, sign in ((left, 1.0), (right, -1.0)):
        for j in (leg.knee, leg.ankle, leg.heel, leg.toe):
            xy[:, j] = np.column_stack([sign * swing, np.full(t.size, 400.0)])
    xy[:, [LEFT_HIP, RIGHT_HIP]] = (0.0, 200.0)
    xy[:, [LEFT_SHOULDER, RIGHT_SHOULDER]] = (0.0, 50.0)
    crossing = int(np.argmin(np.abs(swing[10:]))) + 10
    assert np.abs(swing[crossing]) < 5  # the feet are within 10 px here...
    assert not merged_leg_frames(xy, fps=fps).any()  # ...but each moves smoothly
    # Frame 30 (feet 190 px apart): both feet pulled 25 px towards each other.
    glitch = xy.copy()
    glitch[30, :, 0] -= 25.0 * np.sign(xy[30, :, 0])
    assert np.flatnonzero(merged_leg_frames(glitch, fps=fps)).tolist() == [30]
    # At 30 fps the limit is 60 px and the 50-px dip stays under it.
    assert not merged_leg_frames(glitch[::2], fps=fps / 2).any()


# --- scene ------------------------------------------------------------------------


def test_scene_round_trip_and_roll_removal() -> None:
    scene = Scene(
        facing="left",
        roll_deg=5.0,
        ground_point_px=(320.0, 400.0),
        leg_length_px=200.0,
        roll_reliable=True,
    )
    # A point 100 px along the rolled ground line (rising to the right on screen)
    # lies on the runner frame's ground, 100 px behind the origin (facing left).
    theta = np.radians(5.0)
    on_line = np.array([320.0 + 100 * np.cos(theta), 400.0 - 100 * np.sin(theta)])
    runner = scene.to_runner(on_line)
    np.testing.assert_allclose(runner, [-100.0, 0.0], atol=1e-9)
    pts = np.random.default_rng(0).uniform(0, 500, (10, 2))
    np.testing.assert_allclose(scene.to_image(scene.to_runner(pts)), pts, atol=1e-9)


def test_facing_from_toes_and_nose() -> None:
    xy = np.zeros((5, NUM_LANDMARKS, 2))
    heel, toe = leg_indices("right").heel, leg_indices("right").toe
    xy[:, heel, 0], xy[:, toe, 0] = 100.0, 80.0  # toes to the left of heels
    assert detect_facing(xy)[0] == "left"
    xy[:, toe, 0] = 130.0
    assert detect_facing(xy)[0] == "right"


# --- gait events ----------------------------------------------------------------------


def _foot_signals(fps: float, ic_s: list[float], contact_s: float, stride_s: float):
    """Foot height: a V-shaped landing at each IC, flat in stance, a ramp after TO."""
    t = np.arange(0, 6, 1 / fps)
    height = np.full(t.size, 60.0)
    forward = np.zeros(t.size)
    for ic in ic_s:
        to = ic + contact_s
        before = (t > ic - 0.1) & (t <= ic)
        height[before] = np.minimum(height[before], 600 * (ic - t[before]))
        stance = (t >= ic) & (t <= to)
        height[stance] = 0.0
        after = (t > to) & (t < to + 0.1)
        height[after] = np.minimum(height[after], 600 * (t[after] - to))
    for k in range(t.size):
        phase = ((t[k] - ic_s[0]) / stride_s) % 1.0
        forward[k] = np.cos(2 * np.pi * phase) * 80  # most forward near IC
    return t, height, forward


def test_contacts_are_timed_to_a_fraction_of_a_frame() -> None:
    fps, stride_s, contact_s = 60.0, 0.7, 0.24
    ic_s = [0.5083 + k * stride_s for k in range(7)]
    t, height, forward = _foot_signals(fps, ic_s, contact_s, stride_s)
    contacts = near_contacts(t, height, forward, np.ones(t.size, bool), fps, stride_s)
    timed = [c for c in contacts if c.timed]
    assert len(timed) >= 6
    for c in timed:
        true_ic = min(ic_s, key=lambda x: abs(x - c.ic_s))
        assert abs(c.ic_s - true_ic) * fps < 0.1
        assert abs(c.to_s - (true_ic + contact_s)) * fps < 0.6


def test_one_gap_filled_frame_near_an_event_is_allowed_two_are_not() -> None:
    # Contacts every 0.7 s; the third lands at 1.9083 s, frame 114.5.
    fps, stride_s, contact_s = 60.0, 0.7, 0.24
    ic_s = [0.5083 + k * stride_s for k in range(7)]
    t, height, forward = _foot_signals(fps, ic_s, contact_s, stride_s)

    def third_contact(unmeasured: list[int]) -> Contact:
        measured = np.ones(t.size, bool)
        measured[unmeasured] = False
        contacts = near_contacts(t, height, forward, measured, fps, stride_s)
        return min(contacts, key=lambda c: abs(c.ic_s - ic_s[2]))

    clean = third_contact([])
    assert clean.usable
    assert third_contact([clean.ic_frame + 2]).usable  # one rejected point, interpolated
    for unmeasured in ([clean.ic_frame - 1, clean.ic_frame + 1], [clean.ic_frame]):
        # two frames beside the event, or the event's own frame
        contact = third_contact(unmeasured)
        assert not contact.usable and not contact.landing_usable
        assert contact.reason == "landmarks not measured around the landing"
    # The same at the toe-off: the contact time is lost, the landing is kept.
    contact = third_contact([clean.to_frame])
    assert not contact.usable and contact.landing_usable
    assert contact.reason.startswith("landmarks not measured around the toe-off")


def _contact(leg: LegName, ic: float, to: float) -> Contact:
    return Contact(
        leg=leg,
        ic_s=ic,
        to_s=to,
        ic_frame=int(ic * 60),
        to_frame=int(to * 60),
        usable=True,
        reason="",
    )


def test_cadence_duty_factor_with_a_missed_contact() -> None:
    stride = 60 / 85  # 170 steps/min
    near = [
        _contact("near", 0.1 + k * stride, 0.1 + k * stride + 0.24) for k in range(10) if k != 4
    ]
    far = [
        _contact("far", 0.1 + (k + 0.5) * stride, 0.1 + (k + 0.5) * stride + 0.24)
        for k in range(10)
    ]
    assert cadence_spm(near + far) == pytest.approx(170.0, abs=1e-6)
    assert duty_factor(near + far) == pytest.approx(0.24 / stride, abs=1e-6)


def test_asymmetry_index() -> None:
    assert asymmetry_percent(110.0, 90.0) == pytest.approx(20.0)
    assert np.isnan(asymmetry_percent(np.nan, 90.0))


# --- posture drift --------------------------------------------------------------------


def test_drift_windows_change_interval_and_trend() -> None:
    t = np.arange(50) * 0.7  # 50 strides, 35 s
    values = 5.0 + 6.0 * t / 60.0  # +6 deg/min
    drift = posture_drift(values, t, share=0.2, min_strides=7, window_min=0.0, n_boot=200, seed=0)
    assert drift is not None
    assert drift.trend_per_min == pytest.approx(6.0)
    expected = values[-10:].mean() - values[:10].mean()
    assert drift.change == pytest.approx(expected)
    assert drift.ci95[0] <= expected <= drift.ci95[1]
    short = posture_drift(
        values[:12], t[:12], share=0.2, min_strides=7, window_min=0.0, n_boot=200, seed=0
    )
    assert short is None  # 12 strides cannot hold two windows of 7


def _alternating(n: int, *, step_s: float = 0.35, contact_s: float = 0.22) -> list[Contact]:
    legs: list[LegName] = ["near", "far"]
    return [_contact(legs[k % 2], 1.0 + k * step_s, 1.0 + k * step_s + contact_s) for k in range(n)]


def test_leg_sequence_flags_a_swapped_contact_only() -> None:
    contacts = _alternating(12)
    assert check_leg_sequence(contacts, step_s=0.35) == contacts  # nothing to flag
    swapped = list(contacts)
    swapped[5] = dataclasses.replace(swapped[5], leg="near")  # should be far
    checked = check_leg_sequence(swapped, step_s=0.35)
    assert [c.usable for c in checked] == [k != 5 for k in range(12)]
    assert not checked[5].timed and "alternation" in checked[5].reason


def test_leg_sequence_judges_landing_only_contacts_too() -> None:
    # A contact that kept only its landing still has its angles reported,
    # so a wrong leg label on it must be caught, and demoting it clears the
    # landing as well.
    contacts = _alternating(12)
    contacts[5] = dataclasses.replace(contacts[5], leg="near", usable=False, landing_usable=True)
    checked = check_leg_sequence(contacts, step_s=0.35)
    assert not checked[5].landing_usable and "alternation" in checked[5].reason
    assert all(c.usable for k, c in enumerate(checked) if k != 5)


def test_leg_sequence_restarts_after_an_off_beat_gap() -> None:
    # A gap of 1.5 steps cannot be counted: the runs before and after it are
    # judged on their own, so a swap of every later label is not "fixed" by
    # the earlier majority (it may be a real re-labelling of the legs).
    relabelled: list[LegName] = ["far", "near"] * 4
    contacts = _alternating(6) + [
        dataclasses.replace(c, ic_s=c.ic_s + 2.275, to_s=c.to_s + 2.275, leg=other)
        for c, other in zip(_alternating(8), relabelled, strict=True)
    ]
    assert all(c.usable for c in check_leg_sequence(contacts, step_s=0.35))
    # Counted through (a gap of one whole step), the first six are outvoted.
    shifted = [*contacts[:6], *(dataclasses.replace(c, ic_s=c.ic_s - 0.175) for c in contacts[6:])]
    assert sum(not c.usable for c in check_leg_sequence(shifted, step_s=0.35)) == 6


def test_duplicate_contacts_of_one_leg_keep_the_longer() -> None:
    contacts = _alternating(4)
    dup = _contact("near", contacts[2].ic_s + 0.03, contacts[2].to_s - 0.05)
    checked = drop_duplicates(sorted([*contacts, dup], key=lambda c: c.ic_s))
    flagged = [c for c in checked if not c.usable]
    assert len(flagged) == 1 and flagged[0].ic_s == dup.ic_s and "duplicate" in flagged[0].reason


def test_strides_run_between_steps_not_duplicates_or_swapped_labels() -> None:
    # Near landings every 0.7 s from 1.0 s. A duplicate found 0.03 s after
    # the third, and a far landing labelled near, must not start or end a
    # stride: 5 strides between the 6 real near landings, each starting at a
    # real one (before, the duplicate started one and the swapped label cut
    # another in two halves too short to count).
    contacts = drop_duplicates(
        sorted(
            [*_alternating(12), _contact("near", 2.43, 2.55)],
            key=lambda c: c.ic_s,
        )
    )
    contacts[8] = dataclasses.replace(contacts[8], leg="near")  # a far landing, label swapped
    contacts = check_leg_sequence(contacts, step_s=0.35)
    n = 600
    runner_xy = np.zeros((n, 33, 2))
    runner_xy[:, :, 1] = np.linspace(0.0, 1.0, 33)  # any finite pose
    strides = _strides(
        contacts,
        runner_xy=runner_xy,
        times_s=np.arange(n) / 60.0,
        leg_length_px=100.0,
        lean=np.zeros(n),
    )
    real_near = [i for i, c in enumerate(contacts) if c.leg == "near" and c.usable]
    assert len(real_near) == 6
    assert [s.contact_index for s in strides] == real_near[:-1]
    assert [s.start_frame for s in strides] == [contacts[i].ic_frame for i in real_near[:-1]]


def test_contact_far_shorter_than_the_median_is_not_usable() -> None:
    # Median 220 ms. At 60 fps the limit is 20 % of it (44 ms > 2.5 frames,
    # 42 ms): a 170-ms contact (under 176 ms) is marked, a 180-ms one kept;
    # the marked one stays timed (it is still a step) and keeps its landing
    # angles (issue 12: a landing stands on the landing), not its contact time.
    contacts = _alternating(8)
    contacts[3] = dataclasses.replace(contacts[3], to_s=contacts[3].ic_s + 0.17)
    contacts[6] = dataclasses.replace(contacts[6], to_s=contacts[6].ic_s + 0.18)
    checked = check_contact_times(contacts, frame_s=1 / 60)
    assert [c.usable for c in checked] == [k != 3 for k in range(8)]
    assert checked[3].timed and checked[3].landing_usable
    assert np.isnan(checked[3].reported_contact_time_ms)
    assert "landing angles kept" in checked[3].reason
    assert "170 ms" in checked[3].reason and "220 ms" in checked[3].reason
    # At 30 fps 2.5 frames (83 ms) are the longer limit, so contacts down to
    # 137 ms are kept: 145 ms is kept (2 frames would have marked it).
    at_30 = [*contacts[:3], dataclasses.replace(contacts[3], to_s=contacts[3].ic_s + 0.145)]
    at_30 += contacts[4:]
    assert all(c.usable for c in check_contact_times(at_30, frame_s=1 / 30))
    at_30[3] = dataclasses.replace(at_30[3], to_s=at_30[3].ic_s + 0.13)
    assert not check_contact_times(at_30, frame_s=1 / 30)[3].usable
    # A contact with only its landing usable (toe-off unmeasured) is not
    # judged by its contact time.
    landing_only = dataclasses.replace(contacts[3], usable=False, landing_usable=True)
    judged = check_contact_times([*contacts[:3], landing_only, *contacts[4:]], frame_s=1 / 60)
    assert judged[3] == landing_only
    # Fewer than 4 usable contacts: no median to judge by.
    assert check_contact_times(contacts[2:5], frame_s=1 / 60) == contacts[2:5]


def test_clean_json_gives_plain_finite_numbers() -> None:
    cleaned = clean_json(
        {"a": float("nan"), "b": [np.float64(-0.00001), np.int64(3)], "c": 1.23456}
    )
    assert cleaned == {"a": None, "b": [0.0, 3], "c": 1.2346}
    assert math.copysign(1.0, cleaned["b"][0]) == 1.0  # no "-0.0" in report.json
    assert type(cleaned["b"][1]) is int


def _angles(strike_deg: float, shank_deg: float) -> ContactAngles:
    return ContactAngles(
        foot_strike_angle_deg=strike_deg,
        strike_class=None,
        shank_angle_deg=shank_deg,
        knee_flexion_deg=20.0,
        foot_ahead_leg_lengths=0.2,
        peak_stance_knee_flexion_deg=float("nan"),
    )


@pytest.mark.parametrize(
    ("strike_deg", "shank_deg", "named"),
    [
        (25.0, 14.0, ""),  # a clear heel-striking overstrider: a running landing
        (-18.0, -4.0, ""),  # a forefoot landing under the body
        (float("nan"), 3.0, ""),  # unmeasured strike angle: nothing to judge
        (-59.6, 2.0, "strike angle"),  # the slow-motion clip's far foot, misplaced
        (10.0, -32.7, "shank angle"),
        (61.0, 5.0, "strike angle"),
    ],
)
def test_implausible_landing_names_the_angle_outside_running(
    strike_deg: float, shank_deg: float, named: str
) -> None:
    reason = implausible_landing(_angles(strike_deg, shank_deg))
    assert (reason == "") == (named == "")
    assert named in reason
