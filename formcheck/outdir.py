"""Output folders that appear whole or not at all, and never replace a user's files.

Everything is written into a hidden staging folder beside the destination;
only when the job succeeds is the staging folder renamed into place. A crash
or an error leaves the previous output untouched and removes the staging
folder. An existing destination is replaced only when it is empty or was
written by formcheck (it holds the marker file, or, from versions before the
marker, a ``report.json`` or ``pose_track.npz``); :func:`check_output_dir`
says so before any work starts.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from formcheck.errors import OutputError

#: Written into every output folder so that a later run may replace it.
MARKER_NAME: Final = ".formcheck-output"
_EARLIER_OUTPUT_FILES: Final = ("report.json", "pose_track.npz")


def _formcheck_wrote(folder: Path) -> bool:
    return any((folder / name).is_file() for name in (MARKER_NAME, *_EARLIER_OUTPUT_FILES))


def check_output_dir(final_dir: Path) -> None:
    """Refuse an output destination that cannot be written or must not be replaced.

    Parameters
    ----------
    final_dir : Path
        Destination folder.

    Raises
    ------
    OutputError
        When ``final_dir`` is a file, a non-empty folder formcheck did not
        write, or lies under a path that is not a writable folder.
    """
    final_dir = final_dir.resolve()
    if final_dir.exists() and not final_dir.is_dir():
        raise OutputError(
            f"{final_dir}: expected an output folder (new, empty or an earlier formcheck "
            "output), found a file; choose another -o"
        )
    if final_dir.is_dir() and any(final_dir.iterdir()) and not _formcheck_wrote(final_dir):
        raise OutputError(
            f"{final_dir}: not replaced: expected a new, empty or earlier formcheck output "
            "folder, found other files in it; choose another -o"
        )
    ancestor = final_dir.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    probe = ancestor / f".formcheck-probe-{secrets.token_hex(4)}"
    try:  # the one sure test of writability (permission bits do not bind root)
        probe.mkdir()
    except OSError:
        raise OutputError(
            f"{final_dir}: cannot create the output folder: {ancestor} is not a writable folder"
        ) from None
    probe.rmdir()


@contextmanager
def staged_output(final_dir: Path) -> Iterator[Path]:
    """Yield a staging folder; move it to ``final_dir`` if the block succeeds.

    Parameters
    ----------
    final_dir : Path
        Destination folder, checked with :func:`check_output_dir`. Its
        parent is created if needed.

    Yields
    ------
    Path
        A folder on the same file system as ``final_dir``, holding only the
        marker file.
    """
    check_output_dir(final_dir)
    final_dir = final_dir.resolve()
    try:
        final_dir.parent.mkdir(parents=True, exist_ok=True)
        # mkdir, unlike tempfile.mkdtemp, leaves the permissions to the umask.
        staging = final_dir.parent / f".{final_dir.name}.partial-{secrets.token_hex(4)}"
        staging.mkdir()
    except OSError as exc:
        raise OutputError(f"{final_dir}: cannot create the output folder: {exc}") from exc
    try:
        (staging / MARKER_NAME).write_text("written by formcheck\n", encoding="utf-8")
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    backup: Path | None = None
    if final_dir.exists():
        backup = final_dir.parent / f".{final_dir.name}.old-{secrets.token_hex(4)}"
        os.replace(final_dir, backup)
    os.replace(staging, final_dir)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
