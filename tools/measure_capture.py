"""Measure the capture stage on real clips: runner detection with and without the crop, repeats.

Usage: ``python -m tools.measure_capture CLIP.mp4 [...]`` (from the repository
root). For each clip, one pose pass with the crop; the analysed person's
detection rate from the whole frame's candidates alone (what
``pose.runner_crop = false`` gives: the whole-frame pass is unchanged) and
with the crop's candidate, the frames where the crop ran, and the repeated
frames. Results are written down in docs/pose.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from formcheck.config import Config
from formcheck.people import choose_runner, link_people, person_track
from formcheck.pose import Detections, detect_poses
from formcheck.video import probe_video


def _rate(det: Detections, path: Path) -> tuple[float, int]:
    people = link_people(det)
    track = person_track(det, people[choose_runner(people, source=str(path))], source=str(path))
    return track.detection_rate, len(people)


def main(argv: list[str] | None = None) -> int:
    """Print one line per clip."""
    parser = argparse.ArgumentParser(prog="python -m tools.measure_capture", description=__doc__)
    parser.add_argument("clips", nargs="+", type=Path)
    parser.add_argument("--save", type=Path, help="folder to save each clip's candidates (.npz)")
    args = parser.parse_args(argv)
    for path in args.clips:
        info = probe_video(path)
        start = time.perf_counter()
        det = detect_poses(info, settings=Config().pose)
        seconds = time.perf_counter() - start
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(
                args.save / f"{path.stem}.npz",
                xy_px=det.xy_px,
                visibility=det.visibility,
                crop_px=det.crop_px,
                repeated=det.repeated,
            )
        # The whole frame's candidates are the first num_poses slots: without
        # the crop slot they are exactly what runner_crop=false gives.
        whole = dataclasses.replace(
            det,
            xy_px=det.xy_px[:, :-1],
            z=det.z[:, :-1],
            visibility=det.visibility[:, :-1],
            presence=det.presence[:, :-1],
        )
        before, n_before = _rate(whole, path)
        after, n_after = _rate(det, path)
        crops = int(np.isfinite(det.crop_px[:, 0]).sum()) if det.crop_px is not None else 0
        found = int(np.isfinite(det.xy_px[:, -1, 0, 0]).sum())
        anyone = np.isfinite(det.xy_px[..., 0, 0])
        any_before = 100 * anyone[:, :-1].any(axis=1).mean()
        any_after = 100 * anyone.any(axis=1).mean()
        rep = det.repeated if det.repeated is not None else np.zeros(0, bool)
        print(
            f"{path.name}: {det.xy_px.shape[0]} frames; runner detected whole frame "
            f"{100 * before:.1f} % ({n_before} people), with crop {100 * after:.1f} % "
            f"({n_after} people); crop ran on {crops} frames, found someone new on {found}; "
            f"anyone found {any_before:.1f} -> {any_after:.1f} % of frames; "
            f"{seconds:.0f} s; repeated {int(rep.sum())}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
