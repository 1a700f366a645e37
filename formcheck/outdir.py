"""Output folders that appear whole or not at all.

Everything is written into a hidden staging folder beside the destination;
only when the job succeeds is the staging folder renamed into place (an
existing destination is replaced). A crash or an error leaves the previous
output untouched and removes the staging folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_output(final_dir: Path) -> Iterator[Path]:
    """Yield a staging folder; move it to ``final_dir`` if the block succeeds.

    Parameters
    ----------
    final_dir : Path
        Destination folder. Its parent is created if needed.

    Yields
    ------
    Path
        An empty folder on the same file system as ``final_dir``.
    """
    final_dir = final_dir.resolve()
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.partial-", dir=final_dir.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    backup: Path | None = None
    if final_dir.exists():
        backup = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.old-", dir=final_dir.parent))
        os.replace(final_dir, backup / "previous")
    os.replace(staging, final_dir)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
