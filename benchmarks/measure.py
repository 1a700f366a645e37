"""How a case is measured: its own process, wall and CPU time, peak memory, other load.

Every case runs in a fresh Python subprocess (``python -m benchmarks.cases``),
so its peak resident memory is its own; the parent records the CPU time the
rest of the machine used meanwhile, because the machine is shared.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
CASE_TIMEOUT_S = 3600.0


def peak_rss_mib() -> float:
    """Peak resident set size of this process, MiB (VmHWM, else ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


class StageTimer:
    """A progress reporter that times each stage (``start`` to ``finish``) by label."""

    def __init__(self) -> None:
        self.first_start = math.nan
        self.seconds: dict[str, float] = {}
        self.frames: dict[str, int] = {}
        self._label = ""
        self._t0 = math.nan

    def start(self, *, total: int, label: str) -> None:
        """Record the start of a stage."""
        self._label, self._t0 = label, time.perf_counter()
        if math.isnan(self.first_start):
            self.first_start = self._t0

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more frames of the current stage."""
        self.frames[self._label] = self.frames.get(self._label, 0) + n

    def finish(self) -> None:
        """Record the end of the current stage."""
        elapsed = time.perf_counter() - self._t0
        self.seconds[self._label] = self.seconds.get(self._label, 0.0) + elapsed


def cpu_busy_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores), or NaN."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return math.nan
    # user nice system idle iowait irq softirq steal; guest time is inside user.
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    """CPU seconds used by the waited-for child processes of this process."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_case(spec: dict[str, Any], *, tmp: Path) -> dict[str, Any]:
    """Run one case (``benchmarks.cases.run_worker(spec)``) in a fresh subprocess.

    Returns the worker's result plus ``case_wall_s``, ``case_cpu_s`` and
    ``other_load_cores`` (mean CPU use of every other process meanwhile).
    """
    name = spec["name"]
    spec_path, result_path = tmp / f"{name}.spec.json", tmp / f"{name}.result.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    result_path.unlink(missing_ok=True)
    env = {**os.environ, "GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "benchmarks.cases", str(spec_path), str(result_path)]
    busy0, cpu0, t0 = cpu_busy_s(), children_cpu_s(), time.perf_counter()
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=CASE_TIMEOUT_S,
        check=False,
    )
    wall, cpu = time.perf_counter() - t0, children_cpu_s() - cpu0
    if proc.returncode != 0 or not result_path.is_file():
        raise RuntimeError(f"case {name} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    raw: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    raw["case_wall_s"], raw["case_cpu_s"] = wall, cpu
    raw["other_load_cores"] = max((cpu_busy_s() - busy0 - cpu) / wall, 0.0)
    return raw


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024.0**2
    except OSError:
        pass
    return math.nan


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _git_state() -> str:
    """HEAD commit and how many files under ``formcheck/`` differ from it."""
    try:
        git = ["git", "-C", str(REPO_ROOT)]
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            [*git, "status", "--porcelain", "--", "formcheck"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    dirty = f", plus {len(status)} uncommitted file(s) under formcheck/" if status else ""
    return f"{head}{dirty}"


def machine_description() -> str:
    """A markdown list describing the machine, its load and the library versions."""
    import av
    import cv2
    import numpy as np

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    libav = av.library_versions.get("libavcodec", ())
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return "\n".join(
        [
            f"- CPU: {_cpu_model()}; {os.cpu_count()} logical cores"
            + (f" ({affinity} usable)" if affinity is not None else ""),
            f"- RAM: {_ram_gib():.1f} GiB",
            f"- OS: {platform.platform()}",
            f"- Python {platform.python_version()} ({platform.python_implementation()})",
            f"- mediapipe {_version('mediapipe')}, opencv {cv2.__version__}, "
            f"av (PyAV) {av.__version__} (libavcodec {'.'.join(map(str, libav))}), "
            f"numpy {np.__version__}",
            f"- formcheck at commit {_git_state()}",
            f"- load average when the report was written: {load[0]:.1f} / {load[1]:.1f} / "
            f"{load[2]:.1f} (1 / 5 / 15 min)",
            f"- date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        ]
    )
