"""Ground truth of a synthetic clip, and its JSON form.

Every angle is measured on the noiseless generated geometry with the
definitions in :mod:`formcheck.synthetic.angles` (METRICS.md), not copied
from the parameters; tests check that the two agree.

Times in the truth are video times: frame ``i`` is at ``i / fps``. The run's
elapsed time at frame 0 is ``start_s`` (posture drift is linear in elapsed
time, so a late clip of a long run has ``start_s`` > 0).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from formcheck import landmarks as lm
from formcheck.synthetic import angles
from formcheck.synthetic.camera import CameraParams, ground_line_angle_deg
from formcheck.synthetic.kinematics import (
    BodyProportions,
    RunnerParams,
    SwingShape,
    contacts,
    landmarks_world,
    leg_length_m,
    leg_model,
)
from formcheck.synthetic.legs import leg_points
from formcheck.synthetic.noise import CorruptionLog, NoiseParams

SCHEMA_VERSION = 1
DRIFT_WINDOW_FRACTION = 0.2


@dataclass(frozen=True)
class ContactTruth:
    """One foot contact. Times are video times, s; angles in degrees."""

    leg: str
    side: str
    ic_s: float
    ic_frame: int
    to_s: float
    to_frame: int
    contact_time_ms: float
    foot_strike_angle_deg: float
    strike_class: str
    shank_angle_deg: float
    knee_flexion_deg: float
    foot_ahead_leg_lengths: float
    knee_flexion_peak_stance_deg: float
    trunk_lean_midstance_deg: float


@dataclass(frozen=True)
class StrideTruth:
    """One stride: near-leg IC to the next near-leg IC (video times, s)."""

    start_s: float
    end_s: float
    start_frame: int
    end_frame: int
    trunk_lean_mean_deg: float
    head_forward_mean_deg: float
    vertical_oscillation_m: float
    vertical_oscillation_leg_lengths: float


@dataclass(frozen=True)
class DriftTruth:
    """Late-minus-early posture change over the strides.

    ``window_strides`` strides (20 % of them, at least 1) at each end.
    """

    window_strides: int
    early_trunk_lean_deg: float
    late_trunk_lean_deg: float
    trunk_lean_change_deg: float
    trunk_lean_slope_deg_per_min: float
    early_head_forward_deg: float
    late_head_forward_deg: float
    head_forward_change_deg: float
    head_forward_slope_deg_per_min: float


@dataclass(frozen=True)
class Truth:
    """Everything known about a synthetic clip (see module docstring)."""

    params: RunnerParams
    camera: CameraParams
    noise: NoiseParams
    seed: int
    fps: float
    start_s: float
    n_frames: int
    facing: str
    near_leg: str
    setting: str
    cadence_spm: float
    step_time_s: float
    stride_time_s: float
    contact_time_ms: float
    duty_factor: float
    leg_length_m: float
    leg_length_px: float
    vertical_oscillation_leg_lengths: float | None
    ground_line_angle_deg: float
    contacts: tuple[ContactTruth, ...]
    strides: tuple[StrideTruth, ...]
    drift: DriftTruth | None
    corruption: CorruptionLog = field(default_factory=CorruptionLog)
    video: Mapping[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @property
    def duration_s(self) -> float:
        """Video duration, s."""
        return self.n_frames / self.fps

    def contacts_of(self, side: str) -> tuple[ContactTruth, ...]:
        """Contacts of the ``"near"`` or ``"far"`` leg (or ``"left"``/``"right"``)."""
        return tuple(c for c in self.contacts if side in (c.side, c.leg))


def _points(params: RunnerParams, times: np.ndarray) -> np.ndarray:
    return landmarks_world(params=params, times_s=times)


def _leg_ids(leg: str) -> tuple[int, ...]:
    return lm.LEFT_LEG if leg == "left" else lm.RIGHT_LEG


@lru_cache(maxsize=64)
def _knee_peak_deg(params: RunnerParams) -> float:
    """Largest knee flexion in stance (the same for every contact: the gait is periodic)."""
    from scipy.optimize import minimize_scalar

    model = leg_model(params)
    tc = params.contact_time_s

    def flex(tau: np.ndarray) -> np.ndarray:
        p = leg_points(model, tau)
        return angles.knee_flexion_deg(hip=p["hip"], knee=p["knee"], ankle=p["ankle"])

    grid = np.linspace(0.0, tc, 801)
    values = flex(grid)
    i = int(np.argmax(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(
        lambda t: -float(flex(np.array([t]))[0]),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-9},
    )
    return max(float(-res.fun), float(values[i]))


def _contact_truth(
    params: RunnerParams, c: Any, *, start_s: float, fps: float, leg_len: float
) -> ContactTruth:
    hip_i, knee_i, ankle_i, heel_i, toe_i = _leg_ids(c.leg)
    p = _points(params, np.array([c.ic_s, 0.5 * (c.ic_s + c.to_s)]))
    ic, mid = p[0], p[1]
    hip_mid = 0.5 * (ic[lm.LEFT_HIP] + ic[lm.RIGHT_HIP])
    fsa = float(angles.foot_strike_angle_deg(heel=ic[heel_i], toe=ic[toe_i]))
    lean_mid = angles.trunk_lean_deg(
        hip_mid=0.5 * (mid[lm.LEFT_HIP] + mid[lm.RIGHT_HIP]),
        shoulder_mid=0.5 * (mid[lm.LEFT_SHOULDER] + mid[lm.RIGHT_SHOULDER]),
    )
    ic_v = c.ic_s - start_s
    to_v = c.to_s - start_s
    return ContactTruth(
        leg=c.leg,
        side=c.side,
        ic_s=ic_v,
        ic_frame=round(ic_v * fps),
        to_s=to_v,
        to_frame=round(to_v * fps),
        contact_time_ms=(c.to_s - c.ic_s) * 1000.0,
        foot_strike_angle_deg=fsa,
        strike_class=angles.strike_class(fsa),
        shank_angle_deg=float(angles.shank_angle_deg(knee=ic[knee_i], ankle=ic[ankle_i])),
        knee_flexion_deg=float(
            angles.knee_flexion_deg(hip=ic[hip_i], knee=ic[knee_i], ankle=ic[ankle_i])
        ),
        foot_ahead_leg_lengths=float((ic[heel_i][0] - hip_mid[0]) / leg_len),
        knee_flexion_peak_stance_deg=_knee_peak_deg(params),
        trunk_lean_midstance_deg=float(lean_mid),
    )


def _stride_truth(
    params: RunnerParams, a: float, b: float, *, start_s: float, fps: float, leg_len: float
) -> StrideTruth:
    n = 4000
    t = a + (np.arange(n) + 0.5) * (b - a) / n  # midpoint rule: exact for the oscillation
    p = _points(params, t)
    hip = 0.5 * (p[:, lm.LEFT_HIP] + p[:, lm.RIGHT_HIP])
    shoulder = 0.5 * (p[:, lm.LEFT_SHOULDER] + p[:, lm.RIGHT_SHOULDER])
    ear = 0.5 * (p[:, lm.LEFT_EAR] + p[:, lm.RIGHT_EAR])
    lean = angles.trunk_lean_deg(hip_mid=hip, shoulder_mid=shoulder)
    head = angles.head_forward_deg(hip_mid=hip, shoulder_mid=shoulder, ear=ear)
    hip_y = hip[:, 1]
    vo = float(hip_y.max() - hip_y.min())
    return StrideTruth(
        start_s=a - start_s,
        end_s=b - start_s,
        start_frame=round((a - start_s) * fps),
        end_frame=round((b - start_s) * fps),
        trunk_lean_mean_deg=float(lean.mean()),
        head_forward_mean_deg=float(head.mean()),
        vertical_oscillation_m=vo,
        vertical_oscillation_leg_lengths=vo / leg_len,
    )


def _drift(strides: tuple[StrideTruth, ...]) -> DriftTruth | None:
    if len(strides) < 2:
        return None
    k = max(1, round(DRIFT_WINDOW_FRACTION * len(strides)))
    mid_min = np.array([(s.start_s + s.end_s) / 2.0 for s in strides]) / 60.0
    lean = np.array([s.trunk_lean_mean_deg for s in strides])
    head = np.array([s.head_forward_mean_deg for s in strides])
    return DriftTruth(
        window_strides=k,
        early_trunk_lean_deg=float(lean[:k].mean()),
        late_trunk_lean_deg=float(lean[-k:].mean()),
        trunk_lean_change_deg=float(lean[-k:].mean() - lean[:k].mean()),
        trunk_lean_slope_deg_per_min=float(np.polyfit(mid_min, lean, 1)[0]),
        early_head_forward_deg=float(head[:k].mean()),
        late_head_forward_deg=float(head[-k:].mean()),
        head_forward_change_deg=float(head[-k:].mean() - head[:k].mean()),
        head_forward_slope_deg_per_min=float(np.polyfit(mid_min, head, 1)[0]),
    )


def compute_truth(
    *,
    params: RunnerParams,
    camera: CameraParams,
    fps: float,
    n_frames: int,
    start_s: float = 0.0,
    noise: NoiseParams | None = None,
    seed: int = 0,
    corruption: CorruptionLog | None = None,
) -> Truth:
    """Measure the truth of a clip of ``n_frames`` frames at ``fps``.

    Contacts are those complete within the clip (IC at or after frame 0's
    time, TO at or before the last frame's time). Strides run from each
    near-leg IC to the next near-leg IC inside the clip.
    """
    end = start_s + (n_frames - 1) / fps
    leg_len = leg_length_m(params)
    found = contacts(params=params, start_s=start_s, end_s=end)
    contact_truth = tuple(
        _contact_truth(params, c, start_s=start_s, fps=fps, leg_len=leg_len) for c in found
    )
    step = params.step_time_s
    k0 = math.ceil((start_s - params.first_ic_s) / params.stride_time_s - 1e-9)
    near_ics = []
    t = params.first_ic_s + k0 * params.stride_time_s
    while t <= end + 1e-12:
        near_ics.append(t)
        t = params.first_ic_s + (k0 + len(near_ics)) * params.stride_time_s
    strides = tuple(
        _stride_truth(params, a, b, start_s=start_s, fps=fps, leg_len=leg_len)
        for a, b in zip(near_ics[:-1], near_ics[1:], strict=True)
    )
    vo = None
    if strides:
        vo = float(np.mean([s.vertical_oscillation_leg_lengths for s in strides]))
    return Truth(
        params=params,
        camera=camera,
        noise=noise if noise is not None else NoiseParams.none(),
        seed=seed,
        fps=fps,
        start_s=start_s,
        n_frames=n_frames,
        facing=params.facing,
        near_leg=params.near_leg,
        setting=params.setting,
        cadence_spm=60.0 / step,
        step_time_s=step,
        stride_time_s=params.stride_time_s,
        contact_time_ms=params.contact_time_s * 1000.0,
        duty_factor=params.contact_time_s / params.stride_time_s,
        leg_length_m=leg_len,
        leg_length_px=leg_len * camera.scale_px_per_m,
        vertical_oscillation_leg_lengths=vo,
        ground_line_angle_deg=ground_line_angle_deg(camera),
        contacts=contact_truth,
        strides=strides,
        drift=_drift(strides),
        corruption=corruption if corruption is not None else CorruptionLog(),
    )


def truth_to_dict(truth: Truth) -> dict[str, Any]:
    """Plain-JSON form of ``truth`` (lists for tuples, nested dicts)."""
    out = dataclasses.asdict(truth)
    out["video"] = dict(truth.video)
    out["duration_s"] = truth.duration_s
    return out


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _make(cls: Any, data: Mapping[str, Any]) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: _tuples(v) for k, v in data.items() if k in names})


def truth_from_dict(data: Mapping[str, Any]) -> Truth:
    """Inverse of :func:`truth_to_dict`."""
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ValueError(f"truth schema_version {version!r}, expected {SCHEMA_VERSION}")
    p = dict(data["params"])
    p["body"] = _make(BodyProportions, p["body"])
    p["swing"] = _make(SwingShape, p["swing"])
    fields = dict(data)
    fields["params"] = _make(RunnerParams, p)
    fields["camera"] = _make(CameraParams, data["camera"])
    fields["noise"] = _make(NoiseParams, data["noise"])
    fields["contacts"] = tuple(_make(ContactTruth, c) for c in data["contacts"])
    fields["strides"] = tuple(_make(StrideTruth, s) for s in data["strides"])
    fields["drift"] = _make(DriftTruth, data["drift"]) if data.get("drift") else None
    fields["corruption"] = _make(CorruptionLog, data.get("corruption", {}))
    fields["video"] = dict(data.get("video", {}))
    names = {f.name for f in dataclasses.fields(Truth)}
    return Truth(**{k: v for k, v in fields.items() if k in names})


def write_truth(truth: Truth, path: str | Path) -> Path:
    """Write ``truth`` as indented JSON to ``path`` (returns the path)."""
    path = Path(path)
    path.write_text(
        json.dumps(truth_to_dict(truth), indent=1, allow_nan=False) + "\n", encoding="utf-8"
    )
    return path


def read_truth(path: str | Path) -> Truth:
    """Read a truth JSON written by :func:`write_truth`."""
    return truth_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
