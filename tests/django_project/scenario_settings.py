"""The test project as a host of the shared HTTP scenario (``tests/e2e/host_scenario.py``).

The project's own settings, with three differences: the API mounted without CSRF at the
scenario's prefix (its clients send ``Authorization: Bearer <token>``, never a cookie), the
scenario's actor and body limit, and the SQLite file named by ``AI_SETTINGS_SCENARIO_DB`` (the
test that serves it migrates it). The in-process test puts the first two in force with
``override_settings``; a server (gunicorn) runs with this module as its settings.
"""

from __future__ import annotations

import os

from tests.django_project.settings import *  # noqa: F403
from tests.django_project.settings import DATABASES as _PROJECT_DATABASES
from tests.e2e import host_scenario

ROOT_URLCONF = "tests.django_project.scenario_urls"
AI_SETTINGS = {
    "ACTOR": "tests.e2e.host_scenario.django_actor",
    "MAX_BODY_BYTES": host_scenario.LIMIT,
}

if host_scenario.DB_VARIABLE in os.environ:
    DATABASES = {
        "default": {**_PROJECT_DATABASES["default"], "NAME": os.environ[host_scenario.DB_VARIABLE]}
    }
