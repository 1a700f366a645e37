"""The athlete's side: one upload link, its page, sessions, resumable clip uploads, status."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from formcheck.jobs import store
from formcheck.web.access import active_upload_link
from formcheck.web.models import Clip, RunSession, UploadLink
from formcheck.web.upload import check_declared_size, offset_of, receive_chunk

_FLOAT_FIELDS = {
    "height_cm": (50.0, 250.0),
    "belt_speed_kmh": (3.0, 40.0),
    "shoe_km": (0.0, 10000.0),
}
_TEXT_FIELDS = {"surface": 200, "training_changes": 2000, "where_it_hurts": 2000}


def _error(message: str, status: int = 400, **extra: object) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _session_of(link: UploadLink, uid: str) -> RunSession | None:
    return RunSession.objects.filter(uid=uid, athlete=link.athlete, upload_link=link).first()


def _clip_of(link: UploadLink, uid: str) -> Clip | None:
    return (
        Clip.objects.select_related("session")
        .filter(uid=uid, session__athlete=link.athlete, session__upload_link=link)
        .first()
    )


@login_not_required
@require_GET
def upload_page(request: HttpRequest, token: str) -> HttpResponse:
    """The athlete's page: optional answers, one or two clips, progress, status."""
    link = active_upload_link(token)
    return render(
        request,
        "web/upload.html",
        {"athlete": link.athlete, "token": token, "expires_at": link.expires_at},
    )


def parse_session_fields(data: dict[str, str]) -> tuple[dict[str, object], str]:
    """Validated optional fields; the error message names the first bad one."""
    out: dict[str, object] = {}
    for name, (low, high) in _FLOAT_FIELDS.items():
        text = (data.get(name) or "").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            return {}, f"{name}: expected a number, got {text[:40]!r}"
        if not (math.isfinite(value) and low <= value <= high):
            return {}, f"{name}: expected {low:g} to {high:g}, got {value:g}"
        out[name] = value
    for name, limit in _TEXT_FIELDS.items():
        text = (data.get(name) or "").strip()
        if len(text) > limit:
            return {}, f"{name}: at most {limit} characters"
        out[name] = text
    return out, ""


@login_not_required
@require_POST
def create_session(request: HttpRequest, token: str) -> JsonResponse:
    """Start a session with the athlete's answers; returns its id."""
    link = active_upload_link(token)
    limit = int(settings.FORMCHECK_WEB.sessions_per_link_per_hour)
    hour_ago = timezone.now() - timedelta(hours=1)
    started = RunSession.objects.filter(upload_link=link, created_at__gte=hour_ago).count()
    if started >= limit:
        return _error(
            f"this link started {started} uploads in the last hour (at most {limit}); "
            "try again later, or ask your coach",
            429,
        )
    fields, error = parse_session_fields(request.POST.dict())
    if error:
        return _error(error)
    session = RunSession.objects.create(athlete=link.athlete, upload_link=link, **fields)
    return JsonResponse({"session": session.uid})


@login_not_required
@require_POST
def create_clip(request: HttpRequest, token: str, session_uid: str) -> JsonResponse:
    """Announce a clip (role, size, elapsed time); the size cap is checked here first."""
    link = active_upload_link(token)
    session = _session_of(link, session_uid)
    if session is None:
        return _error("no such session", 404)
    if session.submitted_at is not None:
        return _error("this session was already sent for analysis", 409)
    role = request.POST.get("role", "early")
    if role not in ("early", "late"):
        return _error(f"role: expected 'early' or 'late', got {role[:20]!r}")
    try:
        size = int(request.POST.get("size", ""))
        elapsed_s = float(request.POST.get("elapsed_s") or 0.0)
    except ValueError:
        return _error("size and elapsed_s: expected numbers")
    if not math.isfinite(elapsed_s) or elapsed_s < 0:
        return _error("elapsed_s: expected 0 or more seconds")
    refusal = check_declared_size(size)
    if refusal:
        return _error(refusal, 413)
    Clip.objects.filter(session=session, role=role, state="refused").delete()
    try:
        clip = Clip.objects.create(
            session=session,
            role=role,
            elapsed_s=elapsed_s,
            declared_bytes=size,
            original_name=request.POST.get("name", "")[:255],
        )
    except IntegrityError:
        return _error(f"this session already has an {role} clip", 409)
    return JsonResponse({"clip": clip.uid, "offset": 0, "chunk_bytes": _chunk_bytes()})


def _chunk_bytes() -> int:
    return int(settings.FORMCHECK_WEB.max_chunk_bytes)


@login_not_required
@require_http_methods(["GET", "PUT"])
def clip_data(request: HttpRequest, token: str, clip_uid: str) -> JsonResponse:
    """GET: bytes received so far (to resume). PUT: one chunk with Content-Range."""
    link = active_upload_link(token)
    clip = _clip_of(link, clip_uid)
    if clip is None:
        return _error("no such upload", 404)
    if request.method == "GET":
        return JsonResponse(
            {"offset": offset_of(clip), "state": clip.state, "error": clip.refusal or None}
        )
    outcome = receive_chunk(request, clip)
    return JsonResponse(outcome.body, status=outcome.status)


@login_not_required
@require_POST
def submit_session(request: HttpRequest, token: str, session_uid: str) -> JsonResponse:
    """Send the session's received clips for analysis."""
    link = active_upload_link(token)
    session = _session_of(link, session_uid)
    if session is None:
        return _error("no such session", 404)
    clips = list(session.clips.all())
    if any(c.state == "uploading" for c in clips):
        return _error("a clip is still uploading", 409)
    received = [c for c in clips if c.state == "received"]
    if not received:
        return _error("no video was received", 409)
    if len(received) == 2 and received[0].elapsed_s == received[1].elapsed_s:
        return _error("an early and a late clip need different elapsed times", 400)
    if session.submitted_at is None:
        session.submitted_at = timezone.now()
        session.save(update_fields=["submitted_at"])
        store.enqueue(session)
    return JsonResponse(session_state(session))


def session_state(session: RunSession) -> dict[str, object]:
    """What the athlete sees: received, analysing (n %), ready or failed."""
    job = getattr(session, "job", None)
    if job is None:
        return {"state": "received" if session.submitted_at else "uploading", "progress": 0}
    if job.status == "succeeded":
        return {"state": "ready", "progress": 100}
    if job.status == "failed":
        return {"state": "failed", "progress": 0, "error": job.error}
    if job.status == "running":
        return {"state": "analysing", "progress": round(100 * job.progress)}
    return {"state": "received", "progress": 0}


@login_not_required
@require_GET
def session_status(request: HttpRequest, token: str, session_uid: str) -> JsonResponse:
    """The session's state for the athlete's page."""
    link = active_upload_link(token)
    session = _session_of(link, session_uid)
    if session is None:
        return _error("no such session", 404)
    return JsonResponse(session_state(session))
