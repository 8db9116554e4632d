"""The HTTP handler: the seed's API tests and every status a client can provoke."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import subprocess
import sys

import jsonschema
import pytest

from ai_settings_core import ALL_SCOPES, Actor, SettingsService
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.codec import json_schema
from ai_settings_core.errors import ValidationError
from ai_settings_core.http import (
    ERROR_CODE_HEADER,
    ERROR_CODES_HEADER,
    Request,
    Response,
    SettingsApi,
)

JSON_HEADERS = [("Content-Type", "application/json")]


@pytest.fixture
def store(tmp_path):
    return SqliteStore(tmp_path / "settings.db")


def make_api(store, scopes=ALL_SCOPES, organization=None, projects=None, **options):
    def authenticate(request, org):
        if request.header("Authorization") == "none":
            return None
        return Actor("user:1", organization or org, scopes, projects=projects)

    return SettingsApi(SettingsService(store), authenticate, **options)


@pytest.fixture
def api(store):
    return make_api(store)


def call(api, method, target, body=None, headers=()):
    data = b"" if body is None else json.dumps(body).encode()
    request = Request.from_target(
        method, target, [*(JSON_HEADERS if body is not None else []), *headers], data
    )
    return api.handle(request)


ORG = "/organizations/acme/ai-settings/"
PROJECT = "/projects/acme/web/ai-settings/"


# The seed's API tests ----------------------------------------------------------------------


def test_get_returns_the_default_settings(api):
    response = call(api, "GET", ORG)
    assert response.status == 200
    assert response.header("Content-Type") == "application/json"
    body = response.json()
    assert (body["scan_enabled"], body["fix_enabled"], body["stopping_point"]) == (
        True,
        False,
        "pull_request",
    )
    assert body["version"] == 0
    assert response.header("ETag") == '"0"'


def test_put_updates_every_setting(api):
    response = call(
        api,
        "PUT",
        ORG,
        {"scan_enabled": False, "fix_enabled": True, "stopping_point": "merge"},
    )
    assert response.status == 200
    assert response.header("ETag") == '"1"'
    body = call(api, "GET", ORG).json()
    assert (body["scan_enabled"], body["fix_enabled"], body["stopping_point"]) == (
        False,
        True,
        "merge",
    )


def test_an_invalid_stopping_point_is_a_400_with_the_drf_body(api):
    response = call(api, "PUT", ORG, {"stopping_point": "invalid"})
    assert response.status == 400
    assert response.json() == {"stopping_point": ['"invalid" is not a valid choice.']}
    assert response.header(ERROR_CODE_HEADER) == "invalid"
    assert json.loads(response.header(ERROR_CODES_HEADER)) == {"stopping_point": ["invalid_choice"]}
    assert call(api, "GET", ORG).json()["version"] == 0


# Partial bodies, projects, repositories ----------------------------------------------------


def test_put_is_partial_and_null_inherits_again(api):
    call(api, "PUT", ORG, {"fix_enabled": True})
    first = call(
        api, "PUT", PROJECT, {"fix_enabled_override": False, "scan_enabled_override": True}
    )
    assert first.status == 200
    assert first.json()["effective"]["fix_enabled"] is False
    second = call(api, "PUT", PROJECT, {"fix_enabled_override": None})
    body = second.json()
    assert body["scan_enabled_override"] is True  # absent: unchanged
    assert body["fix_enabled_override"] is None
    assert body["effective"]["fix_enabled"] is True
    assert body["sources"]["fix_enabled"]["level"] == "organization"
    assert second.header("ETag") == '"2"'


def test_an_empty_body_changes_nothing(api):
    call(api, "PUT", ORG, {"fix_enabled": True})
    response = api.handle(Request("PUT", ORG))
    assert response.status == 200
    assert response.json()["fix_enabled"] is True
    assert response.header("ETag") == '"1"'


def test_a_locked_override_is_refused_with_its_field(api):
    call(api, "PUT", ORG, {"fix_enabled": True, "locked": ["fix_enabled"]})
    response = call(api, "PUT", PROJECT, {"fix_enabled_override": False})
    assert response.status == 400
    assert list(response.json()) == ["fix_enabled_override"]
    assert json.loads(response.header(ERROR_CODES_HEADER)) == {"fix_enabled_override": ["locked"]}


def test_unknown_and_read_only_fields_are_refused(api):
    response = call(api, "PUT", PROJECT, {"colour": "red", "version": 3})
    assert response.status == 400
    assert response.json() == {
        "colour": ["Unknown field."],
        "version": ["This field is read-only."],
    }


def test_repositories_are_added_changed_read_and_removed(api):
    added = call(
        api,
        "POST",
        PROJECT + "repositories/",
        {"repository": "gitlab:group/sub/api", "branch_patterns": ["main"]},
    )
    assert added.status == 201
    assert added.header("Location") == PROJECT + "repositories/gitlab:group/sub/api/"
    # The slash may be sent as is or percent-encoded; the owner is matched case-insensitively.
    one = call(api, "GET", PROJECT + "repositories/gitlab:Group%2Fsub%2Fapi/")
    assert one.status == 200
    assert one.json()["branch_patterns"] == ["main"]
    assert one.json()["effective"]["stopping_point"] == "pull_request"
    changed = call(
        api,
        "PATCH",
        PROJECT + "repositories/gitlab:group/sub/api/",
        {"stopping_point_override": "suggestion"},
        headers=[("If-Match", added.header("ETag"))],
    )
    assert changed.status == 200
    assert changed.json()["repositories"][0]["stopping_point_override"] == "suggestion"
    duplicate = call(api, "POST", PROJECT + "repositories/", {"repository": "gitlab:group/sub/api"})
    assert duplicate.status == 400
    assert json.loads(duplicate.header(ERROR_CODES_HEADER)) == {
        "repository": ["duplicate_repository"]
    }
    removed = call(api, "DELETE", PROJECT + "repositories/gitlab:group/sub/api/")
    assert removed.status == 200
    assert removed.json()["repositories"] == []
    assert call(api, "DELETE", PROJECT + "repositories/gitlab:group/sub/api/").status == 404
    bad = call(api, "GET", PROJECT + "repositories/svn:a/b/")
    assert bad.status == 400
    assert list(bad.json()) == ["repository"]


def test_bulk_changes_all_or_none(api):
    call(api, "PUT", ORG, {"max_stopping_point": "pull_request"})
    ok = call(
        api,
        "POST",
        "/organizations/acme/ai-projects/bulk/",
        {"projects": ["a", "b"], "changes": {"fix_enabled_override": True}},
    )
    assert ok.status == 200
    assert ok.json()["changed"] == ["a", "b"]
    refused = call(
        api,
        "POST",
        "/organizations/acme/ai-projects/bulk/",
        {"projects": ["a", "c"], "changes": {"stopping_point_override": "merge"}},
    )
    assert refused.status == 400
    assert set(refused.json()["projects"]) == {"a", "c"}
    assert call(api, "GET", "/projects/acme/c/ai-settings/").status == 404
    reset = call(
        api, "POST", "/organizations/acme/ai-projects/bulk/", {"projects": ["a"], "reset": True}
    )
    assert reset.json()["projects"][0]["fix_enabled_override"] is None
    both = call(
        api,
        "POST",
        "/organizations/acme/ai-projects/bulk/",
        {"projects": ["a"], "reset": True, "changes": {}, "extra": 1},
    )
    assert both.status == 400
    assert set(both.json()) == {"extra", "non_field_errors"}
    too_many = call(
        api,
        "POST",
        "/organizations/acme/ai-projects/bulk/",
        {"projects": ["a"] * 10_001, "reset": True},
    )
    assert too_many.status == 400
    assert json.loads(too_many.header(ERROR_CODES_HEADER)) == {"projects": ["max_length"]}


def test_the_listing_shows_overriding_projects_page_by_page(api):
    for project in ("p1", "p2", "p3"):
        call(api, "PUT", f"/projects/acme/{project}/ai-settings/", {"scan_enabled_override": False})
    call(api, "PUT", "/projects/acme/quiet/ai-settings/", {"environments": ["production"]})
    first = call(api, "GET", "/organizations/acme/ai-projects/?limit=2").json()
    assert [item["project_id"] for item in first["results"]] == ["p1", "p2"]
    assert first["results"][0]["overridden"] == ["scan_enabled"]
    target = f"/organizations/acme/ai-projects/?limit=2&cursor={first['next_cursor']}"
    second = call(api, "GET", target).json()
    assert [item["project_id"] for item in second["results"]] == ["p3"]
    assert second["next_cursor"] is None
    for query in ("limit=0", "limit=x", "limit=5000", "cursor=forged"):
        response = call(api, "GET", f"/organizations/acme/ai-projects/?{query}")
        assert response.status == 400, query
        assert list(response.json()) in (["limit"], ["cursor"])


def test_preview_saves_nothing(api):
    call(api, "PUT", PROJECT, {"repositories": [{"repository": "github:acme/web"}]})
    response = call(api, "POST", "/organizations/acme/ai-settings/preview/", {"fix_enabled": True})
    assert response.status == 200
    assert response.json()["projects"][0]["project_id"] == "web"
    assert call(api, "GET", ORG).json()["fix_enabled"] is False


def test_exposure_lists_where_ai_may_fix(store, api):
    call(api, "PUT", ORG, {"fix_enabled": True, "stopping_point": "merge"})
    call(api, "POST", PROJECT + "repositories/", {"repository": "github:acme/web"})
    other = "/projects/acme/docs/ai-settings/"
    call(api, "POST", other + "repositories/", {"repository": "github:acme/docs"})
    call(api, "PUT", other, {"stopping_point_override": "suggestion"})
    response = call(api, "GET", "/organizations/acme/ai-settings/exposure/?at=pull_request")
    assert response.status == 200
    body = response.json()
    jsonschema.Draft202012Validator(json_schema("exposure")).validate(body)
    assert body["at"] == "pull_request"
    assert list(body["places"]) == ["merge", "pull_request"]
    assert [(p["project_id"], p["branch_pattern"]) for p in body["places"]["merge"]] == [
        ("web", "*")
    ]
    assert [p["project_id"] for p in body["projects"]] == ["web"]
    whole = call(api, "GET", "/organizations/acme/ai-settings/exposure/").json()
    assert [p["project_id"] for p in whole["projects"]] == ["docs", "web"]
    limited = make_api(store, projects=frozenset({"docs"}))
    body = call(limited, "GET", "/organizations/acme/ai-settings/exposure/").json()
    assert [p["project_id"] for p in body["projects"]] == ["docs"]
    for text in ("everything", "", "MERGE"):
        bad = call(api, "GET", f"/organizations/acme/ai-settings/exposure/?at={text}")
        assert bad.status == 400
        assert json.loads(bad.header(ERROR_CODES_HEADER)) == {"at": ["invalid_choice"]}
    denied = make_api(store, scopes=frozenset({"project:read"}))
    assert call(denied, "GET", "/organizations/acme/ai-settings/exposure/").status == 403


def test_explain_answers_for_one_event(api):
    call(api, "PUT", ORG, {"fix_enabled": True})
    call(
        api,
        "POST",
        PROJECT + "repositories/",
        {"repository": "github:acme/web", "branch_patterns": ["release/*"]},
    )
    query = "repository=github:acme/web&branch=main"
    body = call(api, "GET", f"{PROJECT}explain/?{query}").json()
    assert body["repository"]["configured"] is True
    assert "branch_not_matched" in body["decision"]["reasons"]
    bad = call(api, "GET", f"{PROJECT}explain/?repository=nope")
    assert bad.status == 400
    assert list(bad.json()) == ["repository"]


def test_the_audit_log_pages_newest_first(api):
    call(api, "PUT", ORG, {"fix_enabled": True})
    call(api, "PUT", PROJECT, {"scan_enabled_override": False})
    organization_log = call(api, "GET", "/organizations/acme/ai-settings/audit/?limit=1").json()
    assert [entry["event"] for entry in organization_log["results"]] == ["project_ai_settings.edit"]
    assert organization_log["next_cursor"] is not None
    project_log = call(api, "GET", f"{PROJECT}audit/").json()
    assert [entry["target"] for entry in project_log["results"]] == ["web"]
    naive = call(api, "GET", f"{PROJECT}audit/?since=2025-01-01T00:00:00")
    assert naive.status == 400
    assert list(naive.json()) == ["since"]


def test_reset_clears_every_override(api):
    call(api, "PUT", PROJECT, {"scan_enabled_override": False})
    response = call(api, "POST", PROJECT + "reset/", headers=[("If-Match", '"1"')])
    assert response.status == 200
    assert response.json()["scan_enabled_override"] is None


# Versions ----------------------------------------------------------------------------------


def test_a_stale_if_match_is_a_412_and_changes_nothing(api):
    etag = call(api, "PUT", PROJECT, {"scan_enabled_override": False}).header("ETag")
    call(api, "PUT", PROJECT, {"fix_enabled_override": True}, headers=[("If-Match", etag)])
    stale = call(api, "PUT", PROJECT, {"scan_enabled_override": True}, headers=[("If-Match", etag)])
    assert stale.status == 412
    assert type(stale.status) is int
    assert stale.header(ERROR_CODE_HEADER) == "precondition_failed"
    assert call(api, "GET", PROJECT).json()["scan_enabled_override"] is False


@pytest.mark.parametrize(
    ("if_match", "status"),
    [
        ('"1"', 200),
        ('W/"1"', 412),
        ('W/"1", "1"', 200),
        ('"0", "1"', 200),
        ("*", 200),
        ('"7"', 412),
        ('"abc"', 412),
        ("1", 400),
        ("", 400),
    ],
)
def test_if_match_forms(api, if_match, status):
    call(api, "PUT", ORG, {"fix_enabled": True})
    response = call(api, "PUT", ORG, {"scan_enabled": False}, headers=[("If-Match", if_match)])
    assert response.status == status


# Errors ------------------------------------------------------------------------------------


def test_a_refused_authentication_is_a_401(api):
    response = call(api, "GET", ORG, headers=[("Authorization", "none")])
    assert response.status == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response.header("WWW-Authenticate")


def test_a_missing_scope_is_a_403(store):
    api = make_api(store, scopes=frozenset({"org:read", "project:read"}))
    response = call(api, "PUT", ORG, {"fix_enabled": True})
    assert response.status == 403
    assert response.header(ERROR_CODE_HEADER) == "permission_denied"
    assert call(api, "GET", ORG).status == 200


def test_an_unreachable_project_is_a_403(store):
    call(make_api(store), "PUT", PROJECT, {"scan_enabled_override": False})
    api = make_api(store, projects=frozenset({"other"}))
    assert call(api, "GET", PROJECT).status == 403


def test_another_organization_is_a_404(store):
    call(make_api(store), "PUT", PROJECT, {"scan_enabled_override": False})
    outsider = make_api(store, organization="globex")
    for target in (ORG, PROJECT, "/organizations/acme/ai-projects/"):
        response = call(outsider, "GET", target)
        assert response.status == 404, target
        assert response.header(ERROR_CODE_HEADER) == "not_found"


@pytest.mark.parametrize(
    "target",
    [
        "/nothing/",
        "/organizations/acme/",
        "/organizations//ai-settings/",
        "/organizations/a%20b/ai-settings/",
        "/projects/acme/web/ai-settings/repositories/github:acme/missing/",
        "/projects/acme/unknown/ai-settings/",
    ],
)
def test_unknown_routes_and_records_are_404(api, target):
    response = call(api, "GET", target)
    assert response.status == 404
    assert response.json()["detail"]


def test_a_method_not_allowed_is_a_405_with_allow(api):
    response = call(api, "DELETE", ORG)
    assert response.status == 405
    assert response.header("Allow") == "GET, HEAD, PUT"


def test_an_oversized_body_is_a_413(store):
    api = make_api(store, max_body_bytes=64)
    response = call(api, "PUT", ORG, {"locked": ["fix_enabled"] * 20})
    assert response.status == 413
    assert call(api, "GET", ORG).json()["version"] == 0


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json; charset=latin-1"])
def test_a_body_that_is_not_json_is_a_415(api, content_type):
    headers = [] if content_type is None else [("Content-Type", content_type)]
    response = api.handle(Request("PUT", ORG, headers, b'{"fix_enabled": true}'))
    assert response.status == 415
    assert response.header(ERROR_CODE_HEADER) == "unsupported_media_type"


@pytest.mark.parametrize(
    "body", [b"{", b"\xff\xfe", b"NaN", b"[" * 100_000, b'{"version": 1' + b"0" * 5000 + b"}"]
)
def test_malformed_json_is_a_400_parse_error(api, body):
    response = api.handle(Request("PUT", ORG, JSON_HEADERS, body))
    assert response.status == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert response.header(ERROR_CODE_HEADER) == "parse_error"


@pytest.mark.parametrize("body", [[], "text", 3, None, {"repository": 5}])
def test_wrong_documents_are_400_not_500(api, body):
    assert call(api, "POST", PROJECT + "repositories/", body).status == 400


def test_a_server_fault_is_a_logged_500(tmp_path, caplog):
    (tmp_path / "broken.db").write_bytes(b"this is not a database" * 100)
    api = make_api(SqliteStore(tmp_path / "broken.db"))
    with caplog.at_level(logging.ERROR, logger="ai_settings_core.http"):
        response = call(api, "GET", ORG)
    assert response.status == 500
    assert response.json() == {"detail": "A server error occurred."}
    assert "GET /organizations/acme/ai-settings/ failed" in caplog.text


def test_a_storage_fault_is_a_logged_500_with_its_code(tmp_path, caplog):
    (tmp_path / "foreign.db").write_bytes(b"")
    with contextlib.closing(sqlite3.connect(tmp_path / "foreign.db")) as connection:
        connection.execute("CREATE TABLE people (name TEXT)")
    api = make_api(SqliteStore(tmp_path / "foreign.db"))
    with caplog.at_level(logging.ERROR, logger="ai_settings_core.http"):
        response = call(api, "PUT", ORG, {"fix_enabled": True})
    assert response.status == 500
    assert response.header(ERROR_CODE_HEADER) == "storage_error"
    assert response.json() == {"detail": "A server error occurred."}  # the file is not named
    assert "foreign.db" in caplog.text


_HOLD_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_database_locked_by_another_process_answers_503_with_retry_after(tmp_path, caplog):
    path = tmp_path / "settings.db"
    api = make_api(SqliteStore(path, busy_timeout=0.05))
    assert call(api, "PUT", ORG, {"scan_enabled": False}).status == 200
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        with caplog.at_level(logging.WARNING, logger="ai_settings_core.http"):
            response = call(api, "PUT", ORG, {"fix_enabled": True})
    finally:
        holder.communicate("", timeout=30)
    assert response.status == 503
    assert response.header("Retry-After") == "1"
    assert response.header(ERROR_CODE_HEADER) == "storage_unavailable"
    assert "busy" in response.json()["detail"]
    assert "settings.db" not in response.body.decode()
    assert "is busy" in caplog.text
    assert call(api, "GET", ORG).json()["scan_enabled"] is False


def test_head_answers_the_headers_of_get(api):
    response = api.handle(Request("HEAD", ORG))
    assert response.status == 200
    assert response.body == b""
    assert response.header("ETag") == '"0"'


def test_routes_live_under_the_prefix(store):
    api = make_api(store, prefix="/api/0/")
    assert call(api, "GET", "/api/0" + ORG).status == 200
    assert call(api, "GET", ORG).status == 404
    document = call(api, "GET", "/api/0/openapi.json").json()
    assert "/api/0/organizations/{org}/ai-settings/" in document["paths"]
    assert (
        call(api, "GET", "/api/0/openapi.json", headers=[("Authorization", "none")]).status == 200
    )


# Review fixes: nothing a client sends makes handle() raise or answer 500 ------------------


def test_a_weak_if_match_never_matches_and_writes_nothing(api):
    etag = call(api, "PUT", PROJECT, {"scan_enabled_override": False}).header("ETag")
    response = call(
        api, "PUT", PROJECT, {"fix_enabled_override": True}, headers=[("If-Match", f"W/{etag}")]
    )
    assert response.status == 412
    assert response.header(ERROR_CODE_HEADER) == "precondition_failed"
    assert "weak tag never matches" in response.json()["detail"]
    assert call(api, "GET", PROJECT).json()["fix_enabled_override"] is None


def test_a_lone_surrogate_in_a_json_body_is_a_400(api):
    for body in (b'{"bogus\\ud800": 1}', b'{"stopping_point_override": "\\ud800"}'):
        response = api.handle(Request("PUT", PROJECT, JSON_HEADERS, body))
        assert response.status == 400, body
        assert response.json()["detail"].startswith("JSON parse error")


def test_an_error_quoting_text_that_is_not_unicode_is_still_answered(api):
    # A framework may hand over header text that has no UTF-8 form; the message quotes it.
    response = api.handle(Request("PUT", PROJECT, [("Content-Type", "text/\ud800")], b"x"))
    assert response.status == 415
    assert response.body.isascii()
    assert response.json()["detail"] == (
        'Unsupported media type "text/\ud800" in request; send application/json.'
    )


def test_a_fault_while_rendering_an_answer_is_a_logged_500(store, caplog):
    def authenticate(request, org):  # a host's bug: a detail that is not JSON
        raise ValidationError({"token": [object()]}, {"token": ["invalid"]})

    api = SettingsApi(SettingsService(store), authenticate)
    with caplog.at_level(logging.ERROR, logger="ai_settings_core.http"):
        response = call(api, "GET", ORG)
    assert response.status == 500
    assert response.json() == {"detail": "A server error occurred."}
    assert "TypeError" in caplog.text


@pytest.mark.parametrize(
    ("limit", "code"),
    [("9" * 5000, "max_value"), ("0" * 5000, "min_value"), ("1001", "max_value")],
)
def test_a_limit_of_any_length_is_a_400(api, limit, code):
    response = call(api, "GET", f"/organizations/acme/ai-projects/?limit={limit}")
    assert response.status == 400
    assert json.loads(response.header(ERROR_CODES_HEADER)) == {"limit": [code]}


def test_a_limit_with_leading_zeros_is_its_value(api):
    for project in ("p1", "p2", "p3"):
        call(api, "PUT", f"/projects/acme/{project}/ai-settings/", {"scan_enabled_override": False})
    page = call(api, "GET", "/organizations/acme/ai-projects/?limit=0002").json()
    assert [item["project_id"] for item in page["results"]] == ["p1", "p2"]


@pytest.mark.parametrize(
    "query",
    [
        "since=0001-01-01T00:00:00%2B01:00",
        "until=9999-12-31T23:59:59-12:00",
        "since=2025-01-01T00:00:00%2B14:00&until=9999-12-31T23:59:59-12:00",
    ],
)
def test_a_time_out_of_range_in_utc_is_a_400(api, query):
    for target in ("/organizations/acme/ai-settings/audit/", f"{PROJECT}audit/"):
        response = call(api, "GET", f"{target}?{query}")
        assert response.status == 400, target
        field = "until" if "until" in query else "since"
        assert json.loads(response.header(ERROR_CODES_HEADER)) == {field: ["invalid_timestamp"]}


def test_the_edges_of_time_in_utc_are_accepted(api):
    call(api, "PUT", PROJECT, {"scan_enabled_override": False})
    query = "since=0001-01-01T00:00:00-01:00&until=9999-12-31T23:59:59%2B01:00"
    response = call(api, "GET", f"/organizations/acme/ai-settings/audit/?{query}")
    assert response.status == 200
    assert [entry["target"] for entry in response.json()["results"]] == ["web"]


def test_headers_are_found_alike_on_requests_and_responses():
    pairs = [("x-one", "1"), ("X-One", "2"), ("Two", "3")]
    request = Request("GET", ORG, pairs)
    response = Response(200, tuple(pairs))
    for message in (request, response):
        assert message.header("X-ONE") == "1"
        assert message.header("two") == "3"
        assert message.header("three") is None


# Invariants --------------------------------------------------------------------------------

INVARIANTS = "/organizations/acme/ai-settings/invariants/"
PR_AT_MOST = {"name": "pr-at-most", "kind": "stopping_point_at_most", "at_most": "pull_request"}


def test_invariants_are_added_listed_and_removed(api):
    assert call(api, "GET", INVARIANTS).json() == {
        "organization_id": "acme",
        "invariants": [],
        "violations": [],
        "version": 0,
    }
    response = call(api, "POST", INVARIANTS, PR_AT_MOST)
    assert (response.status, response.header("ETag")) == (201, '"1"')
    assert response.json()["invariants"] == [{**PR_AT_MOST, "except_repositories": []}]
    response = call(api, "PUT", PROJECT, {"stopping_point_override": "merge"})
    assert response.status == 400
    assert response.json() == {
        "stopping_point_override": [
            (
                "Invariant 'pr-at-most' is violated by project 'web': the stopping point is "
                "merge, above pull_request."
            )
        ]
    }
    assert json.loads(response.header(ERROR_CODES_HEADER)) == {
        "stopping_point_override": ["invariant_violated"]
    }
    response = call(api, "DELETE", INVARIANTS + "pr-at-most/", headers=[("If-Match", '"1"')])
    assert (response.status, response.json()["invariants"]) == (200, [])
    assert call(api, "DELETE", INVARIANTS + "pr-at-most/").status == 404


def test_adding_an_invariant_lists_the_violations_unless_enforced(api):
    call(api, "PUT", PROJECT, {"stopping_point_override": "merge"})
    response = call(api, "POST", INVARIANTS, PR_AT_MOST)
    assert response.status == 400
    assert response.json() == {
        "non_field_errors": [
            (
                "Invariant 'pr-at-most' is violated by project 'web': the stopping point is "
                "merge, above pull_request."
            )
        ]
    }
    assert call(api, "GET", INVARIANTS).json()["invariants"] == []
    response = call(api, "POST", INVARIANTS + "?enforce=true", PR_AT_MOST)
    assert response.status == 201
    assert response.json()["violations"] == [
        {
            "invariant": "pr-at-most",
            "project_id": "web",
            "repository": None,
            "path": ["stopping_point_override"],
            "field": "stopping_point_override",
            "message": "Invariant 'pr-at-most' is violated by project 'web': the stopping point "
            "is merge, above pull_request.",
        }
    ]


@pytest.mark.parametrize(
    ("target", "body", "codes"),
    [
        (INVARIANTS + "?enforce=yes", PR_AT_MOST, {"enforce": ["invalid"]}),
        (INVARIANTS, {**PR_AT_MOST, "at_most": "false"}, {"at_most": ["invalid_choice"]}),
        (INVARIANTS, {**PR_AT_MOST, "branches": ["main"]}, {"branches": ["unknown_field"]}),
        (INVARIANTS, [PR_AT_MOST], {"non_field_errors": ["invalid"]}),
        (ORG + "?enforce=1", {"invariants": [PR_AT_MOST]}, {"enforce": ["invalid"]}),
        (
            ORG,
            {"invariants": [PR_AT_MOST, PR_AT_MOST]},
            {"invariants": [{}, {"name": ["duplicate_invariant"]}]},
        ),
    ],
)
def test_bad_invariant_requests_are_400s_that_write_nothing(api, target, body, codes):
    method = "POST" if target.startswith(INVARIANTS) else "PUT"
    response = call(api, method, target, body)
    assert response.status == 400
    assert json.loads(response.header(ERROR_CODES_HEADER)) == codes
    assert call(api, "GET", INVARIANTS).json()["version"] == 0


def test_an_organization_put_adds_invariants_with_enforce(api):
    call(api, "PUT", PROJECT, {"stopping_point_override": "merge"})
    body = {"invariants": [PR_AT_MOST]}
    assert call(api, "PUT", ORG, body).status == 400
    response = call(api, "PUT", ORG + "?enforce=true", body)
    assert (response.status, response.json()["invariants"][0]["name"]) == (200, "pr-at-most")
