"""Reading and writing pose tracks: compact ``.npz`` (also the cache) and CSV."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.capture.track import PoseTrack
from formcheck.errors import FormcheckError
from formcheck.landmarks import NAMES, NUM_LANDMARKS

TRACK_FORMAT_VERSION = 1
_HASH_SPAN_BYTES = 1 << 20
# Frames converted to plain floats at a time when writing pose.csv.
_CSV_BLOCK_FRAMES = 4096
# A NaN or infinite cell of pose.csv is written empty.
_NOT_FINITE = re.compile(r"(?<=,)(?:nan|-?inf)(?=,|$)")


def video_fingerprint(path: Path) -> str:
    """A cheap identity of a video file: size plus hashes of its first and last MiB."""
    digest = hashlib.sha256()
    size = path.stat().st_size
    digest.update(str(size).encode())
    with path.open("rb") as fh:
        digest.update(fh.read(_HASH_SPAN_BYTES))
        if size > 2 * _HASH_SPAN_BYTES:
            fh.seek(size - _HASH_SPAN_BYTES)
            digest.update(fh.read(_HASH_SPAN_BYTES))
    return digest.hexdigest()[:16]


def cache_key(*, video_path: Path, model_id: str, settings: dict[str, Any]) -> str:
    """Key under which a pose track is valid: same video, model and pose settings."""
    blob = json.dumps(
        {"video": video_fingerprint(video_path), "model": model_id, "settings": settings},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def save_track(track: PoseTrack, path: Path, *, key: str = "") -> None:
    """Write a track as compressed ``.npz`` (float32 coordinates)."""
    meta = {
        "format_version": TRACK_FORMAT_VERSION,
        "fps": track.fps,
        "width": track.width,
        "height": track.height,
        "source": track.source,
        "model_id": track.model_id,
        "settings": dict(track.settings),
        "cache_key": key,
    }
    arrays: dict[str, np.ndarray] = {
        "xy_px": track.xy_px.astype(np.float32),
        "z": track.z.astype(np.float32),
        "visibility": track.visibility.astype(np.float32),
        "presence": track.presence.astype(np.float32),
        "timestamps_s": track.timestamps_s,
        "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
    }
    if track.repeated is not None:
        arrays["repeated"] = track.repeated.astype(bool)
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]


def load_track(path: Path) -> tuple[PoseTrack, str]:
    """Read a track written by :func:`save_track`; returns ``(track, cache_key)``."""
    try:
        with np.load(path) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            # Landmarks stay float32 as stored (and as the pose pass makes them).
            arrays = {
                k: data[k].astype(np.float32) for k in ("xy_px", "z", "visibility", "presence")
            }
            arrays["timestamps_s"] = data["timestamps_s"].astype(float)
            repeated = data["repeated"].astype(bool) if "repeated" in data.files else None
    except (OSError, KeyError, ValueError) as exc:
        raise FormcheckError(f"{path}: not a readable pose track ({exc})") from exc
    if meta.get("format_version") != TRACK_FORMAT_VERSION:
        raise FormcheckError(
            f"{path}: pose track format {meta.get('format_version')}, "
            f"expected {TRACK_FORMAT_VERSION}"
        )
    track = PoseTrack(
        **arrays,
        fps=float(meta["fps"]),
        width=int(meta["width"]),
        height=int(meta["height"]),
        source=str(meta["source"]),
        model_id=str(meta["model_id"]),
        settings=meta["settings"],
        repeated=repeated,
    )
    return track, str(meta.get("cache_key", ""))


def write_track_csv(track: PoseTrack, path: Path) -> None:
    """One row per frame: ``frame, time_s`` then x/y (px), z, visibility, presence per landmark.

    Missing values are empty cells.
    """
    header = ["frame", "time_s"]
    for name in NAMES:
        header += [
            f"{name}_x_px",
            f"{name}_y_px",
            f"{name}_z",
            f"{name}_visibility",
            f"{name}_presence",
        ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        # A block of frames at a time, one %-format per row (same text as
        # csv.writer gave cell by cell, which took minutes for an hour of video).
        fmt = "%d,%.6f" + ",%.3f,%.3f,%.4f,%.4f,%.4f" * NUM_LANDMARKS
        for lo in range(0, track.n_frames, _CSV_BLOCK_FRAMES):
            hi = min(lo + _CSV_BLOCK_FRAMES, track.n_frames)
            values = np.concatenate(
                [
                    track.xy_px[lo:hi],
                    track.z[lo:hi, :, None],
                    track.visibility[lo:hi, :, None],
                    track.presence[lo:hi, :, None],
                ],
                axis=-1,
                dtype=float,
            ).reshape(hi - lo, -1)
            times = track.timestamps_s[lo:hi].tolist()
            lines = [
                _NOT_FINITE.sub("", fmt % (lo + k, times[k], *row))
                for k, row in enumerate(values.tolist())
            ]
            fh.write("\r\n".join(lines) + "\r\n")
