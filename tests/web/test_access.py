"""Every route: who may call it, and the denial cases (no session, wrong/revoked/expired
token, another coach's objects, path traversal, CSRF-less POST)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from formcheck.web.models import Athlete, Note, RunSession, ShareLink, UploadLink
from tests.web.conftest import make_link

pytestmark = pytest.mark.django_db


def test_healthz_needs_no_session() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_login_page_is_public() -> None:
    response = Client().get("/login")
    assert response.status_code == 200
    assert b'name="password"' in response.content
    assert "script-src" not in response["Content-Security-Policy"]  # default-src 'self' only
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert response["X-Frame-Options"] == "DENY"


def _coach_routes(athlete: Athlete, session: RunSession, note: Note) -> list[tuple[str, str]]:
    uid = session.uid
    return [
        ("get", "/"),
        ("post", "/athletes"),
        ("get", f"/athletes/{athlete.id}"),
        ("post", f"/athletes/{athlete.id}/links"),
        ("post", "/links/1/revoke"),
        ("get", f"/sessions/{uid}"),
        ("get", f"/sessions/{uid}/review.json"),
        ("get", f"/sessions/{uid}/export.json"),
        ("get", f"/sessions/{uid}/job"),
        ("post", f"/sessions/{uid}/retry"),
        ("post", f"/sessions/{uid}/delete"),
        ("post", f"/sessions/{uid}/shares"),
        ("get", f"/sessions/{uid}/notes"),
        ("post", f"/sessions/{uid}/notes"),
        ("get", f"/sessions/{uid}/files/annotated.mp4"),
        ("get", f"/sessions/{uid}/files/report.json"),
        ("post", f"/notes/{note.id}"),
        ("post", f"/notes/{note.id}/delete"),
        ("post", "/shares/1/revoke"),
    ]


def test_every_coach_route_redirects_to_login_without_a_session(
    athlete: Athlete, ready_session: RunSession
) -> None:
    note = Note.objects.create(session=ready_session, start_frame=3, text="x")
    client = Client()
    for method, url in _coach_routes(athlete, ready_session, note):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/login?next="), (method, url)
    assert Note.objects.filter(id=note.id).exists()
    assert RunSession.objects.filter(id=ready_session.id).exists()


def test_another_coachs_objects_look_absent(
    other_coach: Any, athlete: Athlete, ready_session: RunSession
) -> None:
    note = Note.objects.create(session=ready_session, start_frame=3, text="mine")
    UploadLink.objects.create(athlete=athlete, token_hash="a" * 64, expires_at=UploadLink.expiry(1))
    ShareLink.objects.create(
        session=ready_session, token_hash="b" * 64, expires_at=ShareLink.expiry(1)
    )
    client = Client()
    client.force_login(other_coach)
    routes = _coach_routes(athlete, ready_session, note)
    routes = [r for r in routes if r[1] not in ("/", "/athletes")]
    routes[routes.index(("post", "/links/1/revoke"))] = (
        "post",
        f"/links/{UploadLink.objects.get().id}/revoke",
    )
    routes[routes.index(("post", "/shares/1/revoke"))] = (
        "post",
        f"/shares/{ShareLink.objects.get().id}/revoke",
    )
    for method, url in routes:
        response = getattr(client, method)(url, {"text": "x", "start_frame": "1"})
        assert response.status_code == 404, (method, url, response.status_code)
    assert Note.objects.get(id=note.id).text == "mine"
    assert UploadLink.objects.get().revoked_at is None
    assert ShareLink.objects.get().revoked_at is None
    assert b"Ana" not in client.get("/").content


@pytest.mark.parametrize(
    "name",
    [
        "../../secret_key",
        "..%2F..%2Fsecret_key",
        "keyframes/../../../db.sqlite3",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "pose_0/pose_track.npz",
        "report.json/..",
        "annotated.mp4%00.png",
    ],
)
def test_path_traversal_in_file_names_is_refused(
    coach_client: Client, share_token: str, ready_session: RunSession, name: str
) -> None:
    for url in (
        f"/sessions/{ready_session.uid}/files/{name}",
        f"/s/{share_token}/files/{name}",
    ):
        response = coach_client.get(url)
        assert response.status_code == 404, (url, response.status_code)


def test_a_session_id_that_is_no_uid_is_refused(coach_client: Client) -> None:
    assert coach_client.get("/sessions/..%2F..%2Fetc/files/report.json").status_code == 404
    assert coach_client.get("/sessions/nothex/review.json").status_code == 404


@pytest.mark.parametrize("state", ["wrong", "revoked", "expired"])
def test_bad_upload_tokens_are_refused(athlete: Athlete, state: str) -> None:
    if state == "wrong":
        token = "not-a-token"
        make_link(UploadLink, athlete=athlete)
    else:
        token = make_link(
            UploadLink,
            athlete=athlete,
            days=-1 if state == "expired" else 1,
            revoked=state == "revoked",
        )
    client = Client()
    assert client.get(f"/u/{token}").status_code == 404
    assert client.post(f"/u/{token}/sessions", {}).status_code == 404
    assert RunSession.objects.count() == 0


@pytest.mark.parametrize("state", ["wrong", "revoked", "expired"])
def test_bad_share_tokens_are_refused(ready_session: RunSession, state: str) -> None:
    token = make_link(
        ShareLink,
        session=ready_session,
        days=-1 if state == "expired" else 1,
        revoked=state == "revoked",
    )
    if state == "wrong":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    client = Client()
    for suffix in ("", "/review.json", "/files/annotated.mp4", "/files/report.json"):
        assert client.get(f"/s/{token}{suffix}").status_code == 404, suffix


def test_share_link_reads_but_cannot_write(ready_session: RunSession, share_token: str) -> None:
    Note.objects.create(session=ready_session, start_frame=5, text="<script>alert(1)</script>")
    client = Client()
    page = client.get(f"/s/{share_token}")
    assert page.status_code == 200
    data = client.get(f"/s/{share_token}/review.json").json()
    assert data["readonly"] is True
    assert (
        data["notes"][0]["text"] == "<script>alert(1)</script>"
    )  # data; the page shows it as text
    assert b"<script>alert(1)" not in page.content
    video = client.get(f"/s/{share_token}/files/annotated.mp4", headers={"Range": "bytes=0-9"})
    assert video.status_code == 206
    # notes and deletes are coach routes: a share-link holder has no session
    assert client.post(f"/sessions/{ready_session.uid}/notes", {"text": "x"}).status_code == 302
    assert client.post(f"/sessions/{ready_session.uid}/delete").status_code == 302
    assert Note.objects.count() == 1


def test_revoking_a_share_link_ends_access(
    coach_client: Client, ready_session: RunSession, share_token: str
) -> None:
    assert Client().get(f"/s/{share_token}").status_code == 200
    link = ShareLink.objects.get()
    response = coach_client.post(f"/shares/{link.id}/revoke")
    assert response.status_code == 302
    assert Client().get(f"/s/{share_token}").status_code == 404
    assert Client().get(f"/s/{share_token}/files/annotated.mp4").status_code == 404


def test_csrf_less_posts_are_refused(coach: Any, athlete: Athlete, upload_token: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(coach)
    assert client.post("/athletes", {"name": "Eve"}).status_code == 403
    assert client.post(f"/athletes/{athlete.id}/links").status_code == 403
    assert Athlete.objects.filter(name="Eve").count() == 0
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(f"/u/{upload_token}/sessions", {}).status_code == 403
    assert RunSession.objects.count() == 0
    # with the token from the page, the same POST passes
    page = anonymous.get(f"/u/{upload_token}")
    csrf = page.cookies["csrftoken"].value
    response = anonymous.post(f"/u/{upload_token}/sessions", {}, headers={"X-CSRFToken": csrf})
    assert response.status_code == 200


def test_upload_link_token_is_shown_once_and_stored_hashed(
    coach_client: Client, athlete: Athlete
) -> None:
    page = coach_client.post(f"/athletes/{athlete.id}/links").content.decode()
    token = page.split("/u/")[1].split('"')[0]
    link = UploadLink.objects.get()
    assert token not in link.token_hash
    assert len(token) >= 40
    assert Client().get(f"/u/{token}").status_code == 200
    assert token not in coach_client.get(f"/athletes/{athlete.id}").content.decode()
    coach_client.post(f"/links/{link.id}/revoke")
    assert Client().get(f"/u/{token}").status_code == 404


def test_names_are_escaped_in_pages(coach_client: Client, coach: Any) -> None:
    Athlete.objects.create(coach=coach, name="<img src=x onerror=alert(1)>")
    html = coach_client.get("/").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_login_throttling_cools_off_not_locks_forever(coach: Any) -> None:
    from django.conf import settings

    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login", {"username": coach.username, "password": "wrong"})
    locked = client.post("/login", {"username": coach.username, "password": "pw-coach-1234"})
    assert locked.status_code == 429
    assert settings.AXES_COOLOFF_TIME > 0
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")  # cool-off passed
    ok = client.post("/login", {"username": coach.username, "password": "pw-coach-1234"})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200


def test_logout_revokes_the_session(coach: Any) -> None:
    client = Client()
    assert (
        client.post("/login", {"username": coach.username, "password": "pw-coach-1234"}).status_code
        == 302
    )
    cookie = client.cookies["sessionid"].value
    assert client.post("/logout").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get("/").status_code == 302


def _fail_logins(coach: Any, client: Client, times: int) -> None:
    for _ in range(times):
        client.post("/login", {"username": coach.username, "password": "wrong"})


@pytest.mark.parametrize("behind_proxy", [False, True])
def test_login_throttling_counts_the_real_client_not_a_forged_header(
    coach: Any, behind_proxy: bool, settings: Any
) -> None:
    settings.FORMCHECK_BEHIND_PROXY = behind_proxy
    limit = settings.AXES_FAILURE_LIMIT
    # nginx appends the address it sees; a client can only write entries to its left.
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    coach_at_home = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    _fail_logins(coach, attacker, limit)
    answer = coach_at_home.post("/login", {"username": coach.username, "password": "pw-coach-1234"})
    if behind_proxy:
        # Each client is counted on its own address: the coach still gets in.
        assert answer.status_code == 302
    else:
        # Without a trusted proxy the header is ignored: both are 127.0.0.1.
        assert answer.status_code == 429
    # A forged left-most entry does not move the attacker to a fresh address.
    forged = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    again = forged.post("/login", {"username": coach.username, "password": "pw-coach-1234"})
    assert again.status_code == 429


def test_the_forwarded_address_is_trusted_only_from_the_proxy(settings: Any) -> None:
    from django.test import RequestFactory

    from formcheck.web.access import client_ip

    settings.FORMCHECK_BEHIND_PROXY = True
    factory = RequestFactory()
    via_proxy = factory.post("/login", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(via_proxy) == "1.2.3.4"
    # Straight to the app (not through nginx on loopback): the header is the client's own.
    direct = factory.post("/login", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(direct) == "198.51.100.7"
    # Junk in the header is not an address.
    junk = factory.post("/login", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="x'; drop")
    assert client_ip(junk) == "127.0.0.1"
