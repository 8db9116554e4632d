"""The HTTP routes of revert, plan and apply (issue 15): statuses, bodies, hostile input."""

from __future__ import annotations

import pytest

from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.http import ERROR_CODE_HEADER
from tests.integration.test_http_handler import call, make_api

ORG = "/organizations/acme/ai-settings/"
PROJECT = "/projects/acme/web/ai-settings/"


@pytest.fixture
def api(tmp_path):
    return make_api(SqliteStore(tmp_path / "settings.db"))


def _newest(api) -> int:
    return call(api, "GET", ORG + "audit/?limit=1").json()["results"][0]["id"]


def test_revert_answers_the_result_and_409_when_the_record_changed_since(api):
    assert call(api, "PUT", PROJECT, {"fix_enabled_override": True}).status == 200
    entry = _newest(api)
    response = call(api, "POST", f"{ORG}audit/{entry}/revert/")
    assert response.status == 200
    body = response.json()
    assert (body["reverted"], body["changed"], body["organization"]) == ([entry], ["web"], None)
    assert call(api, "GET", ORG + "audit/?limit=1").json()["results"][0]["reverts"] == entry
    conflict = call(api, "POST", f"{ORG}audit/{entry}/revert/", {})
    assert (conflict.status, conflict.header(ERROR_CODE_HEADER)) == (409, "version_conflict")
    forced = call(api, "POST", f"{ORG}audit/{entry}/revert/", {"force": True})
    assert forced.status == 200


@pytest.mark.parametrize(
    ("entry", "body", "status", "field"),
    [
        ("abc", None, 400, "entry"),
        ("-1", None, 400, "entry"),
        ("1" * 19, None, 400, "entry"),
        ("0", None, 400, "audit_entry_id"),
        ("1", {"force": "yes"}, 400, "force"),
        ("1", {"forced": True}, 400, "forced"),
        ("1", [], 400, "non_field_errors"),
        ("999", None, 404, None),
    ],
)
def test_revert_refuses_bad_input_with_a_field(api, entry, body, status, field):
    call(api, "PUT", PROJECT, {"fix_enabled_override": True})
    response = call(api, "POST", f"{ORG}audit/{entry}/revert/", body)
    assert response.status == status
    if field is not None:
        assert field in response.json()


def test_plan_then_apply_over_http_and_apply_again_is_a_conflict(api):
    call(api, "PUT", PROJECT, {"fix_enabled_override": True})
    document = {"organization_id": "acme", "fix_enabled": True, "projects": []}
    plan = call(api, "POST", ORG + "plan/", {"document": document, "prune": True})
    assert plan.status == 200
    body = plan.json()
    assert body["project_versions"] == {"web": 1}
    assert [(c["project_id"], c["action"]) for c in body["changes"]] == [
        (None, "create"),
        ("web", "prune"),
    ]
    applied = call(api, "POST", ORG + "apply/", body)
    assert (applied.status, applied.json()["changed"]) == (200, ["web"])
    assert call(api, "POST", ORG + "apply/", body).status == 409
    again = call(api, "POST", ORG + "plan/", {"document": document, "prune": True})
    assert again.json()["changes"] == []


def test_plan_and_apply_refuse_a_document_of_another_organization_and_bad_bodies(api):
    document = {"organization_id": "globex", "projects": []}
    response = call(api, "POST", ORG + "plan/", {"document": document})
    assert response.status == 400
    assert "organization_id" in response.json()["document"]
    assert call(api, "POST", ORG + "plan/", {"document": {"projects": []}}).status == 400
    assert call(api, "POST", ORG + "plan/", {"prune": "no", "document": {}}).status == 400
    assert call(api, "POST", ORG + "plan/", {}).status == 400
    assert call(api, "POST", ORG + "apply/", {"organization_id": "acme"}).status == 400
    plan = call(
        api, "POST", ORG + "plan/", {"document": {"organization_id": "acme", "projects": []}}
    )
    other = make_api(api.service._uow, organization="globex")
    body = plan.json()
    assert call(other, "POST", "/organizations/globex/ai-settings/apply/", body).status == 400
