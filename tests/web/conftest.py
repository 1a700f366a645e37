"""Fixtures for the web app tests: coaches, athletes, links, tiny videos, upload helpers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from formcheck.web.models import Athlete, RunSession, ShareLink, UploadLink, new_token
from tests.conftest import marker_frames, write_clip


@pytest.fixture(autouse=True)
def _data_dirs() -> Iterator[None]:
    """Fresh uploads/ and runs/ folders for each test."""
    root = Path(settings.DATA_DIR)
    for sub in ("uploads", "runs"):
        shutil.rmtree(root / sub, ignore_errors=True)
        (root / sub).mkdir(parents=True)
    yield


@pytest.fixture
def coach(db: Any) -> Any:
    return get_user_model().objects.create_user(
        "coach@example.org", "coach@example.org", "pw-coach-1234"
    )


@pytest.fixture
def other_coach(db: Any) -> Any:
    return get_user_model().objects.create_user(
        "other@example.org", "other@example.org", "pw-other-1234"
    )


@pytest.fixture
def coach_client(coach: Any) -> Client:
    client = Client()
    client.force_login(coach)
    return client


@pytest.fixture
def athlete(coach: Any) -> Athlete:
    return Athlete.objects.create(coach=coach, name="Ana")


@pytest.fixture
def upload_token(athlete: Athlete) -> str:
    token, digest = new_token()
    UploadLink.objects.create(athlete=athlete, token_hash=digest, expires_at=UploadLink.expiry(1))
    return token


def make_link(model: Any, days: float = 1.0, revoked: bool = False, **owner: Any) -> str:
    """A link of ``model`` (UploadLink or ShareLink); returns its token."""
    token, digest = new_token()
    model.objects.create(
        token_hash=digest,
        expires_at=timezone.now() + timedelta(days=days),
        revoked_at=timezone.now() if revoked else None,
        **owner,
    )
    return token


@pytest.fixture(scope="session")
def video_3s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid 3-s H.264 clip (64x48, 30 fps), about 10 kB."""
    path = tmp_path_factory.mktemp("clips") / "three_seconds.mp4"
    return write_clip(path, marker_frames(90), fps=30)


@pytest.fixture(scope="session")
def video_1s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid clip too short for analysis (1 s)."""
    path = tmp_path_factory.mktemp("clips") / "one_second.mp4"
    return write_clip(path, marker_frames(30), fps=30)


def upload_bytes(
    client: Client, token: str, data: bytes, *, chunk: int = 4096, role: str = "early"
) -> tuple[str, str, Any]:
    """Create a session and a clip and send ``data`` in chunks.

    Returns (session uid, clip uid, the last response).
    """
    session = client.post(f"/u/{token}/sessions", {"height_cm": "172"}).json()["session"]
    clip = client.post(
        f"/u/{token}/sessions/{session}/clips",
        {"role": role, "size": str(len(data)), "name": "x.mp4"},
    ).json()["clip"]
    response = None
    for start in range(0, len(data), chunk):
        part = data[start : start + chunk]
        response = client.put(
            f"/u/{token}/clips/{clip}",
            data=part,
            content_type="application/octet-stream",
            headers={"Content-Range": f"bytes {start}-{start + len(part) - 1}/{len(data)}"},
        )
    return session, clip, response


@pytest.fixture
def ready_session(athlete: Athlete, video_3s: Path) -> RunSession:
    """A session whose run folder holds a report.json and annotated.mp4 (copied clip)."""
    session = RunSession.objects.create(athlete=athlete)
    run = Path(settings.DATA_DIR) / "runs" / session.uid
    (run / "keyframes").mkdir(parents=True)
    shutil.copy(video_3s, run / "annotated.mp4")
    (run / "keyframes" / "representative_contact.png").write_bytes(b"\x89PNG fake")
    report = {
        "videos": [{"fps": 30.0, "frames": 90, "width": 64, "height": 48, "elapsed_offset_s": 0.0}],
        "findings": [
            {"id": "overstride", "status": "flag", "reason": "r", "cue": "c",
             "evidence": [{"clip": 0, "frame": 40}]},
        ],
        "contacts": [
            {"clip": 0, "leg": "near", "ic_frame": 10, "to_frame": 18, "usable": True},
            {"clip": 0, "leg": "near", "ic_frame": 40, "to_frame": 48, "usable": True},
        ],
        "strides": [{"clip": 0, "start_frame": 10, "end_frame": 40}],
        "summary": {},
        "warnings": [],
        "disclaimer": "not a diagnosis",
    }  # fmt: skip
    import json

    (run / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return session


@pytest.fixture
def share_token(ready_session: RunSession) -> str:
    return make_link(ShareLink, session=ready_session)
