"""Django settings for the test run: the app's settings with a throw-away data folder.

pytest-django imports this before any test (``DJANGO_SETTINGS_MODULE`` in
pyproject.toml); the analysis is replaced by :mod:`tests.web.fake_analysis`
only in the tests that say so.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

if "FORMCHECK_DATA" not in os.environ:
    _tmp = tempfile.mkdtemp(prefix="formcheck-test-data-")
    atexit.register(shutil.rmtree, _tmp, ignore_errors=True)
    os.environ["FORMCHECK_DATA"] = _tmp

from formcheck.web.settings import *  # noqa: F403

DATA_DIR = Path(os.environ["FORMCHECK_DATA"])
HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "formcheck-test",
    "filename": str(DATA_DIR / "huey.sqlite3"),
    "immediate": False,
}
# Fast hashing for tests only; production uses Argon2 (formcheck.web.settings).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
