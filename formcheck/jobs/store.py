"""The jobs table: enqueue, claim, heartbeat, finish, reap.

huey delivers a task at most once: a worker killed mid-task loses it. The
``Job`` row is the truth: a running job writes a heartbeat every few seconds;
the reaper re-enqueues a job whose heartbeat stopped (after a growing delay)
or fails it "worker lost" after its last attempt. Every update that belongs to
one attempt is conditioned on that attempt number (a fencing token), so a
worker presumed dead that wakes up again cannot overwrite a newer attempt.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from formcheck.web.conf import WebConfig
from formcheck.web.models import Job, RunSession

log = logging.getLogger("formcheck.jobs")

WORKER_LOST = "worker lost"
LOST_MESSAGE_FACTOR = 20


def _web() -> WebConfig:
    web: WebConfig = settings.FORMCHECK_WEB
    return web


def _send(job: Job, *, delay_s: float = 0.0) -> None:
    """Put the job on the huey queue (after ``delay_s`` seconds)."""
    from formcheck.jobs.tasks import run_job

    if delay_s > 0:
        run_job.schedule(args=(job.id,), delay=delay_s)
    else:
        run_job(job.id)


def enqueue(session: RunSession) -> Job:
    """Create (or reset) the session's job and queue it; returns the job."""
    now = timezone.now()
    with transaction.atomic():
        job, _ = Job.objects.get_or_create(
            session=session, defaults={"max_attempts": _web().max_attempts}
        )
        if job.status in ("queued", "running") and job.enqueued_at is not None:
            return job
        job.status, job.attempt, job.progress, job.error, job.stage = "queued", 0, 0.0, "", ""
        job.max_attempts = _web().max_attempts
        job.enqueued_at, job.not_before, job.heartbeat_at = now, now, None
        job.started_at = job.finished_at = None
        job.save()
    transaction.on_commit(lambda: _send(job))
    log.info("job=%s session=%s event=enqueued", job.id, session.uid)
    return job


def retry(job: Job) -> bool:
    """Queue a failed job again from its first attempt; False if it is not failed."""
    if job.status != "failed":
        return False
    enqueue(job.session)
    return True


def claim(job_id: int, worker: str) -> int | None:
    """Mark a queued job running and return its attempt number (None: not ours to run)."""
    now = timezone.now()
    updated = Job.objects.filter(id=job_id, status="queued").update(
        status="running",
        attempt=F("attempt") + 1,
        heartbeat_at=now,
        started_at=now,
        worker=worker[:120],
        progress=0.0,
    )
    if not updated:
        return None
    attempt = Job.objects.values_list("attempt", flat=True).get(id=job_id)
    log.info("job=%s attempt=%s worker=%s event=claimed", job_id, attempt, worker)
    return int(attempt)


def heartbeat(job_id: int, attempt: int, *, progress: float, stage: str) -> bool:
    """Record liveness and progress; False when this attempt no longer owns the job."""
    return bool(
        Job.objects.filter(id=job_id, attempt=attempt, status="running").update(
            heartbeat_at=timezone.now(), progress=progress, stage=stage[:80]
        )
    )


def finish(job_id: int, attempt: int, *, error: str = "") -> bool:
    """Mark the attempt succeeded (no error) or failed (with the error shown to the coach)."""
    fields: dict[str, object] = {"finished_at": timezone.now(), "heartbeat_at": timezone.now()}
    if error:
        fields.update(status="failed", error=error[:4000])
    else:
        fields.update(status="succeeded", error="", progress=1.0, stage="done")
    done = Job.objects.filter(id=job_id, attempt=attempt, status="running").update(**fields)
    log.info("job=%s attempt=%s event=%s", job_id, attempt, "failed" if error else "succeeded")
    return bool(done)


def backoff_s(attempt: int) -> float:
    """Delay before attempt ``attempt + 1``: retry_backoff_s x 2^(attempt-1)."""
    return float(_web().retry_backoff_s) * 2 ** max(attempt - 1, 0)


def reap(now: datetime | None = None) -> list[tuple[int, str]]:
    """Re-enqueue or fail jobs whose worker is gone; returns (job id, action) pairs.

    A running job is stale when its heartbeat is older than ``stale_after_s``.
    A queued job whose queue message was lost (queued longer than
    ``stale_after_s`` past its ``not_before`` without being claimed) is sent again.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=_web().stale_after_s)
    actions: list[tuple[int, str]] = []
    for job in Job.objects.filter(status="running", heartbeat_at__lt=stale):
        if job.attempt >= job.max_attempts:
            error = (
                f"{WORKER_LOST} (the worker stopped during attempt {job.attempt} "
                f"of {job.max_attempts})"
            )
            if Job.objects.filter(id=job.id, status="running", attempt=job.attempt).update(
                status="failed", error=error, finished_at=now
            ):
                actions.append((job.id, "failed"))
                log.warning("job=%s attempt=%s event=worker_lost final=1", job.id, job.attempt)
            continue
        delay = backoff_s(job.attempt)
        if Job.objects.filter(id=job.id, status="running", attempt=job.attempt).update(
            status="queued",
            error=f"{WORKER_LOST} during attempt {job.attempt}; retrying",
            not_before=now + timedelta(seconds=delay),
            enqueued_at=now,
        ):
            actions.append((job.id, "requeued"))
            log.warning(
                "job=%s attempt=%s event=worker_lost requeue_in_s=%s", job.id, job.attempt, delay
            )
            _send(job, delay_s=delay)
    # A queued message can be lost too (queue storage wiped, Redis restarted
    # without persistence); a long backlog is not a loss, hence the wide margin.
    lost_before = now - timedelta(seconds=LOST_MESSAGE_FACTOR * _web().stale_after_s)
    lost = Job.objects.filter(status="queued").filter(
        Q(not_before__lt=lost_before) | Q(not_before__isnull=True, enqueued_at__lt=lost_before)
    )
    for job in lost:
        if Job.objects.filter(id=job.id, status="queued", not_before=job.not_before).update(
            not_before=now
        ):
            actions.append((job.id, "resent"))
            _send(job)
    return actions
