"""Checkpoints of a long job's pose results, one file pair per window or part.

Long-run mode: a window's pose track (``window_NNN.npz``) and its people
summary and camera roll (``window_NNN.json``) are written as soon as the
window is done. Full mode: each part of the pose pass (``part_NNNN.npz``,
arrays of :mod:`formcheck.capture.pose_parts`, and ``part_NNNN.json``, its
metadata with the sha256 of the ``.npz``). Each file goes through a
temporary file renamed into place, the JSON last, so a window or part is
either fully checkpointed or absent: Ctrl-C or a crash loses at most the
one in progress. ``manifest.json`` holds the job's key (the video's
fingerprint, pose model and settings, and the window plan or part size); a
folder with another key is cleared before use, so a changed video or
setting never mixes with old results. A part whose ``.npz`` does not match
its recorded hash, or whose JSON is missing or unreadable, is not trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.capture.track import PoseTrack
from formcheck.capture.track_io import load_track, save_track
from formcheck.errors import FormcheckError, OutputError

MANIFEST_NAME = "manifest.json"


def resume_dir_for(out_dir: Path) -> Path:
    """Checkpoint folder of an output folder: ``.NAME.resume`` beside it."""
    out_dir = out_dir.resolve()
    return out_dir.parent / f".{out_dir.name}.resume"


def _tmp_name(path: Path) -> Path:
    """A temporary name beside ``path`` that no other writer uses (process id and a
    random token): two runs writing the same checkpoint never share a half-written file."""
    return path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = _tmp_name(path)
    tmp.write_bytes(data)
    os.replace(tmp, path)


class CheckpointStore:
    """Pose checkpoints (per window, or per part of a full pass) in one folder,
    valid for one job key.

    Parameters
    ----------
    folder : Path
        Where checkpoints are written (created on first save).
    key : str
        The job's identity; checkpoints under another key are discarded.
    also_read : list of Path, optional
        Further folders to read finished windows from (e.g. the
        ``pose_windows`` folder of a finished earlier output).
    """

    def __init__(self, folder: Path, *, key: str, also_read: list[Path] | None = None) -> None:
        self.folder = folder
        self.key = key
        self.also_read = list(also_read or [])
        self._ready = False

    def _prepare(self) -> None:
        if self._ready:
            return
        try:
            if self.folder.is_dir() and self._folder_key(self.folder) != self.key:
                shutil.rmtree(self.folder)
            self.folder.mkdir(parents=True, exist_ok=True)
            manifest = json.dumps({"key": self.key}).encode()
            _write_atomic(self.folder / MANIFEST_NAME, manifest)
        except OSError as exc:
            raise OutputError(f"{self.folder}: cannot write checkpoints ({exc})") from exc
        self._ready = True

    @staticmethod
    def _folder_key(folder: Path) -> str | None:
        try:
            return str(json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))["key"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @staticmethod
    def _names(index: int) -> tuple[str, str]:
        return f"window_{index:03d}.npz", f"window_{index:03d}.json"

    def save(self, index: int, track: PoseTrack, meta: dict[str, Any]) -> None:
        """Checkpoint window ``index``: its runner track and metadata (JSON-ready)."""
        self._prepare()
        npz, js = self._names(index)
        tmp = _tmp_name(self.folder / npz)
        save_track(track, tmp, key=self.key)
        os.replace(tmp, self.folder / npz)
        _write_atomic(self.folder / js, json.dumps(meta, indent=1).encode())

    def load(self, index: int) -> tuple[PoseTrack, dict[str, Any]] | None:
        """The checkpoint of window ``index``, or None when absent, damaged or stale."""
        npz, js = self._names(index)
        for folder in [self.folder, *self.also_read]:
            if self._folder_key(folder) != self.key:
                continue
            try:
                meta = json.loads((folder / js).read_text(encoding="utf-8"))
                track, key = load_track(folder / npz)
            except (OSError, ValueError, FormcheckError):
                continue  # a damaged checkpoint is only a miss
            if key == self.key:
                return track, meta
        return None

    @staticmethod
    def _part_names(index: int) -> tuple[str, str]:
        return f"part_{index:04d}.npz", f"part_{index:04d}.json"

    def save_part(self, index: int, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        """Checkpoint part ``index``: named arrays and JSON-ready metadata."""
        self._prepare()
        npz, js = self._part_names(index)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        data = buffer.getvalue()
        try:
            _write_atomic(self.folder / npz, data)
            record = {"key": self.key, "sha256": hashlib.sha256(data).hexdigest(), "meta": meta}
            _write_atomic(self.folder / js, json.dumps(record).encode())
        except OSError as exc:
            raise OutputError(f"{self.folder}: cannot write checkpoints ({exc})") from exc

    def load_part(self, index: int) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
        """Part ``index``'s arrays and metadata, or None when absent, damaged or stale."""
        if self._folder_key(self.folder) != self.key:
            return None
        npz, js = self._part_names(index)
        try:
            record = json.loads((self.folder / js).read_text(encoding="utf-8"))
            data = (self.folder / npz).read_bytes()
            if record["key"] != self.key or hashlib.sha256(data).hexdigest() != record["sha256"]:
                return None
            with np.load(io.BytesIO(data), allow_pickle=False) as loaded:
                arrays = {name: loaded[name] for name in loaded.files}
            return arrays, dict(record["meta"])
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
            return None  # a damaged checkpoint is only a miss

    def discard_parts(self, *, from_index: int) -> None:
        """Remove the checkpoints of parts ``from_index`` on (they are to be redone)."""
        for path in self.folder.glob("part_*.*"):
            stem = path.name.split(".", 1)[0]
            number = stem.removeprefix("part_")
            if number.isdigit() and int(number) >= from_index:
                path.unlink(missing_ok=True)

    def copy_to(self, dest: Path, indices: list[int]) -> None:
        """Copy the manifest and the given windows' checkpoints into ``dest``."""
        dest.mkdir(parents=True, exist_ok=True)
        _write_atomic(dest / MANIFEST_NAME, json.dumps({"key": self.key}).encode())
        for index in indices:
            for name in self._names(index):
                src = next(
                    (f / name for f in [self.folder, *self.also_read] if (f / name).is_file()),
                    None,
                )
                if src is not None:
                    shutil.copyfile(src, dest / name)

    def discard(self) -> None:
        """Remove the checkpoint folder, and its parent when that is left empty."""
        shutil.rmtree(self.folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # other videos' checkpoints remain there
            self.folder.parent.rmdir()
