"""``formcheck batch --redis``: the batch on a shared huey queue.

The first tests run the client and stand-in workers in this process on huey's
in-memory queue with the stand-in analysis of test_batch.py (the task body is
the real one). The integration test starts redis-server on a loopback port,
two ``formcheck worker --redis`` processes and ``formcheck batch --redis`` on
rendered clips and a bad file.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from huey import MemoryHuey
from huey.api import Huey

from formcheck.jobs.batch import NOT_ANALYSED, run_batch
from formcheck.jobs.batch_queue import QueueRunner, beat_key, register_batch_task
from tests.test_batch import SETTINGS, _folder, fake_analyse

ROOT = Path(__file__).resolve().parents[1]
Mode = Literal["run", "die", "die_after_beat"]


class StandInWorker(threading.Thread):
    """Takes tasks off the in-memory queue: runs them, or takes them and dies as told."""

    def __init__(self, huey: Huey, modes: list[Mode] | None = None):
        super().__init__(daemon=True)
        self.huey, self.modes = huey, list(modes or [])
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            task = self.huey.dequeue()
            if task is None:
                time.sleep(0.01)
                continue
            mode = self.modes.pop(0) if self.modes else "run"
            if mode == "run":
                self.huey.execute(task)
            elif mode == "die_after_beat":  # started, beat once, then vanished
                self.huey.storage.put_data(beat_key(task.id), b"ghost:77 0")


@pytest.fixture
def huey() -> Huey:
    return MemoryHuey("formcheck-test")


def _runner(huey: Huey, **options: Any) -> QueueRunner:
    task = register_batch_task(huey, analyse=fake_analyse)
    return QueueRunner(task=task, poll_s=0.02, status_every_s=0.2, **options)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_queue_batch_runs_like_the_local_pool(huey: Huey, tmp_path: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    (folder / "d.mp4").write_bytes(b"walking, filmed from the side")
    workers = [StandInWorker(huey) for _ in range(2)]
    for w in workers:
        w.start()
    lines: list[str] = []
    runner = _runner(huey)
    try:
        result = run_batch(folder, out, settings=SETTINGS, runner=runner, log=lines.append)
        rows = {r["video"]: r for r in _csv(out / "summary.csv")}
        # Re-run: the finished videos are not queued; the bad one is, and fails again.
        again = run_batch(folder, out, settings=SETTINGS, runner=runner, log=lines.append)
    finally:
        for w in workers:
            w.stop.set()
    assert list(rows) == ["a.mp4", "b.MOV", "bad.mp4", "c.mp4", "d.mp4"]
    assert [r["status"] for r in rows.values()] == ["ok", "ok", "failed", "ok", NOT_ANALYSED]
    assert "VideoError" in rows["bad.mp4"]["error"] and "bad.mp4" in rows["bad.mp4"]["error"]
    assert rows["a.mp4"]["cadence_spm"] == "171.00"  # 170 + len("a")
    assert rows["a.mp4"]["worker"] == f"{socket.gethostname()}:{os.getpid()}"
    assert (out / "c" / "report.json").is_file() and result.failed == 1
    assert any(line.startswith("[5/5] ") for line in lines)
    assert any("bad.mp4: failed (VideoError" in line for line in lines)
    statuses = [r["status"] for r in again.rows]
    assert statuses == ["skipped", "skipped", "failed", "skipped", NOT_ANALYSED]
    assert "5 videos: 4 finished earlier (skipped), 1 to analyse" in lines
    assert huey.pending_count() == 0 and huey.result_count() == 0  # results and beats read


def test_a_symlinked_video_keeps_its_name_through_the_queue(huey: Huey, tmp_path: Path) -> None:
    # The client used to send the resolved path: the worker's row then named
    # the link's target, the client could not match it (KeyError) and the
    # batch ended without a summary.
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "IMG_0001.mp4").write_bytes(b"running, filmed from the side")
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "alice.mp4").symlink_to(raw / "IMG_0001.mp4")
    worker = StandInWorker(huey)
    worker.start()
    try:
        result = run_batch(folder, tmp_path / "out", settings=SETTINGS, runner=_runner(huey))
    finally:
        worker.stop.set()
    assert [(r["video"], r["output"], r["status"]) for r in result.rows] == [
        ("alice.mp4", "alice", "ok")
    ]
    assert (tmp_path / "out" / "alice" / "report.json").is_file()
    assert [r["video"] for r in _csv(tmp_path / "out" / "summary.csv")] == ["alice.mp4"]


def test_a_task_whose_worker_dies_is_reported_not_waited_for(huey: Huey, tmp_path: Path) -> None:
    """At most once: two tasks taken by workers that die (one before starting,
    one after its first heartbeat) become failed rows after lost_after_s."""
    folder, out = _folder(tmp_path), tmp_path / "out"
    for name in ("b.MOV", "bad.mp4", "c.mp4"):
        (folder / name).unlink()
    (folder / "z.mp4").write_bytes(b"fake video z")
    worker = StandInWorker(huey, ["die", "die_after_beat"])
    worker.start()
    t0 = time.monotonic()
    lines: list[str] = []
    try:
        runner = _runner(huey, lost_after_s=0.6, beat_s=0.05)
        result = run_batch(folder, out, settings=SETTINGS, runner=runner, log=lines.append)
    finally:
        worker.stop.set()
    assert time.monotonic() - t0 < 10
    assert any("1 running on ghost:77 (1 without a heartbeat for up to" in x for x in lines)
    a, z = result.rows
    assert a["status"] == z["status"] == "failed"
    assert a["error"].startswith("worker lost: the task left the queue but no worker reported")
    assert z["error"].startswith("worker lost: ghost:77 stopped its heartbeat")
    assert z["worker"] == "ghost:77"
    assert not (out / "a").exists() and not (out / "z").exists()


def test_tasks_waiting_for_a_worker_are_not_lost(huey: Huey, tmp_path: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    (folder / "bad.mp4").unlink()
    worker = StandInWorker(huey)
    threading.Timer(1.0, worker.start).start()  # no worker for 5x lost_after_s
    lines: list[str] = []
    try:
        runner = _runner(huey, lost_after_s=0.2, beat_s=0.05)
        result = run_batch(folder, out, settings=SETTINGS, runner=runner, log=lines.append)
    finally:
        worker.stop.set()
    assert [r["status"] for r in result.rows] == ["ok", "ok", "ok"]
    assert any("0 of 3 done; 0 running; 3 waiting in the queue" in line for line in lines)


def test_interrupting_the_client_revokes_the_queued_tasks(huey: Huey, tmp_path: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        if line.startswith("queued"):
            raise KeyboardInterrupt  # Ctrl-C while waiting

    with pytest.raises(KeyboardInterrupt):
        run_batch(folder, out, settings=SETTINGS, runner=_runner(huey), log=say)
    assert huey.pending_count() == 4
    assert "stopped waiting: revoked 4 task(s) not yet seen running" in lines[-1]
    worker = StandInWorker(huey)
    worker.start()
    deadline = time.monotonic() + 10
    while huey.pending_count() and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.stop.set()
    assert huey.pending_count() == 0
    assert [p.name for p in out.iterdir()] == []  # the worker ran none of them


# --- two real workers on a real Redis -------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"redis-server did not listen on port {port}")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A throwaway redis-server on a free loopback port (skips when not installed)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_port(port, 10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORMCHECK_")}
    env["DJANGO_SETTINGS_MODULE"] = "formcheck.web.settings"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _start_worker(
    redis_url: str, data: Path, log_path: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """``formcheck worker --redis URL`` in its own process group, output to ``log_path``."""
    command = [sys.executable, "-m", "formcheck", "worker", "--redis", redis_url, "--data", data]
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [str(c) for c in command],
            env=env, cwd=ROOT, start_new_session=True, stdout=log, stderr=log,
        )  # fmt: skip


def _render(folder: Path) -> list[str]:
    """Three small rendered running clips (320x240, 30 fps, 4-5 s)."""
    from formcheck.synthetic.camera import CameraParams
    from formcheck.synthetic.kinematics import RunnerParams
    from formcheck.synthetic.render import render_clip

    camera = CameraParams(width=320, height=240, scale_px_per_m=115.0, ground_origin_px=(160, 226))
    names = []
    for k, duration_s in enumerate((4.0, 4.5, 5.0), start=1):
        path = folder / f"run{k}.mp4"
        render_clip(params=RunnerParams(), path=path, duration_s=duration_s, fps=30, camera=camera)
        path.with_suffix(".truth.json").unlink()
        names.append(path.name)
    return names


@pytest.mark.integration
def test_two_workers_drain_one_batch_queue(redis_url: str, tmp_path: Path) -> None:
    folder, out = tmp_path / "videos", tmp_path / "out"
    folder.mkdir()
    good = _render(folder)
    (folder / "broken.mp4").write_bytes(b"not a video at all")
    env = _env()
    logs = [tmp_path / "worker1.log", tmp_path / "worker2.log"]
    # two "machines": each its own data folder, one queue, one shared OUT
    workers = [
        _start_worker(redis_url, tmp_path / f"data{k}", log, env) for k, log in enumerate(logs)
    ]
    batch = [sys.executable, "-m", "formcheck", "batch", str(folder), "-o", str(out),
             "--redis", redis_url, "--no-video"]  # fmt: skip
    try:
        first = subprocess.run(batch, env=env, cwd=ROOT, capture_output=True, text=True,
                               timeout=600)  # fmt: skip
        rows = {r["video"]: r for r in _csv(out / "summary.csv")}
        second = subprocess.run(batch, env=env, cwd=ROOT, capture_output=True, text=True,
                                timeout=120)  # fmt: skip
    finally:
        for worker in workers:
            _stop(worker)
    assert first.returncode == 1, first.stderr  # the broken file failed
    assert sorted(rows) == sorted([*good, "broken.mp4"])
    for name in good:
        assert rows[name]["status"] == "ok", rows[name]
        assert float(rows[name]["cadence_spm"]) == pytest.approx(170.0, abs=3.0)
        stem = name.removesuffix(".mp4")
        assert (out / stem / "report.json").is_file() and (out / stem / "report.html").is_file()
    assert rows["broken.mp4"]["status"] == "failed"
    assert "broken.mp4" in rows["broken.mp4"]["error"]
    assert not (out / "broken").exists()
    # both workers ran tasks: the rows name them, and so do their logs
    pids = {w.pid for w in workers}
    ran = {int(r["worker"].rsplit(":", 1)[1]) for r in rows.values()}
    assert ran == pids
    for log_path in logs:
        assert "event=batch_end" in log_path.read_text()
    assert "[4/4]" in first.stderr and "broken.mp4: failed" in first.stderr
    # the re-run skips the three finished clips and tries the broken file again
    assert second.returncode == 1, second.stderr
    assert "4 videos: 3 finished earlier (skipped), 1 to analyse" in second.stderr
    again = {r["video"]: r["status"] for r in _csv(out / "summary.csv")}
    assert again == {**dict.fromkeys(good, "skipped"), "broken.mp4": "failed"}
