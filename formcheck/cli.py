"""Command-line interface: ``formcheck setup | info | pose | analyze | batch`` and the service
commands ``serve | worker | coach add | backup`` (:mod:`formcheck.web.cli_web`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from formcheck import __version__
from formcheck.config import Config, load_config, with_overrides
from formcheck.errors import FormcheckError
from formcheck.native_log import native_stderr_captured
from formcheck.progress import make_progress


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML configuration file")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="let MediaPipe's own log lines through to the terminal",
    )


def _add_pose_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=["video", "image"], help="MediaPipe running mode")
    parser.add_argument("--num-poses", type=int, help="people detected per frame")
    parser.add_argument("--model", type=Path, help="pose model bundle (.task)")
    parser.add_argument(
        "--workers", type=int, help="frames analysed in parallel (0 = one per CPU core)"
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="formcheck",
        description="Running-form analysis from side-view video.",
    )
    parser.add_argument("--version", action="version", version=f"formcheck {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    setup = sub.add_parser("setup", help="build the offline pose model bundle (needs PyPI once)")
    setup.add_argument("--force", action="store_true", help="rebuild even if present and valid")
    setup.add_argument("--wheel", type=Path, help="use this mediapipe-0.10.21 wheel file")
    setup.add_argument("--out", type=Path, help="where to write the bundle")

    info = sub.add_parser("info", help="print what a video file holds")
    info.add_argument("video", type=Path)
    info.add_argument("--json", action="store_true", help="print JSON")

    pose = sub.add_parser("pose", help="extract the runner's pose track")
    pose.add_argument("video", type=Path)
    pose.add_argument("-o", "--out", type=Path, required=True, help="output folder")
    _add_common(pose)
    _add_pose_options(pose)

    from formcheck.cli_analyze import add_analyze_parser

    add_analyze_parser(sub, _add_common, _add_pose_options)

    from formcheck.cli_batch import add_batch_parser

    add_batch_parser(sub, _add_common, _add_pose_options)
    from formcheck.web.cli_web import add_web_parsers

    add_web_parsers(sub)
    return parser


def config_from_args(args: argparse.Namespace) -> Config:
    """Load ``--config`` and apply the CLI flags that override its fields."""
    config = load_config(getattr(args, "config", None))
    overrides: dict[str, Any] = {}
    if getattr(args, "mode", None):
        overrides["pose.running_mode"] = args.mode
    if getattr(args, "num_poses", None) is not None:
        overrides["pose.num_poses"] = args.num_poses
    if getattr(args, "model", None) is not None:
        overrides["pose.model_path"] = str(args.model)
    if getattr(args, "workers", None) is not None:
        overrides["pose.workers"] = args.workers
    return with_overrides(config, overrides)


def _cmd_setup(args: argparse.Namespace) -> int:
    from formcheck.capture.model_bundle import build_bundle

    path = build_bundle(
        out_path=args.out,
        wheel_path=args.wheel,
        force=args.force,
        log=lambda line: print(line, file=sys.stderr),
    )
    print(f"pose model bundle ready: {path}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from formcheck.capture.video import probe_video

    info = probe_video(args.video)
    fields = {
        "path": str(info.path),
        "width": info.width,
        "height": info.height,
        "fps": round(info.fps, 3),
        "frames": info.n_frames,
        "duration_s": round(info.duration_s, 3),
        "rotation_deg": info.rotation_deg,
        "codec": info.codec,
    }
    if args.json:
        print(json.dumps(fields, indent=2))
    else:
        for key, value in fields.items():
            print(f"{key:>13}: {value}")
    return 0


def _cmd_pose(args: argparse.Namespace) -> int:
    from formcheck.outdir import check_output_dir, staged_output
    from formcheck.pipeline import extract_pose, write_pose_outputs

    config = config_from_args(args)
    out_dir: Path = args.out
    inputs = [args.video, *([args.config] if args.config else [])]
    check_output_dir(out_dir, inputs=inputs)  # before the long pose pass, not after it
    result = extract_pose(
        args.video,
        config=config,
        cache_dir=out_dir if out_dir.is_dir() else None,
        progress=make_progress(quiet=args.quiet),
    )
    with staged_output(out_dir, inputs=inputs) as staging:
        write_pose_outputs(result, staging)
    track = result.track
    if not args.quiet:
        print(
            f"{args.video}: {track.n_frames} frames, runner detected on "
            f"{100 * track.detection_rate:.1f} %, people seen: {len(result.people)}, "
            f"analysed person {result.runner_index}"
            + (" (pose from cache)" if result.from_cache else "")
        )
        print(f"wrote {out_dir}/pose.csv, pose_track.npz, people.json, people.png")
    return 0


_COMMANDS = {"setup": _cmd_setup, "info": _cmd_info, "pose": _cmd_pose}


def _run(args: argparse.Namespace) -> int:
    if args.command == "analyze":
        from formcheck.cli_analyze import cmd_analyze

        return cmd_analyze(args, config_from_args(args))
    if args.command == "batch":
        from formcheck.cli_batch import cmd_batch

        return cmd_batch(args, config_from_args(args))
    if args.command in ("serve", "worker", "coach", "backup"):
        from formcheck.web.cli_web import run

        return run(args)
    return _COMMANDS[args.command](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        with native_stderr_captured(enabled=not getattr(args, "verbose", True)):
            return _run(args)
    except FormcheckError as exc:
        print(f"formcheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # a file-system failure the checks above could not foresee
        print(f"formcheck: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        return 130
