"""The synthetic runner's gait model and truth: exact by construction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from formcheck import landmarks as lm
from formcheck.synthetic import angles
from formcheck.synthetic.camera import CameraParams, image_to_runner_m
from formcheck.synthetic.kinematics import (
    RunnerParams,
    contacts,
    landmarks_world,
    leg_length_m,
    leg_world,
    trunk_lean_deg_at,
)
from formcheck.synthetic.landmarks import synthetic_track
from formcheck.synthetic.noise import NoiseParams
from formcheck.synthetic.truth import compute_truth, read_truth, write_truth

RUNNERS = {
    "default": RunnerParams(),
    "efficient": RunnerParams(
        foot_strike_angle_deg=3.0,
        shank_angle_ic_deg=3.0,
        knee_flexion_ic_deg=20.0,
        trunk_lean_deg=5.0,
        cadence_spm=178.0,
    ),
    "overstrider": RunnerParams(
        foot_strike_angle_deg=18.0,
        shank_angle_ic_deg=14.0,
        knee_flexion_ic_deg=8.0,
        trunk_lean_deg=14.0,
        cadence_spm=160.0,
        duty_factor=0.36,
    ),
    "forefoot": RunnerParams(
        foot_strike_angle_deg=-8.0,
        shank_angle_ic_deg=2.0,
        knee_flexion_ic_deg=24.0,
    ),
    "flat_overground_left": RunnerParams(
        foot_strike_angle_deg=0.0, setting="overground", facing="left", speed_m_s=3.0
    ),
    "slouch": RunnerParams(trunk_lean_drift_deg_per_min=18.0, head_forward_drift_deg_per_min=9.0),
}


def _lowest_y(params: RunnerParams, leg: str, t: np.ndarray) -> np.ndarray:
    pts = leg_world(params=params, leg=leg, times_s=t)  # type: ignore[arg-type]
    return np.minimum(pts["heel"][:, 1], pts["toe"][:, 1])


@pytest.mark.parametrize("name", list(RUNNERS))
def test_contacts_exact(name: str) -> None:
    p = RUNNERS[name]
    found = contacts(params=p, start_s=0.0, end_s=6.0)
    assert len(found) >= 2 * int(6.0 / p.stride_time_s) - 1
    for c in found:
        assert c.to_s - c.ic_s == pytest.approx(p.contact_time_s, abs=1e-12)
        stance = np.linspace(c.ic_s, c.to_s, 401)
        low = _lowest_y(p, c.leg, stance)
        assert np.abs(low).max() < 1e-6, "stance foot must touch the ground throughout"
        swing = np.linspace(c.to_s, c.ic_s + p.stride_time_s, 401)[1:-1]
        assert (_lowest_y(p, c.leg, swing) > 0).all(), "swing foot must clear the ground"
        before = np.array([c.ic_s - 1e-3, c.ic_s - 1e-4])
        assert (_lowest_y(p, c.leg, before) > 0).all()
    legs = [c.leg for c in found]
    assert all(a != b for a, b in zip(legs, legs[1:], strict=False)), "legs alternate"
    assert found[0].side == "near" or found[0].ic_s > p.first_ic_s
    steps = np.diff([c.ic_s for c in found])
    assert np.allclose(steps, p.step_time_s, atol=1e-12)


@pytest.mark.parametrize("name", ["efficient", "forefoot"])
def test_foot_bends_at_the_ball_through_push_off(name: str) -> None:
    # Heel rise: the toes stay flat on the ground (toe point and ball at
    # y = 0) while the rear foot tilts; at toe-off the heel -> toe line has
    # the prescribed angle; by 30 % of the swing the foot is straight again.
    p = RUNNERS[name]
    c = contacts(params=p, start_s=0.0, end_s=3.0)[0]
    foot_m = p.body.foot * p.height_m
    rear_m = (1.0 - p.body.toes) * foot_m
    rise_s = c.ic_s + p.heel_rise_fraction * p.contact_time_s
    t = np.linspace(rise_s, c.to_s, 50)
    pts = leg_world(params=p, leg=c.leg, times_s=t)
    rear = pts["ankle"] - pts["heel"]
    rear_rad = np.arctan2(rear[:, 1], rear[:, 0]) - np.arctan2(
        p.body.ankle_height * p.height_m, p.body.heel_to_ankle * foot_m
    )
    ball = pts["heel"] + rear_m * np.stack([np.cos(rear_rad), np.sin(rear_rad)], axis=-1)
    assert np.abs(pts["toe"][:, 1]).max() < 1e-9
    assert np.abs(ball[:, 1]).max() < 1e-9
    assert np.allclose(pts["toe"][:, 0] - ball[:, 0], p.body.toes * foot_m, atol=1e-9)
    sole = pts["toe"][-1] - pts["heel"][-1]
    assert np.degrees(np.arctan2(sole[1], sole[0])) == pytest.approx(
        p.toe_off_foot_angle_deg, abs=1e-6
    )
    swing_s = p.stride_time_s - p.contact_time_s
    late = np.linspace(c.to_s + 0.3 * swing_s, c.ic_s + p.stride_time_s, 20)
    far = leg_world(params=p, leg=c.leg, times_s=late)
    length = np.linalg.norm(far["toe"] - far["heel"], axis=1)
    assert np.allclose(length, foot_m, atol=1e-9)


@pytest.mark.parametrize("name", list(RUNNERS))
def test_truth_angles_equal_params(name: str) -> None:
    p = RUNNERS[name]
    truth = compute_truth(params=p, camera=CameraParams(), fps=60.0, n_frames=360)
    assert truth.contacts
    for c in truth.contacts:
        assert c.foot_strike_angle_deg == pytest.approx(p.foot_strike_angle_deg, abs=1e-6)
        assert c.shank_angle_deg == pytest.approx(p.shank_angle_ic_deg, abs=1e-6)
        assert c.knee_flexion_deg == pytest.approx(p.knee_flexion_ic_deg, abs=1e-6)
        assert c.contact_time_ms == pytest.approx(p.contact_time_s * 1000, abs=1e-9)
        assert 20.0 < c.knee_flexion_peak_stance_deg < 70.0
    for s in truth.strides:
        mid = 0.5 * (s.start_s + s.end_s)
        expected = p.trunk_lean_deg + p.trunk_lean_drift_deg_per_min * mid / 60.0
        assert s.trunk_lean_mean_deg == pytest.approx(expected, abs=1e-6)
        head = p.head_forward_deg + p.head_forward_drift_deg_per_min * mid / 60.0
        assert s.head_forward_mean_deg == pytest.approx(head, abs=1e-6)
        assert s.vertical_oscillation_m == pytest.approx(p.vertical_oscillation_m, abs=1e-6)
    assert truth.cadence_spm == pytest.approx(p.cadence_spm, abs=1e-9)
    assert truth.duty_factor == pytest.approx(p.duty_factor, abs=1e-12)
    assert truth.drift is not None
    assert truth.drift.trunk_lean_slope_deg_per_min == pytest.approx(
        p.trunk_lean_drift_deg_per_min, abs=1e-6
    )


def test_strike_classes() -> None:
    classes = {
        name: {
            c.strike_class
            for c in compute_truth(params=p, camera=CameraParams(), fps=60.0, n_frames=120).contacts
        }
        for name, p in RUNNERS.items()
    }
    assert classes["overstrider"] == {"rearfoot"}
    assert classes["efficient"] == {"midfoot"}
    assert classes["forefoot"] == {"forefoot"}
    assert angles.strike_class(8.0) == "midfoot"
    assert angles.strike_class(8.01) == "rearfoot"
    assert angles.strike_class(-1.6) == "midfoot"
    assert angles.strike_class(-1.61) == "forefoot"


@pytest.mark.parametrize("name", ["default", "overstrider", "flat_overground_left"])
@pytest.mark.parametrize("roll_deg", [0.0, 4.0])
def test_angles_from_noiseless_image_landmarks(name: str, roll_deg: float) -> None:
    """Truth angles recomputed from the image landmarks (roll and mirror undone)."""
    p = RUNNERS[name]
    camera = CameraParams(roll_deg=roll_deg)
    track, truth = synthetic_track(
        params=p, duration_s=3.0, fps=60.0, camera=camera, noise=NoiseParams.none()
    )
    # Evaluate at the exact IC times: rebuild a track sampled there.
    for c in truth.contacts:
        t_track, _ = synthetic_track(
            params=p,
            duration_s=1.0 / 60.0,
            fps=60.0,
            camera=camera,
            noise=NoiseParams.none(),
            start_s=c.ic_s,
        )
        pts = image_to_runner_m(xy_px=t_track.xy_px[0], camera=camera, facing=p.facing)
        leg = lm.LEFT_LEG if c.leg == "left" else lm.RIGHT_LEG
        hip, knee, ankle, heel, toe = (pts[i] for i in leg)
        fsa = angles.foot_strike_angle_deg(heel=heel, toe=toe)
        assert fsa == pytest.approx(p.foot_strike_angle_deg, abs=1e-6)
        assert angles.shank_angle_deg(knee=knee, ankle=ankle) == pytest.approx(
            p.shank_angle_ic_deg, abs=1e-6
        )
        assert angles.knee_flexion_deg(hip=hip, knee=knee, ankle=ankle) == pytest.approx(
            p.knee_flexion_ic_deg, abs=1e-6
        )
        hip_mid = 0.5 * (pts[lm.LEFT_HIP] + pts[lm.RIGHT_HIP])
        shoulder_mid = 0.5 * (pts[lm.LEFT_SHOULDER] + pts[lm.RIGHT_SHOULDER])
        lean = angles.trunk_lean_deg(hip_mid=hip_mid, shoulder_mid=shoulder_mid)
        assert lean == pytest.approx(
            trunk_lean_deg_at(params=p, times_s=np.array([c.ic_s]))[0], abs=1e-6
        )
    # Facing: the nose is ahead of the ear in the travel direction.
    nose_dx = track.xy_px[:, lm.NOSE, 0] - track.xy_px[:, lm.LEFT_EAR, 0]
    assert (np.sign(nose_dx) == (1 if p.facing == "right" else -1)).all()


def test_facing_left_mirrors() -> None:
    right = RunnerParams()
    left = RunnerParams(facing="left")
    cam = CameraParams()
    tr, truth_r = synthetic_track(params=right, duration_s=2.0, fps=30.0, noise=NoiseParams.none())
    tl, truth_l = synthetic_track(params=left, duration_s=2.0, fps=30.0, noise=NoiseParams.none())
    ox = cam.ground_origin_px[0]
    # Mirror image, with the person's sides exchanged (near leg = right vs left).
    from formcheck.capture.track import swap_sides

    mirrored = swap_sides(tl.xy_px, slice(None))
    assert np.allclose(mirrored[..., 0], 2 * ox - tr.xy_px[..., 0], atol=1e-9)
    assert np.allclose(mirrored[..., 1], tr.xy_px[..., 1], atol=1e-9)
    assert truth_r.near_leg == "right" and truth_l.near_leg == "left"
    # Near side has the smaller z and the higher visibility.
    assert (tr.z[:, lm.RIGHT_KNEE] < tr.z[:, lm.LEFT_KNEE]).all()
    assert (tl.z[:, lm.LEFT_KNEE] < tl.z[:, lm.RIGHT_KNEE]).all()
    assert (tr.visibility[:, lm.RIGHT_ANKLE] > tr.visibility[:, lm.LEFT_ANKLE]).all()
    assert [c.side for c in truth_r.contacts] == [c.side for c in truth_l.contacts]


def test_leg_length_is_fullest_extension() -> None:
    p = RunnerParams()
    t = np.linspace(0, p.stride_time_s, 5001)
    events = [p.first_ic_s + p.contact_time_s, p.first_ic_s]  # fullest extension may be a kink
    t = np.sort(np.r_[t, events])
    w = landmarks_world(params=p, times_s=t)
    d = np.hypot(*(w[:, lm.RIGHT_ANKLE] - w[:, lm.RIGHT_HIP]).T)
    assert leg_length_m(p) == pytest.approx(d.max(), abs=1e-7)
    assert leg_length_m(p) >= d.max()
    body = p.body
    assert leg_length_m(p) < (body.thigh + body.shank) * p.height_m


def test_ic_frames_and_times() -> None:
    p = RunnerParams(first_ic_s=0.037)
    track, truth = synthetic_track(params=p, duration_s=4.0, fps=50.0, seed=3)
    assert track.n_frames == 200
    assert np.allclose(track.timestamps_s, np.arange(200) / 50.0)
    for c in truth.contacts:
        assert c.ic_frame == round(c.ic_s * 50.0)
        assert c.to_frame == round(c.to_s * 50.0)
        assert c.ic_s >= 0 and c.to_s <= track.timestamps_s[-1]
    # A late clip: truth times are video times, lean follows elapsed time.
    slouch = RUNNERS["slouch"]
    _, late = synthetic_track(params=slouch, duration_s=4.0, fps=50.0, start_s=40.0)
    assert late.start_s == 40.0
    assert late.contacts[0].ic_s < 1.0
    lean0 = late.strides[0].trunk_lean_mean_deg
    mid = 40.0 + 0.5 * (late.strides[0].start_s + late.strides[0].end_s)
    assert lean0 == pytest.approx(slouch.trunk_lean_deg + 18.0 * mid / 60.0, abs=1e-6)


def test_drift_late_minus_early() -> None:
    p = RUNNERS["slouch"]
    truth = compute_truth(params=p, camera=CameraParams(), fps=60.0, n_frames=60 * 20)
    assert truth.drift is not None
    n = len(truth.strides)
    k = truth.drift.window_strides
    assert k == max(1, round(0.2 * n))
    t_early = np.mean([(s.start_s + s.end_s) / 2 for s in truth.strides[:k]])
    t_late = np.mean([(s.start_s + s.end_s) / 2 for s in truth.strides[-k:]])
    assert truth.drift.trunk_lean_change_deg == pytest.approx(
        18.0 * (t_late - t_early) / 60, abs=1e-6
    )
    assert truth.drift.head_forward_change_deg == pytest.approx(
        9.0 * (t_late - t_early) / 60, abs=1e-6
    )


def test_truth_json_roundtrip(tmp_path: Path) -> None:
    _, truth = synthetic_track(params=RUNNERS["overstrider"], duration_s=3.0, fps=60.0, seed=5)
    path = write_truth(truth, tmp_path / "clip.truth.json")
    again = read_truth(path)
    assert again == truth
    import json

    data = json.loads(path.read_text())
    c = data["contacts"][0]
    for key in (
        "leg",
        "side",
        "ic_s",
        "ic_frame",
        "to_s",
        "to_frame",
        "foot_strike_angle_deg",
        "strike_class",
        "shank_angle_deg",
        "knee_flexion_deg",
        "foot_ahead_leg_lengths",
    ):
        assert key in c
    for key in (
        "cadence_spm",
        "contact_time_ms",
        "duty_factor",
        "leg_length_px",
        "drift",
        "facing",
    ):
        assert key in data


def test_infeasible_params_raise() -> None:
    from formcheck.synthetic.kinematics import leg_model

    with pytest.raises(ValueError, match="cannot reach"):
        leg_model(RunnerParams(speed_m_s=4.5, duty_factor=0.4))
    with pytest.raises(ValueError, match="duty_factor"):
        RunnerParams(duty_factor=0.6)
