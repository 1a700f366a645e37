"""The ``formcheck analyze`` command: arguments, per-clip options, summary printout."""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from formcheck.analysis import AnalysisOptions
from formcheck.config import Config, with_overrides
from formcheck.errors import ConfigError


def add_analyze_parser(
    sub: Any,
    add_common: Callable[[argparse.ArgumentParser], None],
    add_pose_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``analyze`` on the sub-command parser."""
    parser = sub.add_parser(
        "analyze",
        help="analyse running form and write a report",
        description="Analyse side-view running video. Several clips of one run "
        "(early, late) are compared with --elapsed.",
    )
    parser.add_argument("videos", nargs="+", type=Path, help="one video, or clips of one run")
    parser.add_argument("-o", "--out", required=True, type=Path, help="output folder")
    add_clip_facts(parser)
    parser.add_argument(
        "--elapsed",
        help="elapsed run time at the start of each clip, comma-separated, "
        "as seconds or M:SS or H:MM:SS (e.g. 5:00,45:00)",
    )
    long_run = parser.add_mutually_exclusive_group()
    long_run.add_argument(
        "--windows",
        metavar="LENGTH/EVERY",
        help="long-run mode: analyse windows of LENGTH at most EVERY apart, e.g. 20s/2m "
        "(default: automatic above long_run.auto_above_s, see the config)",
    )
    long_run.add_argument(
        "--full", action="store_true", help="analyse every frame, even of a long video"
    )
    parser.add_argument("--no-video", action="store_true", help="skip annotated.mp4")
    parser.add_argument("--no-html", action="store_true", help="skip report.html")
    add_common(parser)
    add_pose_options(parser)


def parse_elapsed(text: str) -> float:
    """Seconds from ``"90"``, ``"1:30"`` or ``"1:01:30"`` (minutes and seconds
    after a colon below 60)."""
    parts = text.strip().split(":")
    expected = f"--elapsed: expected seconds, M:SS or H:MM:SS, got {text!r}"
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ConfigError(expected) from None
    if len(values) > 3 or any(not math.isfinite(v) or v < 0 for v in values):
        raise ConfigError(expected)
    if any(v >= 60 for v in values[1:]):
        raise ConfigError(f"{expected} (minutes and seconds after a colon must be below 60)")
    seconds = 0.0
    for v in values:
        seconds = seconds * 60.0 + v
    return seconds


def clip_options(args: argparse.Namespace) -> list[AnalysisOptions]:
    """One AnalysisOptions per video from the command line."""
    n = len(args.videos)
    if args.elapsed:
        elapsed = [parse_elapsed(t) for t in args.elapsed.split(",")]
        if len(elapsed) != n:
            raise ConfigError(f"--elapsed: expected {n} values (one per video), got {len(elapsed)}")
        if any(b <= a for a, b in itertools.pairwise(elapsed)):
            raise ConfigError(
                f"--elapsed: expected increasing times (the clips in the order they were "
                f"filmed), got {args.elapsed!r}"
            )
    else:
        elapsed = [0.0] * n
        if n > 1:
            raise ConfigError("several videos need --elapsed (their start times in the run)")
    shared = shared_options(args)
    return [dataclasses.replace(shared, elapsed_offset_s=e) for e in elapsed]


def add_clip_facts(parser: argparse.ArgumentParser, *, height: bool = True) -> None:
    """``--capture-fps``, ``--belt-speed``, ``--belt-speed-kmh`` (and ``--height-cm``)."""
    parser.add_argument(
        "--capture-fps",
        type=float,
        help="real capture rate of a slow-motion clip (e.g. 240); the stored rate is read "
        "from the file",
    )
    parser.add_argument("--belt-speed", type=float, help="treadmill belt speed, m/s")
    parser.add_argument("--belt-speed-kmh", type=float, help="treadmill belt speed, km/h")
    if height:
        parser.add_argument("--height-cm", type=float, help="runner's height, cm (gives cm values)")


def shared_options(args: argparse.Namespace) -> AnalysisOptions:
    """The options :func:`add_clip_facts` gave, checked (the elapsed offset left at 0)."""
    capture_fps = args.capture_fps
    belt_mps, belt_kmh = args.belt_speed, args.belt_speed_kmh
    height_cm = getattr(args, "height_cm", None)
    if belt_mps is not None and belt_kmh is not None:
        raise ConfigError("--belt-speed and --belt-speed-kmh: expected one of them, got both")
    for name, value in (
        ("--capture-fps", capture_fps),
        ("--belt-speed", belt_mps),
        ("--belt-speed-kmh", belt_kmh),
        ("--height-cm", height_cm),
    ):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ConfigError(f"{name}: expected a positive number, got {value}")
    return AnalysisOptions(
        capture_fps=capture_fps,
        belt_speed_mps=belt_kmh / 3.6 if belt_kmh is not None else belt_mps,
        runner_height_m=height_cm / 100.0 if height_cm else None,
    )


def _print_summary(report: dict[str, Any], out: Path) -> None:
    s = report["summary"]
    if not report["running"]:
        print(f"no running analysed: {report['not_running_reason']}")
    else:

        def fmt(v: Any, spec: str) -> str:
            return "n/a" if v is None else format(v, spec)

        print(
            f"cadence {fmt(s['cadence_spm'], '.1f')} steps/min, contact "
            f"{fmt(s['contact_time_ms'], '.0f')} ms, trunk lean {fmt(s['trunk_lean_deg'], '.1f')}°"
        )
        for f in report["findings"]:
            print(f"  {f['id']:<16} {f['status']:<8} {f['reason']}")
    for w in report["warnings"]:
        print(f"  warning: {w}")
    names = sorted(p.name for p in out.iterdir() if p.is_file())
    print(f"wrote {out}/: {', '.join(names)}")


def long_run_config(args: argparse.Namespace, config: Config) -> Config:
    """``config`` with ``--windows LENGTH/EVERY`` or ``--full`` applied."""
    from formcheck.longrun import parse_windows_spec

    if getattr(args, "full", False):
        return with_overrides(config, {"long_run.mode": "full"})
    if getattr(args, "windows", None):
        window_s, every_s = parse_windows_spec(args.windows)
        overrides = {"long_run.window_s": window_s, "long_run.every_s": every_s}
        return with_overrides(config, {"long_run.mode": "windows", **overrides})
    return config


def cmd_analyze(args: argparse.Namespace, config: Config) -> int:
    """Run ``formcheck analyze``."""
    from formcheck.outdir import check_output_dir
    from formcheck.pipeline import analyze_run
    from formcheck.progress import make_progress

    config = long_run_config(args, config)
    options = clip_options(args)
    inputs = [*args.videos, *([args.config] if args.config else [])]
    check_output_dir(args.out, inputs=inputs)  # before reading any video
    result = analyze_run(
        list(args.videos),
        config=config,
        options=options,
        out_dir=args.out,
        progress=make_progress(quiet=args.quiet),
        annotated_video=not args.no_video,
        html=not args.no_html,
    )
    if not args.quiet:
        for k, pose in enumerate(result.pose):
            if pose.resumed_at_frame:  # also said on the progress bar, on a terminal only
                print(
                    f"video {k + 1}: the pose pass resumed from checkpoints at frame "
                    f"{pose.resumed_at_frame} of {pose.info.n_frames}"
                )
        _print_summary(result.report, args.out)
    return 0
