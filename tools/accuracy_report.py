"""Landmark-level accuracy over many seeds: prints the table in docs/accuracy.md.

Run: ``python tools/accuracy_report.py --seeds 20``
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from formcheck.analysis import analyze_clip
from formcheck.assess.validation import ClipErrors, clip_errors
from formcheck.config import Config
from formcheck.synthetic.camera import CameraParams
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.landmarks import synthetic_track
from formcheck.synthetic.noise import NoiseParams

# A phone on a tripod filming 720p landscape: the runner ~0.8 of the frame height.
CAMERA_720P = CameraParams(
    width=1280, height=720, scale_px_per_m=330.0, ground_origin_px=(640.0, 690.0)
)
CAMERAS = {"720p": CAMERA_720P, "480p": CameraParams()}

RUNNERS = {
    "default (rearfoot 12°)": RunnerParams(),
    "overstrider (rearfoot 20°, shank 12°, lean 14°)": RunnerParams(
        foot_strike_angle_deg=20, shank_angle_ic_deg=12, knee_flexion_ic_deg=10, trunk_lean_deg=14
    ),
    "forefoot (-8°), facing left, 185 spm": RunnerParams(
        foot_strike_angle_deg=-8, facing="left", cadence_spm=185, duty_factor=0.3
    ),
    "midfoot (3°), 160 spm": RunnerParams(foot_strike_angle_deg=3, cadence_spm=160),
}


def runner_errors(
    params: RunnerParams,
    *,
    seeds: range,
    fps: float = 60.0,
    duration_s: float = 10.0,
    camera: CameraParams = CAMERA_720P,
) -> list[ClipErrors]:
    """Errors of the whole analysis on one synthetic runner, one per seed."""
    out = []
    for seed in seeds:
        track, truth = synthetic_track(
            params=params,
            duration_s=duration_s,
            fps=fps,
            camera=camera,
            noise=NoiseParams(),
            seed=seed,
        )
        out.append(clip_errors(analyze_clip(track, config=Config()), truth))
    return out


def _median_and_worst(errs: list[ClipErrors], key: str) -> str:
    """'median, worst' of one error field over runs."""
    v = np.array([getattr(e, key) for e in errs])
    return f"{np.median(v):+.2f}, {v[np.argmax(np.abs(v))]:+.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--fps", type=float, default=60.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--camera", choices=sorted(CAMERAS), default="720p")
    args = parser.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)
    print(
        "| runner | cadence err max | IC within 1 frame (usable contacts) "
        "| TO within 1 frame (usable; all timed) "
        "| strike err (median, worst) | shank err (median, worst) | knee err (median, worst) "
        "| lean err worst |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, params in RUNNERS.items():
        errs = runner_errors(
            params,
            seeds=range(args.seeds),
            fps=args.fps,
            duration_s=args.duration,
            camera=CAMERAS[args.camera],
        )
        ic = np.concatenate([e.ic_frames_usable for e in errs])
        to = np.concatenate([e.to_frames_usable for e in errs])
        to_all = np.concatenate([e.to_frames for e in errs])

        cad = max(abs(e.cadence_spm) for e in errs)
        lean = max(abs(e.trunk_lean_deg) for e in errs)
        cells = [
            name,
            f"{cad:.2f}",
            f"{100 * np.mean(np.abs(ic) <= 1):.1f} %",
            f"{100 * np.mean(np.abs(to) <= 1):.1f} %; {100 * np.mean(np.abs(to_all) <= 1):.1f} %",
            _median_and_worst(errs, "strike_angle_deg"),
            _median_and_worst(errs, "shank_angle_deg"),
            _median_and_worst(errs, "knee_flexion_deg"),
            f"{lean:.2f}",
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
