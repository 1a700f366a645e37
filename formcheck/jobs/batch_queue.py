"""``formcheck batch --redis URL``: the batch's videos as huey tasks on a shared Redis queue.

The client (:class:`QueueRunner`) puts one task per video still to analyse on
the web app's queue (RedisHuey named :data:`formcheck.web.conf.HUEY_NAME`), so
``formcheck worker --redis URL`` on any machine drains batch tasks and web
jobs alike. A task carries only the video's path, its output folder and the
:class:`~formcheck.jobs.batch.BatchSettings`; it does not touch the web app's
database. On the worker it runs :func:`formcheck.jobs.batch.run_one`, the
local pool's per-video job, into the same ``OUT/<name>/``: the paths are the
client's (absolute), so every worker must see the videos and OUT at the same
paths (a shared folder mounted alike on every machine). The row comes back
through huey's result store; a bad file is a failed row with its reason.

huey delivers a task at most once: a worker that dies mid-task loses it and
nothing retries it. So the task writes a heartbeat (a counter under
:func:`beat_key` in huey's key-value store, every ``beat_s``), and the client
reports a task lost (a failed row, ``worker lost: ...``) when its counter has
not moved for ``lost_after_s`` of the client's own clock (machine clocks need
not agree), or when the task has left the queue and no heartbeat came within
``lost_after_s``. A re-run of the batch tries a lost video again. A task
still waiting in the queue is never lost: with no worker running the client
waits, saying so every ``status_every_s``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huey import RedisHuey
from huey.api import Huey, Task, TaskWrapper
from huey.exceptions import TaskException
from redis.exceptions import RedisError

from formcheck.errors import QueueError
from formcheck.jobs.batch import (
    Analyse,
    BatchItem,
    BatchSettings,
    Row,
    Say,
    analyse_video,
    is_finished,
    read_report,
    run_one,
    summary_row,
    worker_name,
)

log = logging.getLogger("formcheck.jobs")

#: The task's name on the queue (registered under ``formcheck.jobs.batch_queue.<this>``).
TASK_NAME = "batch_analyse"
BEAT_PREFIX = "formcheck.batch.beat."
DEFAULT_BEAT_S = 5.0
DEFAULT_LOST_AFTER_S = 60.0


def beat_key(task_id: str) -> str:
    """Key of a task's heartbeat in huey's key-value store."""
    return BEAT_PREFIX + task_id


class _Beat(threading.Thread):
    """Writes ``"<worker> <n>"`` under the task's key every ``interval_s``, removed at the end."""

    def __init__(self, huey: Huey, key: str, worker: str, interval_s: float):
        super().__init__(name=f"beat-{key}", daemon=True)
        self.huey, self.key, self.worker, self.interval_s = huey, key, worker, interval_s
        self.stopped = threading.Event()

    def run(self) -> None:
        n = 0
        while True:
            try:
                self.huey.storage.put_data(self.key, f"{self.worker} {n}".encode())
            except RedisError as exc:  # the analysis goes on; the client may call it lost
                log.warning("event=batch_beat_failed key=%s error=%s", self.key, exc)
            n += 1
            if self.stopped.wait(self.interval_s):
                break
        with contextlib.suppress(RedisError):  # else the client removes it with the result
            self.huey.storage.delete_data(self.key)


def run_task(
    *, huey: Huey, analyse: Analyse, item: BatchItem, settings: BatchSettings, beat: _Beat
) -> Row:
    """The worker side of one task: heartbeat while :func:`run_one` analyses the video."""
    beat.start()
    log.info("event=batch_start video=%s worker=%s", item.video, beat.worker)
    try:
        if is_finished(item):  # a duplicate task, or done since the client looked
            row = summary_row(item, read_report(item), status="skipped", worker=beat.worker)
        else:
            row = run_one(analyse, item, settings)
    finally:
        beat.stopped.set()
        beat.join()
    log.info(
        "event=batch_end video=%s status=%s seconds=%s worker=%s",
        item.video,
        row["status"],
        row["seconds"],
        beat.worker,
    )
    return row


def register_batch_task(huey: Huey, *, analyse: Analyse = analyse_video) -> TaskWrapper:
    """Register the batch task on ``huey`` (worker and client alike); returns the task."""

    def batch_analyse(
        video: str, out_dir: str, settings: BatchSettings, beat_s: float, task: Task
    ) -> Row:
        item = BatchItem(Path(video), Path(out_dir))
        beat = _Beat(huey, beat_key(task.id), worker_name(), beat_s)
        return run_task(huey=huey, analyse=analyse, item=item, settings=settings, beat=beat)

    return huey.task(retries=0, context=True, name=TASK_NAME)(batch_analyse)


@dataclass
class _Pending:
    """A task the client waits for."""

    item: BatchItem
    moved_at: float  # client clock: last heartbeat change, or last seen in the queue
    beat: bytes | None = None
    worker: str = ""


@dataclass
class QueueRunner:
    """Runs the batch on a shared huey queue (see the module docstring).

    Attributes
    ----------
    task : TaskWrapper
        The batch task registered on the queue's huey (:func:`register_batch_task`).
    beat_s : float
        Heartbeat interval asked of the workers, seconds.
    lost_after_s : float
        A started task whose heartbeat has not moved for this long, or a task
        that left the queue and never beat, is reported lost.
    poll_s : float
        Interval between looks at the result store.
    status_every_s : float
        Interval between "n of N done" lines while waiting.
    """

    task: TaskWrapper
    beat_s: float = DEFAULT_BEAT_S
    lost_after_s: float = DEFAULT_LOST_AFTER_S
    poll_s: float = 1.0
    status_every_s: float = 30.0
    _queued: set[str] = field(default_factory=set, init=False, repr=False)
    _queued_at: float = field(default=-1e9, init=False, repr=False)

    @classmethod
    def connect(cls, url: str, **options: Any) -> QueueRunner:
        """A runner on the Redis queue at ``url``; raises QueueError if Redis does not answer."""
        from formcheck.web.conf import HUEY_NAME, redact_url

        try:
            huey = RedisHuey(HUEY_NAME, url=url)
            huey.storage.conn.ping()
        except (RedisError, ValueError) as exc:
            raise QueueError(
                f"--redis {redact_url(url)}: expected a reachable Redis server, got {exc}"
            ) from None
        return cls(task=register_batch_task(huey), **options)

    @property
    def huey(self) -> Huey:
        """The queue's huey."""
        return self.task.huey

    def __call__(self, todo: list[BatchItem], settings: BatchSettings, say: Say) -> Iterator[Row]:
        pending: dict[str, _Pending] = {}
        try:
            for item in todo:
                # Absolute, not resolved: the paths as the client names them
                # (a symlinked video keeps its own name; workers mount the
                # same paths, not necessarily the same link targets).
                video, out = str(item.video.absolute()), str(item.out_dir.absolute())
                result = self.task(video, out, settings, self.beat_s)
                pending[result.id] = _Pending(item, time.monotonic())
            say(f"queued {len(todo)} task(s); waiting for workers (formcheck worker --redis URL)")
            yield from self._wait(pending, len(todo), say)
        except RedisError as exc:
            raise QueueError(f"the batch queue failed: {exc}") from None
        finally:
            self._revoke_unstarted(pending, say)

    def _wait(self, pending: dict[str, _Pending], total: int, say: Say) -> Iterator[Row]:
        status_at = time.monotonic()
        while pending:
            yield from self._poll(pending, say)
            if pending and time.monotonic() - status_at >= self.status_every_s:
                status_at = time.monotonic()
                say(self._status(pending, total))
            if pending:
                time.sleep(self.poll_s)

    def _status(self, pending: dict[str, _Pending], total: int) -> str:
        running = [p for p in pending.values() if p.beat is not None]
        workers = sorted({p.worker for p in running})
        on = f" on {', '.join(workers)}" if workers else ""
        silent_s = [time.monotonic() - p.moved_at for p in running]
        silent_s = [s for s in silent_s if s > 3 * self.beat_s]
        quiet = (
            f" ({len(silent_s)} without a heartbeat for up to {max(silent_s):.0f} s; "
            f"lost after {self.lost_after_s:.0f} s)"
            if silent_s
            else ""
        )
        return (
            f"{total - len(pending)} of {total} done; {len(running)} running{on}{quiet}; "
            f"{len(pending) - len(running)} waiting in the queue"
        )

    def _poll(self, pending: dict[str, _Pending], say: Say) -> Iterator[Row]:
        storage = self.huey.storage
        for task_id in storage.peek_many(list(pending)):
            yield self._finished_row(task_id, pending.pop(task_id))
        if not pending:  # (Redis refuses an HMGET of no keys)
            return
        now = time.monotonic()
        beats = storage.peek_many([beat_key(t) for t in pending])
        queued = self._queued_ids(now) if any(p.beat is None for p in pending.values()) else set()
        for task_id, p in list(pending.items()):
            beat = beats.get(beat_key(task_id))
            if beat is not None and beat != p.beat:
                if p.beat is None:
                    say(f"{p.item.video.name}: started on {beat.decode().rsplit(' ', 1)[0]}")
                p.beat, p.moved_at, p.worker = beat, now, beat.decode().rsplit(" ", 1)[0]
            elif p.beat is None and task_id in queued:
                p.moved_at = now  # waiting for a worker is not lost
            elif now - p.moved_at > self.lost_after_s and not storage.has_data_for_key(task_id):
                del pending[task_id]
                yield self._lost_row(p)

    def _queued_ids(self, now: float) -> set[str]:
        """Ids of the messages still in the queue (read at most every ``beat_s``)."""
        if now - self._queued_at >= self.beat_s:
            ids = set()
            for data in self.huey.storage.enqueued_items():
                try:
                    ids.add(str(self.huey.serializer.deserialize(data).id))
                except Exception:  # a message this process cannot read (another app's)
                    continue
            self._queued, self._queued_at = ids, now
        return self._queued

    def _finished_row(self, task_id: str, p: _Pending) -> Row:
        self.huey.storage.delete_data(beat_key(task_id))
        try:
            row = self.huey.result(task_id)
        except TaskException as exc:  # not a video failure (run_one catches those)
            error = exc.metadata.get("error") or repr(exc)
            return summary_row(p.item, None, status="failed", error=f"task failed: {error}")
        if not isinstance(row, dict):
            return summary_row(
                p.item, None, status="failed", error=f"task returned {row!r}, expected a row"
            )
        # The row names the video and output as this client planned them,
        # whatever the worker saw.
        return {**row, "video": p.item.video.name, "output": p.item.out_dir.name}

    def _lost_row(self, p: _Pending) -> Row:
        if p.beat is None:
            error = (
                f"worker lost: the task left the queue but no worker reported starting it "
                f"within {self.lost_after_s:.0f} s (the worker died, or its formcheck has no "
                "batch task); not retried (at most once): run the batch again"
            )
        else:
            error = (
                f"worker lost: {p.worker} stopped its heartbeat {self.lost_after_s:.0f} s ago "
                "without a result (it died or lost the queue); not retried (at most once): "
                "run the batch again"
            )
        return summary_row(p.item, None, status="failed", error=error, worker=p.worker or None)

    def _revoke_unstarted(self, pending: dict[str, _Pending], say: Say) -> None:
        """On Ctrl-C or an error: the tasks no worker has started are revoked."""
        unstarted = [t for t, p in pending.items() if p.beat is None]
        try:
            for task_id in unstarted:
                self.huey.revoke_by_id(task_id, revoke_once=True)
        except RedisError as exc:
            say(f"could not revoke the queued tasks: {exc}")
            return
        if pending:
            say(
                f"stopped waiting: revoked {len(unstarted)} task(s) not yet seen running "
                "(one a worker took in the last moments may still run); "
                f"{len(pending) - len(unstarted)} running finish on their workers "
                "(a re-run skips what they complete; wait for them before re-running, "
                "or the same video is analysed twice at once)"
            )
