"""Leg mechanics of the synthetic runner (used by :mod:`kinematics`).

One leg's motion over a stride, in the treadmill frame: x forward (metres,
hip at x = 0), y up (metres, ground at y = 0). Time is ``tau_s``, the time
since the leg's last initial contact (IC), in ``[0, stride)``.

Stance (``0 <= tau <= contact``): the sole, heel point -> toe point, pivots
on the ground without slipping on the belt (the contact point moves
backwards at belt speed):

1. IC -> foot flat: the straight sole rotates about the heel (strike angle
   > 0, toes up) or about the toe (strike angle < 0) to flat, quintic ease;
2. foot flat;
3. heel rise: the rear foot (heel -> ball of the foot, the MTP joints)
   rotates about the ball while the toes stay flat on the ground, as a real
   foot bends at push-off; the toe point leaves the ground at TO.

So the sole's lowest point is exactly on y = 0 through stance, IC and TO are
exact by construction, and the foot angle at IC is the prescribed strike angle.

The hip height follows ``mean - A/2 cos(2 pi (tau - contact/2) / step)``,
lowest at midstance, with its mean fixed so that the hip height at IC is the
one the prescribed IC pose (shank angle, knee flexion, strike angle) implies.

Swing (``contact < tau < stride``): the ankle in polar coordinates about the
hip (distance ``r``, angle ``alpha`` from straight down, + forward) follows
cubic Hermite curves from the toe-off state to the next IC state, and ``r``
folds by a bump in mid-swing. With ``r`` leaving toe-off no faster than
stance and arriving at IC no slower, ``r`` never exceeds its end values, so
the two-link leg always reaches. The rear foot's angle relative to the shank follows
a Hermite curve whose end slopes keep the foot's own angle C1 at both ends;
the toes, flat at TO, straighten into line with the rear foot over the first
``toes_relax_share`` of the swing (quintic ease).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LegSpec:
    """Everything a leg's motion depends on (SI units, radians).

    Attributes
    ----------
    thigh_m, shank_m : float
        Hip-knee and knee-ankle lengths.
    foot_m : float
        Sole length, heel point to toe point.
    heel_to_ankle_m, ankle_height_m : float
        Ankle position in the foot frame (along the sole from the heel point,
        and above the sole).
    stride_s, step_s, contact_s : float
        Stride time, step time (half a stride), contact time.
    foot_flat_s, heel_rise_s : float
        Times after IC at which the foot becomes flat and the heel lifts.
    belt_m_s : float
        Backward speed of the ground under the hip (running speed).
    strike_rad : float
        Foot angle (heel point -> toe point) at IC, + toes up.
    toe_off_rad : float
        Rear-foot angle (heel point -> ball of the foot) at TO, + toes up.
    shank_ic_rad, knee_ic_rad : float
        Shank angle (+ ankle ahead of knee) and knee flexion at IC.
    oscillation_m : float
        Peak-to-peak vertical excursion of the hip.
    fold_m : float
        How far the ankle folds towards the hip in mid-swing.
    lift_m_s : float
        Extra speed of the ankle towards the hip just after toe-off.
    extension_m_s, retraction_rad_s : float
        Extra leg extension speed and hip retraction speed arriving at IC
        (the foot comes down onto the ground).
    toes_m : float
        Ball of the foot (MTP joints) to toe point, along the sole.
    toes_relax_share : float
        Share of the swing over which the toes, bent flat at TO, come back
        into line with the rear foot.
    """

    thigh_m: float
    shank_m: float
    foot_m: float
    heel_to_ankle_m: float
    ankle_height_m: float
    stride_s: float
    step_s: float
    contact_s: float
    foot_flat_s: float
    heel_rise_s: float
    belt_m_s: float
    strike_rad: float
    toe_off_rad: float
    shank_ic_rad: float
    knee_ic_rad: float
    oscillation_m: float
    fold_m: float
    lift_m_s: float
    extension_m_s: float
    retraction_rad_s: float
    toes_m: float
    toes_relax_share: float

    @property
    def rear_foot_m(self) -> float:
        """Heel point to ball of the foot, along the sole."""
        return self.foot_m - self.toes_m


@dataclass(frozen=True)
class _Hermite:
    """Cubic Hermite curve on u in [0, 1] (end slopes per unit u)."""

    p0: float
    p1: float
    m0: float
    m1: float

    def __call__(self, u: np.ndarray) -> np.ndarray:
        u2 = u * u
        u3 = u2 * u
        return (
            (2 * u3 - 3 * u2 + 1) * self.p0
            + (u3 - 2 * u2 + u) * self.m0
            + (-2 * u3 + 3 * u2) * self.p1
            + (u3 - u2) * self.m1
        )


@dataclass(frozen=True)
class LegModel:
    """A leg's motion, ready to evaluate (see module docstring)."""

    spec: LegSpec
    pivot_heel: bool
    pivot_ic_x_m: float
    hip_mean_m: float
    r: _Hermite
    alpha: _Hermite
    beta: _Hermite


def smootherstep(u: np.ndarray) -> np.ndarray:
    """Quintic ease 0 -> 1 on u in [0, 1] (zero slope and curvature at both ends)."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (u * (6.0 * u - 15.0) + 10.0)


def rotate(vec: np.ndarray, angle_rad: np.ndarray | float) -> np.ndarray:
    """Rotate 2D vectors counterclockwise (x forward, y up) by ``angle_rad``.

    ``vec`` has shape (..., 2); ``angle_rad`` broadcasts against ``vec[..., 0]``.
    """
    c = np.cos(angle_rad)
    s = np.sin(angle_rad)
    x = vec[..., 0]
    y = vec[..., 1]
    return np.stack([x * c - y * s, x * s + y * c], axis=-1)


def knee_from_ik(ankle_rel_hip: np.ndarray, thigh_m: float, shank_m: float) -> np.ndarray:
    """Knee position relative to the hip by two-link IK, knee bending forward.

    Parameters
    ----------
    ankle_rel_hip : ndarray, shape (n, 2)
        Ankle minus hip, metres (x forward, y up).
    thigh_m, shank_m : float
        Link lengths.

    Returns
    -------
    ndarray, shape (n, 2)
        Knee minus hip, metres.
    """
    d = np.hypot(ankle_rel_hip[:, 0], ankle_rel_hip[:, 1])
    cos_g = (thigh_m**2 + d**2 - shank_m**2) / (2.0 * thigh_m * d)
    gamma = np.arccos(np.clip(cos_g, -1.0, 1.0))
    unit = ankle_rel_hip / d[:, None]
    return thigh_m * rotate(unit, gamma)


def hip_height_m(model: LegModel, tau_s: np.ndarray) -> np.ndarray:
    """Hip height (m) at ``tau_s`` after this leg's IC (period: one step)."""
    sp = model.spec
    phase = 2.0 * np.pi * (tau_s - 0.5 * sp.contact_s) / sp.step_s
    return model.hip_mean_m - 0.5 * sp.oscillation_m * np.cos(phase)


def _foot_offset(spec: LegSpec, pivot_heel: bool) -> np.ndarray:
    """Ankle minus pivot point, foot flat, shape (2,)."""
    along = spec.heel_to_ankle_m if pivot_heel else spec.heel_to_ankle_m - spec.foot_m
    return np.array([along, spec.ankle_height_m])


def stance_foot(model: LegModel, tau_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Heel point, toe point and ankle in stance, each shape (n, 2), metres.

    ``tau_s`` must lie in ``[0, contact]``. Treadmill frame (hip at x = 0).
    """
    sp = model.spec
    tau = np.asarray(tau_s, dtype=float)
    strike = tau < sp.foot_flat_s
    push = tau > sp.heel_rise_s
    phi = np.zeros_like(tau)
    if sp.foot_flat_s > 0:
        phi = np.where(strike, sp.strike_rad * (1.0 - smootherstep(tau / sp.foot_flat_s)), phi)
    rise = smootherstep((tau - sp.heel_rise_s) / (sp.contact_s - sp.heel_rise_s))
    phi = np.where(push, sp.toe_off_rad * rise, phi)
    heel_ic_x = model.pivot_ic_x_m - (0.0 if model.pivot_heel else sp.foot_m)
    heel_flat_x = heel_ic_x - sp.belt_m_s * tau
    toe_flat_x = heel_flat_x + sp.foot_m
    sole = sp.foot_m * _unit(phi)
    zeros = np.zeros_like(tau)
    heel_pivot = strike & model.pivot_heel
    heel_on_ground = np.stack([heel_flat_x, zeros], axis=-1)
    toe_on_ground = np.stack([toe_flat_x, zeros], axis=-1)
    heel = np.where(heel_pivot[:, None], heel_on_ground, toe_on_ground - sole)
    ball_on_ground = toe_on_ground - np.array([sp.toes_m, 0.0])
    rear_share = sp.rear_foot_m / sp.foot_m
    heel = np.where(push[:, None], ball_on_ground - rear_share * sole, heel)
    flat = ~strike & ~push
    heel = np.where(flat[:, None], heel_on_ground, heel)
    toe = heel + sole
    toe = np.where(~heel_pivot[:, None] & ~flat[:, None], toe_on_ground, toe)
    ankle = heel + rotate(np.array([sp.heel_to_ankle_m, sp.ankle_height_m]), phi)
    return heel, toe, ankle


def _unit(angle_rad: np.ndarray) -> np.ndarray:
    """Unit vectors at ``angle_rad`` from the forward axis (+ up), shape (n, 2)."""
    return np.stack([np.cos(angle_rad), np.sin(angle_rad)], axis=-1)


def _polar(ankle_rel_hip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance and angle from straight down (+ forward) of hip -> ankle."""
    return (
        np.hypot(ankle_rel_hip[:, 0], ankle_rel_hip[:, 1]),
        np.arctan2(ankle_rel_hip[:, 0], -ankle_rel_hip[:, 1]),
    )


def _shank_rad(knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    return np.arctan2(ankle[:, 0] - knee[:, 0], knee[:, 1] - ankle[:, 1])


def _stance_polar(model: LegModel, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, _, ankle = stance_foot(model, tau)
    rel = ankle - np.stack([np.zeros_like(tau), hip_height_m(model, tau)], axis=-1)
    return _polar(rel)


def _one_sided_slope(values: np.ndarray, h: float) -> float:
    """Second-order one-sided slope from samples at 0, h, 2h (h may be < 0)."""
    return float((-3.0 * values[0] + 4.0 * values[1] - values[2]) / (2.0 * h))


def build_leg_model(spec: LegSpec) -> LegModel:
    """Construct the leg's motion from its specification."""
    pivot_heel = spec.strike_rad >= 0.0
    theta = spec.shank_ic_rad + spec.knee_ic_rad
    ankle_ic = spec.thigh_m * np.array([np.sin(theta), -np.cos(theta)]) + spec.shank_m * np.array(
        [np.sin(spec.shank_ic_rad), -np.cos(spec.shank_ic_rad)]
    )
    offset = rotate(_foot_offset(spec, pivot_heel), spec.strike_rad)
    hip_ic = float(offset[1] - ankle_ic[1])
    hip_mean = hip_ic + 0.5 * spec.oscillation_m * np.cos(np.pi * spec.contact_s / spec.step_s)
    flat = _Hermite(0.0, 0.0, 0.0, 0.0)
    model = LegModel(
        spec, pivot_heel, float(ankle_ic[0] - offset[0]), float(hip_mean), flat, flat, flat
    )

    h = 1e-6 * spec.stride_s
    r_ic, a_ic = _stance_polar(model, np.array([0.0, h, 2 * h]))
    r_to, a_to = _stance_polar(model, spec.contact_s - np.array([0.0, h, 2 * h]))
    dur = spec.stride_s - spec.contact_s
    dr_to = min(_one_sided_slope(r_to, -h) - spec.lift_m_s, 0.0)
    dr_ic = max(_one_sided_slope(r_ic, h), 0.0) + spec.extension_m_s
    da_to = _one_sided_slope(a_to, -h)
    da_ic = _one_sided_slope(a_ic, h) - spec.retraction_rad_s
    r = _Hermite(float(r_to[0]), float(r_ic[0]), dur * dr_to, dur * dr_ic)
    alpha = _Hermite(float(a_to[0]), float(a_ic[0]), dur * da_to, dur * da_ic)
    model = LegModel(spec, pivot_heel, model.pivot_ic_x_m, model.hip_mean_m, r, alpha, flat)

    # Shank angle at both ends: from stance (TO) and from the prescription (IC).
    _, _, ankle_to = stance_foot(model, np.array([spec.contact_s]))
    hip_to = np.array([[0.0, float(hip_height_m(model, np.array([spec.contact_s]))[0])]])
    knee_to = hip_to + knee_from_ik(ankle_to - hip_to, spec.thigh_m, spec.shank_m)
    s_to = float(_shank_rad(knee_to, ankle_to)[0])
    du = 1e-6
    s_start = _swing_shank_rad(model, np.array([0.0, du, 2 * du]))
    s_end = _swing_shank_rad(model, np.array([1.0, 1.0 - du, 1.0 - 2 * du]))
    beta = _Hermite(
        spec.toe_off_rad - s_to,
        spec.strike_rad - spec.shank_ic_rad,
        -_one_sided_slope(s_start, du),
        -_one_sided_slope(s_end, -du),
    )
    return LegModel(spec, pivot_heel, model.pivot_ic_x_m, model.hip_mean_m, r, alpha, beta)


def _swing_ankle_knee(model: LegModel, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hip, ankle and knee in swing at fraction ``u`` of the swing, each (n, 2)."""
    sp = model.spec
    tau = sp.contact_s + u * (sp.stride_s - sp.contact_s)
    bump = 16.0 * u * u * (1.0 - u) * (1.0 - u)
    r = model.r(u) - sp.fold_m * bump
    a = model.alpha(u)
    hip = np.stack([np.zeros_like(u), hip_height_m(model, tau)], axis=-1)
    ankle = hip + np.stack([r * np.sin(a), -r * np.cos(a)], axis=-1)
    knee = hip + knee_from_ik(ankle - hip, sp.thigh_m, sp.shank_m)
    return hip, ankle, knee


def _swing_shank_rad(model: LegModel, u: np.ndarray) -> np.ndarray:
    _, ankle, knee = _swing_ankle_knee(model, u)
    return _shank_rad(knee, ankle)


def leg_points(model: LegModel, tau_s: np.ndarray) -> dict[str, np.ndarray]:
    """Hip, knee, ankle, heel point and toe point of the leg.

    Parameters
    ----------
    model : LegModel
    tau_s : ndarray, shape (n,)
        Time since this leg's last IC, in ``[0, stride)`` seconds.

    Returns
    -------
    dict of str to ndarray, shape (n, 2)
        Keys ``hip, knee, ankle, heel, toe``; treadmill frame, metres.
    """
    sp = model.spec
    tau = np.asarray(tau_s, dtype=float)
    stance = tau <= sp.contact_s
    u = np.clip((tau - sp.contact_s) / (sp.stride_s - sp.contact_s), 0.0, 1.0)
    _, ankle_sw, knee_sw = _swing_ankle_knee(model, u)
    phi_sw = _shank_rad(knee_sw, ankle_sw) + model.beta(u)
    heel_sw = ankle_sw - rotate(np.array([sp.heel_to_ankle_m, sp.ankle_height_m]), phi_sw)
    ball_sw = heel_sw + sp.rear_foot_m * _unit(phi_sw)
    toes_bend = -sp.toe_off_rad * (1.0 - smootherstep(u / sp.toes_relax_share))
    toe_sw = ball_sw + sp.toes_m * _unit(phi_sw + toes_bend)

    heel_st, toe_st, ankle_st = stance_foot(model, np.minimum(tau, sp.contact_s))
    hip = np.stack([np.zeros_like(tau), hip_height_m(model, tau)], axis=-1)
    knee_st = hip + knee_from_ik(ankle_st - hip, sp.thigh_m, sp.shank_m)
    pick = stance[:, None]
    return {
        "hip": hip,
        "knee": np.where(pick, knee_st, knee_sw),
        "ankle": np.where(pick, ankle_st, ankle_sw),
        "heel": np.where(pick, heel_st, heel_sw),
        "toe": np.where(pick, toe_st, toe_sw),
    }
