"""Serving private files with HTTP Range (RFC 9110 section 14).

Django's FileResponse ignores Range, and without it Chromium cannot seek a
video. This answers ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n`` with 206,
several ranges with a ``multipart/byteranges`` 206, and an unsatisfiable
range with 416. With ``web.x_accel_redirect_prefix`` set, the response is an
empty one carrying ``X-Accel-Redirect`` and nginx sends the bytes (and
handles Range itself); the access check still happens here.
"""

from __future__ import annotations

import mimetypes
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

_CHUNK = 256 * 1024
_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")
MAX_RANGES = 16


def parse_range(header: str, size: int) -> list[tuple[int, int]] | None:
    """Byte ranges (inclusive) from a Range header; [] if unsatisfiable, None if ignorable.

    ``None`` means "serve the whole file" (no header, another unit, or a
    malformed header, which RFC 9110 says to ignore).
    """
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec:
        return None
    ranges: list[tuple[int, int]] = []
    parts = spec.split(",")
    if len(parts) > MAX_RANGES:
        return None
    for part in parts:
        match = _RANGE.match(part)
        if not match or (not match.group(1) and not match.group(2)):
            return None
        first, last = match.group(1), match.group(2)
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
            if last and int(last) < start:
                return None
            if start >= size:
                continue
        else:
            suffix = int(last)
            if suffix == 0:
                continue
            start, end = max(size - suffix, 0), size - 1
        ranges.append((start, end))
    return ranges


def _read(path: Path, start: int, end: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        left = end - start + 1
        while left > 0:
            block = handle.read(min(_CHUNK, left))
            if not block:
                return
            left -= len(block)
            yield block


def _multipart(
    path: Path, ranges: list[tuple[int, int]], size: int, ctype: str, boundary: str
) -> tuple[int, Iterator[bytes]]:
    """Length and body of a ``multipart/byteranges`` answer, streamed from the file."""
    heads = [
        (
            f"\r\n--{boundary}\r\nContent-Type: {ctype}\r\n"
            f"Content-Range: bytes {start}-{end}/{size}\r\n\r\n"
        ).encode("ascii")
        for start, end in ranges
    ]
    tail = f"\r\n--{boundary}--\r\n".encode("ascii")
    length = sum(map(len, heads)) + sum(e - s + 1 for s, e in ranges) + len(tail)

    def body() -> Iterator[bytes]:
        for head, (start, end) in zip(heads, ranges, strict=True):
            yield head
            yield from _read(path, start, end)
        yield tail

    return length, body()


def serve_file(request: HttpRequest, path: Path, *, internal_name: str) -> HttpResponse:
    """Answer GET/HEAD for ``path`` (already access-checked) with Range support.

    ``internal_name`` is the file's path relative to the data folder, used for
    ``X-Accel-Redirect`` when a prefix is configured.
    """
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    prefix = settings.FORMCHECK_WEB.x_accel_redirect_prefix
    if prefix:
        handover = HttpResponse(content_type=ctype)
        handover["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + internal_name
        handover["Cache-Control"] = "private, no-store"
        return handover
    size = os.path.getsize(path)
    ranges = parse_range(request.headers.get("Range", ""), size)
    if ranges is not None and request.headers.get("If-Range"):
        ranges = None  # no validators offered, so any If-Range means "send it all"
    head = request.method == "HEAD"
    response: HttpResponse | StreamingHttpResponse
    if ranges is None:
        response = StreamingHttpResponse(
            iter(()) if head else _read(path, 0, size - 1), content_type=ctype
        )
        response["Content-Length"] = str(size)
    elif not ranges:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif len(ranges) == 1:
        start, end = ranges[0]
        response = StreamingHttpResponse(
            iter(()) if head else _read(path, start, end), status=206, content_type=ctype
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        boundary = secrets.token_hex(12)
        length, body = _multipart(path, ranges, size, ctype, boundary)
        response = StreamingHttpResponse(
            iter(()) if head else body,
            status=206,
            content_type=f"multipart/byteranges; boundary={boundary}",
        )
        response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    return response
