"""The ``formcheck analyze`` command (arguments and entry)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from formcheck.config import Config
from formcheck.errors import FormcheckError


def add_analyze_parser(
    sub: Any,
    add_common: Callable[[argparse.ArgumentParser], None],
    add_pose_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register ``analyze`` on the sub-command parser."""
    parser = sub.add_parser("analyze", help="analyse running form and write a report")
    parser.add_argument("videos", nargs="+", help="one video, or several clips of one run")
    parser.add_argument("-o", "--out", required=True, help="output folder")
    add_common(parser)
    add_pose_options(parser)


def cmd_analyze(args: argparse.Namespace, config: Config) -> int:
    """Run the analysis (not yet available)."""
    raise FormcheckError("formcheck analyze is not implemented yet")
