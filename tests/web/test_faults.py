"""Fault tests with real worker processes (``formcheck worker``) on SqliteHuey and RedisHuey.

The analysis is the stand-in of :mod:`tests.web.fake_analysis` (these tests are
about the job machinery; the real pipeline runs in test_end_to_end.py). The
worker runs in its own process group, which the test SIGKILLs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FAST_JOBS = """
[web]
heartbeat_s = 0.3
stale_after_s = 2.0
reaper_interval_s = 0.5
retry_backoff_s = 0.5
max_attempts = 2
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=["sqlite", "redis"])
def queue_env(request: Any, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for jobctl and workers: a fresh data folder and the queue kind."""
    config = tmp_path / "web.toml"
    config.write_text(FAST_JOBS, encoding="utf-8")
    env = dict(os.environ)
    env.update(
        FORMCHECK_DATA=str(tmp_path / "data"),
        FORMCHECK_CONFIG=str(config),
        DJANGO_SETTINGS_MODULE="tests.web.worker_settings",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    env.pop("FORMCHECK_REDIS_URL", None)
    server = None
    if request.param == "redis":
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
        port = _free_port()
        server = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        env["FORMCHECK_REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        _wait(lambda: _port_open(port), 10, "redis-server did not start")
    yield env
    if server is not None:
        server.terminate()
        server.wait(10)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait(ok: Any, timeout_s: float, message: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if ok():
            return
        time.sleep(0.2)
    raise AssertionError(message)


def _enqueue(env: dict[str, str], video: Path, n: int = 1) -> list[int]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.web.jobctl", "enqueue", str(video), str(n)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return [int(x) for x in out.stdout.split()]


def _worker(env: dict[str, str], **extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "formcheck", "worker"],
        env={**env, **extra}, cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _job(env: dict[str, str], job_id: int) -> dict[str, Any]:
    with sqlite3.connect(Path(env["FORMCHECK_DATA"]) / "db.sqlite3", timeout=20) as db:
        row = db.execute(
            "SELECT status, attempt, progress, error, worker FROM web_job WHERE id = ?", (job_id,)
        ).fetchone()
    return dict(zip(("status", "attempt", "progress", "error", "worker"), row, strict=True))


def _attempts(env: dict[str, str]) -> list[str]:
    log = Path(env["FORMCHECK_DATA"]) / "fake_attempts.log"
    return log.read_text().splitlines() if log.exists() else []


def test_sigkill_mid_job_then_restart_succeeds_on_the_next_attempt(
    queue_env: dict[str, str], video_3s: Path
) -> None:
    (job_id,) = _enqueue(queue_env, video_3s)
    upload = next((Path(queue_env["FORMCHECK_DATA"]) / "uploads").iterdir())
    digest = hashlib.sha256(upload.read_bytes()).hexdigest()
    first = _worker(queue_env, FORMCHECK_FAKE="slow", FORMCHECK_FAKE_S="8")
    try:
        _wait(lambda: _job(queue_env, job_id)["progress"] > 0, 60, "no progress heartbeat")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        _stop(first)
    job = _job(queue_env, job_id)
    assert (job["status"], job["attempt"]) == ("running", 1)
    assert 0 < job["progress"] < 1
    second = _worker(queue_env, FORMCHECK_FAKE="slow", FORMCHECK_FAKE_S="1")
    try:
        _wait(lambda: _job(queue_env, job_id)["status"] == "succeeded", 90, "not re-run")
    finally:
        _stop(second)
    job = _job(queue_env, job_id)
    assert (job["attempt"], job["progress"], job["error"]) == (2, 1.0, "")
    pids = {line.split()[0] for line in _attempts(queue_env)}
    assert len(_attempts(queue_env)) == 2 and len(pids) == 2
    assert hashlib.sha256(upload.read_bytes()).hexdigest() == digest  # the upload is intact


def test_a_job_that_kills_its_worker_every_time_ends_worker_lost(
    queue_env: dict[str, str], video_3s: Path
) -> None:
    (job_id,) = _enqueue(queue_env, video_3s)
    starts = 0
    deadline = time.monotonic() + 120
    while _job(queue_env, job_id)["status"] != "failed" and time.monotonic() < deadline:
        worker = _worker(queue_env, FORMCHECK_FAKE="kill")
        starts += 1
        try:
            _wait(
                lambda w=worker: (
                    w.poll() is not None or _job(queue_env, job_id)["status"] == "failed"
                ),
                60,
                "the worker neither died nor failed the job",
            )
        finally:
            _stop(worker)
    job = _job(queue_env, job_id)
    assert job["status"] == "failed"
    assert job["error"].startswith("worker lost")
    assert job["attempt"] == 2
    assert len(_attempts(queue_env)) == 2
    # a fresh worker does not pick the failed job up again: no loop
    worker = _worker(queue_env, FORMCHECK_FAKE="kill")
    try:
        time.sleep(4)
        assert worker.poll() is None
    finally:
        _stop(worker)
    assert len(_attempts(queue_env)) == 2
    assert starts <= 4


def test_two_workers_share_a_queue_of_six_jobs(queue_env: dict[str, str], video_3s: Path) -> None:
    workers = [_worker(queue_env, FORMCHECK_FAKE="slow", FORMCHECK_FAKE_S="1.5") for _ in range(2)]
    try:
        ids = _enqueue(queue_env, video_3s, 6)
        _wait(
            lambda: all(_job(queue_env, j)["status"] == "succeeded" for j in ids),
            120,
            "not all six jobs succeeded",
        )
    finally:
        for worker in workers:
            _stop(worker)
    jobs = [_job(queue_env, j) for j in ids]
    assert all(j["attempt"] == 1 for j in jobs)
    assert len({j["worker"] for j in jobs}) == 2  # both workers took jobs
