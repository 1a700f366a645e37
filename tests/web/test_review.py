"""Review: Range answers (206, multipart, 416, HEAD), X-Accel-Redirect, review JSON,
notes (moment, range, edit, delete, export), delete removing every file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from formcheck.web.media import parse_range
from formcheck.web.models import Clip, Note, RunSession

pytestmark = pytest.mark.django_db


def test_parse_range_by_hand() -> None:
    assert parse_range("bytes=0-9", 100) == [(0, 9)]
    assert parse_range("bytes=90-", 100) == [(90, 99)]
    assert parse_range("bytes=-10", 100) == [(90, 99)]
    assert parse_range("bytes=95-200", 100) == [(95, 99)]
    assert parse_range("bytes=0-0,50-59", 100) == [(0, 0), (50, 59)]
    assert parse_range("bytes=100-", 100) == []  # unsatisfiable
    assert parse_range("bytes=9-3", 100) is None  # malformed: ignored
    assert parse_range("items=0-9", 100) is None
    assert parse_range("", 100) is None


def test_video_range_requests(coach_client: Client, ready_session: RunSession) -> None:
    url = f"/sessions/{ready_session.uid}/files/annotated.mp4"
    data = (Path(settings.DATA_DIR) / "runs" / ready_session.uid / "annotated.mp4").read_bytes()
    size = len(data)
    whole = coach_client.get(url)
    assert whole.status_code == 200
    assert whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == data
    assert whole["Content-Type"] == "video/mp4"
    part = coach_client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{size}"
    assert b"".join(part.streaming_content) == data[100:200]
    tail = coach_client.get(url, headers={"Range": "bytes=-50"})
    assert b"".join(tail.streaming_content) == data[-50:]
    # seeks jump around: each answer is independent
    for start in (size - 10, 0, size // 2):
        seek = coach_client.get(url, headers={"Range": f"bytes={start}-"})
        assert b"".join(seek.streaming_content) == data[start:]
    past = coach_client.get(url, headers={"Range": f"bytes={size}-{size + 10}"})
    assert past.status_code == 416
    assert past["Content-Range"] == f"bytes */{size}"
    head = coach_client.head(url, headers={"Range": "bytes=0-9"})
    assert head.status_code == 206
    assert head["Content-Length"] == "10"


def test_multiple_ranges_answer_multipart(coach_client: Client, ready_session: RunSession) -> None:
    url = f"/sessions/{ready_session.uid}/files/annotated.mp4"
    data = (Path(settings.DATA_DIR) / "runs" / ready_session.uid / "annotated.mp4").read_bytes()
    response = coach_client.get(url, headers={"Range": "bytes=0-3,10-19"})
    assert response.status_code == 206
    boundary = response["Content-Type"].split("boundary=")[1]
    body = b"".join(response.streaming_content)
    assert len(body) == int(response["Content-Length"])
    parts = body.split(f"--{boundary}".encode())
    assert parts[1].endswith(b"\r\n\r\n" + data[0:4] + b"\r\n")
    assert b"Content-Range: bytes 10-19/" in parts[2]
    assert parts[2].endswith(data[10:20] + b"\r\n")


def test_x_accel_redirect_hands_the_file_to_nginx(
    coach_client: Client, ready_session: RunSession
) -> None:
    import dataclasses

    web = dataclasses.replace(settings.FORMCHECK_WEB, x_accel_redirect_prefix="/_protected/")
    with override_settings(FORMCHECK_WEB=web):
        response = coach_client.get(f"/sessions/{ready_session.uid}/files/annotated.mp4")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_protected/runs/{ready_session.uid}/annotated.mp4"
    assert response.content == b""


def test_review_json_ships_fps_frames_contacts_and_flags(
    coach_client: Client, ready_session: RunSession
) -> None:
    data = coach_client.get(f"/sessions/{ready_session.uid}/review.json").json()
    assert data["ready"] is True
    clip = data["clips"][0]
    assert (clip["fps"], clip["frames"]) == (30.0, 90)
    assert clip["video_url"] == f"/sessions/{ready_session.uid}/files/annotated.mp4"
    assert [(c["ic_frame"], c["flagged"]) for c in data["contacts"]] == [(10, False), (40, True)]
    page = coach_client.get(f"/sessions/{ready_session.uid}")
    assert page.status_code == 200
    assert b"review.js" in page.content


def test_notes_moment_range_edit_delete_and_export(
    coach_client: Client, ready_session: RunSession
) -> None:
    url = f"/sessions/{ready_session.uid}/notes"
    moment = coach_client.post(url, {"text": "knee <b>caves</b>", "start_frame": "40"})
    assert moment.status_code == 200
    ranged = coach_client.post(url, {"text": "lean", "start_frame": "10", "end_frame": "40"})
    assert [n["start_frame"] for n in ranged.json()["notes"]] == [10, 40]
    bad = coach_client.post(url, {"text": "x", "start_frame": "10", "end_frame": "3"})
    assert bad.status_code == 400
    empty = coach_client.post(url, {"text": "  ", "start_frame": "1"})
    assert empty.status_code == 400
    note = Note.objects.get(start_frame=40)
    edited = coach_client.post(f"/notes/{note.id}", {"text": "knee ok", "start_frame": "41"})
    assert edited.json()["text"] == "knee ok"
    exported = coach_client.get(f"/sessions/{ready_session.uid}/export.json")
    report = json.loads(exported.content)
    assert [n["text"] for n in report["notes"]] == ["lean", "knee ok"]
    assert report["notes"][0]["end_frame"] == 40
    assert report["findings"][0]["id"] == "overstride"
    coach_client.post(f"/notes/{Note.objects.get(text='lean').id}/delete")
    assert list(Note.objects.values_list("text", flat=True)) == ["knee ok"]


def test_delete_removes_the_video_and_every_derived_file(
    coach_client: Client, ready_session: RunSession, video_3s: Path
) -> None:
    clip = Clip.objects.create(session=ready_session, role="early", declared_bytes=10)
    upload = Path(settings.DATA_DIR) / "uploads" / clip.uid
    upload.write_bytes(video_3s.read_bytes())
    run = Path(settings.DATA_DIR) / "runs" / ready_session.uid
    assert run.is_dir()
    leftover = run.parent / f".{ready_session.uid}.partial-1a2b3c4d"  # a killed attempt's
    (leftover / "pose_0").mkdir(parents=True)
    other = run.parent / ".0123456789abcdef0123456789abcdef.partial-1a2b3c4d"
    other.mkdir()
    # An unfinished run's pose checkpoints (landmarks and small frames of the video).
    resume = run.parent / f".{ready_session.uid}.resume" / "video_0"
    resume.mkdir(parents=True)
    (resume / "part_000.npz").write_bytes(b"landmarks")
    response = coach_client.post(f"/sessions/{ready_session.uid}/delete")
    assert response.status_code == 302
    assert not upload.exists()
    assert not run.exists()
    assert not leftover.exists()
    assert not resume.parent.exists()
    assert other.exists()  # another session's staging is not touched
    assert RunSession.objects.count() == 0
    assert Clip.objects.count() == 0


def test_review_page_shows_findings_through_the_report_partials(
    coach_client: Client, ready_session: RunSession, share_token: str
) -> None:
    """The finding cards, warnings and the athlete's answers on the review page come from
    the partials report.html is made of (one design), escaped; evidence frames are
    buttons the player seeks to."""
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    path = Path(settings.DATA_DIR) / "runs" / ready_session.uid / "report.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    report["findings"][0].update(reason=f"shank 9° {evil}", value=9.04, unit="deg")
    report["warnings"] = [f"clip 0: {evil}"]
    path.write_text(json.dumps(report), encoding="utf-8")
    ready_session.where_it_hurts = f"lower back {evil}"
    ready_session.shoe_km = 640.0
    ready_session.save()
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
    for page in (
        coach_client.get(f"/sessions/{ready_session.uid}").content.decode(),
        Client().get(f"/s/{share_token}").content.decode(),
    ):
        assert "<script>alert" not in page and "<img src=x" not in page
        card = page.split('id="finding-overstride"', 1)[1].split("</article>", 1)[0]
        assert 'class="badge flag">Flag</span>' in card
        assert "<h3>Overstriding " in card and '<div class="value">9.0°</div>' in card
        assert f"<p>shank 9° {escaped}</p>" in card
        assert '<button type="button" class="evidence" data-clip="0" data-frame="40">' in card
        assert f"<li>clip 0: {escaped}</li>" in page
        assert f"<dt>Where it hurts</dt><dd>lower back {escaped}</dd>" in page
        assert "<dt>Shoe age</dt><dd>640 km</dd>" in page
        assert "<dt>Runner</dt>" not in page  # the name is the heading
        assert "<strong>Note:</strong> not a diagnosis" in page
        assert 'href="/static/report/design.css"' in page


def test_the_shared_stylesheet_is_served_without_a_session() -> None:
    from formcheck.report.templating import STYLESHEET

    response = Client().get("/static/report/design.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == STYLESHEET.read_bytes()
    assert Client().get("/static/report/../web/style.css").status_code == 404
    assert Client().get("/static/web/style.css").status_code == 200
