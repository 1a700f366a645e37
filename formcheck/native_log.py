"""Keep MediaPipe's native log lines off the user's terminal.

MediaPipe, TensorFlow Lite and absl write from C++ straight to file
descriptor 2 (about seven lines on every run: the XNNPACK delegate, the
feedback manager, ``NORM_RECT without IMAGE_DIMENSIONS``). Python's own
``logging`` and ``warnings`` cannot filter them. :func:`native_stderr_captured`
points descriptor 2 at a temporary file for the duration of a command and
gives Python's ``sys.stderr`` a private duplicate of the terminal, so
formcheck's own progress, warnings and errors still reach the user while the
native lines do not. ``--verbose`` skips the redirection.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

STDERR_FD = 2


@dataclass
class NativeLog:
    """What the native libraries wrote while captured.

    Attributes
    ----------
    text : str
        The captured bytes decoded as UTF-8 (errors replaced); filled in when
        the capture ends.
    """

    text: str = field(default="")

    @property
    def lines(self) -> list[str]:
        """The captured text split into non-empty lines."""
        return [line for line in self.text.splitlines() if line.strip()]


@contextmanager
def native_stderr_captured(*, enabled: bool = True) -> Iterator[NativeLog]:
    """Capture what native code writes to descriptor 2 while the block runs.

    Parameters
    ----------
    enabled : bool
        False leaves descriptor 2 alone (the ``--verbose`` case); the
        returned log then stays empty.

    Yields
    ------
    NativeLog
        Filled with the captured text when the block ends (also on error).
    """
    log = NativeLog()
    if not enabled:
        yield log
        return
    sys.stderr.flush()
    terminal_fd = os.dup(STDERR_FD)
    old_stderr = sys.stderr
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), STDERR_FD)
        sys.stderr = io.TextIOWrapper(
            os.fdopen(terminal_fd, "wb", closefd=False),
            encoding=getattr(old_stderr, "encoding", None) or "utf-8",
            errors="backslashreplace",
            line_buffering=True,
        )
        try:
            yield log
        finally:
            sys.stderr.flush()
            sys.stderr = old_stderr
            os.dup2(terminal_fd, STDERR_FD)
            os.close(terminal_fd)
            sink.seek(0)
            log.text = sink.read().decode("utf-8", errors="replace")
