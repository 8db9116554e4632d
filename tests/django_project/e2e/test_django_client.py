"""The scenario through Django's test client (CSRF enforced), on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.test import Client, modify_settings, override_settings

from tests.django_project import scenario
from tests.django_project.accounts.seed import seed


class DjangoTestClient:
    """:class:`scenario.Client` over ``django.test.Client(enforce_csrf_checks=True)``."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True)

    def login(self, username: str, password: str) -> scenario.Answer:
        response = self.client.post("/login/", {"username": username, "password": password})
        return _answer(response)

    def logout(self) -> None:
        self.client.logout()
        self.client.cookies.clear()

    def request(self, method, path, body=b"", headers=None):
        headers = dict(headers or {})
        content_type = headers.pop("Content-Type", "application/octet-stream")
        path, _, query = path.partition("?")
        response = self.client.generic(
            method,
            path,
            body,
            content_type=content_type,
            headers=headers,
            QUERY_STRING=query,
        )
        return _answer(response)


def _answer(response) -> scenario.Answer:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return scenario.Answer(response.status_code, headers, response.content)


@pytest.fixture
def people(alias):
    seed()
    with override_settings(AI_SETTINGS={**_settings(), "DATABASE": alias}):
        yield alias


def _settings():
    from django.conf import settings

    return settings.AI_SETTINGS


def test_the_scenario_through_the_test_client(people):
    scenario.run(DjangoTestClient())


def test_the_scenario_with_django_rest_framework_installed(people):
    pytest.importorskip("rest_framework")
    with modify_settings(INSTALLED_APPS={"append": "rest_framework"}):
        scenario.run(DjangoTestClient())


def test_under_asgi_the_body_is_read_within_the_limit_too(people):
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    client = AsyncClient()
    target = "/token-api/0" + scenario.ORG
    bearer = {"Authorization": "Bearer alice-token"}

    async def put(body: bytes):
        return await client.put(target, body, content_type="application/json", headers=bearer)

    too_large = async_to_sync(put)(b" " * (scenario.LIMIT + 1))
    assert (too_large.status_code, too_large.json()) == (
        413,
        {"detail": f"The request body is larger than {scenario.LIMIT} bytes."},
    )
    padded = async_to_sync(put)(b'{"fix_enabled": true' + b" " * 10_000 + b"}")
    assert (padded.status_code, padded.json()["fix_enabled"]) == (200, True)
