"""``make bench``: run every case, print the tables, write ``benchmarks/RESULTS.md``.

    python -m benchmarks.run [--seconds 10] [--lengths 1,10,30,60] [--only TEXT] [--write]

The machine is shared, so absolute times move with other people's load:
the ratios between cases run one after the other (same clip, same
minutes) are the figures to read. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.inputs import CLIPS, render
from benchmarks.measure import machine_description, run_case
from benchmarks.report import render_markdown

DEFAULT_RESULTS = Path(__file__).resolve().with_name("RESULTS.md")
RAW_RESULTS = DEFAULT_RESULTS.with_name("results.json")  # the rows, to re-render the report
VIDEO_KINDS = ("decode", "inference", "naive", "pose", "analyze", "analyze_visual")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10.0, help="length of each rendered clip")
    p.add_argument("--clips", default="720p30,1080p60", help="rendered inputs to measure")
    p.add_argument(
        "--lengths", default="1,10,30,60", help="minutes of synthetic pose track for memory"
    )
    p.add_argument("--only", default="", help="run only cases whose name contains this")
    p.add_argument("--write", action="store_true", help=f"write {DEFAULT_RESULTS.name}")
    return p.parse_args(argv)


def video_specs(clips: list[str], videos: dict[str, Path], tmp: Path) -> list[dict[str, Any]]:
    """One spec per (clip, case kind), in the order they run (side by side per clip)."""
    specs = []
    for clip in clips:
        for kind in VIDEO_KINDS:
            spec: dict[str, Any] = {
                "name": f"{clip}_{kind}",
                "clip": clip,
                "kind": "analyze" if kind.startswith("analyze") else kind,
                "visual": kind == "analyze_visual",
                "video": str(videos[clip]),
                "tmp": str(tmp),
            }
            specs.append(spec)
    return specs


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    args = _parse(argv)
    clips = [c for c in args.clips.split(",") if c]
    lengths = [float(m) for m in args.lengths.split(",") if m]
    t_start = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="formcheck_bench_") as tmp_name:
        tmp = Path(tmp_name)
        videos = {}
        for clip in clips:
            t0 = time.perf_counter()
            videos[clip] = render(CLIPS[clip], duration_s=args.seconds, folder=tmp)
            print(f"rendered {videos[clip].name} in {time.perf_counter() - t0:.0f} s", flush=True)
        specs = video_specs(clips, videos, tmp)
        specs += [
            {"name": f"track_{m:g}min", "kind": "long_track", "minutes": m, "clip": f"{m:g} min"}
            for m in lengths
        ]
        for spec in specs:
            if args.only and args.only not in spec["name"]:
                continue
            t0 = time.perf_counter()
            raw = run_case(spec, tmp=tmp)
            rows.append({**spec, **raw})
            print(
                f"{spec['name']}: {raw['wall_s']:.1f} s measured, {raw['case_wall_s']:.1f} s "
                f"in all, peak {raw['peak_rss_mib']:.0f} MiB, other load "
                f"{raw['other_load_cores']:.1f} cores ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
            if args.write:  # after every case, so a long run interrupted keeps its results
                _write(rows, args, argv, t_start, echo=False)
    _write(rows, args, argv, t_start, echo=True)
    return 0


def _write(
    rows: list[dict[str, Any]],
    args: argparse.Namespace,
    argv: list[str] | None,
    t_start: float,
    *,
    echo: bool,
) -> None:
    command = "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])
    text = render_markdown(
        rows,
        machine=machine_description(),
        command=command.strip(),
        seconds=args.seconds,
        total_min=(time.perf_counter() - t_start) / 60.0,
    )
    if echo:
        print(text)
    if args.write:
        DEFAULT_RESULTS.write_text(text, encoding="utf-8")
        RAW_RESULTS.write_text(json.dumps(rows, indent=1), encoding="utf-8")
        if echo:
            print(f"wrote {DEFAULT_RESULTS}")


if __name__ == "__main__":
    raise SystemExit(main())
