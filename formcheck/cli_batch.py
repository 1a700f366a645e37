"""The ``formcheck batch`` command: arguments, local pool or shared queue, exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from formcheck.config import Config
from formcheck.errors import ConfigError
from formcheck.jobs.batch import BatchSettings


def add_batch_parser(
    sub: Any,
    add_common: Callable[[argparse.ArgumentParser], None],
    add_pose_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``batch`` on the sub-command parser."""
    from pathlib import Path

    from formcheck.cli_analyze import add_clip_facts

    batch = sub.add_parser(
        "batch",
        help="analyse every video in a folder (worker pool or shared queue, resumable, summary)",
        description="Analyse every video in FOLDER into OUT/<name>/ with a pool of worker "
        "processes, or with --redis on the workers of a shared queue; finished videos are "
        "skipped on a re-run; a bad file is reported and the rest continue; "
        "OUT/summary.csv and summary.html list every video.",
    )
    batch.add_argument("folder", type=Path, help="folder of videos (not searched recursively)")
    batch.add_argument("-o", "--out", required=True, type=Path, help="output folder")
    batch.add_argument(
        "--jobs", type=int, default=0, help="worker processes (0 = sized to cores and memory)"
    )
    batch.add_argument(
        "--redis",
        metavar="URL",
        help="run on the shared queue at URL (e.g. redis://host:6379/0) instead of a local "
        "pool: `formcheck worker --redis URL` on each machine does the work; FOLDER and OUT "
        "must be at the same paths on every worker (a shared folder)",
    )
    add_clip_facts(batch, height=False)
    batch.add_argument("--no-video", action="store_true", help="skip annotated.mp4")
    batch.add_argument("--no-html", action="store_true", help="skip report.html")
    long_run = batch.add_mutually_exclusive_group()
    long_run.add_argument("--windows", metavar="LENGTH/EVERY", help="long-run mode, e.g. 20s/2m")
    long_run.add_argument("--full", action="store_true", help="analyse every frame")
    add_common(batch)
    add_pose_options(batch)


def batch_settings(args: argparse.Namespace, config: Config) -> BatchSettings:
    """What every video is analysed with, from the command line."""
    from formcheck.cli_analyze import long_run_config, shared_options

    return BatchSettings(
        config=long_run_config(args, config),
        clip=shared_options(args),
        annotated_video=not args.no_video,
        html=not args.no_html,
    )


def cmd_batch(args: argparse.Namespace, config: Config) -> int:
    """Run ``formcheck batch``."""
    from formcheck.jobs.batch import LocalPool, Runner, run_batch

    if args.jobs < 0:
        raise ConfigError(f"--jobs: expected 0 (automatic) or more, got {args.jobs}")
    if args.redis and args.jobs:
        raise ConfigError("--jobs and --redis: expected one of them (the workers size the queue)")
    settings = batch_settings(args, config)
    runner: Runner
    if args.redis:
        from formcheck.jobs.batch_queue import QueueRunner

        runner = QueueRunner.connect(args.redis)
    else:
        runner = LocalPool(jobs=args.jobs)
    result = run_batch(
        args.folder,
        args.out,
        settings=settings,
        runner=runner,
        log=None if args.quiet else lambda line: print(line, file=sys.stderr, flush=True),
    )
    if not args.quiet:
        print(f"wrote {args.out}/summary.csv and summary.html")
    if result.failed:
        print(
            f"formcheck: error: {result.failed} of {len(result.rows)} videos failed "
            "(see summary.csv)",
            file=sys.stderr,
        )
        return 1
    return 0
