"""Access checks: every object is fetched through its owner, every token by its hash."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import timezone

from formcheck.web.models import Athlete, RunSession, ShareLink, UploadLink, hash_token


def client_ip(request: HttpRequest) -> str:
    """The address login throttling counts failures against (django-axes).

    ``REMOTE_ADDR``, unless the app runs behind its one trusted proxy
    (``[web] behind_proxy``) and the request came from it (a loopback
    address, as in the documented nginx setup): then every client would
    share the proxy's address, and one stranger's failures would lock a
    coach out everywhere. From the proxy, the right-most ``X-Forwarded-For``
    entry, the one nginx appends itself (``$proxy_add_x_forwarded_for``),
    if it is an IP address; entries to its left come from the client and
    are ignored, since anyone can write them.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    if not settings.FORMCHECK_BEHIND_PROXY or not _is_loopback(remote):
        return remote
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    last = forwarded.rsplit(",", 1)[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return remote


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def owned_athlete(request: HttpRequest, athlete_id: int) -> Athlete:
    """The coach's athlete, or 404 (another coach's athlete looks absent)."""
    try:
        return Athlete.objects.get(id=athlete_id, coach=request.user)
    except Athlete.DoesNotExist:
        raise Http404("no such athlete") from None


def owned_session(request: HttpRequest, uid: str) -> RunSession:
    """The coach's session, or 404."""
    try:
        return RunSession.objects.select_related("athlete").get(
            uid=uid, athlete__coach=request.user
        )
    except RunSession.DoesNotExist:
        raise Http404("no such session") from None


def active_upload_link(token: str) -> UploadLink:
    """The active upload link for ``token`` or 404 (wrong, revoked and expired look alike)."""
    link = (
        UploadLink.objects.select_related("athlete")
        .filter(
            token_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .first()
    )
    if link is None:
        raise Http404("this upload link is not valid (wrong, revoked or expired)")
    return link


def active_share_link(token: str) -> ShareLink:
    """The active share link for ``token`` or 404."""
    link = (
        ShareLink.objects.select_related("session", "session__athlete")
        .filter(
            token_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .first()
    )
    if link is None:
        raise Http404("this share link is not valid (wrong, revoked or expired)")
    return link
