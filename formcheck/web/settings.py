"""Django settings, built from the ``[web]`` TOML section and the data folder.

``formcheck serve``, ``formcheck worker`` and ``formcheck coach add`` set
``FORMCHECK_DATA`` (and ``FORMCHECK_CONFIG``) and create the secret key file
before Django starts. Importing this module reads files but writes none: when
the secret key file is missing (tests, a bare ``django-admin``), a per-process
key is used, which cannot keep sessions across processes.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from formcheck.report.templating import TEMPLATE_DIR as REPORT_TEMPLATE_DIR
from formcheck.web import conf

ANALYSIS_CONFIG, WEB = conf.load(os.environ.get(conf.ENV_CONFIG))
DATA_DIR: Path = conf.data_dir(WEB)
FORMCHECK_WEB = WEB
FORMCHECK_ANALYSIS_CONFIG = ANALYSIS_CONFIG

try:
    SECRET_KEY = (DATA_DIR / conf.SECRET_NAME).read_text(encoding="ascii").strip()
except FileNotFoundError:
    SECRET_KEY = secrets.token_urlsafe(50)

DEBUG = False
ALLOWED_HOSTS = list(WEB.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "formcheck.web.apps.WebConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "formcheck.web.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "formcheck.web.urls"
WSGI_APPLICATION = "formcheck.web.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # report/*: the partials report.html shares with the review page (one design)
        "DIRS": [REPORT_TEMPLATE_DIR],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if WEB.database_url:  # PostgreSQL (psycopg 3); the URL was checked when the config loaded
    DATABASES = {"default": conf.postgres_database(conf.parse_database_url(WEB.database_url))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            # WAL: readers never block the writer; IMMEDIATE: a write transaction
            # takes the lock at BEGIN, so two writers queue instead of failing.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = WEB.secure_cookies
CSRF_COOKIE_SECURE = WEB.secure_cookies
if WEB.behind_proxy:  # nginx terminates TLS and says so in X-Forwarded-Proto
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# django-axes: database-backed throttling, a cool-off (never a permanent lockout).
AXES_FAILURE_LIMIT = WEB.axes_failure_limit
AXES_COOLOFF_TIME = WEB.axes_cooloff_minutes / 60.0  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind the proxy, the client's address from the header the proxy appends
# (formcheck.web.access.client_ip); otherwise REMOTE_ADDR.
FORMCHECK_BEHIND_PROXY = WEB.behind_proxy
AXES_CLIENT_IP_CALLABLE = "formcheck.web.access.client_ip"

# Uploads arrive as raw chunks read from the request stream; form posts stay small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"

# huey through huey.contrib.djhuey, imported on first use (formcheck.jobs.tasks), so
# that importing the settings opens no queue; "immediate" is set explicitly
# (djhuey would follow DEBUG otherwise).
if WEB.queue == "redis":
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": conf.HUEY_NAME,
        "url": WEB.redis_url,
        "immediate": False,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": conf.HUEY_NAME,
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": False,
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "kv": {"format": "ts=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kv"}},
    "loggers": {
        "formcheck": {"handlers": ["console"], "level": "INFO"},
        "huey": {"handlers": ["console"], "level": "WARNING"},
        "django.request": {"handlers": ["console"], "level": "WARNING"},
    },
}
