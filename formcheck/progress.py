"""A small terminal progress bar: frames done, frames per second, ETA.

Shown only when the stream is a terminal and not ``quiet``; otherwise every
call is a no-op, so library code can always report progress.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO


class ProgressReporter(Protocol):
    """What long-running stages call to report progress."""

    def start(self, *, total: int, label: str) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def finish(self) -> None: ...


class NullProgress:
    """Reports nothing."""

    def start(self, *, total: int, label: str) -> None:
        """Begin a task of ``total`` units."""

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more units done."""

    def finish(self) -> None:
        """End the task."""


class SpanProgress:
    """Passes ``advance`` to an outer reporter and ignores ``start``/``finish``.

    Lets an outer stage (all windows of a long run) keep one bar, with one
    rate and one ETA, across inner tasks (each window's pose pass) that
    would each start their own.
    """

    def __init__(self, outer: ProgressReporter) -> None:
        self._outer = outer

    def start(self, *, total: int, label: str) -> None:
        """Ignored: the outer task is already running."""

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more units of the outer task."""
        self._outer.advance(n)

    def finish(self) -> None:
        """Ignored: the outer stage finishes the bar."""


class TerminalProgress:
    """A one-line progress bar redrawn at most ``refresh_hz`` times a second.

    Parameters
    ----------
    stream : TextIO
        Where to draw (standard error by default).
    refresh_hz : float
        Maximum redraw rate.
    """

    def __init__(self, stream: TextIO | None = None, *, refresh_hz: float = 8.0) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._min_interval_s = 1.0 / refresh_hz
        self._total = 0
        self._done = 0
        self._label = ""
        self._t0 = 0.0
        self._last_draw = 0.0

    def start(self, *, total: int, label: str) -> None:
        """Begin a task of ``total`` units named ``label``."""
        self._total, self._done, self._label = max(total, 0), 0, label
        self._t0 = self._last_draw = time.monotonic()
        self._draw()

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more units done and redraw if due."""
        self._done += n
        now = time.monotonic()
        if now - self._last_draw >= self._min_interval_s:
            self._last_draw = now
            self._draw()

    def finish(self) -> None:
        """Draw the final state and end the line."""
        self._draw()
        self._stream.write("\n")
        self._stream.flush()

    def _draw(self) -> None:
        elapsed_s = max(time.monotonic() - self._t0, 1e-9)
        rate = self._done / elapsed_s
        width = 28
        if self._total:
            share = min(self._done / self._total, 1.0)
            filled = int(share * width)
            bar = "#" * filled + "-" * (width - filled)
            eta_s = (self._total - self._done) / rate if rate > 0 else float("nan")
            eta = f"ETA {eta_s:5.0f}s" if eta_s == eta_s else "ETA    ?"
            text = f"\r{self._label} [{bar}] {self._done}/{self._total} {rate:6.1f} fr/s {eta}"
        else:
            text = f"\r{self._label} {self._done} {rate:6.1f} fr/s"
        self._stream.write(text)
        self._stream.flush()


def make_progress(*, quiet: bool, stream: TextIO | None = None) -> ProgressReporter:
    """A terminal bar when ``stream`` is a TTY and not ``quiet``, else a no-op."""
    stream = stream if stream is not None else sys.stderr
    if quiet or not stream.isatty():
        return NullProgress()
    return TerminalProgress(stream)
