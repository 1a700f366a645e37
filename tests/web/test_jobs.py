"""The jobs table: claim, fenced heartbeat, finish, reaper (re-enqueue with backoff, then
"worker lost"), retry; the athlete's status; configuration and operations."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from formcheck.errors import ConfigError
from formcheck.jobs import store
from formcheck.jobs.progress import JobProgress
from formcheck.jobs.runner import execute
from formcheck.web import conf, ops
from formcheck.web.models import Athlete, Clip, Job, RunSession
from formcheck.web.views_athlete import session_state

FAKE = "tests.web.fake_analysis.analyze"


def _session(athlete: Athlete, video: Path) -> RunSession:
    session = RunSession.objects.create(athlete=athlete, submitted_at=timezone.now())
    clip = Clip.objects.create(session=session, role="early", declared_bytes=1, state="received")
    (Path(settings.DATA_DIR) / "uploads" / clip.uid).write_bytes(video.read_bytes())
    return session


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_to_success_with_progress(
    athlete: Athlete, video_3s: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORMCHECK_FAKE", "slow")
    monkeypatch.setenv("FORMCHECK_FAKE_S", "0.2")
    session = _session(athlete, video_3s)
    killed = Path(settings.DATA_DIR) / "runs" / f".{session.uid}.partial-deadbeef"
    killed.mkdir(parents=True)  # what an attempt killed mid-write leaves
    job = store.enqueue(session)
    assert (job.status, job.attempt) == ("queued", 0)
    with override_settings(FORMCHECK_ANALYZE=FAKE):
        execute(job.id)
        execute(job.id)  # a duplicate delivery is a no-op
    job.refresh_from_db()
    assert (job.status, job.attempt, job.progress, job.error) == ("succeeded", 1, 1.0, "")
    assert (Path(settings.DATA_DIR) / "runs" / session.uid / "report.json").is_file()
    assert not killed.exists()
    assert session_state(session) == {"state": "ready", "progress": 100}
    log = (Path(settings.DATA_DIR) / "fake_attempts.log").read_text().splitlines()
    assert sum(session.uid in line for line in log) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_analysis_shows_its_reason_and_can_be_retried(
    coach: Any, athlete: Athlete, video_3s: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORMCHECK_FAKE", "fail")
    session = _session(athlete, video_3s)
    job = store.enqueue(session)
    with override_settings(FORMCHECK_ANALYZE=FAKE):
        execute(job.id)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "no running found in the clip (fake)"
    client = Client()
    client.force_login(coach)
    assert client.get(f"/sessions/{session.uid}/job").json()["error"] == job.error
    assert "no running found" in client.get(f"/athletes/{athlete.id}").content.decode()
    assert client.post(f"/sessions/{session.uid}/retry").status_code == 302
    job.refresh_from_db()
    assert (job.status, job.attempt, job.error) == ("queued", 0, "")
    assert client.post(f"/sessions/{session.uid}/retry").status_code == 409  # not failed now


@pytest.mark.django_db
def test_heartbeat_and_finish_are_fenced_by_the_attempt(athlete: Athlete, video_3s: Path) -> None:
    job = store.enqueue(_session(athlete, video_3s))
    attempt = store.claim(job.id, "w1")
    assert attempt == 1
    assert store.claim(job.id, "w2") is None
    assert store.heartbeat(job.id, 1, progress=0.4, stage="pose")
    fresh = RunSession.objects.get(id=job.session_id)
    assert session_state(fresh) == {"state": "analysing", "progress": 40}
    later = timezone.now() + timedelta(seconds=settings.FORMCHECK_WEB.stale_after_s + 1)
    assert store.reap(later) == [(job.id, "requeued")]
    job.refresh_from_db()
    assert job.status == "queued"
    assert "worker lost during attempt 1" in job.error
    assert job.not_before == later + timedelta(seconds=store.backoff_s(1))
    # the presumed-dead worker wakes up: its writes are refused
    assert not store.heartbeat(job.id, 1, progress=0.9, stage="pose")
    assert not store.finish(job.id, 1)
    assert store.claim(job.id, "w3") == 2


@pytest.mark.django_db
def test_the_reaper_fails_a_job_after_its_last_attempt(athlete: Athlete, video_3s: Path) -> None:
    job = store.enqueue(_session(athlete, video_3s))
    now = timezone.now()
    for attempt in range(1, job.max_attempts + 1):
        assert store.claim(job.id, "w") == attempt
        now += timedelta(seconds=settings.FORMCHECK_WEB.stale_after_s + 1)
        Job.objects.filter(id=job.id).update(heartbeat_at=now - timedelta(days=1))
        action = store.reap(now)
        expected = "failed" if attempt == job.max_attempts else "requeued"
        assert action == [(job.id, expected)]
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error.startswith("worker lost")
    assert store.reap(now + timedelta(days=1)) == []  # never loops
    assert [store.backoff_s(a) for a in (1, 2, 3)] == [
        settings.FORMCHECK_WEB.retry_backoff_s * f for f in (1, 2, 4)
    ]


@pytest.mark.django_db
def test_a_lost_queue_message_is_sent_again(athlete: Athlete, video_3s: Path) -> None:
    job = store.enqueue(_session(athlete, video_3s))
    soon = timezone.now() + timedelta(seconds=5)
    assert store.reap(soon) == []  # a short wait is a backlog, not a loss
    much_later = timezone.now() + timedelta(
        seconds=store.LOST_MESSAGE_FACTOR * settings.FORMCHECK_WEB.stale_after_s + 1
    )
    assert store.reap(much_later) == [(job.id, "resent")]


def test_job_progress_folds_stages() -> None:
    progress = JobProgress(expected_stages=2)
    assert progress.share() == 0.0
    progress.start(total=10, label="pose")
    progress.advance(5)
    assert progress.share() == 0.25
    progress.finish()
    progress.start(total=4, label="annotated video")
    progress.advance(4)
    assert progress.share() == 0.99  # capped until the job records success
    assert progress.label == "annotated video"


def test_secret_key_is_created_private_and_reused(tmp_path: Path) -> None:
    key = conf.secret_key(tmp_path / "data")
    path = tmp_path / "data" / conf.SECRET_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 50
    assert conf.secret_key(tmp_path / "data") == key


def test_web_section_is_read_from_the_same_toml() -> None:
    config, web = conf.split_config(
        {"pose": {"num_poses": 2}, "web": {"max_upload_bytes": 1000, "allowed_hosts": ["a"]}}
    )
    assert (config.pose.num_poses, web.max_upload_bytes, web.allowed_hosts) == (2, 1000, ("a",))
    with pytest.raises(ConfigError, match="unknown key"):
        conf.split_config({"web": {"max_upload": 1}})
    with pytest.raises(ConfigError, match="redis_url"):
        conf.split_config({"web": {"queue": "redis"}})
    with pytest.raises(ConfigError, match="stale_after_s"):
        conf.split_config({"web": {"heartbeat_s": 10.0, "stale_after_s": 15.0}})


@pytest.mark.django_db
def test_coach_add_and_online_backup(tmp_path: Path) -> None:
    ops.coach_add("new@example.org", "a-long-enough-passphrase")
    with pytest.raises(ConfigError, match="already exists"):
        ops.coach_add("new@example.org", "a-long-enough-passphrase")
    with pytest.raises(ConfigError, match="password refused"):
        ops.coach_add("weak@example.org", "123")
    with pytest.raises(ConfigError, match="email"):
        ops.coach_add("not an email", "a-long-enough-passphrase")
    import sqlite3

    root = tmp_path / "data"
    (root / "backups").mkdir(parents=True)
    with sqlite3.connect(root / "db.sqlite3") as db:
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (42)")
    copy = ops.backup(root)
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT x FROM t").fetchall() == [(42,)]
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600


def test_web_example_toml_matches_the_defaults() -> None:
    import dataclasses
    import tomllib

    example = Path(conf.__file__).with_name("web.example.toml")
    _, web = conf.split_config(tomllib.loads(example.read_text(encoding="utf-8")))
    assert web == conf.WebConfig()
    documented = set(tomllib.loads(example.read_text(encoding="utf-8"))["web"])
    assert documented == {f.name for f in dataclasses.fields(conf.WebConfig)}
