"""Files in the data folder: uploads under random names, run outputs, safe paths.

A file name never comes from the user: uploads are stored as ``uploads/<uid>``
(``<uid>.part`` while incomplete) where ``uid`` is random hex; derived files
are looked up by name in a fixed allow-list under ``runs/<session uid>/``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from django.conf import settings

_UID = re.compile(r"^[0-9a-f]{32}$")
# Files of a run folder that may be served, by pattern (no path separators).
_RUN_FILES = re.compile(
    r"^(report\.json|report\.html|strides\.csv|annotated(_\d{1,2})?\.mp4|keyframes/[a-z0-9_]{1,64}\.png)$"
)


def _root() -> Path:
    return Path(settings.DATA_DIR)


def _check_uid(uid: str) -> str:
    if not _UID.match(uid):
        raise ValueError(f"expected a 32-hex-digit id, got {uid!r}")
    return uid


def upload_path(uid: str) -> Path:
    """Where a complete upload lives."""
    return _root() / "uploads" / _check_uid(uid)


def partial_path(uid: str) -> Path:
    """Where an upload in progress grows."""
    return _root() / "uploads" / f"{_check_uid(uid)}.part"


def run_path(session_uid: str) -> Path:
    """The output folder of a session."""
    return _root() / "runs" / _check_uid(session_uid)


def run_file(session_uid: str, name: str) -> Path | None:
    """A derived file of a session by its relative name, or None if not allowed / absent.

    Only names on the allow-list are accepted, so ``../`` or absolute paths
    never reach the file system; the resolved path must stay inside the run folder.
    """
    if not _RUN_FILES.match(name):
        return None
    base = run_path(session_uid).resolve()
    path = (base / name).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path


def delete_session_files(session_uid: str, clip_uids: list[str]) -> None:
    """Remove a session's uploads (complete or partial), its whole run folder
    and the pose checkpoints of an unfinished run (``.<uid>.resume``: every
    person's landmarks and small frames of the video)."""
    from formcheck.checkpoint import resume_dir_for

    for uid in clip_uids:
        for path in (upload_path(uid), partial_path(uid)):
            path.unlink(missing_ok=True)
    shutil.rmtree(run_path(session_uid), ignore_errors=True)
    shutil.rmtree(resume_dir_for(run_path(session_uid)), ignore_errors=True)
    clear_staging(session_uid)


def clear_staging(session_uid: str) -> None:
    """Remove what an interrupted run left beside its folder.

    :func:`formcheck.outdir.staged_output` writes ``.<name>.partial-*`` and
    moves an old output to ``.<name>.old-*`` while replacing it; a worker
    killed mid-way leaves them behind. A new attempt starts clean, except
    for the pose checkpoints (``.<uid>.resume``), which it resumes from.
    """
    run = run_path(session_uid)
    for pattern in (f".{run.name}.partial-*", f".{run.name}.old-*"):
        for leftover in run.parent.glob(pattern):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
