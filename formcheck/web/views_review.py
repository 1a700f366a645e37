"""Review: the page, its JSON, private files with Range, notes, export; coach and share link."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from formcheck.web.access import active_share_link, owned_session
from formcheck.web.media import serve_file
from formcheck.web.models import Note, RunSession
from formcheck.web.storage import run_file

MAX_NOTE_CHARS = 5000


def _report(session: RunSession) -> dict[str, Any] | None:
    path = run_file(session.uid, "report.json")
    if path is None:
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _video_names(n_clips: int) -> list[str]:
    from formcheck.report.visual import annotated_names

    return annotated_names(n_clips)


def review_data(session: RunSession, *, file_base: str, readonly: bool) -> dict[str, Any]:
    """Everything the player needs: per-clip fps and frame count, contacts, findings, notes."""
    report = _report(session)
    notes = [n.as_dict() for n in session.notes.all()]
    if report is None:
        return {"ready": False, "notes": notes, "readonly": readonly}
    videos = report.get("videos") or [report.get("video")]
    names = _video_names(len(videos))
    clips = [
        {
            "index": k,
            "fps": v["fps"],
            "frames": v["frames"],
            "width": v.get("width"),
            "height": v.get("height"),
            "elapsed_offset_s": v.get("elapsed_offset_s", 0.0),
            "video_url": f"{file_base}{name}",
        }
        for k, (v, name) in enumerate(zip(videos, names, strict=True))
    ]
    evidence = {
        (e["clip"], e["frame"]) for f in report.get("findings", []) for e in f.get("evidence", [])
    }
    contacts = [
        {
            "clip": c["clip"],
            "leg": c["leg"],
            "ic_frame": c["ic_frame"],
            "to_frame": c.get("to_frame"),
            "usable": c.get("usable", True),
            "strike_class": c.get("strike_class"),
            "contact_time_ms": c.get("contact_time_ms"),
            "flagged": (c["clip"], c["ic_frame"]) in evidence,
        }
        for c in report.get("contacts", [])
    ]
    strides = [
        {"clip": s["clip"], "start_frame": s["start_frame"], "end_frame": s["end_frame"]}
        for s in report.get("strides", [])
    ]
    return {
        "ready": True,
        "readonly": readonly,
        "clips": clips,
        "findings": report.get("findings", []),
        "summary": report.get("summary", {}),
        "contacts": contacts,
        "strides": strides,
        "warnings": report.get("warnings", []),
        "disclaimer": report.get("disclaimer", ""),
        "notes": notes,
    }


def report_context(session: RunSession) -> dict[str, Any]:
    """What the review page shows beside the player, through report.html's own partials:
    finding cards (evidence frames as seek buttons), warnings, the running-dynamics
    table, the athlete's answers and the disclaimer. Text only (formatted by
    :mod:`formcheck.report.view`), escaped by the templates."""
    from formcheck.report import view

    report = _report(session) or {}
    summary = report.get("summary") or {}
    n_clips = len(report.get("videos") or [report.get("video")])
    return {
        "report_ready": bool(report),
        "findings": view.finding_cards(report, n_clips=n_clips),
        "warnings": [str(w) for w in report.get("warnings") or []],
        "dynamics_header": view.DYNAMICS_HEADER,
        "dynamics": view.dynamics_rows(summary) if report.get("running") and summary else [],
        # the name is the page's heading already
        "answers": view.athlete_rows({**session.athlete_answers(), "name": None}),
        "disclaimer": str(report.get("disclaimer") or ""),
    }


def _serve_run_file(request: HttpRequest, session: RunSession, name: str) -> HttpResponse:
    path = run_file(session.uid, name)
    if path is None:
        raise Http404("no such file")
    internal = Path("runs") / session.uid / name
    return serve_file(request, path, internal_name=str(internal))


# --- coach ---------------------------------------------------------------------------


@require_GET
def review_page(request: HttpRequest, uid: str) -> HttpResponse:
    """The coach's review of a session."""
    session = owned_session(request, uid)
    job = getattr(session, "job", None)
    shares = session.share_links.order_by("-created_at")
    return render(
        request,
        "web/review.html",
        {
            "session": session,
            "athlete": session.athlete,
            "job": job,
            "shares": shares,
            "now": timezone.now(),
            "data_url": reverse("review_json", args=[uid]),
            "notes_url": reverse("notes", args=[uid]),
            "readonly": False,
            **report_context(session),
        },
    )


@require_GET
def review_json(request: HttpRequest, uid: str) -> JsonResponse:
    """The player's data for the coach."""
    session = owned_session(request, uid)
    base = reverse("session_file", args=[uid, "x"])[:-1]
    return JsonResponse(review_data(session, file_base=base, readonly=False))


@require_http_methods(["GET", "HEAD"])
def session_file(request: HttpRequest, uid: str, name: str) -> HttpResponse:
    """A derived file of the coach's session (video with Range, report, keyframes)."""
    return _serve_run_file(request, owned_session(request, uid), name)


@require_GET
def export_json(request: HttpRequest, uid: str) -> JsonResponse:
    """report.json with the coach's notes added."""
    session = owned_session(request, uid)
    report = _report(session)
    if report is None:
        raise Http404("no report yet")
    report["notes"] = [n.as_dict() for n in session.notes.all()]
    response = JsonResponse(report)
    response["Content-Disposition"] = f'attachment; filename="report-{uid[:8]}.json"'
    return response


def _note_fields(request: HttpRequest) -> tuple[dict[str, Any], str]:
    text = request.POST.get("text", "").strip()
    if not text or len(text) > MAX_NOTE_CHARS:
        return {}, f"text: expected 1 to {MAX_NOTE_CHARS} characters"
    try:
        clip = int(request.POST.get("clip", "0"))
        start = int(request.POST.get("start_frame", ""))
        end_text = request.POST.get("end_frame", "").strip()
        end = int(end_text) if end_text else None
    except ValueError:
        return {}, "clip, start_frame, end_frame: expected whole numbers"
    if clip < 0 or start < 0 or (end is not None and end < start):
        return {}, "expected clip >= 0, start_frame >= 0 and end_frame >= start_frame"
    return {"clip_index": clip, "start_frame": start, "end_frame": end, "text": text}, ""


@require_http_methods(["GET", "POST"])
def notes(request: HttpRequest, uid: str) -> JsonResponse:
    """GET: the session's notes. POST: add a note (moment, or range with end_frame)."""
    session = owned_session(request, uid)
    if request.method == "POST":
        fields, error = _note_fields(request)
        if error:
            return JsonResponse({"error": error}, status=400)
        Note.objects.create(session=session, **fields)
    return JsonResponse({"notes": [n.as_dict() for n in session.notes.all()]})


@require_POST
def note_edit(request: HttpRequest, note_id: int) -> JsonResponse:
    """Change a note's text or frames."""
    note = get_object_or_404(Note, id=note_id, session__athlete__coach=request.user)
    fields, error = _note_fields(request)
    if error:
        return JsonResponse({"error": error}, status=400)
    for key, value in fields.items():
        setattr(note, key, value)
    note.save()
    return JsonResponse(note.as_dict())


@require_POST
def note_delete(request: HttpRequest, note_id: int) -> JsonResponse:
    """Delete a note."""
    note = get_object_or_404(Note, id=note_id, session__athlete__coach=request.user)
    note.delete()
    return JsonResponse({"deleted": note_id})


# --- share link ------------------------------------------------------------------------


@login_not_required
@require_GET
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    """The read-only review behind a share link."""
    link = active_share_link(token)
    return render(
        request,
        "web/review.html",
        {
            "session": link.session,
            "athlete": link.session.athlete,
            "data_url": reverse("share_json", args=[token]),
            "readonly": True,
            **report_context(link.session),
        },
    )


@login_not_required
@require_GET
def share_json(request: HttpRequest, token: str) -> JsonResponse:
    """The player's data behind a share link."""
    link = active_share_link(token)
    base = reverse("share_file", args=[token, "x"])[:-1]
    return JsonResponse(review_data(link.session, file_base=base, readonly=True))


@login_not_required
@require_http_methods(["GET", "HEAD"])
def share_file(request: HttpRequest, token: str, name: str) -> HttpResponse:
    """A derived file behind a share link."""
    return _serve_run_file(request, active_share_link(token).session, name)
