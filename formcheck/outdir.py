"""Output folders that appear whole or not at all, and never replace a user's files.

Everything is written into a hidden staging folder beside the destination;
only when the job succeeds is the staging folder renamed into place. A crash
or an error leaves the previous output untouched and removes the staging
folder. An existing destination is replaced only when everything in it is
something formcheck writes (:data:`OUTPUT_PATTERNS`), it holds none of the
job's inputs and it is not the current folder; :func:`check_output_dir` says
so before any work starts.
"""

from __future__ import annotations

import fnmatch
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from formcheck.errors import OutputError

#: Top-level names formcheck writes into an output folder (``analyze`` and
#: ``pose``); a folder holding anything else is not replaced.
OUTPUT_PATTERNS: Final = (
    "report.json",
    "report.html",
    "strides.csv",
    "annotated.mp4",
    "annotated_*.mp4",
    "keyframes",
    "pose_*",
    "pose.csv",
    "pose_track.npz",
    "people.json",
    "people.png",
)


def _foreign_entries(folder: Path) -> list[str]:
    """Names in ``folder`` that formcheck does not write."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if not any(fnmatch.fnmatchcase(p.name, pat) for pat in OUTPUT_PATTERNS)
    )


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_dir(final_dir: Path, *, inputs: Iterable[Path] = ()) -> None:
    """Refuse an output destination that cannot be written or must not be replaced.

    Parameters
    ----------
    final_dir : Path
        Destination folder.
    inputs : iterable of Path
        The job's input files (videos, configuration), which must not lie in it.

    Raises
    ------
    OutputError
        When ``final_dir`` is a file, holds files formcheck does not write or
        one of the inputs, is (or contains) the current folder, or lies under
        a path that is not a writable folder.
    """
    try:
        _check_output_dir(final_dir.resolve(), [Path(p).resolve() for p in inputs])
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11)
        raise OutputError(f"{final_dir}: cannot use it as the output folder: {exc}") from None


def _check_output_dir(final_dir: Path, inputs: list[Path]) -> None:
    expected = "expected a new or empty folder, or an earlier formcheck output"
    if final_dir.exists() and not final_dir.is_dir():
        raise OutputError(f"{final_dir}: {expected}; found a file. Choose another -o")
    if _inside(Path.cwd().resolve(), final_dir):
        raise OutputError(f"{final_dir}: {expected}; it is (or holds) the current folder")
    held = [str(p) for p in inputs if _inside(p, final_dir)]
    if held:
        raise OutputError(f"{final_dir}: {expected}; it holds this job's input {held[0]}")
    if final_dir.is_dir():
        foreign = _foreign_entries(final_dir)
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise OutputError(
                f"{final_dir}: {expected}; found files formcheck does not write ({shown}), "
                "so it is not replaced. Choose another -o"
            )
    if final_dir.is_dir():
        # Its contents are replaced in place when the folder itself cannot
        # be renamed (a mount point), so it must take new entries.
        _probe_writable(final_dir, final_dir)
    ancestor = final_dir.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    _probe_writable(ancestor, final_dir)


def check_writable_folder(folder: Path) -> None:
    """Refuse a folder that cannot be written or created (a batch's output root).

    Raises
    ------
    OutputError
        When ``folder`` is a file, is a folder that takes no new entries, or
        lies under a path that is not a writable folder.
    """
    folder = folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: expected a folder for the outputs, found a file")
    ancestor = folder
    while not ancestor.exists():
        ancestor = ancestor.parent
    _probe_writable(ancestor, folder)


def _probe_writable(folder: Path, final_dir: Path) -> None:
    probe = folder / f".formcheck-probe-{secrets.token_hex(4)}"
    try:  # the one sure test of writability (permission bits do not bind root)
        probe.mkdir()
    except OSError:
        if folder == final_dir:
            raise OutputError(
                f"{final_dir}: cannot write into this output folder (read-only or "
                "immutable). Choose another -o"
            ) from None
        raise OutputError(
            f"{final_dir}: cannot create the output folder: {folder} is not a writable folder"
        ) from None
    probe.rmdir()


@contextmanager
def staged_output(final_dir: Path, *, inputs: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield a staging folder; move it to ``final_dir`` if the block succeeds.

    Parameters
    ----------
    final_dir : Path
        Destination folder, checked with :func:`check_output_dir`. Its
        parent is created if needed.
    inputs : iterable of Path
        The job's input files (see :func:`check_output_dir`).

    Yields
    ------
    Path
        An empty folder beside ``final_dir`` (on its file system, unless
        ``final_dir`` is a mount point).
    """
    check_output_dir(final_dir, inputs=inputs)
    final_dir = final_dir.resolve()
    try:
        final_dir.parent.mkdir(parents=True, exist_ok=True)
        # mkdir, unlike tempfile.mkdtemp, leaves the permissions to the umask.
        staging = final_dir.parent / f".{final_dir.name}.partial-{secrets.token_hex(4)}"
        staging.mkdir()
    except OSError as exc:
        raise OutputError(f"{final_dir}: cannot create the output folder: {exc}") from exc
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        _swap_into(final_dir, staging)
    except OSError as exc:
        raise OutputError(
            f"{final_dir}: the analysis finished but could not be moved into place ({exc}); "
            f"the complete results are in {staging}"
        ) from exc


def _swap_into(final_dir: Path, staging: Path) -> None:
    """Put the staged folder at ``final_dir``, replacing an earlier output.

    The folder is swapped whole by renames. A destination that cannot be
    renamed (a mount point, such as a container's bind mount, whose parent,
    where the staging folder lies, may be another file system) gets the new
    entries copied in under temporary names first; only then are its earlier
    formcheck entries removed (names matching :data:`OUTPUT_PATTERNS`, nothing
    else) and the new ones renamed into place. A failure while copying
    removes the copies and leaves both the earlier output and the staging
    folder whole.
    """
    if not final_dir.exists():
        os.replace(staging, final_dir)
        return
    backup = final_dir.parent / f".{final_dir.name}.old-{secrets.token_hex(4)}"
    try:
        os.replace(final_dir, backup)
    except OSError:
        _replace_entries(final_dir, staging)
        return
    os.replace(staging, final_dir)
    shutil.rmtree(backup, ignore_errors=True)


def _replace_entries(final_dir: Path, staging: Path) -> None:
    tag = secrets.token_hex(4)
    copies: list[tuple[Path, Path]] = []
    try:
        for entry in sorted(staging.iterdir()):
            copy = final_dir / f".{entry.name}.new-{tag}"
            if entry.is_dir():
                shutil.copytree(entry, copy)
            else:
                shutil.copy2(entry, copy)
            copies.append((copy, final_dir / entry.name))
    except OSError:
        for copy, _ in copies:
            _remove(copy)
        _remove(final_dir / f".{entry.name}.new-{tag}")
        raise
    for old in final_dir.iterdir():
        if not old.name.endswith(f".new-{tag}") and any(
            fnmatch.fnmatchcase(old.name, pat) for pat in OUTPUT_PATTERNS
        ):
            _remove(old)
    for copy, target in copies:
        os.replace(copy, target)
    shutil.rmtree(staging, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()
