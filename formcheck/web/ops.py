"""Operations outside requests: start-up, coach accounts, online backup."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from formcheck.errors import ConfigError
from formcheck.web import conf


def prepare(data: Path | None, config: Path | None, *, migrate: bool = True) -> Path:
    """Point Django at the data folder, create it and its secret key, set up Django.

    Returns the data folder. Environment variables carry the choice to the
    gunicorn and worker subprocesses.
    """
    if config is not None:
        os.environ[conf.ENV_CONFIG] = str(Path(config).resolve())
    _, web = conf.load(os.environ.get(conf.ENV_CONFIG))
    if data is not None:
        os.environ[conf.ENV_DATA] = str(Path(data).resolve())
    root = conf.data_dir(web)
    os.environ[conf.ENV_DATA] = str(root)
    conf.ensure_data_dir(root)
    conf.secret_key(root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "formcheck.web.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    return root


def coach_add(email: str, password: str) -> None:
    """Create a coach account (login name = email); the password must pass the validators."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(email)
    except ValidationError:
        raise ConfigError(f"coach add: expected an email address, got {email!r}") from None
    users = get_user_model()
    if users.objects.filter(username=email).exists():
        raise ConfigError(f"coach add: a coach {email} already exists")
    user = users(username=email, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ConfigError(f"coach add: password refused: {' '.join(exc.messages)}") from None
    user.set_password(password)
    user.save()


def backup(root: Path) -> Path:
    """Copy the database with SQLite's online backup API (safe while the app runs).

    With ``web.database_url`` (PostgreSQL) there is no SQLite file to copy:
    raises ConfigError pointing at ``pg_dump``.
    """
    from django.conf import settings

    if settings.FORMCHECK_WEB.database_url:
        raise ConfigError(
            "backup: expected the SQLite database of the data folder, got web.database_url "
            "(PostgreSQL); back it up with pg_dump"
        )
    target = root / "backups" / time.strftime("db-%Y%m%d-%H%M%S.sqlite3", time.gmtime())
    source = sqlite3.connect(root / "db.sqlite3")
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    target.chmod(0o600)
    return target
