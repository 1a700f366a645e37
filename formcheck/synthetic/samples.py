"""The sample clips in ``sample_videos/``: rendered synthetic runners with truth.

Regenerate with ``python -m formcheck.synthetic.samples`` (from the repository
root; ``--out DIR`` to write elsewhere, ``--only NAME`` for one clip,
``--check`` to also run MediaPipe on each clip and print its detection rate).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from formcheck.capture.model_bundle import sha256_file
from formcheck.synthetic.camera import CameraParams
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.render import render_clip, truth_path_for


@dataclass(frozen=True)
class Sample:
    """One sample clip: what it shows and how it is rendered."""

    name: str
    description: str
    params: RunnerParams
    duration_s: float
    fps: float = 60.0
    camera: CameraParams = field(default_factory=CameraParams)


PORTRAIT = CameraParams(
    width=540, height=720, scale_px_per_m=300.0, ground_origin_px=(270.0, 660.0)
)

SAMPLES: tuple[Sample, ...] = (
    Sample(
        name="efficient",
        description="midfoot strike (3 deg), upright (5 deg lean), shank 3 deg, knee 20 deg "
        "at contact, 178 steps/min; treadmill, facing right, 640x480",
        params=RunnerParams(
            cadence_spm=178.0,
            foot_strike_angle_deg=3.0,
            shank_angle_ic_deg=3.0,
            knee_flexion_ic_deg=20.0,
            trunk_lean_deg=5.0,
            head_forward_deg=6.0,
        ),
        duration_s=10.0,
    ),
    Sample(
        name="overstrider",
        description="heel striker (18 deg), shank 14 deg, knee 8 deg at contact, 14 deg lean, "
        "160 steps/min; treadmill, facing left, portrait 540x720",
        params=RunnerParams(
            cadence_spm=160.0,
            duty_factor=0.36,
            foot_strike_angle_deg=18.0,
            shank_angle_ic_deg=14.0,
            knee_flexion_ic_deg=8.0,
            trunk_lean_deg=14.0,
            facing="left",
        ),
        duration_s=10.0,
        camera=PORTRAIT,
    ),
    Sample(
        name="forefoot",
        description="forefoot strike (-8 deg), shank 2 deg, knee 24 deg at contact, 7 deg lean, "
        "176 steps/min; treadmill, facing right, camera rolled 3 deg, 640x480",
        params=RunnerParams(
            cadence_spm=176.0,
            foot_strike_angle_deg=-8.0,
            shank_angle_ic_deg=2.0,
            knee_flexion_ic_deg=24.0,
            toe_off_foot_angle_deg=-30.0,
            trunk_lean_deg=7.0,
        ),
        duration_s=8.0,
        camera=CameraParams(roll_deg=3.0),
    ),
    Sample(
        name="slouch",
        description="rearfoot strike (12 deg); trunk lean 6 deg drifting +18 deg/min (+6 deg "
        "over the clip), head-forward 8 deg drifting +12 deg/min; treadmill, facing right, "
        "640x480, 20 s",
        params=RunnerParams(
            trunk_lean_deg=6.0,
            trunk_lean_drift_deg_per_min=18.0,
            head_forward_drift_deg_per_min=12.0,
        ),
        duration_s=20.0,
    ),
)


def render_sample(sample: Sample, out_dir: Path) -> Path:
    """Render one sample to ``out_dir/<name>.mp4`` (+ truth JSON); returns the video path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{sample.name}.mp4"
    render_clip(
        params=sample.params,
        path=path,
        duration_s=sample.duration_s,
        fps=sample.fps,
        camera=sample.camera,
    )
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: render the samples and print their sha256 (and detection rates)."""
    parser = argparse.ArgumentParser(
        prog="python -m formcheck.synthetic.samples", description=__doc__
    )
    parser.add_argument("--out", type=Path, default=Path("sample_videos"), help="output directory")
    parser.add_argument(
        "--only", action="append", choices=[s.name for s in SAMPLES], help="render only this clip"
    )
    parser.add_argument(
        "--check", action="store_true", help="run MediaPipe on each clip (needs the model bundle)"
    )
    args = parser.parse_args(argv)
    chosen = [s for s in SAMPLES if not args.only or s.name in args.only]
    paths = [render_sample(sample, args.out) for sample in chosen]
    for path in paths:
        truth = truth_path_for(path)
        print(f"{path.name}  {path.stat().st_size / 1e3:.0f} kB  sha256 {sha256_file(path)}")
        print(f"{truth.name}  sha256 {sha256_file(truth)}")
    if args.check:
        # Only after every clip is encoded: running MediaPipe first in the same
        # process was seen to change x264's output bytes (not the truth).
        from formcheck.synthetic.detect import detect_video

        for sample, path in zip(chosen, paths, strict=True):
            for mode in ("video", "image"):
                rate = detect_video(path, fps=sample.fps, mode=mode).detection_rate
                print(f"{path.name}: MediaPipe {mode} mode: found on {100 * rate:.1f} % of frames")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
