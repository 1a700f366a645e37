"""A progress reporter for jobs: stages of the pipeline folded into one share 0..1."""

from __future__ import annotations

import threading


class JobProgress:
    """Implements :class:`formcheck.progress.ProgressReporter` for a job.

    The pipeline reports one stage per pose pass and one per annotated video
    (``expected_stages`` = 2 x clips); the share is finished stages plus the
    current stage's fraction over the expected count, capped below 1 until
    the job itself finishes.
    """

    def __init__(self, *, expected_stages: int) -> None:
        self._lock = threading.Lock()
        self._expected = max(expected_stages, 1)
        self._finished = 0
        self._total = 0
        self._done = 0
        self.label = "starting"

    def start(self, *, total: int, label: str) -> None:
        """Begin a stage of ``total`` units."""
        with self._lock:
            self._total, self._done, self.label = max(total, 0), 0, label

    def advance(self, n: int = 1) -> None:
        """``n`` more units of the current stage done."""
        with self._lock:
            self._done += n

    def finish(self) -> None:
        """End the current stage."""
        with self._lock:
            self._finished += 1
            self._total = self._done = 0

    def share(self) -> float:
        """Share of the job done, 0 to 0.99."""
        with self._lock:
            frac = min(self._done / self._total, 1.0) if self._total else 0.0
            return min((self._finished + frac) / self._expected, 0.99)
