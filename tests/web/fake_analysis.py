"""A stand-in for the analysis in job tests: progress, files, or a crash, by environment.

``FORMCHECK_FAKE`` = ``slow`` (about ``FORMCHECK_FAKE_S`` seconds of progress, then
the upload copied as annotated.mp4 and a report.json with evenly spaced made-up
contacts and one finding whose evidence is the second contact), ``fail`` (a
FormcheckError) or ``kill`` (SIGKILLs its own process group, as an out-of-memory
kill would). Each call appends one
line to ``<data>/fake_attempts.log``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from formcheck.capture.video import probe_video
from formcheck.errors import AnalysisError
from formcheck.jobs.analyze import clip_options
from formcheck.progress import ProgressReporter


def analyze(session: Any, out_dir: Path, progress: ProgressReporter) -> None:
    """Pretend to analyse ``session`` into ``out_dir``."""
    mode = os.environ.get("FORMCHECK_FAKE", "slow")
    with (Path(settings.DATA_DIR) / "fake_attempts.log").open("a") as log:
        log.write(f"{os.getpid()} {session.uid} {mode}\n")
    videos, _ = clip_options(session)
    if mode == "kill":
        os.killpg(os.getpgid(0), signal.SIGKILL)
    if mode == "fail":
        raise AnalysisError("no running found in the clip (fake)")
    steps = 20
    progress.start(total=steps, label="pose")
    for _ in range(steps):
        time.sleep(float(os.environ.get("FORMCHECK_FAKE_S", "2")) / steps)
        progress.advance()
    progress.finish()
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(videos[0], out_dir / "annotated.mp4")
    info = probe_video(videos[0])
    every = max(info.n_frames // 8, 2)
    contacts = [
        {"clip": 0, "leg": "near", "ic_frame": f, "to_frame": f + 1, "usable": True}
        for f in range(every, info.n_frames - 1, every)
    ]
    evidence = [{"clip": 0, "frame": contacts[1]["ic_frame"]}] if len(contacts) > 1 else []
    report = {
        "videos": [{"fps": info.fps, "frames": info.n_frames, "elapsed_offset_s": 0.0}],
        "findings": [
            {"id": "stand_in", "status": "flag", "reason": "stand-in finding (test)",
             "cue": "", "evidence": evidence}
        ],
        "contacts": contacts,
        "strides": [{"clip": 0, "start_frame": every, "end_frame": 2 * every}],
        "disclaimer": "stand-in analysis for tests",
    }  # fmt: skip
    (out_dir / "report.json").write_text(json.dumps(report), encoding="utf-8")
