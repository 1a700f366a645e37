"""The coach's side: login, athletes, upload links, sessions, jobs, delete."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from formcheck.jobs import store
from formcheck.web.access import owned_athlete, owned_session
from formcheck.web.models import Athlete, ShareLink, UploadLink, new_token
from formcheck.web.storage import delete_session_files

log = logging.getLogger("formcheck.web")


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers; no session needed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The coach's athletes."""
    athletes = Athlete.objects.filter(coach=request.user)
    return render(request, "web/home.html", {"athletes": athletes})


@require_POST
def athlete_create(request: HttpRequest) -> HttpResponse:
    """Add an athlete."""
    name = request.POST.get("name", "").strip()[:120]
    if not name:
        return render(
            request,
            "web/home.html",
            {"athletes": Athlete.objects.filter(coach=request.user), "error": "a name is needed"},
            status=400,
        )
    athlete = Athlete.objects.create(coach=request.user, name=name)
    return HttpResponseRedirect(reverse("athlete", args=[athlete.id]))


@require_GET
def athlete_page(request: HttpRequest, athlete_id: int) -> HttpResponse:
    """An athlete's sessions and upload links."""
    athlete = owned_athlete(request, athlete_id)
    sessions = athlete.sessions.select_related("job").prefetch_related("clips")
    links = athlete.upload_links.order_by("-created_at")
    return render(
        request,
        "web/athlete.html",
        {"athlete": athlete, "sessions": sessions, "links": links, "now": timezone.now()},
    )


@require_POST
def upload_link_create(request: HttpRequest, athlete_id: int) -> HttpResponse:
    """A new upload link; its token is shown once on this page and never stored."""
    athlete = owned_athlete(request, athlete_id)
    token, digest = new_token()
    days = settings.FORMCHECK_WEB.upload_link_days
    link = UploadLink.objects.create(
        athlete=athlete, token_hash=digest, expires_at=UploadLink.expiry(days)
    )
    url = request.build_absolute_uri(reverse("upload_page", args=[token]))
    log.info("event=upload_link_created athlete=%s link=%s", athlete.id, link.id)
    return render(
        request,
        "web/link_created.html",
        {"athlete": athlete, "url": url, "kind": "upload", "link": link},
    )


@require_POST
def upload_link_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    """Revoke an upload link."""
    link = get_object_or_404(UploadLink, id=link_id, athlete__coach=request.user)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return HttpResponseRedirect(reverse("athlete", args=[link.athlete_id]))


@require_GET
def job_status(request: HttpRequest, uid: str) -> JsonResponse:
    """A session's job: status, attempt, progress and error."""
    session = owned_session(request, uid)
    job = getattr(session, "job", None)
    if job is None:
        return JsonResponse({"status": "not submitted"})
    return JsonResponse(
        {
            "status": job.status,
            "attempt": job.attempt,
            "max_attempts": job.max_attempts,
            "progress": round(100 * job.progress),
            "stage": job.stage,
            "error": job.error,
        }
    )


@require_POST
def job_retry(request: HttpRequest, uid: str) -> HttpResponse:
    """Queue a failed job again."""
    session = owned_session(request, uid)
    job = getattr(session, "job", None)
    if job is None or not store.retry(job):
        return HttpResponse("only a failed job can be retried", status=409)
    return HttpResponseRedirect(reverse("athlete", args=[session.athlete_id]))


@require_POST
def session_delete(request: HttpRequest, uid: str) -> HttpResponse:
    """Delete a session: its videos, every derived file, notes, links and job."""
    session = owned_session(request, uid)
    athlete_id = session.athlete_id
    clip_uids = list(session.clips.values_list("uid", flat=True))
    job = getattr(session, "job", None)
    if job is not None and job.status == "running":
        return HttpResponse("the analysis is running; delete it when it ends", status=409)
    session.delete()
    delete_session_files(uid, clip_uids)
    log.info("event=session_deleted session=%s", uid)
    return HttpResponseRedirect(reverse("athlete", args=[athlete_id]))


@require_POST
def share_create(request: HttpRequest, uid: str) -> HttpResponse:
    """A read-only share link to this session's review."""
    session = owned_session(request, uid)
    token, digest = new_token()
    days = settings.FORMCHECK_WEB.share_link_days
    link = ShareLink.objects.create(
        session=session, token_hash=digest, expires_at=ShareLink.expiry(days)
    )
    url = request.build_absolute_uri(reverse("share_page", args=[token]))
    return render(
        request,
        "web/link_created.html",
        {"athlete": session.athlete, "url": url, "kind": "share", "link": link, "session": session},
    )


@require_POST
def share_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    """Revoke a share link."""
    link = get_object_or_404(ShareLink, id=link_id, session__athlete__coach=request.user)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return HttpResponseRedirect(reverse("review", args=[link.session.uid]))
