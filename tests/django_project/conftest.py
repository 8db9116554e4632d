"""Django for the tests under this folder: the test project's settings, pytest-django's databases.

Without Django or pytest-django installed (the `django` extra and the test extra), nothing
here is collected. The rest of the suite never sees Django: only these tests configure it.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

HAS_POSTGRES = False
"""Whether the test project found a PostgreSQL server (its ``postgres`` alias)."""

if importlib.util.find_spec("django") is None or importlib.util.find_spec("pytest_django") is None:
    collect_ignore_glob = ["*"]
else:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django_project.settings")
    import django
    from django.conf import settings

    django.setup()
    HAS_POSTGRES = "postgres" in settings.DATABASES

DATABASES = (
    pytest.param("default", marks=pytest.mark.django_db(transaction=True), id="sqlite"),
    pytest.param(
        "postgres",
        marks=(
            pytest.mark.django_db(transaction=True, databases=["default", "postgres"]),
            pytest.mark.skipif(
                not HAS_POSTGRES,
                reason="no PostgreSQL server answers (set AI_SETTINGS_TEST_POSTGRES)",
            ),
        ),
        id="postgres",
    ),
)
"""The databases the app is tested on, emptied after each test (real commits, no wrapping)."""


@pytest.fixture(params=DATABASES)
def alias(request: pytest.FixtureRequest) -> str:
    """The alias of each database the app runs on: SQLite (``default``), PostgreSQL."""
    return str(request.param)
