"""Compare our pose bundle with MediaPipe 0.10.21's legacy ``mp.solutions.pose`` on real footage.

A check to run by hand, not in CI. Frames are decoded once here (upright RGB,
through ``formcheck.capture.video``); the legacy solution
(``Pose(static_image_mode=True, model_complexity=1)``) runs in a throwaway
virtual environment with ``mediapipe==0.10.21`` and ``numpy<2``, and the Tasks
API ``PoseLandmarker`` with our bundle runs here in IMAGE mode. For each clip it
prints the frames each one detected a person in, and the median and 90th
percentile of the per-landmark pixel distance over the frames both detected.

Usage::

    python models/check_legacy_agreement.py            # creates /tmp/formcheck-legacy-venv
    python models/check_legacy_agreement.py --legacy-python /path/to/python
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FOOTAGE = REPO.parent / "shared" / "footage"
DEFAULT_CLIPS = (
    "treadmill_home_left.mp4",
    "treadmill_fast_left.mp4",
    "overstride_a1.mp4",
    "no_overstride_b1.mp4",
)
DEFAULT_VENV = Path(tempfile.gettempdir()) / "formcheck-legacy-venv"
N_LANDMARKS = 33


def legacy_worker(frames_npz: str, out_npy: str) -> None:
    """Run the legacy solution on every frame of ``frames_npz`` (in the legacy venv).

    Writes an array (n_frames, 33, 2) of normalised x, y; NaN where no person was found.
    """
    import mediapipe as mp

    frames = np.load(frames_npz)["frames"]
    out = np.full((len(frames), N_LANDMARKS, 2), np.nan)
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
        for i, rgb in enumerate(frames):
            result = pose.process(rgb)
            if result.pose_landmarks is not None:
                out[i] = [(lm.x, lm.y) for lm in result.pose_landmarks.landmark]
    np.save(out_npy, out)


def ensure_legacy_python(venv: Path, wheel: Path | None) -> Path:
    """Create (once) a virtual environment with ``mediapipe==0.10.21`` and return its python."""
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import mediapipe as mp; assert mp.__version__ == '0.10.21'"]
    if python.is_file() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"creating {venv} with mediapipe==0.10.21 (about a minute)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    requirement = str(wheel) if wheel is not None and wheel.is_file() else "mediapipe==0.10.21"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, requirement, "numpy<2"], check=True)
    subprocess.run(probe, check=True)
    return python


def decode_frames(clip: Path, step: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Return every ``step``-th upright RGB frame of ``clip`` and its (width, height)."""
    from formcheck.capture.video import iter_frames, probe_video

    info = probe_video(clip)
    frames = [f.rgb for f in iter_frames(info) if f.index % step == 0]
    return np.stack(frames), (info.width, info.height)


def run_tasks(frames: np.ndarray, bundle: Path) -> np.ndarray:
    """Run the Tasks API ``PoseLandmarker`` with ``bundle`` in IMAGE mode on each frame."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(bundle)),
        running_mode=vision.RunningMode.IMAGE,
    )
    out = np.full((len(frames), N_LANDMARKS, 2), np.nan)
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        for i, rgb in enumerate(frames):
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
            result = landmarker.detect(image)
            if result.pose_landmarks:
                out[i] = [(lm.x, lm.y) for lm in result.pose_landmarks[0]]
    return out


def compare(legacy: np.ndarray, tasks: np.ndarray, size: tuple[int, int]) -> dict[str, float]:
    """Detection counts and pixel-distance statistics of two (n, 33, 2) landmark arrays."""
    found_legacy = ~np.isnan(legacy[:, 0, 0])
    found_tasks = ~np.isnan(tasks[:, 0, 0])
    both = found_legacy & found_tasks
    stats: dict[str, float] = {
        "frames": len(legacy),
        "legacy": int(found_legacy.sum()),
        "tasks": int(found_tasks.sum()),
        "both": int(both.sum()),
        "only_one": int((found_legacy ^ found_tasks).sum()),
    }
    if both.any():
        scale = np.array(size, dtype=float)
        dist = np.linalg.norm((legacy[both] - tasks[both]) * scale, axis=-1)  # (n, 33) px
        per_landmark = np.median(dist, axis=0)
        stats |= {
            "median_px": float(np.median(dist)),
            "p90_px": float(np.percentile(dist, 90)),
            "lm_median_min": float(per_landmark.min()),
            "lm_median_max": float(per_landmark.max()),
            "lm_p90_max": float(np.percentile(dist, 90, axis=0).max()),
        }
    return stats


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run both pose estimators on each clip and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--legacy-python", type=Path, help="python with mediapipe==0.10.21")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="legacy venv to create")
    parser.add_argument("--footage", type=Path, default=DEFAULT_FOOTAGE)
    parser.add_argument("--clips", nargs="+", default=list(DEFAULT_CLIPS))
    parser.add_argument("--step", type=int, default=10, help="use every STEP-th frame")
    parser.add_argument("--bundle", type=Path, help="pose bundle (default: the verified one)")
    parser.add_argument("--legacy-worker", nargs=2, metavar=("FRAMES_NPZ", "OUT_NPY"))
    args = parser.parse_args(argv)
    if args.legacy_worker:
        legacy_worker(*args.legacy_worker)
        return 0

    sys.path.insert(0, str(REPO))
    from formcheck.capture.model_bundle import WHEEL_FILENAME, verify_bundle

    bundle = verify_bundle(args.bundle)
    legacy_python = args.legacy_python or ensure_legacy_python(
        args.venv, REPO / "models" / ".cache" / WHEEL_FILENAME
    )
    header = (
        f"{'clip':<24} {'frames':>6} {'legacy':>6} {'tasks':>6} {'both':>5} {'1only':>5} "
        f"{'median px':>9} {'p90 px':>7} {'lm median px':>13} {'lm p90 max':>10}"
    )
    print(header)
    with tempfile.TemporaryDirectory(prefix="formcheck-agreement-") as tmp:
        for name in args.clips:
            frames, size = decode_frames(args.footage / name, args.step)
            frames_npz, out_npy = Path(tmp) / "frames.npz", Path(tmp) / "legacy.npy"
            np.savez(frames_npz, frames=frames)
            worker = [str(legacy_python), str(Path(__file__).resolve()), "--legacy-worker"]
            subprocess.run([*worker, str(frames_npz), str(out_npy)], check=True)
            s = compare(np.load(out_npy), run_tasks(frames, bundle), size)
            row = f"{name:<24} {s['frames']:>6} {s['legacy']:>6} {s['tasks']:>6} "
            row += f"{s['both']:>5} {s['only_one']:>5} "
            if s["both"]:
                row += f"{s['median_px']:>9.2f} {s['p90_px']:>7.2f} "
                row += f"{s['lm_median_min']:>5.2f}-{s['lm_median_max']:<6.2f} "
                row += f"{s['lm_p90_max']:>10.2f}"
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
