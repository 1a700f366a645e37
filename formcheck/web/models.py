"""Data model: coaches (Django users), athletes, links, sessions, clips, jobs, notes.

Secrets in links are never stored: only the sha256 of the token, so a
database leak gives no working link.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_BYTES = 32


def new_token() -> tuple[str, str]:
    """A fresh URL-safe token and its sha256 hex digest."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """sha256 hex digest of a link token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_uid() -> str:
    """A random public identifier (used in URLs and as folder / file names)."""
    return secrets.token_hex(16)


class Athlete(models.Model):
    """A runner coached by one coach (the owner)."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class _Link(models.Model):
    """A link holding a hashed token, with an expiry and a revocation time."""

    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def active(self) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and self.expires_at > timezone.now()

    @staticmethod
    def expiry(days: float) -> timezone.datetime:
        """The expiry time ``days`` from now."""
        return timezone.now() + timedelta(days=days)


class UploadLink(_Link):
    """An athlete's upload-only link."""

    athlete = models.ForeignKey(Athlete, on_delete=models.CASCADE, related_name="upload_links")


class RunSession(models.Model):
    """One run: an early clip and optionally a late clip, plus the athlete's answers."""

    uid = models.CharField(max_length=32, unique=True, default=new_uid)
    athlete = models.ForeignKey(Athlete, on_delete=models.CASCADE, related_name="sessions")
    upload_link = models.ForeignKey(UploadLink, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    height_cm = models.FloatField(null=True, blank=True)
    belt_speed_kmh = models.FloatField(null=True, blank=True)
    shoe_km = models.FloatField(null=True, blank=True)
    surface = models.CharField(max_length=200, blank=True)
    training_changes = models.TextField(blank=True, max_length=2000)
    where_it_hurts = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-id"]

    def athlete_answers(self) -> dict[str, Any]:
        """The athlete's name and answers on the upload page (report.json's "athlete")."""
        return {
            "name": self.athlete.name,
            "height_cm": self.height_cm,
            "belt_speed_kmh": self.belt_speed_kmh,
            "shoe_km": self.shoe_km,
            "surface": self.surface,
            "training_changes": self.training_changes,
            "where_it_hurts": self.where_it_hurts,
        }


class Clip(models.Model):
    """One uploaded video of a session."""

    ROLES = [("early", "early"), ("late", "late")]
    STATES = [
        ("uploading", "uploading"),
        ("received", "received"),
        ("refused", "refused"),
    ]
    uid = models.CharField(max_length=32, unique=True, default=new_uid)
    session = models.ForeignKey(RunSession, on_delete=models.CASCADE, related_name="clips")
    role = models.CharField(max_length=8, choices=ROLES)
    elapsed_s = models.FloatField(default=0.0)
    original_name = models.CharField(max_length=255, blank=True)
    declared_bytes = models.BigIntegerField()
    state = models.CharField(max_length=12, choices=STATES, default="uploading")
    refusal = models.CharField(max_length=500, blank=True)
    fps = models.FloatField(null=True, blank=True)
    n_frames = models.IntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["elapsed_s", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "role"], name="one_clip_per_role"),
        ]


class Job(models.Model):
    """The analysis of one session; the queue is at-most-once, this row makes it at-least-once."""

    STATUSES = [
        ("queued", "queued"),
        ("running", "running"),
        ("succeeded", "succeeded"),
        ("failed", "failed"),
    ]
    session = models.OneToOneField(RunSession, on_delete=models.CASCADE, related_name="job")
    status = models.CharField(max_length=10, choices=STATUSES, default="queued")
    attempt = models.IntegerField(default=0)
    max_attempts = models.IntegerField(default=3)
    progress = models.FloatField(default=0.0)
    stage = models.CharField(max_length=80, blank=True)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=120, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)


class Note(models.Model):
    """A coach's note at a moment (start frame) or over a range (start to end frame)."""

    session = models.ForeignKey(RunSession, on_delete=models.CASCADE, related_name="notes")
    clip_index = models.IntegerField(default=0)
    start_frame = models.IntegerField()
    end_frame = models.IntegerField(null=True, blank=True)
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clip_index", "start_frame", "id"]

    def as_dict(self) -> dict[str, object]:
        """The note as exported with the report."""
        return {
            "id": self.id,
            "clip": self.clip_index,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "text": self.text,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


class ShareLink(_Link):
    """A read-only link to one session's review."""

    session = models.ForeignKey(RunSession, on_delete=models.CASCADE, related_name="share_links")
