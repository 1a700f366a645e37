"""Exception hierarchy.

Every error formcheck raises on purpose is a :class:`FormcheckError`; the CLI
turns it into a one-line message and a non-zero exit code. Messages name the
file concerned and state what was expected against what was found.
"""

from __future__ import annotations


class FormcheckError(Exception):
    """Base class of all deliberate formcheck errors."""

    exit_code: int = 2


class VideoError(FormcheckError):
    """The input video is missing, unreadable, corrupt or unsuitable."""

    exit_code = 3


class ModelError(FormcheckError):
    """The pose model bundle is missing, altered or cannot be loaded."""

    exit_code = 4


class NoPersonError(FormcheckError):
    """No person was detected in the video."""

    exit_code = 5


class AnalysisError(FormcheckError):
    """The pose track cannot support the requested analysis."""

    exit_code = 6


class ConfigError(FormcheckError):
    """A configuration file or option is invalid."""

    exit_code = 7


class OutputError(FormcheckError):
    """The output folder cannot be written, or would replace files formcheck did not write."""

    exit_code = 8


class QueueError(FormcheckError):
    """The shared job queue (Redis) cannot be reached or failed."""

    exit_code = 9
