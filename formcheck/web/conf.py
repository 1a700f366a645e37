"""The ``[web]`` section of the formcheck TOML and the data folder.

The analysis configuration (:mod:`formcheck.config`) and the web settings live
in one TOML file; this module reads only the ``[web]`` table and hands the rest
to :func:`formcheck.config.config_from_dict`.

Data folder layout (``--data DIR``, default ``./formcheck-data``)::

    DIR/secret_key        Django secret, generated on first start, mode 0600
    DIR/db.sqlite3        accounts, athletes, sessions, jobs, notes (WAL mode); unused
                          when ``web.database_url`` names a PostgreSQL database
    DIR/huey.sqlite3      the job queue (its own SQLite file: one writer per file)
    DIR/uploads/          uploaded videos under random names (``*.part`` while uploading)
    DIR/runs/<session>/   analysis outputs of one session (report.json, annotated.mp4, ...)
    DIR/backups/          ``formcheck backup`` copies (SQLite online backup)
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from formcheck.config import Config, config_from_dict
from formcheck.errors import ConfigError

QueueKind = Literal["sqlite", "redis"]

ENV_DATA = "FORMCHECK_DATA"
ENV_CONFIG = "FORMCHECK_CONFIG"
ENV_REDIS = "FORMCHECK_REDIS_URL"
SECRET_NAME = "secret_key"
#: The huey queue's name: web jobs and ``formcheck batch --redis`` tasks share it.
HUEY_NAME = "formcheck"
DEFAULT_DATA_DIR = "formcheck-data"
POSTGRES_SCHEMES = ("postgresql", "postgres")
POSTGRES_URL_FORM = "postgresql://user:password@host:port/dbname"
POSTGRES_CONN_MAX_AGE_S = 60  # keep a connection for a minute (threads reuse it)
POSTGRES_CONNECT_TIMEOUT_S = 10


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
    sessions_per_link_per_hour: int = 10
    queue: QueueKind = "sqlite"
    redis_url: str = ""
    database_url: str = field(default="", repr=False)  # may hold a password
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
            ("sessions_per_link_per_hour", self.sessions_per_link_per_hour >= 1),
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
        if not isinstance(self.database_url, str):
            raise ConfigError(
                f"web.database_url: expected a string, got {type(self.database_url).__name__}"
            )
        if self.database_url:
            parse_database_url(self.database_url)


@dataclass(frozen=True)
class PostgresTarget:
    """A PostgreSQL database named by ``web.database_url`` (fields percent-decoded)."""

    host: str
    port: int | None
    user: str
    password: str = field(repr=False)
    name: str
    options: tuple[tuple[str, str], ...] = ()


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs).

    Works on the text, not on a parse: a password with an unencoded ``#``,
    ``?`` or ``/`` (the mistakes that make a URL refused) defeats
    :func:`urllib.parse.urlsplit`, so everything between ``user:`` and the
    last ``@`` is hidden, and so is the value of a ``password=`` option.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "(not a URL, hidden)"
    userinfo, at, hostpart = rest.rpartition("@")
    if at:
        user = userinfo.partition(":")[0]
        rest = f"{user}:***@{hostpart}" if ":" in userinfo else f"{user}@{hostpart}"
    rest = re.sub(r"(?i)(password=)[^&#]*", r"\1***", rest)
    return f"{scheme}://{rest}"


def parse_database_url(url: str) -> PostgresTarget:
    """Split ``postgresql://user:password@host:port/dbname[?libpq-option=value&...]``.

    User, password, host and database name are percent-decoded (a ``@`` or
    ``:`` in a password is written ``%40``, ``%3A``); a host starting with
    ``/`` (written ``%2F...``) is a Unix-socket folder. Query parameters are
    libpq connection options (``sslmode=require``). Raises ConfigError for any
    other scheme or a URL without a host or a database name; the password never
    appears in the message.
    """
    shown = redact_url(url)

    def refuse(what: str) -> ConfigError:
        return ConfigError(f"web.database_url: expected {what}, got {shown!r}")

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refuse(f"a URL of the form {POSTGRES_URL_FORM!r}") from None
    if parts.scheme not in POSTGRES_SCHEMES:
        raise refuse(f"a URL of the form {POSTGRES_URL_FORM!r} (scheme 'postgresql')")
    hostinfo = parts.netloc.rpartition("@")[2]
    if hostinfo.startswith("["):  # IPv6 literal
        host = hostinfo[1 : hostinfo.find("]")]
    else:
        host = unquote(hostinfo.partition(":")[0])  # case kept: it may be a socket folder
    name = unquote(parts.path.removeprefix("/"))
    if not host:
        raise refuse(f"a host in {POSTGRES_URL_FORM!r}")
    if not name or "/" in parts.path.removeprefix("/"):
        raise refuse(f"one database name in {POSTGRES_URL_FORM!r}")
    try:
        options = tuple(parse_qsl(parts.query, strict_parsing=bool(parts.query)))
    except ValueError:
        raise refuse(f"libpq options as '?name=value&...' after {POSTGRES_URL_FORM!r}") from None
    return PostgresTarget(
        host=host,
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        name=name,
        options=options,
    )


def postgres_database(target: PostgresTarget) -> dict[str, Any]:
    """Django's ``DATABASES["default"]`` for a PostgreSQL target (psycopg 3)."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": target.name,
        "USER": target.user,
        "PASSWORD": target.password,
        "HOST": target.host,
        "PORT": "" if target.port is None else str(target.port),
        "CONN_MAX_AGE": POSTGRES_CONN_MAX_AGE_S,
        "CONN_HEALTH_CHECKS": True,  # a connection the server dropped is replaced, not used
        "OPTIONS": {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S, **dict(target.options)},
    }


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
