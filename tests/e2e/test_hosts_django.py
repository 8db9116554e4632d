"""The Django app: the host scenario in Django's test client and under gunicorn.

Django is configured once per process. In this process it is the test project's
(``tests.django_project.settings``, as for the project's own tests), with the scenario's URLs
and actor put in force for the one test by ``override_settings``, on pytest-django's test
database. Under gunicorn the project runs with ``tests.django_project.scenario_settings`` on a
SQLite file this test migrates.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

import tests.django_project.conftest  # noqa: F401 - configures Django: the test project
from tests.django_project import scenario_settings
from tests.e2e import host_scenario

ROOT = Path(__file__).resolve().parents[2]
# Far larger than the socket buffers: the server must take it in, or close saying so.
BIG = 8 * 1024 * 1024


@pytest.mark.django_db(transaction=True)
def test_the_scenario_in_djangos_test_client():
    with override_settings(
        ROOT_URLCONF=scenario_settings.ROOT_URLCONF, AI_SETTINGS=scenario_settings.AI_SETTINGS
    ):
        host_scenario.run_scenario(host_scenario.django_test_client())


def test_the_scenario_under_gunicorn(tmp_path):
    database = tmp_path / "settings.sqlite3"
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": host_scenario.DJANGO_SCENARIO_SETTINGS,
        host_scenario.DB_VARIABLE: str(database),
    }
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput"],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = host_scenario.free_port()
    command = host_scenario.gunicorn("tests.e2e.host_scenario:django_app()", port)
    with host_scenario.serve(command, port, database), host_scenario.connection(port) as send:
        host_scenario.run_scenario(send, oversized=BIG)
