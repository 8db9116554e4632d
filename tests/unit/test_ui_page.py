"""The settings page in process: what the server renders, its preview, who it answers."""

from __future__ import annotations

import json
import re

import pytest

from ai_settings_core import ALL_SCOPES, Actor, Setting, SettingsService, StoppingPoint
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.changes import OrganizationPatch, ProjectPatch
from ai_settings_core.http import Request, SettingsApi
from ai_settings_core.ui import SettingsPage, TokenAccess, is_loopback
from ai_settings_core.ui._access import refusal

ADMIN = Actor("test", "acme", ALL_SCOPES)
PAGE = "/organizations/acme/settings/ai/"


@pytest.fixture
def service() -> SettingsService:
    service = SettingsService(MemoryStore().unit_of_work)
    service.update_project(ADMIN, "acme", "web", ProjectPatch(scan_enabled_override=False))
    service.update_project(ADMIN, "acme", "api", ProjectPatch(fix_enabled_override=False))
    service.update_project(
        ADMIN, "acme", "docs", ProjectPatch(stopping_point_override=StoppingPoint.MERGE)
    )
    service.update_organization(
        ADMIN,
        "acme",
        OrganizationPatch(
            fix_enabled=True,
            locked=frozenset({Setting.SCAN_ENABLED}),
            max_stopping_point=StoppingPoint.PULL_REQUEST,
        ),
    )
    return service


@pytest.fixture
def page(service: SettingsService) -> SettingsPage:
    return SettingsPage(SettingsApi(service, lambda _request, org: Actor("u", org, ALL_SCOPES)))


def preview(page: SettingsPage, body: object, content_type: str = "application/json"):
    data = json.dumps(body).encode()
    path = "/organizations/acme/ai-projects/bulk/preview/"
    request = Request("POST", path, [("Content-Type", content_type)], data)
    return page.handle(request)


def _summaries(html: str) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for project, cells in re.findall(r'data-project="([^"]+)">(.*?)</dl>', html):
        found[project] = dict(
            re.findall(r'data-setting="(\w+)">.*?source-(\w+)', cells.replace("</div>", "\n"))
        )
    return found


def test_each_value_shows_where_the_api_says_it_comes_from(page, service) -> None:
    html = page.handle(Request("GET", PAGE)).body.decode()
    assert _summaries(html) == {
        "api": {
            "scan_enabled": "locked",
            "fix_enabled": "overridden",
            "stopping_point": "inherited",
        },
        "docs": {
            "scan_enabled": "locked",
            "fix_enabled": "inherited",
            "stopping_point": "capped",
        },
        "web": {
            "scan_enabled": "locked",
            "fix_enabled": "inherited",
            "stopping_point": "inherited",
        },
    }
    # The same words as the API's sources, field by field.
    for project in ("api", "docs", "web"):
        sources = page.handle(Request("GET", f"/projects/acme/{project}/ai-settings/")).json()
        words = {
            name: {"LOCKED": "locked", "CAPPED": "capped"}.get(
                source["reason"],
                "overridden" if source["level"] in ("project", "repository") else "inherited",
            )
            for name, source in sources["sources"].items()
        }
        assert _summaries(html)[project] == words
    # The organization's form shows its stored values and policy.
    assert (
        'data-test-id="fix-enabled-toggle" aria-describedby="org-fix_enabled-help" checked' in html
    )
    assert 'data-test-id="lock-scan_enabled" checked' in html
    assert '<option value="pull_request" selected>' in html


def test_the_preview_of_a_bulk_change_saves_nothing(page, service) -> None:
    response = preview(
        page, {"projects": ["web", "api", "new"], "changes": {"fix_enabled_override": False}}
    )
    assert response.status == 200
    assert response.json() == {
        "organization": [],
        "projects": [
            {
                "project_id": "web",
                "changes": [{"field": "fix_enabled", "before": True, "after": False}],
                "repositories": [],
            },
            {
                "project_id": "new",
                "changes": [{"field": "fix_enabled", "before": True, "after": False}],
                "repositories": [],
            },
        ],
        "projects_considered": 3,
    }
    assert service.get_project(ADMIN, "acme", "web").project.fix_enabled_override is None
    reset = preview(page, {"projects": ["docs", "api"], "reset": True}).json()
    assert [item["project_id"] for item in reset["projects"]] == ["api"]  # docs stays capped


@pytest.mark.parametrize(
    ("body", "status", "key"),
    [
        ({"projects": "web", "changes": {}}, 400, "projects"),
        ({"projects": ["web"], "changes": {"fix_enabled_override": "false"}}, 400, "changes"),
        ({"projects": ["web"], "changes": {}, "extra": 1}, 400, "extra"),
        ({"projects": ["w\x00b"], "reset": True}, 400, "projects"),
        ({"projects": [f"p{i}" for i in range(100_000)], "reset": True}, 400, "projects"),
    ],
)
def test_a_bad_preview_is_refused_with_drf_errors(page, body, status, key) -> None:
    response = preview(page, body)
    assert response.status == status
    assert key in response.json()


def test_a_preview_needs_json(page) -> None:
    assert preview(page, {"projects": ["web"], "reset": True}, "text/plain").status == 415


def test_the_page_escapes_what_it_shows() -> None:
    service = SettingsService(MemoryStore().unit_of_work)
    org = "<script>alert(1)</script>"
    page = SettingsPage(SettingsApi(service, lambda _r, o: Actor("u", o, ALL_SCOPES)))
    response = page.handle(Request("GET", f"/organizations/{org}/settings/ai/"))
    assert org.encode() not in response.body


def test_who_the_page_answers(service) -> None:
    access = TokenAccess("s3cret")
    api = SettingsApi(service, access.authenticate)
    plain = SettingsPage(api)
    assert plain.handle(Request("GET", PAGE)).status == 401
    refused = plain.handle(Request("GET", PAGE))
    assert refused.header("WWW-Authenticate") == 'Bearer realm="ai-settings"'
    assert refused.json()["detail"].startswith("Authentication")
    form = SettingsPage(api, login=access.login).handle(Request("GET", PAGE))
    assert (form.status, b'name="token"' in form.body) == (401, True)
    bearer = [("Authorization", "Bearer s3cret")]
    assert plain.handle(Request("GET", PAGE, bearer)).status == 200
    assert plain.handle(Request("HEAD", PAGE, bearer)).body == b""
    assert plain.handle(Request("GET", "/_ai-settings/static/nope.js")).status == 404
    assert plain.handle(Request("GET", "/_ai-settings/static/page.css")).status == 200


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/organizations/acme/settings/ai/", "/organizations/acme/settings/ai/"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
    ],
)
def test_signing_in_goes_back_only_to_this_server(target: str, expected: str) -> None:
    body = f"token=s3cret&next={target}".encode()
    response = TokenAccess("s3cret").login(Request("POST", "/_ai-settings/login", [], body))
    assert (response.status, response.header("Location")) == (303, expected)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("app.localhost", True),
        ("0.0.0.0", False),  # noqa: S104
        ("192.168.1.2", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_what_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("method", "headers", "loopback", "refused"),
    [
        ("GET", [("Host", "127.0.0.1:8000")], True, False),
        ("GET", [("Host", "[::1]:8000")], True, False),
        ("GET", [("Host", "localhost:8000")], True, False),
        ("GET", [("Host", "evil.example:8000")], True, True),
        ("GET", [("Host", "evil.example:8000")], False, False),
        ("PUT", [("Host", "h:1"), ("Origin", "http://h:1")], False, False),
        ("PUT", [("Host", "h:1"), ("Origin", "http://evil.example")], False, True),
        ("DELETE", [("Host", "h:1"), ("Origin", "null")], False, True),
        ("GET", [("Host", "h:1"), ("Origin", "http://evil.example")], False, False),
        ("POST", [("Host", "h:1")], False, False),
    ],
)
def test_requests_for_another_site_are_refused(method, headers, loopback, refused) -> None:
    response = refusal(Request(method, "/", headers), loopback)
    assert (response is not None) is refused
    if response is not None:
        assert response.status == 403


def test_stopping_points_render_as_the_page_names_them(service) -> None:
    service.update_organization(
        ADMIN, "acme", OrganizationPatch(stopping_point=StoppingPoint.SUGGESTION)
    )
    page = SettingsPage(SettingsApi(service, lambda _r, o: Actor("u", o, ALL_SCOPES)))
    html = page.handle(Request("GET", PAGE)).body.decode()
    assert '<span class="value">Suggestion</span>' in html
