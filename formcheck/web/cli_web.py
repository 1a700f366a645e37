"""The service sub-commands: ``serve``, ``worker``, ``coach add``, ``backup``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from formcheck.errors import ConfigError

COMMANDS = ("serve", "worker", "coach", "backup")


def add_web_parsers(sub: Any) -> None:
    """Register the service sub-commands."""
    serve = sub.add_parser("serve", help="run the web app and a local worker (one machine)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    _add_data(serve)

    worker = sub.add_parser("worker", help="run analysis workers (on this or another machine)")
    worker.add_argument("--redis", help="Redis URL of the shared queue, e.g. redis://host:6379/0")
    worker.add_argument("--workers", type=int, help="jobs run at once in this process")
    _add_data(worker)

    coach = sub.add_parser("coach", help="manage coach accounts")
    coach_sub = coach.add_subparsers(dest="coach_command", required=True)
    add = coach_sub.add_parser("add", help="create a coach account")
    add.add_argument("email")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    _add_data(add)

    backup = sub.add_parser("backup", help="copy the database safely while the app runs")
    _add_data(backup)


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, help="data folder (default ./formcheck-data)")
    parser.add_argument(
        "--config", type=Path, help="TOML configuration file (with a [web] section)"
    )


def run(args: argparse.Namespace) -> int:
    """Run one service sub-command."""
    from formcheck.web import ops

    if args.command == "worker" and args.redis:
        os.environ["FORMCHECK_REDIS_URL"] = args.redis
    root = ops.prepare(args.data, args.config)
    if args.command == "serve":
        from formcheck.jobs.processes import run_serve

        return run_serve(host=args.host, port=args.port, data=root)
    if args.command == "worker":
        from formcheck.jobs.processes import run_worker

        return run_worker(workers=args.workers)
    if args.command == "backup":
        print(ops.backup(root))
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise ConfigError("coach add: the two passwords differ")
    ops.coach_add(args.email, password)
    print(f"coach {args.email} added")
    return 0
