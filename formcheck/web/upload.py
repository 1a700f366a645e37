"""Resumable chunked upload: ``PUT`` with ``Content-Range: bytes a-b/total``.

The protocol (the same idea as the core of tus): the client asks the offset
(``GET`` returns ``{"offset": n}``, the size of the partial file), then sends
the bytes from there in chunks. A chunk is read from the request stream in
64 KiB blocks (``request.body`` is never touched), so memory stays flat. A
dropped connection keeps what arrived; the client resumes from the new offset.
"""

from __future__ import annotations

import fcntl
import os
import re
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from formcheck.web.models import Clip
from formcheck.web.probe import probe_file
from formcheck.web.storage import partial_path, upload_path

_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
_BLOCK = 64 * 1024


@dataclass(frozen=True)
class ChunkOutcome:
    """HTTP status and JSON body to answer a chunk with."""

    status: int
    body: dict[str, object]


def _gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GB" if n >= 1024**3 else f"{n / 1024**2:.1f} MB"


def check_declared_size(size: int) -> str:
    """Empty when ``size`` bytes may be uploaded, else the refusal message."""
    cap = settings.FORMCHECK_WEB.max_upload_bytes
    if size <= 0:
        return "the file is empty"
    if size > cap:
        return f"the file is too large: {_gib(size)}, the limit is {_gib(cap)}"
    return ""


def offset_of(clip: Clip) -> int:
    """Bytes received so far."""
    if clip.state != "uploading":
        return clip.declared_bytes
    try:
        return partial_path(clip.uid).stat().st_size
    except FileNotFoundError:
        return 0


def receive_chunk(request: HttpRequest, clip: Clip) -> ChunkOutcome:
    """Append one chunk to the clip's partial file; finish the upload on the last byte."""
    web = settings.FORMCHECK_WEB
    if clip.state != "uploading":
        return ChunkOutcome(409, {"error": "this upload is already complete", "state": clip.state})
    match = _CONTENT_RANGE.match(request.headers.get("Content-Range", ""))
    if not match:
        return ChunkOutcome(400, {"error": "expected a Content-Range: bytes a-b/total header"})
    start, end, total = (int(g) for g in match.groups())
    try:
        length = int(request.headers.get("Content-Length", ""))
    except ValueError:
        return ChunkOutcome(411, {"error": "expected a Content-Length header"})
    if total != clip.declared_bytes:
        return ChunkOutcome(
            400, {"error": f"expected total {clip.declared_bytes} bytes as declared, got {total}"}
        )
    if end < start or end >= total or length != end - start + 1:
        return ChunkOutcome(
            413 if end >= total else 400,
            {"error": f"the chunk {start}-{end} does not fit a {total}-byte file of this length"},
        )
    if length > web.max_chunk_bytes:
        return ChunkOutcome(413, {"error": f"chunks are at most {web.max_chunk_bytes} bytes"})
    path = partial_path(clip.uid)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return ChunkOutcome(409, {"error": "another chunk of this file is being written"})
        offset = os.fstat(handle.fileno()).st_size
        if start != offset:
            return ChunkOutcome(409, {"error": "wrong offset", "offset": offset})
        handle.seek(start)
        left = length
        while left > 0:
            block = request.read(min(_BLOCK, left))
            if not block:
                break  # the client went away: keep what arrived
            handle.write(block)
            left -= len(block)
        handle.flush()
        os.fsync(handle.fileno())
        offset = start + length - left
    if offset < total:
        return ChunkOutcome(200 if left == 0 else 400, {"offset": offset, "state": "uploading"})
    return _complete(clip)


def _complete(clip: Clip) -> ChunkOutcome:
    """All bytes arrived: move into place, probe, accept or refuse."""
    web = settings.FORMCHECK_WEB
    final = upload_path(clip.uid)
    os.replace(partial_path(clip.uid), final)
    result = probe_file(str(final), timeout_s=web.probe_timeout_s, memory_mb=web.probe_memory_mb)
    refusal = result.error
    if not refusal and result.duration_s < web.min_duration_s:
        refusal = (
            f"the video is too short: {result.duration_s:.1f} s, formcheck needs at least "
            f"{web.min_duration_s:g} s of running"
        )
    if refusal:
        final.unlink(missing_ok=True)
        clip.state, clip.refusal = "refused", refusal
        clip.save(update_fields=["state", "refusal"])
        return ChunkOutcome(422, {"error": refusal, "state": "refused"})
    clip.state = "received"
    clip.fps, clip.n_frames, clip.duration_s = result.fps, result.n_frames, result.duration_s
    clip.width, clip.height = result.width, result.height
    clip.save()
    return ChunkOutcome(200, {"offset": clip.declared_bytes, "state": "received"})
