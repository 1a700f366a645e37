"""Parametric 2D gait model of a runner seen from the side.

Runner frame: x forward (direction of travel), y up, metres, ground at y = 0.
On a treadmill the hip stays at x = 0 and the belt moves backwards; overground
the hip moves forward at ``speed_m_s`` and a stance foot stays put. Both legs
run the same gait half a stride apart; the near leg (the one nearer the camera:
the runner's right leg when facing right in the image) makes its first IC at
``first_ic_s``. Initial contact (IC) and toe-off (TO) times are exact by
construction (see :mod:`formcheck.synthetic.legs`).

Everything here is a pure function of a frozen :class:`RunnerParams`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np

from formcheck import landmarks as lm
from formcheck.synthetic.legs import LegModel, LegSpec, build_leg_model, leg_points, rotate

Leg = Literal["left", "right"]
Side = Literal["near", "far"]
Facing = Literal["right", "left"]
Setting = Literal["treadmill", "overground"]


@dataclass(frozen=True)
class BodyProportions:
    """Segment lengths as fractions of body height (after Winter / Drillis-Contini).

    Attributes
    ----------
    thigh, shank : float
        Hip-knee and knee-ankle joint distances / height.
    foot : float
        Sole length heel -> toe / height.
    heel_to_ankle : float
        Ankle position along the sole from the heel point / foot length.
    toes : float
        Ball of the foot (MTP joints) to toe point / foot length: the part of
        the sole that stays flat on the ground while the heel rises (the
        ball lies roughly three quarters of the way from heel to toe).
    ankle_height : float
        Ankle height above the sole / height.
    trunk : float
        Hip-joint midpoint -> shoulder-joint midpoint / height.
    neck : float
        Shoulder midpoint -> ear / height.
    upper_arm, forearm, hand : float
        Shoulder-elbow, elbow-wrist, wrist-knuckles / height.
    hip_half_width, shoulder_half_width : float
        Half the distance between the two hip (shoulder) joints / height:
        only the depth (``z``) of the landmarks uses them.
    """

    thigh: float = 0.245
    shank: float = 0.246
    foot: float = 0.152
    heel_to_ankle: float = 0.22
    toes: float = 0.25
    ankle_height: float = 0.039
    trunk: float = 0.288
    neck: float = 0.105
    upper_arm: float = 0.186
    forearm: float = 0.146
    hand: float = 0.05
    hip_half_width: float = 0.05
    shoulder_half_width: float = 0.1


@dataclass(frozen=True)
class SwingShape:
    """Shape of the swing phase (does not affect any measured quantity).

    Attributes
    ----------
    fold_m : float
        How far the ankle comes towards the hip in mid-swing (heel recovery).
    lift_m_s : float
        Extra speed of the ankle towards the hip just after toe-off.
    extension_m_s : float
        Extra leg-extension speed arriving at IC.
    retraction_deg_s : float
        Extra hip-retraction speed arriving at IC (the foot comes down and
        back onto the ground).
    """

    fold_m: float = 0.36
    lift_m_s: float = 0.6
    extension_m_s: float = 0.3
    retraction_deg_s: float = 90.0


@dataclass(frozen=True)
class RunnerParams:
    """A runner's gait, posture and body. Angles in degrees.

    Attributes
    ----------
    cadence_spm : float
        Steps per minute, both feet.
    duty_factor : float
        Contact time / stride time, in (0, 0.5) (running has flight).
    speed_m_s : float
        Running (belt) speed, m/s.
    setting : {"treadmill", "overground"}
    facing : {"right", "left"}
        Direction of travel in the image. Facing right, the runner's right
        side is nearer the camera.
    trunk_lean_deg : float
        Trunk lean at t = 0 (hip midpoint -> shoulder midpoint vs vertical,
        + shoulders ahead of hips), as a stride mean.
    trunk_lean_drift_deg_per_min : float
        Linear change of trunk lean with elapsed time.
    trunk_lean_oscillation_deg : float
        Amplitude of the within-step lean oscillation (most forward at
        midstance); averages to zero over a stride.
    head_forward_deg, head_forward_drift_deg_per_min : float
        Angle of shoulder midpoint -> ear against the trunk axis (+ ear ahead)
        at t = 0, and its linear change with elapsed time.
    gaze_down_deg : float
        Pitch of the face (+ looking down); does not affect any metric.
    foot_strike_angle_deg : float
        Foot angle at IC, heel -> toe against the ground, + toes up
        (about 15 rearfoot, 3 midfoot, -8 forefoot).
    toe_off_foot_angle_deg : float
        Foot angle at TO, heel point -> toe point against the ground
        (negative: toes down, heel up). The foot is bent at the ball then,
        so the rear foot is steeper than this.
    shank_angle_ic_deg : float
        Knee -> ankle against vertical at IC, + ankle ahead of knee.
    knee_flexion_ic_deg : float
        180 - hip-knee-ankle angle at IC.
    vertical_oscillation_m : float
        Peak-to-peak vertical excursion of the hip midpoint per step.
    foot_flat_fraction, heel_rise_fraction : float
        When the foot becomes flat and when the heel rises, as fractions of
        the contact time.
    height_m : float
        Body height.
    body : BodyProportions
    arm_swing_deg : float
        Amplitude of the upper-arm swing against the trunk.
    arm_mean_deg : float
        Mean upper-arm angle against the trunk (+ elbow ahead).
    elbow_flexion_deg : float
        Mean elbow flexion.
    first_ic_s : float
        Time of the near leg's first IC (defines the phase of the gait).
    swing : SwingShape
    """

    cadence_spm: float = 170.0
    duty_factor: float = 0.34
    speed_m_s: float = 2.8
    setting: Setting = "treadmill"
    facing: Facing = "right"
    trunk_lean_deg: float = 6.0
    trunk_lean_drift_deg_per_min: float = 0.0
    trunk_lean_oscillation_deg: float = 1.5
    head_forward_deg: float = 8.0
    head_forward_drift_deg_per_min: float = 0.0
    gaze_down_deg: float = 5.0
    foot_strike_angle_deg: float = 12.0
    toe_off_foot_angle_deg: float = -35.0
    shank_angle_ic_deg: float = 6.0
    knee_flexion_ic_deg: float = 18.0
    vertical_oscillation_m: float = 0.06
    foot_flat_fraction: float = 0.15
    heel_rise_fraction: float = 0.55
    height_m: float = 1.75
    body: BodyProportions = field(default_factory=BodyProportions)
    arm_swing_deg: float = 28.0
    arm_mean_deg: float = 5.0
    elbow_flexion_deg: float = 85.0
    first_ic_s: float = 0.1
    swing: SwingShape = field(default_factory=SwingShape)

    def __post_init__(self) -> None:
        checks = {
            "cadence_spm must be in (60, 300)": 60 < self.cadence_spm < 300,
            "duty_factor must be in (0.1, 0.5)": 0.1 < self.duty_factor < 0.5,
            "speed_m_s must be >= 0": self.speed_m_s >= 0,
            "setting must be 'treadmill' or 'overground'": self.setting
            in ("treadmill", "overground"),
            "facing must be 'right' or 'left'": self.facing in ("right", "left"),
            "foot_strike_angle_deg must be in (-30, 40)": -30 < self.foot_strike_angle_deg < 40,
            "toe_off_foot_angle_deg must be in (-80, 0]": -80 < self.toe_off_foot_angle_deg <= 0,
            "knee_flexion_ic_deg must be in (0, 90)": 0 < self.knee_flexion_ic_deg < 90,
            "shank_angle_ic_deg must be in (-30, 40)": -30 < self.shank_angle_ic_deg < 40,
            "vertical_oscillation_m must be >= 0": self.vertical_oscillation_m >= 0,
            "need 0 < foot_flat_fraction < heel_rise_fraction < 1": 0
            < self.foot_flat_fraction
            < self.heel_rise_fraction
            < 1,
            "height_m must be in (0.5, 2.5)": 0.5 < self.height_m < 2.5,
        }
        for message, ok in checks.items():
            if not ok:
                raise ValueError(f"RunnerParams: {message}")

    @property
    def step_time_s(self) -> float:
        """Time between consecutive ICs of opposite feet, s."""
        return 60.0 / self.cadence_spm

    @property
    def stride_time_s(self) -> float:
        """Time between consecutive ICs of the same foot, s."""
        return 2.0 * self.step_time_s

    @property
    def contact_time_s(self) -> float:
        """IC -> TO duration, s."""
        return self.duty_factor * self.stride_time_s

    @property
    def near_leg(self) -> Leg:
        """The leg nearer the camera: the right leg when facing right."""
        return "right" if self.facing == "right" else "left"

    @property
    def far_leg(self) -> Leg:
        """The leg further from the camera."""
        return "left" if self.facing == "right" else "right"


@dataclass(frozen=True)
class Contact:
    """One foot contact, exact times in seconds."""

    leg: Leg
    side: Side
    ic_s: float
    to_s: float


def leg_spec(params: RunnerParams) -> LegSpec:
    """The :class:`LegSpec` both legs share."""
    b = params.body
    h = params.height_m
    tc = params.contact_time_s
    rad = math.radians
    return LegSpec(
        thigh_m=b.thigh * h,
        shank_m=b.shank * h,
        foot_m=b.foot * h,
        heel_to_ankle_m=b.heel_to_ankle * b.foot * h,
        ankle_height_m=b.ankle_height * h,
        stride_s=params.stride_time_s,
        step_s=params.step_time_s,
        contact_s=tc,
        foot_flat_s=params.foot_flat_fraction * tc,
        heel_rise_s=params.heel_rise_fraction * tc,
        belt_m_s=params.speed_m_s,
        strike_rad=rad(params.foot_strike_angle_deg),
        toe_off_rad=_rear_foot_rad(rad(params.toe_off_foot_angle_deg), toes_share=b.toes),
        shank_ic_rad=rad(params.shank_angle_ic_deg),
        knee_ic_rad=rad(params.knee_flexion_ic_deg),
        oscillation_m=params.vertical_oscillation_m,
        fold_m=params.swing.fold_m,
        lift_m_s=params.swing.lift_m_s,
        extension_m_s=params.swing.extension_m_s,
        retraction_rad_s=rad(params.swing.retraction_deg_s),
        toes_m=b.toes * b.foot * h,
        toes_relax_share=_TOES_RELAX_SHARE,
    )


# Share of the swing over which the toes straighten after toe-off.
_TOES_RELAX_SHARE = 0.3


def _rear_foot_rad(foot_rad: float, *, toes_share: float) -> float:
    """Rear-foot angle that puts the heel -> toe line at ``foot_rad``.

    With the toes flat on the ground and the rear foot (a share ``1 - t`` of
    the sole) at angle ``r``, the heel -> toe line's angle ``f`` satisfies
    ``(1 - t) sin(r - f) = t sin f``.
    """
    rear_share = 1.0 - toes_share
    return foot_rad + math.asin(toes_share / rear_share * math.sin(foot_rad))


@lru_cache(maxsize=64)
def leg_model(params: RunnerParams) -> LegModel:
    """Build (and check) the leg motion for ``params``.

    Raises
    ------
    ValueError
        If the leg cannot reach the ground through stance, or the swing foot
        would touch the ground, with these parameters.
    """
    spec = leg_spec(params)
    model = build_leg_model(spec)
    _check_feasible(model)
    return model


def _check_feasible(model: LegModel) -> None:
    sp = model.spec
    tau = np.linspace(0.0, sp.stride_s, 4001, endpoint=False)
    pts = leg_points(model, tau)
    reach = np.hypot(*(pts["ankle"] - pts["hip"]).T)
    if reach.max() > (sp.thigh_m + sp.shank_m) * (1.0 - 1e-6):
        raise ValueError(
            "RunnerParams: the leg cannot reach the ground through stance "
            f"(needs {reach.max():.3f} m, leg is {sp.thigh_m + sp.shank_m:.3f} m); "
            "lower speed_m_s, duty_factor, vertical_oscillation_m or the toe-off angle"
        )
    swing = (tau > sp.contact_s + 2e-3) & (tau < sp.stride_s - 2e-3)
    lowest = np.minimum(pts["heel"][:, 1], pts["toe"][:, 1])
    if np.any(lowest[swing] <= 0.0):
        raise ValueError("RunnerParams: the swing foot touches the ground; change swing shape")


def _ic_origin_s(params: RunnerParams, leg: Leg) -> float:
    offset = 0.0 if leg == params.near_leg else params.step_time_s
    return params.first_ic_s + offset


def contacts(*, params: RunnerParams, start_s: float, end_s: float) -> tuple[Contact, ...]:
    """Every complete contact inside ``[start_s, end_s]``, sorted by IC time.

    A contact is listed when ``start_s <= ic_s`` and ``to_s <= end_s``.
    ``ic_s = first_ic_s + k * step`` (near leg for even k), ``to_s = ic_s + contact``.
    """
    step = params.step_time_s
    tc = params.contact_time_s
    k0 = math.ceil((start_s - params.first_ic_s) / step - 1e-9)
    out = []
    k = k0
    while True:
        ic = params.first_ic_s + k * step
        if ic + tc > end_s + 1e-12:
            break
        if ic >= start_s - 1e-12:
            near = k % 2 == 0
            leg = params.near_leg if near else params.far_leg
            out.append(Contact(leg, "near" if near else "far", ic, ic + tc))
        k += 1
    return tuple(out)


def hip_x_m(*, params: RunnerParams, times_s: np.ndarray) -> np.ndarray:
    """Hip x in the world (runner) frame: 0 on a treadmill, ``speed * t`` overground."""
    t = np.asarray(times_s, dtype=float)
    return params.speed_m_s * t if params.setting == "overground" else np.zeros_like(t)


def leg_world(*, params: RunnerParams, leg: Leg, times_s: np.ndarray) -> dict[str, np.ndarray]:
    """Hip, knee, ankle, heel point and toe point of one leg, world frame.

    Returns
    -------
    dict of str to ndarray, shape (n, 2)
        Keys ``hip, knee, ankle, heel, toe``; metres, x forward, y up.
    """
    t = np.asarray(times_s, dtype=float)
    model = leg_model(params)
    tau = np.mod(t - _ic_origin_s(params, leg), params.stride_time_s)
    pts = leg_points(model, tau)
    shift = np.stack([hip_x_m(params=params, times_s=t), np.zeros_like(t)], axis=-1)
    return {name: xy + shift for name, xy in pts.items()}


def trunk_lean_deg_at(*, params: RunnerParams, times_s: np.ndarray) -> np.ndarray:
    """Prescribed trunk lean (deg, + forward) at each time."""
    t = np.asarray(times_s, dtype=float)
    mid = params.first_ic_s + 0.5 * params.contact_time_s
    osc = np.cos(2.0 * np.pi * (t - mid) / params.step_time_s)
    return (
        params.trunk_lean_deg
        + params.trunk_lean_drift_deg_per_min * t / 60.0
        + params.trunk_lean_oscillation_deg * osc
    )


def head_forward_deg_at(*, params: RunnerParams, times_s: np.ndarray) -> np.ndarray:
    """Prescribed head-forward angle (deg, + ear ahead of the trunk axis)."""
    t = np.asarray(times_s, dtype=float)
    return params.head_forward_deg + params.head_forward_drift_deg_per_min * t / 60.0


# Face points relative to the ear in a level head frame, metres for a 1.75 m
# runner (x forward, y up).
_FACE_M: dict[int, tuple[float, float]] = {
    lm.NOSE: (0.112, -0.012),
    lm.LEFT_EYE_INNER: (0.094, 0.022),
    lm.RIGHT_EYE_INNER: (0.094, 0.022),
    lm.LEFT_EYE: (0.084, 0.024),
    lm.RIGHT_EYE: (0.084, 0.024),
    lm.LEFT_EYE_OUTER: (0.073, 0.024),
    lm.RIGHT_EYE_OUTER: (0.073, 0.024),
    lm.MOUTH_LEFT: (0.088, -0.052),
    lm.MOUTH_RIGHT: (0.088, -0.052),
}


def _unit_from_down(angle_rad: np.ndarray) -> np.ndarray:
    """Unit vector at ``angle_rad`` from straight down, + forward, shape (n, 2)."""
    return np.stack([np.sin(angle_rad), -np.cos(angle_rad)], axis=-1)


def _unit_from_up(angle_rad: np.ndarray) -> np.ndarray:
    """Unit vector at ``angle_rad`` from straight up, + forward, shape (n, 2)."""
    return np.stack([np.sin(angle_rad), np.cos(angle_rad)], axis=-1)


def _arm_points(
    *, params: RunnerParams, leg: Leg, times_s: np.ndarray, shoulder: np.ndarray
) -> dict[int, np.ndarray]:
    """Elbow, wrist and hand landmarks of the arm on side ``leg``."""
    b = params.body
    h = params.height_m
    lean = np.radians(trunk_lean_deg_at(params=params, times_s=times_s))
    phase = 2.0 * np.pi * (times_s - _ic_origin_s(params, leg)) / params.stride_time_s
    # The arm is furthest back when the same-side foot lands.
    upper = np.radians(params.arm_mean_deg - params.arm_swing_deg * np.cos(phase)) - lean
    elbow = shoulder + b.upper_arm * h * _unit_from_down(upper)
    flex = np.radians(params.elbow_flexion_deg + 10.0 * np.cos(phase))
    fore = _unit_from_down(upper + flex)
    wrist = elbow + b.forearm * h * fore
    hand = b.hand * h
    names = {
        "left": (lm.LEFT_ELBOW, lm.LEFT_WRIST, lm.LEFT_PINKY, lm.LEFT_INDEX, lm.LEFT_THUMB),
        "right": (lm.RIGHT_ELBOW, lm.RIGHT_WRIST, lm.RIGHT_PINKY, lm.RIGHT_INDEX, lm.RIGHT_THUMB),
    }[leg]
    return {
        names[0]: elbow,
        names[1]: wrist,
        names[2]: wrist + hand * rotate(fore, math.radians(-15.0)),
        names[3]: wrist + hand * 1.2 * rotate(fore, math.radians(10.0)),
        names[4]: wrist + hand * 0.8 * rotate(fore, math.radians(35.0)),
    }


def landmarks_world(*, params: RunnerParams, times_s: np.ndarray) -> np.ndarray:
    """All 33 MediaPipe landmarks in the world (runner) frame.

    Heel and foot_index are the heel and toe points of the sole, so a flat
    foot has a strike angle of exactly 0. Both hips (and both shoulders) share
    one 2D point: the view is exactly from the side.

    Parameters
    ----------
    params : RunnerParams
    times_s : ndarray, shape (n,)
        Elapsed times, s.

    Returns
    -------
    ndarray, shape (n, 33, 2)
        Metres, x forward, y up.
    """
    t = np.atleast_1d(np.asarray(times_s, dtype=float))
    out = np.full((t.size, lm.NUM_LANDMARKS, 2), np.nan)
    for leg, ids in (("left", lm.LEFT_LEG), ("right", lm.RIGHT_LEG)):
        pts = leg_world(params=params, leg=leg, times_s=t)  # type: ignore[arg-type]
        for idx, key in zip(ids, ("hip", "knee", "ankle", "heel", "toe"), strict=True):
            out[:, idx] = pts[key]
    hip = out[:, lm.LEFT_HIP]
    h = params.height_m
    lean = np.radians(trunk_lean_deg_at(params=params, times_s=t))
    shoulder = hip + params.body.trunk * h * _unit_from_up(lean)
    out[:, lm.LEFT_SHOULDER] = shoulder
    out[:, lm.RIGHT_SHOULDER] = shoulder
    head = lean + np.radians(head_forward_deg_at(params=params, times_s=t))
    ear = shoulder + params.body.neck * h * _unit_from_up(head)
    out[:, lm.LEFT_EAR] = ear
    out[:, lm.RIGHT_EAR] = ear
    pitch = -math.radians(params.gaze_down_deg)
    for idx, offset in _FACE_M.items():
        out[:, idx] = ear + rotate(np.array(offset) * (h / 1.75), pitch)
    for leg in ("left", "right"):
        for idx, xy in _arm_points(params=params, leg=leg, times_s=t, shoulder=shoulder).items():  # type: ignore[arg-type]
            out[:, idx] = xy
    return out


def landmark_depth_m(*, params: RunnerParams) -> np.ndarray:
    """Depth of each landmark from the body's midplane, + away from the camera.

    Returns
    -------
    ndarray, shape (33,)
        Metres; near-side landmarks are negative.
    """
    b = params.body
    h = params.height_m
    half = {
        "hip": b.hip_half_width,
        "knee": b.hip_half_width,
        "ankle": b.hip_half_width,
        "heel": b.hip_half_width,
        "foot_index": b.hip_half_width,
        "shoulder": b.shoulder_half_width,
        "elbow": b.shoulder_half_width * 1.15,
        "wrist": b.shoulder_half_width * 1.0,
        "pinky": b.shoulder_half_width * 0.95,
        "index": b.shoulder_half_width * 0.9,
        "thumb": b.shoulder_half_width * 0.85,
        "ear": 0.04,
        "eye": 0.018,
        "eye_inner": 0.01,
        "eye_outer": 0.026,
        "mouth": 0.015,
    }
    near_prefix = params.near_leg + "_"
    depth = np.zeros(lm.NUM_LANDMARKS)
    for i, name in enumerate(lm.NAMES):
        part = name.partition("_")[2]
        if part in half:
            sign = -1.0 if name.startswith(near_prefix) else 1.0
            depth[i] = sign * half[part] * h
    return depth


@lru_cache(maxsize=64)
def leg_length_m(params: RunnerParams) -> float:
    """Leg length L: largest hip-to-ankle distance over a stride (fullest extension)."""
    from scipy.optimize import minimize_scalar

    model = leg_model(params)
    sp = model.spec
    tau = np.linspace(0.0, sp.stride_s, 20001, endpoint=False)
    pts = leg_points(model, tau)
    dist = np.hypot(*(pts["ankle"] - pts["hip"]).T)
    i = int(np.argmax(dist))
    dt = sp.stride_s / tau.size

    def neg(x: float) -> float:
        p = leg_points(model, np.array([x % sp.stride_s]))
        return -float(np.hypot(*(p["ankle"][0] - p["hip"][0])))

    res = minimize_scalar(
        neg, bounds=(tau[i] - dt, tau[i] + dt), method="bounded", options={"xatol": 1e-10}
    )
    return max(float(-res.fun), float(dist[i]))
