"""Running one job: claim it, heartbeat from a thread, call the analysis, record the end."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.module_loading import import_string

from formcheck.errors import FormcheckError
from formcheck.jobs import store
from formcheck.jobs.progress import JobProgress
from formcheck.web.models import Job, RunSession
from formcheck.web.storage import clear_staging

log = logging.getLogger("formcheck.jobs")

# The analysis callable: (session, out_dir, progress) -> None. Tests point the
# FORMCHECK_ANALYZE setting at a stand-in to exercise the job machinery.
DEFAULT_ANALYZE = "formcheck.jobs.analyze.analyze_session"


def worker_name() -> str:
    """host:pid of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Heartbeat(threading.Thread):
    """Writes the job's heartbeat and progress every ``interval_s`` until stopped."""

    def __init__(self, job_id: int, attempt: int, progress: JobProgress, interval_s: float):
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id, self.attempt, self.progress = job_id, attempt, progress
        self.interval_s = interval_s
        self.stopped = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval_s):
                if not store.heartbeat(
                    self.job_id,
                    self.attempt,
                    progress=self.progress.share(),
                    stage=self.progress.label,
                ):
                    self.lost.set()  # a newer attempt owns the job now
                    return
        finally:
            connection.close()


def run_dir(session: RunSession) -> Path:
    """The session's output folder in the data folder."""
    return Path(settings.DATA_DIR) / "runs" / session.uid


def execute(job_id: int) -> None:
    """Run the job if it is queued; a duplicate delivery finds it claimed and returns."""
    close_old_connections()
    attempt = store.claim(job_id, worker_name())
    if attempt is None:
        return
    job = Job.objects.select_related("session").get(id=job_id)
    session = job.session
    n_clips = session.clips.filter(state="received").count()
    progress = JobProgress(expected_stages=2 * max(n_clips, 1))
    beat = Heartbeat(job_id, attempt, progress, settings.FORMCHECK_WEB.heartbeat_s)
    beat.start()
    error = ""
    try:
        analyze: Callable[..., None] = import_string(
            getattr(settings, "FORMCHECK_ANALYZE", DEFAULT_ANALYZE)
        )
        clear_staging(session.uid)  # an earlier attempt killed while writing
        analyze(session, run_dir(session), progress)
    except FormcheckError as exc:
        error = str(exc)
    except Exception as exc:  # the coach sees the reason and can retry
        log.exception("job=%s attempt=%s event=crashed", job_id, attempt)
        error = f"internal error: {type(exc).__name__}: {exc}"
    finally:
        beat.stopped.set()
        beat.join()
    store.finish(job_id, attempt, error=error)
