"""End to end with the real pipeline: upload a rendered sample through the athlete's
link, run the job (formcheck.pipeline.analyze_run via the jobs table), review it."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from formcheck.capture.video import probe_video
from formcheck.jobs.runner import execute
from formcheck.web.models import Job, RunSession
from tests.web.conftest import upload_bytes

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).resolve().parents[2] / "sample_videos" / "overstrider.mp4"


def test_upload_analyse_review(coach_client: Client, upload_token: str) -> None:
    athlete_client = Client()
    session_uid, _, last = upload_bytes(
        athlete_client, upload_token, SAMPLE.read_bytes(), chunk=128 * 1024
    )
    assert last.json()["state"] == "received"
    submit = athlete_client.post(f"/u/{upload_token}/sessions/{session_uid}/submit")
    assert submit.json()["state"] == "received"
    hurts = 'lower back <script>alert(1)</script>"><img src=x onerror=alert(1)>'
    RunSession.objects.filter(uid=session_uid).update(where_it_hurts=hurts)
    job = Job.objects.get()
    execute(job.id)  # what the huey consumer does with the queued task
    job.refresh_from_db()
    assert (job.status, job.attempt, job.error) == ("succeeded", 1, "")
    status = athlete_client.get(f"/u/{upload_token}/sessions/{session_uid}/status").json()
    assert status == {"state": "ready", "progress": 100}

    data = coach_client.get(f"/sessions/{session_uid}/review.json").json()
    clip = data["clips"][0]
    assert (clip["fps"], clip["frames"]) == (60.0, 600)
    assert len(data["contacts"]) >= 10
    assert any(c["flagged"] for c in data["contacts"])
    overstride = next(f for f in data["findings"] if f["id"] == "overstride")
    assert overstride["status"] == "flag"  # the rendered overstrider's known truth
    run = Path(settings.DATA_DIR) / "runs" / session_uid
    report = json.loads((run / "report.json").read_text())
    assert report["videos"][0]["runner_height_m"] == 1.72  # the athlete's answer reached it
    assert report["athlete"]["where_it_hurts"] == hurts
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert f"<dt>Where it hurts</dt><dd>{escape(hurts)}</dd>" in page
    assert "<dt>Height</dt><dd>172 cm</dd>" in page
    info = probe_video(run / "annotated.mp4")
    assert (info.n_frames, round(info.fps)) == (600, 60)  # frame numbers match report.json
    video = coach_client.get(clip["video_url"], headers={"Range": "bytes=1000-1999"})
    assert video.status_code == 206
    assert b"".join(video.streaming_content) == (run / "annotated.mp4").read_bytes()[1000:2000]
    assert not any(p.name.endswith(".part") for p in (run.parent.parent / "uploads").iterdir())
