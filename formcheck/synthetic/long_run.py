"""A long synthetic run: slow posture drift plus stride-to-stride variation.

The gait model (:mod:`formcheck.synthetic.kinematics`) is exactly periodic;
a real runner is not. Here the trunk lean and the shank angle at contact
vary from stride to stride: each stride gets a random offset (normal, SD
``lean_sd_deg`` and ``shank_sd_deg``), and the offsets are joined smoothly
(raised-cosine interpolation between stride mid-times) so the figure moves
without jumps. The slow drift is the model's own
``trunk_lean_drift_deg_per_min``. Used to validate long-run (windowed)
analysis against full processing; the clip is rendered small to stay cheap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.synthetic.camera import CameraParams
from formcheck.synthetic.draw import draw_frame
from formcheck.synthetic.kinematics import RunnerParams, trunk_lean_deg_at
from formcheck.synthetic.landmarks import frame_times_s
from formcheck.synthetic.render import encode_mp4

#: A small camera (320x240) for long clips: half the default scale.
SMALL_CAMERA = CameraParams(
    width=320, height=240, scale_px_per_m=115.0, ground_origin_px=(160.0, 226.0)
)


@dataclass(frozen=True)
class StrideVariation:
    """Per-stride random offsets of lean and shank angle (degrees, SD) and the seed."""

    lean_sd_deg: float = 1.0
    shank_sd_deg: float = 1.5
    seed: int = 0


def _smooth_offsets(t: np.ndarray, knots_s: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Raised-cosine interpolation of ``values`` at ``knots_s``, evaluated at ``t``."""
    i = np.clip(np.searchsorted(knots_s, t) - 1, 0, knots_s.size - 2)
    u = np.clip((t - knots_s[i]) / (knots_s[i + 1] - knots_s[i]), 0.0, 1.0)
    w = 0.5 - 0.5 * np.cos(np.pi * u)
    return np.asarray(values[i] * (1 - w) + values[i + 1] * w, dtype=float)


@dataclass(frozen=True)
class LongRun:
    """A runner whose lean and shank angle vary from stride to stride.

    Attributes
    ----------
    params : RunnerParams
        The base runner (its drift is the slow trend).
    duration_s : float
    variation : StrideVariation
    """

    params: RunnerParams
    duration_s: float
    variation: StrideVariation = StrideVariation()

    def _knots(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        stride = self.params.stride_time_s
        knots = np.arange(-stride, self.duration_s + 2 * stride, stride)
        rng = np.random.default_rng(self.variation.seed)
        # Offsets clipped at 2 SD keep every stride's leg geometry feasible.
        lean = np.clip(rng.normal(0.0, 1.0, knots.size), -2, 2) * self.variation.lean_sd_deg
        shank = np.clip(rng.normal(0.0, 1.0, knots.size), -2, 2) * self.variation.shank_sd_deg
        return knots, lean, shank

    def params_at(self, t_s: float) -> RunnerParams:
        """The runner's parameters at elapsed time ``t_s`` (offsets applied)."""
        knots, lean, shank = self._knots()
        t = np.array([t_s])
        return dataclasses.replace(
            self.params,
            trunk_lean_deg=self.params.trunk_lean_deg + float(_smooth_offsets(t, knots, lean)[0]),
            shank_angle_ic_deg=self.params.shank_angle_ic_deg
            + float(_smooth_offsets(t, knots, shank)[0]),
        )

    def lean_deg_at(self, times_s: np.ndarray) -> np.ndarray:
        """True trunk lean (deg) at each time: drift, oscillation and stride offsets."""
        knots, lean, _ = self._knots()
        t = np.asarray(times_s, dtype=float)
        return trunk_lean_deg_at(params=self.params, times_s=t) + _smooth_offsets(t, knots, lean)

    def mean_lean_between(self, start_s: float, end_s: float, *, fps: float = 240.0) -> float:
        """True mean trunk lean over a time span, degrees."""
        t = np.arange(start_s, end_s, 1.0 / fps)
        return float(np.mean(self.lean_deg_at(t)))


def iter_long_run_frames(run: LongRun, *, camera: CameraParams, fps: float) -> Iterator[np.ndarray]:
    """RGB frames of the whole run, shape (height, width, 3), uint8."""
    knots, lean, shank = run._knots()
    n = round(run.duration_s * fps)
    for t in frame_times_s(n_frames=n, fps=fps, start_s=0.0):
        tt = np.array([t])
        params = dataclasses.replace(
            run.params,
            trunk_lean_deg=run.params.trunk_lean_deg + float(_smooth_offsets(tt, knots, lean)[0]),
            shank_angle_ic_deg=run.params.shank_angle_ic_deg
            + float(_smooth_offsets(tt, knots, shank)[0]),
        )
        yield draw_frame(params=params, camera=camera, t_s=float(t))


def render_long_run(
    run: LongRun,
    *,
    path: str | Path,
    fps: float = 30.0,
    camera: CameraParams = SMALL_CAMERA,
    crf: int = 26,
) -> Path:
    """Render the whole run to an H.264 mp4 (no truth file: use :class:`LongRun`)."""
    frames = iter_long_run_frames(run, camera=camera, fps=fps)
    return encode_mp4(frames, path=path, fps=fps, crf=crf)


#: The validation run: lean 6 deg drifting +1 deg/min, shank 7 deg, 170 steps/min,
#: 2.6 m/s, 4 minutes (stride offsets: lean SD 1 deg, shank SD 1.5 deg).
VALIDATION_RUN = LongRun(
    params=RunnerParams(
        trunk_lean_deg=6.0, trunk_lean_drift_deg_per_min=1.0, shank_angle_ic_deg=7.0, speed_m_s=2.6
    ),
    duration_s=240.0,
)
