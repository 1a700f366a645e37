"""Bounded load test of the web app on loopback (issue 13).

Starts ``formcheck serve`` on a fresh data folder, then runs 20 concurrent
resumable uploads of a sample clip (64 KiB chunks, each upload ending with the
sandboxed probe) and 200 coach views (review page, review JSON, and annotated
video requests with random byte ranges) 20 at a time. Prints p50/p95 latency
per kind of request and the error count. No analysis runs (the uploads are not
submitted), so this measures the web tier alone.

    PYTHONPATH=. python benchmarks/bench_web.py [--uploads 20] [--views 200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "overstrider.mp4"
CHUNK = 64 * 1024
PASSWORD = "bench-web-passphrase"


class Http:
    """A tiny cookie-keeping HTTP client on one host (thread-local use)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, float]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        t0 = time.perf_counter()
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        elapsed = time.perf_counter() - t0
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";")[0]
        conn.close()
        return resp.status, data, elapsed

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, bytes, float]:
        return self.request(
            "POST",
            path,
            urllib.parse.urlencode(fields).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": self.cookies.get("csrftoken", ""),
                "Referer": f"http://127.0.0.1:{self.port}/",
            },
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup(data: Path) -> tuple[str, str]:
    """Coach, athlete, upload link and a finished session; returns (upload token, session uid)."""
    os.environ["FORMCHECK_DATA"] = str(data)
    from formcheck.web import ops

    ops.prepare(data, None)
    from formcheck.web.models import Athlete, RunSession, UploadLink, new_token

    ops.coach_add("bench@example.org", PASSWORD)
    from django.contrib.auth import get_user_model

    coach = get_user_model().objects.get(username="bench@example.org")
    athlete = Athlete.objects.create(coach=coach, name="bench")
    token, digest = new_token()
    UploadLink.objects.create(athlete=athlete, token_hash=digest, expires_at=UploadLink.expiry(1))
    session = RunSession.objects.create(athlete=athlete)
    run = data / "runs" / session.uid
    run.mkdir(parents=True)
    shutil.copy(SAMPLE, run / "annotated.mp4")
    report = {"videos": [{"fps": 60.0, "frames": 600}], "findings": [], "contacts": []}
    (run / "report.json").write_text(json.dumps(report))
    return token, session.uid


def _upload(port: int, token: str, video: bytes) -> list[tuple[str, int, float]]:
    client = Http(port)
    out = []
    status, body, dt = client.request("GET", f"/u/{token}")
    out.append(("upload page", status, dt))
    status, body, dt = client.post(f"/u/{token}/sessions", {})
    out.append(("create session", status, dt))
    session = json.loads(body)["session"]
    status, body, dt = client.post(
        f"/u/{token}/sessions/{session}/clips", {"size": str(len(video))}
    )
    out.append(("create clip", status, dt))
    clip = json.loads(body)["clip"]
    for start in range(0, len(video), CHUNK):
        part = video[start : start + CHUNK]
        status, body, dt = client.request(
            "PUT",
            f"/u/{token}/clips/{clip}",
            part,
            {
                "Content-Range": f"bytes {start}-{start + len(part) - 1}/{len(video)}",
                "Content-Type": "application/octet-stream",
                "X-CSRFToken": client.cookies.get("csrftoken", ""),
            },
        )
        last = start + len(part) >= len(video)
        out.append(("last chunk + probe" if last else "chunk", status, dt))
    if json.loads(body).get("state") != "received":
        out.append(("upload not received", 599, 0.0))
    return out


def _view(
    port: int, cookies: dict[str, str], uid: str, size: int, k: int
) -> tuple[str, int, float]:
    client = Http(port)
    client.cookies = dict(cookies)
    kind = ("review page", "review json", "video range")[k % 3]
    if kind == "review page":
        status, _, dt = client.request("GET", f"/sessions/{uid}")
    elif kind == "review json":
        status, _, dt = client.request("GET", f"/sessions/{uid}/review.json")
    else:
        start = random.randrange(size - 1)
        end = min(start + random.randrange(1, 256 * 1024), size - 1)
        status, _, dt = client.request(
            "GET", f"/sessions/{uid}/files/annotated.mp4", headers={"Range": f"bytes={start}-{end}"}
        )
        status = 200 if status == 206 else 500 + status
    return kind, status, dt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--views", type=int, default=200)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="formcheck-bench-web-"))
    token, uid = _setup(data)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "serve", "--port", str(port), "--data", str(data)],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Http(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.5)
        video = SAMPLE.read_bytes()
        results: list[tuple[str, int, float]] = []
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.uploads) as pool:
            for rows in pool.map(lambda _: _upload(port, token, video), range(args.uploads)):
                results.extend(rows)
        upload_wall = time.perf_counter() - t0
        coach = Http(port)
        coach.request("GET", "/login")
        page = coach.request("GET", "/login")[1].decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        fields = {"username": "bench@example.org", "password": PASSWORD}
        fields["csrfmiddlewaretoken"] = csrf.group(1) if csrf else ""
        status = coach.post("/login", fields)[0]
        assert status == 302, f"login failed: {status}"
        size = len(video)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(20) as pool:
            results.extend(
                pool.map(lambda k: _view(port, coach.cookies, uid, size, k), range(args.views))
            )
        view_wall = time.perf_counter() - t0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        shutil.rmtree(data, ignore_errors=True)
    errors = [r for r in results if r[1] >= 400]
    print(
        f"{args.uploads} concurrent uploads of {len(video)} bytes in {CHUNK // 1024} KiB "
        f"chunks: {upload_wall:.1f} s wall; {args.views} views, 20 at a time: "
        f"{view_wall:.1f} s wall"
    )
    print(f"{'request':<20} {'n':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for kind in sorted({r[0] for r in results}):
        times = sorted(1000 * r[2] for r in results if r[0] == kind)
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(f"{kind:<20} {len(times):>5} {statistics.median(times):>8.0f} {p95:>8.0f}")
    print(f"errors: {len(errors)}" + (f" {errors[:5]}" if errors else ""))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
