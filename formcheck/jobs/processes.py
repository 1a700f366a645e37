"""Process entry points: ``formcheck worker`` (huey consumer + reaper) and ``formcheck serve``.

``serve`` runs two children in their own process groups: gunicorn (the web
app) and one ``formcheck worker`` (local consumer on the SQLite queue). On
SIGINT/SIGTERM it stops both (SIGTERM, then SIGKILL after a grace period);
if either dies, it stops the other and exits non-zero.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger("formcheck.jobs")

GRACE_S = 10.0


def _reaper_loop(interval_s: float, stop: threading.Event) -> None:
    from django.db import close_old_connections

    from formcheck.jobs.store import reap

    while not stop.wait(interval_s):
        try:
            close_old_connections()
            reap()
        except Exception:  # the reaper must outlive a locked database or a queue outage
            log.exception("event=reaper_error")


def run_worker(*, workers: int | None = None) -> int:
    """Run the huey consumer in this process (Django already set up), with a reaper thread."""
    from django.conf import settings
    from huey.contrib.djhuey import HUEY

    import formcheck.jobs.tasks  # noqa: F401  (registers the task with the consumer)

    web = settings.FORMCHECK_WEB
    stop = threading.Event()
    reaper = threading.Thread(
        target=_reaper_loop, args=(web.reaper_interval_s, stop), name="reaper", daemon=True
    )
    reaper.start()
    logging.getLogger("huey").setLevel(logging.WARNING)
    consumer = HUEY.create_consumer(
        workers=workers or web.workers, worker_type="thread", check_worker_health=True
    )
    log.info(
        "event=worker_start queue=%s workers=%s pid=%s",
        web.queue,
        workers or web.workers,
        os.getpid(),
    )
    try:
        consumer.run()
    finally:
        stop.set()
    return 0


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def run_serve(*, host: str, port: int, data: Path, web_workers: int = 2) -> int:
    """Run gunicorn and a local worker until interrupted; returns the exit code."""
    env = dict(os.environ)
    gunicorn = [
        sys.executable, "-m", "gunicorn", "formcheck.web.wsgi:application",
        "--bind", f"{host}:{port}", "--workers", str(web_workers),
        "--worker-class", "gthread", "--threads", "4", "--timeout", "120",
        "--graceful-timeout", "10", "--access-logfile", "-", "--no-control-socket",
    ]  # fmt: skip
    worker = [sys.executable, "-m", "formcheck", "worker", "--data", str(data)]
    children = [
        subprocess.Popen(gunicorn, env=env, start_new_session=True),
        subprocess.Popen(worker, env=env, start_new_session=True),
    ]
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"formcheck serving on http://{host}:{port}/ (data: {data})", file=sys.stderr, flush=True)
    code = 0
    while not stopping.is_set():
        if any(c.poll() is not None for c in children):
            code = 1
            log.error("event=child_exited codes=%s", [c.poll() for c in children])
            break
        stopping.wait(0.5)
    _stop(children)
    return code
