"""The ``[web]`` section of the formcheck TOML and the data folder.

The analysis configuration (:mod:`formcheck.config`) and the web settings live
in one TOML file; this module reads only the ``[web]`` table and hands the rest
to :func:`formcheck.config.config_from_dict`.

Data folder layout (``--data DIR``, default ``./formcheck-data``)::

    DIR/secret_key        Django secret, generated on first start, mode 0600
    DIR/db.sqlite3        accounts, athletes, sessions, jobs, notes (WAL mode)
    DIR/huey.sqlite3      the job queue (its own SQLite file: one writer per file)
    DIR/uploads/          uploaded videos under random names (``*.part`` while uploading)
    DIR/runs/<session>/   analysis outputs of one session (report.json, annotated.mp4, ...)
    DIR/backups/          ``formcheck backup`` copies (SQLite online backup)
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from formcheck.config import Config, config_from_dict
from formcheck.errors import ConfigError

QueueKind = Literal["sqlite", "redis"]

ENV_DATA = "FORMCHECK_DATA"
ENV_CONFIG = "FORMCHECK_CONFIG"
ENV_REDIS = "FORMCHECK_REDIS_URL"
SECRET_NAME = "secret_key"
DEFAULT_DATA_DIR = "formcheck-data"


@dataclass(frozen=True)
class WebConfig:
    """Web app and job settings (the ``[web]`` TOML table)."""

    data_dir: str = ""
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    max_upload_bytes: int = 2 * 1024**3
    max_chunk_bytes: int = 16 * 1024**2
    min_duration_s: float = 2.0
    probe_timeout_s: float = 30.0
    probe_memory_mb: int = 1024
    upload_link_days: float = 14.0
    share_link_days: float = 30.0
    queue: QueueKind = "sqlite"
    redis_url: str = ""
    workers: int = 1
    heartbeat_s: float = 3.0
    stale_after_s: float = 30.0
    reaper_interval_s: float = 5.0
    max_attempts: int = 3
    retry_backoff_s: float = 5.0
    x_accel_redirect_prefix: str = ""
    axes_failure_limit: int = 5
    axes_cooloff_minutes: float = 15.0
    secure_cookies: bool = False
    behind_proxy: bool = False

    def __post_init__(self) -> None:
        checks = [
            ("max_upload_bytes", self.max_upload_bytes > 0),
            ("max_chunk_bytes", self.max_chunk_bytes > 0),
            ("min_duration_s", self.min_duration_s >= 0),
            ("probe_timeout_s", self.probe_timeout_s > 0),
            ("probe_memory_mb", self.probe_memory_mb >= 64),
            ("workers", self.workers >= 1),
            ("heartbeat_s", self.heartbeat_s > 0),
            ("stale_after_s", self.stale_after_s > 2 * self.heartbeat_s),
            ("max_attempts", self.max_attempts >= 1),
            ("queue", self.queue in ("sqlite", "redis")),
        ]
        for name, ok in checks:
            if not ok:
                raise ConfigError(f"web.{name}: value {getattr(self, name)!r} is out of range")
        if self.queue == "redis" and not self.redis_url:
            raise ConfigError("web.queue = 'redis': expected web.redis_url, got none")


def split_config(data: dict[str, Any]) -> tuple[Config, WebConfig]:
    """Analysis config and web config from one parsed TOML document."""
    data = dict(data)
    web = data.pop("web", {})
    if not isinstance(web, dict):
        raise ConfigError(f"web: expected a table, got {type(web).__name__}")
    known = {f.name for f in dataclasses.fields(WebConfig)}
    unknown = sorted(set(web) - known)
    if unknown:
        raise ConfigError(f"web: unknown key(s) {unknown}; expected some of {sorted(known)}")
    if "allowed_hosts" in web:
        web["allowed_hosts"] = tuple(web["allowed_hosts"])
    return config_from_dict(data), WebConfig(**web)


def load(path: str | Path | None) -> tuple[Config, WebConfig]:
    """Read the TOML file (``None``: defaults); environment overrides the queue URL."""
    data: dict[str, Any] = {}
    if path:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the configuration ({exc})") from exc
    config, web = split_config(data)
    redis_url = os.environ.get(ENV_REDIS)
    if redis_url:
        web = dataclasses.replace(web, queue="redis", redis_url=redis_url)
    return config, web


def data_dir(web: WebConfig) -> Path:
    """The data folder: ``$FORMCHECK_DATA``, else ``web.data_dir``, else ``./formcheck-data``."""
    return Path(os.environ.get(ENV_DATA) or web.data_dir or DEFAULT_DATA_DIR).resolve()


def ensure_data_dir(root: Path) -> None:
    """Create the data folder and its sub-folders (private to this user)."""
    for sub in ("", "uploads", "runs", "backups"):
        (root / sub).mkdir(mode=0o700, parents=True, exist_ok=True)


def secret_key(root: Path) -> str:
    """The Django secret key kept in ``root/secret_key`` (created 0600 when missing)."""
    path = root / SECRET_NAME
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
