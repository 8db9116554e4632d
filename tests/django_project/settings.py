"""Settings of the test project: the app, sessions, CSRF, a membership model, the actor.

The database is SQLite (a WAL file) unless ``DJANGO_PROJECT_DATABASE=postgres``; the tests
that run a real server pick the database per server through these variables:

- ``DJANGO_PROJECT_SQLITE``: the SQLite file (default: one in the temporary directory);
- ``DJANGO_PROJECT_DATABASE``: ``sqlite`` (default) or ``postgres``;
- ``DJANGO_PROJECT_POSTGRES_NAME``: the PostgreSQL database of ``postgres`` (``django_...``).

When a PostgreSQL server answers (``AI_SETTINGS_TEST_POSTGRES``, else 127.0.0.1:5432 as user
``postgres``), the alias ``postgres`` is defined too, for the in-process tests on PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "tests-only-not-secret"  # noqa: S105 - a test project
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
ROOT_URLCONF = "tests.django_project.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "ai_settings_core.contrib.django",
    "tests.django_project.accounts",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
AI_SETTINGS = {"ACTOR": "tests.django_project.accounts.auth.settings_actor"}
# Small, to show that the app reads bodies within its own limit, not this one.
DATA_UPLOAD_MAX_MEMORY_SIZE = 4096


def _postgres() -> dict[str, Any] | None:
    """The PostgreSQL connection settings, or ``None`` when no server answers."""
    url = urllib.parse.urlsplit(
        os.environ.get("AI_SETTINGS_TEST_POSTGRES") or "postgresql://postgres@127.0.0.1:5432/"
    )
    options = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": url.hostname or "127.0.0.1",
        "PORT": url.port or 5432,
        "USER": url.username or "postgres",
        "PASSWORD": url.password or "",
    }
    try:
        import psycopg

        psycopg.connect(
            host=options["HOST"],
            port=options["PORT"],
            user=options["USER"],
            password=options["PASSWORD"],
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except Exception as error:
        if os.environ.get("AI_SETTINGS_TEST_POSTGRES"):  # CI names its server: never skip
            message = f"AI_SETTINGS_TEST_POSTGRES is set, but no PostgreSQL server answers: {error}"
            raise RuntimeError(message) from error
        return None
    return options


POSTGRES = _postgres()
_SQLITE = os.environ.get(
    "DJANGO_PROJECT_SQLITE", str(Path(tempfile.gettempdir()) / "django_ai_settings.sqlite3")
)
_PID = os.getpid()
DATABASES: dict[str, dict[str, Any]] = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _SQLITE,
        # WAL: a read-only unit of work reads one snapshot and does not block writers.
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 30},
        "TEST": {"NAME": str(Path(tempfile.gettempdir()) / f"test_django_ai_settings_{_PID}.db")},
    },
}
if POSTGRES is not None:
    DATABASES["postgres"] = {
        **POSTGRES,
        "NAME": os.environ.get("DJANGO_PROJECT_POSTGRES_NAME", "django_ai_settings"),
        "TEST": {"NAME": f"test_django_ai_settings_{_PID}"},
    }
    if os.environ.get("DJANGO_PROJECT_DATABASE") == "postgres":
        DATABASES["default"] = DATABASES.pop("postgres")
