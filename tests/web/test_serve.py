"""``formcheck serve`` as a user runs it: a restart in the middle of an upload, and a
clean shutdown on SIGTERM (no child left behind)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.web.test_faults import ROOT, _free_port

pytestmark = pytest.mark.integration


class _Client:
    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, {}  # type: ignore[var-annotated]

    def call(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        hdrs = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        hdrs["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        hdrs.update(headers or {})
        conn.request(method, path, body=body or None, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";")[0]
        conn.close()
        return resp.status, data

    def form(self, path: str, body: str) -> dict[str, str]:
        status, data = self.call(
            "POST", path, body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 200, (status, data)
        return dict(json.loads(data))


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "serve", "--port", str(port)],
        env=env, cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if _Client(port).call("GET", "/healthz")[0] == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    raise AssertionError("formcheck serve did not start")


def _children(pid: int) -> list[int]:
    """``pid``'s descendants (the children run in process groups of their own)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    kids = [int(x) for x in out.stdout.split()]
    return kids + [g for k in kids for g in _children(k)]


def test_restart_mid_upload_resumes_and_shutdown_is_clean(tmp_path: Path, video_3s: Path) -> None:
    env = dict(os.environ)
    env.update(
        FORMCHECK_DATA=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    env.pop("FORMCHECK_REDIS_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    token = subprocess.run(
        [sys.executable, "-m", "tests.web.jobctl", "link"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    ).stdout.strip()  # fmt: skip
    data = video_3s.read_bytes()
    half = len(data) // 2
    port = _free_port()
    server = _serve(env, port)
    client = _Client(port)
    assert client.call("GET", f"/u/{token}")[0] == 200
    session = client.form(f"/u/{token}/sessions", "")["session"]
    clip = client.form(f"/u/{token}/sessions/{session}/clips", f"size={len(data)}")["clip"]
    status, _ = client.call(
        "PUT", f"/u/{token}/clips/{clip}", data[:half],
        {"Content-Range": f"bytes 0-{half - 1}/{len(data)}"},
    )  # fmt: skip
    assert status == 200
    family = _children(server.pid)
    assert len(family) >= 4  # gunicorn master and its two workers, the job worker
    os.killpg(server.pid, signal.SIGTERM)
    assert server.wait(30) == 0
    time.sleep(0.5)
    alive = [p for p in family if Path(f"/proc/{p}").exists()]
    assert alive == []  # nothing left behind

    server = _serve(env, port)
    try:
        status, body = client.call("GET", f"/u/{token}/clips/{clip}")
        assert json.loads(body)["offset"] == half
        status, body = client.call(
            "PUT", f"/u/{token}/clips/{clip}", data[half:],
            {"Content-Range": f"bytes {half}-{len(data) - 1}/{len(data)}"},
        )  # fmt: skip
        assert (status, json.loads(body)["state"]) == (200, "received")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    stored = tmp_path / "data" / "uploads" / clip
    assert stored.read_bytes() == data
