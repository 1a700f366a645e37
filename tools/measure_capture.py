"""Measure the capture stage on real clips: runner detection with and without the crop, repeats.

Usage: ``python -m tools.measure_capture CLIP.mp4 [...]`` (from the repository
root). For each clip, one pose pass (``--no-crop``: ``pose.runner_crop = false``,
the whole frame only, as before the crop existed); the analysed person's
detection rate, the frames where the crop ran and kept a candidate, the
frames with anyone found, and the repeated frames. Results are written down in docs/pose.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from formcheck.capture.people import choose_runner, link_people, person_track
from formcheck.capture.pose import Detections, detect_poses
from formcheck.capture.video import probe_video
from formcheck.config import Config


def _rate(det: Detections, path: Path) -> tuple[float, int]:
    people = link_people(det)
    track = person_track(det, people[choose_runner(people, source=str(path))], source=str(path))
    return track.detection_rate, len(people)


def main(argv: list[str] | None = None) -> int:
    """Print one line per clip."""
    parser = argparse.ArgumentParser(prog="python -m tools.measure_capture", description=__doc__)
    parser.add_argument("clips", nargs="+", type=Path)
    parser.add_argument("--save", type=Path, help="folder to save each clip's candidates (.npz)")
    parser.add_argument(
        "--no-crop", dest="crop", action="store_false", help="whole frame only (as before)"
    )
    args = parser.parse_args(argv)
    settings = dataclasses.replace(Config().pose, runner_crop=args.crop)
    for path in args.clips:
        info = probe_video(path)
        start = time.perf_counter()
        det = detect_poses(info, settings=settings)
        seconds = time.perf_counter() - start
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(
                args.save / f"{path.stem}.npz",
                xy_px=det.xy_px,
                visibility=det.visibility,
                crop_px=np.asarray(det.crop_px),
                repeated=np.asarray(det.repeated),
            )
        rate, n_people = _rate(det, path)
        crops = int(np.isfinite(det.crop_px[:, 0]).sum()) if det.crop_px is not None else 0
        found = int(np.isfinite(det.xy_px[:, -1, 0, 0]).sum())
        any_after = 100 * np.isfinite(det.xy_px[..., 0, 0]).any(axis=1).mean()
        rep = det.repeated if det.repeated is not None else np.zeros(0, bool)
        print(
            f"{path.name}: runner_crop={args.crop}; {det.xy_px.shape[0]} frames; runner "
            f"detected {100 * rate:.1f} % ({n_people} people); crop ran on {crops} frames, "
            f"kept a candidate on {found}; "
            f"anyone found on {any_after:.1f} % of frames; "
            f"{seconds:.0f} s; repeated {int(rep.sum())}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
