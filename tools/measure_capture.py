"""Measure the capture stage on real clips: runner detection with and without the crop, repeats.

Usage: ``python -m tools.measure_capture CLIP.mp4 [...]`` (from the repository
root). For each clip, prints the analysed person's detection rate with
``pose.runner_crop`` off and on, the frames where the crop ran, and the
repeated-frame count with the unique frame rate. One MediaPipe process, two
pose passes per clip. Results are written down in docs/pose.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from formcheck.config import Config
from formcheck.people import choose_runner, link_people, person_track
from formcheck.pose import detect_poses
from formcheck.track import PoseTrack
from formcheck.video import probe_video


def _runner(path: Path, *, crop: bool) -> tuple[PoseTrack, int, float, int]:
    settings = dataclasses.replace(Config().pose, runner_crop=crop)
    info = probe_video(path)
    start = time.perf_counter()
    det = detect_poses(info, settings=settings)
    seconds = time.perf_counter() - start
    people = link_people(det)
    track = person_track(det, people[choose_runner(people, source=str(path))], source=str(path))
    crops = int(np.isfinite(det.crop_px[:, 0]).sum()) if det.crop_px is not None else 0
    return track, crops, seconds, len(people)


def main(argv: list[str] | None = None) -> int:
    """Print one line per clip and setting."""
    parser = argparse.ArgumentParser(prog="python -m tools.measure_capture", description=__doc__)
    parser.add_argument("clips", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.clips:
        for crop in (False, True):
            track, crops, seconds, n_people = _runner(path, crop=crop)
            rep = track.repeated if track.repeated is not None else np.zeros(0, bool)
            print(
                f"{path.name}: runner_crop={crop!s:5} frames {track.n_frames} "
                f"runner detected {100 * track.detection_rate:.1f} % "
                f"crop ran on {crops} frames, people {n_people}, {seconds:.0f} s; "
                f"repeated {int(rep.sum())} ({100 * rep.mean():.0f} %), "
                f"unique {track.unique_fps:.1f} of {track.fps:.2f} fps",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
