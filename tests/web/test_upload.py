"""Resumable upload: chunks, resume, size caps (declared and actual), content probing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from formcheck.web.conf import WebConfig
from formcheck.web.models import Clip, Job, RunSession
from formcheck.web.probe import probe_file
from tests.web.conftest import upload_bytes

pytestmark = pytest.mark.django_db


def _web(**changes: object) -> WebConfig:
    import dataclasses

    return dataclasses.replace(settings.FORMCHECK_WEB, **changes)


def test_upload_in_chunks_is_received_probed_and_submitted(
    upload_token: str, video_3s: Path
) -> None:
    client = Client()
    data = video_3s.read_bytes()
    session_uid, clip_uid, last = upload_bytes(client, upload_token, data, chunk=3000)
    assert last.status_code == 200, last.content
    assert last.json() == {"offset": len(data), "state": "received"}
    clip = Clip.objects.get(uid=clip_uid)
    assert (clip.state, clip.n_frames, round(clip.fps)) == ("received", 90, 30)
    stored = Path(settings.DATA_DIR) / "uploads" / clip_uid
    assert stored.read_bytes() == data
    assert "x.mp4" not in str(stored)  # stored under a random name, never the client's
    assert RunSession.objects.get(uid=session_uid).height_cm == 172.0
    status = client.get(f"/u/{upload_token}/sessions/{session_uid}/status").json()
    assert status["state"] == "uploading"
    submitted = client.post(f"/u/{upload_token}/sessions/{session_uid}/submit")
    assert submitted.json()["state"] == "received"
    assert Job.objects.get().status == "queued"


def test_resume_after_a_dropped_connection(upload_token: str, video_3s: Path) -> None:
    client = Client()
    data = video_3s.read_bytes()
    half = len(data) // 2
    session = client.post(f"/u/{upload_token}/sessions").json()["session"]
    clip = client.post(
        f"/u/{upload_token}/sessions/{session}/clips", {"size": str(len(data))}
    ).json()["clip"]
    url = f"/u/{upload_token}/clips/{clip}"
    first = client.put(
        url, data=data[:half], content_type="application/octet-stream",
        headers={"Content-Range": f"bytes 0-{half - 1}/{len(data)}"},
    )  # fmt: skip
    assert first.json()["offset"] == half
    # the client lost its state: it asks the offset, a wrong start is refused with the offset
    assert client.get(url).json()["offset"] == half
    wrong = client.put(
        url, data=data[:100], content_type="application/octet-stream",
        headers={"Content-Range": f"bytes 0-99/{len(data)}"},
    )  # fmt: skip
    assert wrong.status_code == 409
    assert wrong.json()["offset"] == half
    rest = client.put(
        url, data=data[half:], content_type="application/octet-stream",
        headers={"Content-Range": f"bytes {half}-{len(data) - 1}/{len(data)}"},
    )  # fmt: skip
    assert rest.json()["state"] == "received"
    assert (Path(settings.DATA_DIR) / "uploads" / clip).read_bytes() == data


def test_declared_size_over_the_cap_is_refused_before_any_byte(upload_token: str) -> None:
    client = Client()
    session = client.post(f"/u/{upload_token}/sessions").json()["session"]
    too_big = settings.FORMCHECK_WEB.max_upload_bytes + 1
    response = client.post(f"/u/{upload_token}/sessions/{session}/clips", {"size": str(too_big)})
    assert response.status_code == 413
    assert "too large" in response.json()["error"]
    assert "2.00 GB" in response.json()["error"]
    assert Clip.objects.count() == 0


def test_bytes_beyond_the_declared_size_are_refused(upload_token: str) -> None:
    client = Client()
    session = client.post(f"/u/{upload_token}/sessions").json()["session"]
    clip = client.post(f"/u/{upload_token}/sessions/{session}/clips", {"size": "1000"}).json()[
        "clip"
    ]
    url = f"/u/{upload_token}/clips/{clip}"
    past_end = client.put(
        url, data=b"x" * 2000, content_type="application/octet-stream",
        headers={"Content-Range": "bytes 0-1999/1000"},
    )  # fmt: skip
    assert past_end.status_code == 413
    other_total = client.put(
        url, data=b"x" * 2000, content_type="application/octet-stream",
        headers={"Content-Range": "bytes 0-1999/2000"},
    )  # fmt: skip
    assert other_total.status_code == 400
    longer_body = client.put(
        url, data=b"x" * 2000, content_type="application/octet-stream",
        headers={"Content-Range": "bytes 0-999/1000"},
    )  # Content-Length 2000 for a 1000-byte range  # fmt: skip
    assert longer_body.status_code == 400
    assert client.get(url).json()["offset"] == 0


def test_chunk_cap(upload_token: str) -> None:
    client = Client()
    session = client.post(f"/u/{upload_token}/sessions").json()["session"]
    clip = client.post(f"/u/{upload_token}/sessions/{session}/clips", {"size": "1000"}).json()[
        "clip"
    ]
    with override_settings(FORMCHECK_WEB=_web(max_chunk_bytes=100)):
        response = client.put(
            f"/u/{upload_token}/clips/{clip}", data=b"x" * 500,
            content_type="application/octet-stream", headers={"Content-Range": "bytes 0-499/1000"},
        )  # fmt: skip
    assert response.status_code == 413


def test_a_non_video_is_refused_with_a_clear_message(upload_token: str) -> None:
    client = Client()
    data = b"%PDF-1.4 not a video at all " * 200
    session, clip, last = upload_bytes(client, upload_token, data)
    assert last.status_code == 422
    assert last.json()["error"] == "the file is not a video formcheck can read"
    assert Clip.objects.get(uid=clip).state == "refused"
    assert list((Path(settings.DATA_DIR) / "uploads").iterdir()) == []  # nothing kept
    refused = client.post(f"/u/{upload_token}/sessions/{session}/submit")
    assert refused.status_code == 409
    assert Job.objects.count() == 0


def test_a_renamed_non_video_is_judged_by_content(upload_token: str, tmp_path: Path) -> None:
    from tests.conftest import marker_frames

    png = tmp_path / "frame.png"
    import cv2

    cv2.imwrite(str(png), marker_frames(1)[0])
    _, _, last = upload_bytes(Client(), upload_token, png.read_bytes())
    assert last.status_code == 422


def test_a_too_short_video_is_refused(upload_token: str, video_1s: Path) -> None:
    _, _, last = upload_bytes(Client(), upload_token, video_1s.read_bytes())
    assert last.status_code == 422
    assert last.json()["error"].startswith("the video is too short: 1.0 s")


def test_optional_fields_are_validated(upload_token: str) -> None:
    client = Client()
    bad = client.post(f"/u/{upload_token}/sessions", {"height_cm": "9000"})
    assert bad.status_code == 400
    assert "height_cm" in bad.json()["error"]
    ok = client.post(
        f"/u/{upload_token}/sessions",
        {"belt_speed_kmh": "12", "where_it_hurts": "left knee", "surface": "treadmill"},
    )
    session = RunSession.objects.get(uid=ok.json()["session"])
    assert (session.belt_speed_kmh, session.where_it_hurts) == (12.0, "left knee")


def test_a_link_starts_at_most_its_hourly_number_of_sessions(upload_token: str) -> None:
    limited = dataclasses.replace(settings.FORMCHECK_WEB, sessions_per_link_per_hour=3)
    client = Client()
    with override_settings(FORMCHECK_WEB=limited):
        for _ in range(3):
            assert client.post(f"/u/{upload_token}/sessions").status_code == 200
        refused = client.post(f"/u/{upload_token}/sessions")
        assert refused.status_code == 429
        assert "at most 3" in refused.json()["error"]
        assert RunSession.objects.count() == 3
        # An hour later the link works again.
        RunSession.objects.update(created_at=timezone.now() - timedelta(hours=2))
        assert client.post(f"/u/{upload_token}/sessions").status_code == 200


def test_probe_runs_with_a_memory_limit(video_3s: Path) -> None:
    ok = probe_file(str(video_3s), timeout_s=30, memory_mb=1024)
    assert (ok.error, ok.n_frames) == ("", 90)
    starved = probe_file(str(video_3s), timeout_s=30, memory_mb=64)
    assert starved.error  # the limit applies: the child cannot even load its libraries


def test_early_and_late_clips_need_distinct_times(upload_token: str, video_3s: Path) -> None:
    client = Client()
    data = video_3s.read_bytes()
    session = client.post(f"/u/{upload_token}/sessions").json()["session"]
    for role in ("early", "late"):
        clip = client.post(
            f"/u/{upload_token}/sessions/{session}/clips",
            {"role": role, "size": str(len(data)), "elapsed_s": "60"},
        ).json()["clip"]
        client.put(
            f"/u/{upload_token}/clips/{clip}", data=data, content_type="application/octet-stream",
            headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"},
        )  # fmt: skip
    response = client.post(f"/u/{upload_token}/sessions/{session}/submit")
    assert response.status_code == 400
    assert "different elapsed times" in response.json()["error"]
