"""Probe an uploaded file in a child process with a time and memory limit.

FFmpeg parses untrusted bytes here, so the probe runs in its own process:
``python -m formcheck.web.probe FILE MEMORY_MB`` sets ``RLIMIT_AS`` and
``RLIMIT_CPU`` on itself before importing PyAV, prints one JSON line, and is
killed by the parent after ``timeout_s``. The content decides, never the
file extension.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class ProbeResult:
    """What the probe found: either ``error`` or the video's numbers."""

    error: str = ""
    fps: float = 0.0
    n_frames: int = 0
    duration_s: float = 0.0
    width: int = 0
    height: int = 0
    codec: str = ""


def probe_file(path: str, *, timeout_s: float, memory_mb: int) -> ProbeResult:
    """Probe ``path`` in a limited child process."""
    cmd = [sys.executable, "-m", "formcheck.web.probe", path, str(memory_mb), str(timeout_s)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return ProbeResult(error=f"the file could not be read within {timeout_s:g} s")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return ProbeResult(error="the file is not a video formcheck can read")
    data = json.loads(lines[-1])
    if data.get("error"):
        return ProbeResult(error=str(data["error"]))
    return ProbeResult(**{k: data[k] for k in ProbeResult.__dataclass_fields__ if k in data})


def _main(argv: list[str]) -> int:
    path, memory_mb, timeout_s = argv[0], int(argv[1]), float(argv[2])
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = int(timeout_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    from formcheck.capture.video import probe_video
    from formcheck.errors import FormcheckError

    try:
        info = probe_video(path)
    except FormcheckError:
        print(json.dumps({"error": "the file is not a video formcheck can read"}))
        return 0
    out = {
        "fps": info.fps,
        "n_frames": info.n_frames,
        "duration_s": info.duration_s,
        "width": info.width,
        "height": info.height,
        "codec": info.codec,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
