"""``[web] database_url``: the URL parsing and, with Debian's PostgreSQL, the app on a real
PostgreSQL server (its own throw-away cluster on loopback, never the system one)."""

from __future__ import annotations

import dataclasses
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import override_settings

from formcheck.errors import ConfigError
from formcheck.web import conf, ops
from tests.web.test_faults import ROOT, _free_port
from tests.web.test_serve import _Client

URL = "postgresql://coachapp:p%40ss%3Aw%2Frd%25@db.example.org:5433/formcheck"


def test_a_postgresql_url_becomes_django_settings_with_decoded_fields() -> None:
    target = conf.parse_database_url(URL + "?sslmode=require")
    assert (target.user, target.password, target.host, target.port, target.name) == (
        "coachapp", "p@ss:w/rd%", "db.example.org", 5433, "formcheck",
    )  # fmt: skip
    db = conf.postgres_database(target)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "formcheck", "coachapp", "p@ss:w/rd%", "db.example.org", "5433",
    )  # fmt: skip
    assert db["CONN_MAX_AGE"] == conf.POSTGRES_CONN_MAX_AGE_S
    assert db["OPTIONS"] == {"connect_timeout": 10, "sslmode": "require"}
    assert "p@ss" not in repr(target) and "p%40ss" not in repr(conf.WebConfig(database_url=URL))
    socket_dir = conf.parse_database_url("postgres://u@%2Fvar%2Frun%2FPG/db")
    assert (socket_dir.host, socket_dir.port, conf.postgres_database(socket_dir)["PORT"]) == (
        "/var/run/PG", None, "",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://u:secret@h/db", "scheme 'postgresql'"),
        ("sqlite:///db.sqlite3", "scheme 'postgresql'"),
        ("postgresql://u:secret@h:99999/db", "of the form"),
        ("postgresql://u:secret@h/", "one database name"),
        ("postgresql://u:secret@h/a/b", "one database name"),
        ("postgresql:///db", "a host"),
        ("postgresql://u:secret@[::1/db", "of the form"),
        ("postgresql://u:secret@h/db?sslmode", "libpq options"),
        # Unencoded '#', '/' or '?' in the password defeat a URL parser: hidden anyway.
        ("postgresql://u:s3c#secret@h:5432/db", "of the form"),
        ("postgresql://u:1234/secret@h/db", "one database name"),
        ("postgresql://u:pa?secret@h/db", "of the form"),
        ("postgresql://h/?user=u&password=secret", "one database name"),
    ],
)
def test_a_bad_database_url_is_refused_without_showing_the_password(
    url: str, expected: str
) -> None:
    with pytest.raises(ConfigError, match=r"web\.database_url: expected") as err:
        conf.split_config({"web": {"database_url": url}})
    message = str(err.value)
    assert expected in message
    assert "secret" not in message
    assert "postgresql://user:password@host:port/dbname" in message


def test_the_sqlite_default_and_no_backup_for_postgresql(tmp_path: Path) -> None:
    config = tmp_path / "web.toml"
    config.write_text('[web]\ndatabase_url = ""\n', encoding="utf-8")
    assert conf.load(config)[1].database_url == ""
    web = dataclasses.replace(conf.WebConfig(), database_url=URL)
    with override_settings(FORMCHECK_WEB=web), pytest.raises(ConfigError, match="pg_dump"):
        ops.backup(tmp_path)


# --- a real PostgreSQL ------------------------------------------------------------------

DB_USER = "formcheck"
DB_PASSWORD = "pg p@ss:w/rd%"  # needs percent-encoding in the URL
DB_NAME = "formcheck_web"


@dataclass(frozen=True)
class _Postgres:
    port: int
    url: str

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=DB_USER, password=DB_PASSWORD,
            dbname=DB_NAME, connect_timeout=10,
        ) as db:  # fmt: skip
            return db.execute(sql).fetchall()


def _postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL bin folder (``/usr/lib/postgresql/<major>/bin``)."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found = [p for p in found if Path(p).parent.parent.name.isdigit()]
    if not found:
        return None
    return Path(max(found, key=lambda p: int(Path(p).parent.parent.name))).parent


@pytest.fixture
def postgres() -> Iterator[_Postgres]:
    """A PostgreSQL server on 127.0.0.1 (free port) in a temporary folder, with a database.

    PostgreSQL refuses to run as root: as root, initdb and the server run as the
    ``postgres`` system user, which owns the folder. Password authentication
    (scram-sha-256) on TCP; the Unix socket lives in the folder too.
    """
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql)")
    as_user: dict[str, Any] = {}
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("no 'postgres' system user to run PostgreSQL as (it refuses root)")
        as_user = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    import psycopg

    folder = Path(tempfile.mkdtemp(prefix="formcheck-pg-"))  # short: the socket path
    server: subprocess.Popen[bytes] | None = None
    try:
        pwfile = folder / "pw"
        pwfile.write_text(DB_PASSWORD + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        if as_user:
            for path in (folder, pwfile):
                os.chown(path, as_user["user"], as_user["group"])
        subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", DB_USER,
             "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale",
             "--no-sync"],
            cwd=folder, capture_output=True, check=True, timeout=180, **as_user,
        )  # fmt: skip
        port = _free_port()
        with (folder / "server.log").open("wb") as log:
            if as_user:
                os.chown(folder / "server.log", as_user["user"], as_user["group"])
            server = subprocess.Popen(
                [str(bin_dir / "postgres"), "-D", str(folder / "data"), "-h", "127.0.0.1",
                 "-p", str(port), "-k", str(folder), "-c", "fsync=off",
                 "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                **as_user,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(
                    host="127.0.0.1", port=port, user=DB_USER, password=DB_PASSWORD,
                    dbname="postgres", connect_timeout=5, autocommit=True,
                ) as db:  # fmt: skip
                    db.execute(f"CREATE DATABASE {DB_NAME}")
                break
            except psycopg.OperationalError:
                log_text = (folder / "server.log").read_text(errors="replace")
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"PostgreSQL did not start:\n{log_text}") from None
                time.sleep(0.3)
        url = f"postgresql://{DB_USER}:{quote(DB_PASSWORD, safe='')}@127.0.0.1:{port}/{DB_NAME}"
        yield _Postgres(port=port, url=url)
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGINT)  # fast shutdown: disconnect clients, stop
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.integration
def test_the_app_on_postgresql(postgres: _Postgres, tmp_path: Path) -> None:
    """Migrations, ``coach add``, /healthz and a login through ``formcheck serve``, all on
    PostgreSQL: the rows are read back with psycopg and no SQLite database is created."""
    config = tmp_path / "web.toml"
    config.write_text(f'[web]\ndatabase_url = "{postgres.url}"\n', encoding="utf-8")
    data = tmp_path / "data"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    for name in ("DJANGO_SETTINGS_MODULE", "FORMCHECK_DATA", "FORMCHECK_CONFIG"):
        env.pop(name, None)  # the app's own settings, from --data and --config
    env.pop("FORMCHECK_REDIS_URL", None)
    where = ["--data", str(data), "--config", str(config)]
    coach_password = "Treadmill-review-2024"
    added = subprocess.run(
        [sys.executable, "-m", "formcheck", "coach", "add", "coach@example.org",
         "--password-stdin", *where],
        input=coach_password + "\n", env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert DB_PASSWORD not in added.stdout + added.stderr
    (username, hashed), *others = postgres.query("SELECT username, password FROM auth_user")
    assert (username, others) == ("coach@example.org", [])
    assert hashed.startswith("argon2")
    assert postgres.query("SELECT count(*) FROM django_migrations WHERE app = 'web'")[0][0] > 0
    assert not (data / "db.sqlite3").exists()

    port = _free_port()
    serve_log = tmp_path / "serve.log"
    with serve_log.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "formcheck", "serve", "--port", str(port), *where],
            env=env, cwd=ROOT, start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        client = _Client(port)
        deadline = time.monotonic() + 90
        while True:
            try:
                if client.call("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, serve_log.read_text(errors="replace")
            assert time.monotonic() < deadline, "formcheck serve did not answer /healthz"
            time.sleep(0.3)
        assert client.call("GET", "/login")[0] == 200
        form = {"username": "coach@example.org", "csrfmiddlewaretoken": client.cookies["csrftoken"]}
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}
        wrong = urlencode({**form, "password": "not-the-password"}).encode()
        assert client.call("POST", "/login", wrong, form_type)[0] == 200  # the form again
        right = urlencode({**form, "password": coach_password}).encode()
        assert client.call("POST", "/login", right, form_type)[0] == 302
        assert client.call("GET", "/")[0] == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert postgres.query("SELECT count(*) FROM django_session")[0][0] >= 1
    assert postgres.query("SELECT count(*) FROM axes_accesslog")[0][0] >= 1
    assert not (data / "db.sqlite3").exists()
    logged = serve_log.read_text(errors="replace")
    assert DB_PASSWORD not in logged and quote(DB_PASSWORD, safe="") not in logged
