"""``GET /organizations/{org}/ai-decisions/``: a decision from the cache, for other languages."""

from __future__ import annotations

import pytest

from ai_settings_core import ALL_SCOPES, PROJECT_READ, DecisionCache
from ai_settings_core.adapters.sqlite import SqliteStore
from tests.integration.test_http_handler import call, make_api

pytestmark = pytest.mark.integration

DECISIONS = "/organizations/acme/ai-decisions/"


@pytest.fixture
def store(tmp_path):
    return SqliteStore(tmp_path / "settings.db")


def test_a_decision_reflects_a_change_once_the_cache_checked(store):
    with DecisionCache(store, max_staleness=3600) as cache:
        api = make_api(store, decisions=cache)
        body = {"scan_enabled_override": False}
        assert call(api, "PUT", "/projects/acme/web/ai-settings/", body).status == 200
        answer = call(api, "GET", DECISIONS + "?project=web&branch=main")
        assert (answer.status, answer.json()["scan"]) == (200, False)
        assert call(api, "PUT", "/projects/acme/web/ai-settings/", {"scan_enabled_override": None})
        cache.refresh()
        assert call(api, "GET", DECISIONS + "?project=web").json() == {
            "scan": True,
            "fix": False,
            "stopping_point": None,
            "reasons": ["fix_disabled"],
        }


def test_the_api_makes_its_own_cache_when_given_none(store):
    answer = call(make_api(store), "GET", DECISIONS + "?project=web&repository=github:acme/web")
    assert answer.status == 200
    assert answer.json()["reasons"] == ["fix_disabled"]


@pytest.mark.parametrize(
    ("target", "status", "code"),
    [
        (DECISIONS, 400, "required"),
        (DECISIONS + "?project=", 400, "required"),
        (DECISIONS + "?project=%01", 400, None),
        ("/organizations/other/ai-decisions/?project=web", 404, None),
    ],
)
def test_bad_requests_are_refused(store, target, status, code):
    api = make_api(store, organization="acme")
    answer = call(api, "GET", target)
    assert answer.status == status
    if code is not None:
        assert answer.json() == {"project": ["This field is required."]}


def test_an_actor_needs_project_read_and_the_project(store):
    assert (
        call(make_api(store, scopes=frozenset()), "GET", DECISIONS + "?project=web").status == 403
    )
    limited = make_api(store, scopes=ALL_SCOPES, projects=frozenset({"api"}))
    assert call(limited, "GET", DECISIONS + "?project=web").status == 403
    reader = make_api(store, scopes=frozenset({PROJECT_READ}))
    assert call(reader, "GET", DECISIONS + "?project=web").status == 200
