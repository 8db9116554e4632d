"""One scenario for every host of the HTTP API: the same requests, the same answers.

A host is reached through a `Transport`: the framework's test client, or a real server on
127.0.0.1 spoken to over one keep-alive connection. `run_scenario` walks the seed's routes,
If-Match conflicts (412), validation errors (400), permissions (403), a missing user (401),
another organization (404), a 405 with the handler's Allow, an oversized body (413, JSON) and
the next request after it on the same connection. Every answer carries only the handler's
headers and the transport's own.

The users are tokens: `Authorization: Bearer admin` (acme, every scope), `Bearer reader`
(acme, read scopes); any other token or none is no user (401). Their organization comes from
their membership, never from the URL: the library itself answers 404 for another's routes.

The app factories at the end (`flask_app`, `fastapi_app`, `wsgi_app`, `asgi_app`,
`django_app`) serve the SQLite file named by `AI_SETTINGS_SCENARIO_DB` with a 4096-byte body
limit; the servers (gunicorn, uvicorn) import them. The Django host is the test project
(tests/django_project) with `DJANGO_SCENARIO_SETTINGS`: the API mounted without CSRF (token
clients) at the prefix, `django_actor` as its actor, the same limit.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ai_settings_core import ALL_SCOPES, Actor, SettingsService
from ai_settings_core.adapters.sqlite import SqliteStore

PREFIX = "/api/0"
LIMIT = 4096
DB_VARIABLE = "AI_SETTINGS_SCENARIO_DB"
READ_SCOPES = frozenset({"org:read", "project:read"})
MEMBERS = {"admin": ("acme", ALL_SCOPES), "reader": ("acme", READ_SCOPES)}

# What a host may add: the transport's own headers. Anything else must be the handler's.
TRANSPORT_HEADERS = {
    "content-length",
    "transfer-encoding",
    "date",
    "server",
    "connection",
    "keep-alive",
}
HANDLER_HEADERS = {
    "content-type",
    "etag",
    "location",
    "allow",
    "www-authenticate",
    "ai-settings-error-code",
    "ai-settings-error-codes",
}


def actor_for(authorization: str | None, organization_id: str) -> Actor | None:
    """The scenario's users: the organization is the user's membership, not the URL's."""
    del organization_id  # a member of one organization only: the library checks the URL's
    user = (authorization or "").removeprefix("Bearer ")
    if user not in MEMBERS:
        return None
    organization, scopes = MEMBERS[user]
    return Actor(f"user:{user}", organization, scopes)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def json(self):
        return json.loads(self.body)


# A transport sends (method, path under the prefix, headers, body) and gives the answer.
Transport = Callable[[str, str, Mapping[str, str], bytes], Answer]


def _lower(pairs) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in pairs}


def wsgi_test_client(app) -> Transport:
    """Werkzeug's test client around a WSGI app, or Flask's (`app.test_client()`, one too)."""
    from werkzeug.test import Client

    client = app if isinstance(app, Client) else Client(app)

    def send(method, path, headers, body):
        answer = client.open(PREFIX + path, method=method, headers=dict(headers), data=body)
        return Answer(answer.status_code, _lower(answer.headers.items()), answer.get_data())

    return send


def django_test_client() -> Transport:
    """Django's test client (``django.test.Client``) of the configured project."""
    from django.test import Client

    client = Client(raise_request_exception=True)

    def send(method, path, headers, body):
        sent = dict(headers)
        content_type = sent.pop("Content-Type", "application/octet-stream")
        answer = client.generic(
            method, PREFIX + path, body, content_type=content_type, headers=sent
        )
        return Answer(answer.status_code, _lower(answer.headers.items()), answer.content)

    return send


@contextlib.contextmanager
def asgi_test_client(app) -> Iterator[Transport]:
    """Starlette's test client (FastAPI's) around an ASGI app, its lifespan run."""
    from starlette.testclient import TestClient

    with TestClient(app) as client:

        def send(method, path, headers, body):
            answer = client.request(method, PREFIX + path, headers=dict(headers), content=body)
            return Answer(answer.status_code, _lower(answer.headers.items()), answer.content)

        yield send


@contextlib.contextmanager
def connection(port: int) -> Iterator[Transport]:
    """One HTTP/1.1 keep-alive connection to 127.0.0.1:port (reopened only if the server
    closed it, as it may after a refused body, saying so)."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def send(method, path, headers, body):
        client.request(method, PREFIX + path, body=body, headers=dict(headers))
        answer = client.getresponse()
        payload = answer.read()
        return Answer(answer.status, _lower(answer.getheaders()), payload)

    try:
        yield send
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve(
    command: list[str], port: int, database: Path, *, root: Path | None = None
) -> Iterator[int]:
    """Run a server command (it binds 127.0.0.1:port) until the block ends, then stop it.

    It runs in ``root`` (the repository by default), which is also its Python path.
    """
    root = root or Path(__file__).resolve().parents[2]
    environment = {**os.environ, DB_VARIABLE: str(database), "PYTHONPATH": str(root)}
    process = subprocess.Popen(
        command,
        cwd=root,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _wait_for(port: int, process: subprocess.Popen) -> None:
    """Wait until the server accepts connections (a start-up wait, not a timed assertion)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            message = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"the server exited with {process.returncode}:\n{message}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the server did not listen on port {port}")


def gunicorn(app: str, port: int) -> list[str]:
    """gunicorn with threads, which keeps connections alive (the sync worker does not)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--worker-class",
        "gthread",
        "--threads",
        "2",
        "--keep-alive",
        "30",
        app,
    ]


def uvicorn(app: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        app,
    ]


# The scenario ---------------------------------------------------------------------------------


class Scenario:
    """The requests of the scenario, each answer checked for the headers a host may add."""

    def __init__(self, send: Transport) -> None:
        self.send = send

    def __call__(self, method, path, body=None, *, user="admin", headers=None, raw=None):
        sent = dict(headers or {})
        if user is not None:
            sent["Authorization"] = f"Bearer {user}"
        data = raw if raw is not None else b""
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        answer = self.send(method, path, sent, data)
        leaked = set(answer.headers) - TRANSPORT_HEADERS - HANDLER_HEADERS
        assert not leaked, (method, path, leaked)
        if answer.body:
            assert answer.headers["content-type"] == "application/json", answer.headers
        if answer.status >= 400:
            assert answer.json().keys(), answer.body  # a DRF-shaped JSON body, never a page
            assert "ai-settings-error-code" in answer.headers
        return answer


ORG = "/organizations/acme/ai-settings/"
PROJECT = "/projects/acme/web/ai-settings/"
REPOSITORY = PROJECT + "repositories/github:acme/api/"


def run_scenario(send: Transport, *, oversized: int = LIMIT + 1) -> None:
    """The whole scenario against a fresh store; ``oversized`` is the size of the refused
    body (a real server is sent one far larger than its socket buffers)."""
    call = Scenario(send)
    _organization(call)
    _projects(call)
    _refusals(call)
    _oversized(call, oversized)


def _organization(call: Scenario) -> None:
    answer = call("GET", ORG)
    assert (answer.status, answer.headers["etag"]) == (200, '"0"')
    assert answer.json()["stopping_point"] == "pull_request"

    head = call("HEAD", ORG)
    assert (head.status, head.headers["etag"], head.body) == (200, '"0"', b"")

    answer = call("PUT", ORG, {"fix_enabled": True}, headers={"If-Match": '"0"'})
    assert (answer.status, answer.headers["etag"], answer.json()["fix_enabled"]) == (
        200,
        '"1"',
        True,
    )

    stale = call("PUT", ORG, {"scan_enabled": False}, headers={"If-Match": '"0"'})
    assert stale.status == 412
    assert stale.headers["ai-settings-error-code"] == "precondition_failed"

    invalid = call("PUT", ORG, {"stopping_point": "invalid"}, headers={"If-Match": '"1"'})
    assert invalid.status == 400
    assert invalid.json() == {"stopping_point": ['"invalid" is not a valid choice.']}
    assert json.loads(invalid.headers["ai-settings-error-codes"]) == {
        "stopping_point": ["invalid_choice"]
    }

    preview = call("POST", ORG + "preview/", {"stopping_point": "merge"})
    assert preview.status == 200
    assert "projects" in preview.json()

    audit = call("GET", ORG + "audit/")
    assert audit.status == 200
    assert [entry["event"] for entry in audit.json()["results"]] == ["org_ai_settings.edit"]


def _projects(call: Scenario) -> None:
    answer = call("PUT", PROJECT, {"stopping_point_override": "suggestion"})
    assert (answer.status, answer.headers["etag"]) == (200, '"1"')
    assert call("GET", PROJECT).json()["stopping_point_override"] == "suggestion"

    added = call(
        "POST",
        PROJECT + "repositories/",
        {"repository": "github:acme/api", "ai_enabled": True},
        headers={"If-Match": '"1"'},
    )
    assert (added.status, added.headers["etag"]) == (201, '"2"')
    assert added.headers["location"] == PREFIX + REPOSITORY

    repository = call("GET", REPOSITORY)
    assert (repository.status, repository.json()["repository"]) == (200, "github:acme/api")
    patched = call("PATCH", REPOSITORY, {"ai_enabled": False}, headers={"If-Match": '"2"'})
    assert patched.status == 200
    assert call("PUT", REPOSITORY, {"ai_enabled": True}).status == 200

    explained = call("GET", PROJECT + "explain/?repository=github:acme/api&branch=main")
    assert explained.status == 200
    assert explained.json()["decision"]["stopping_point"] == "suggestion"

    listed = call("GET", "/organizations/acme/ai-projects/?limit=10")
    assert [item["project_id"] for item in listed.json()["results"]] == ["web"]

    bulk = call(
        "POST", "/organizations/acme/ai-projects/bulk/", {"projects": ["web"], "reset": True}
    )
    assert (bulk.status, bulk.json()["changed"]) == (200, ["web"])

    assert call("DELETE", REPOSITORY).status == 200
    assert call("GET", REPOSITORY).status == 404
    assert call("POST", PROJECT + "reset/").status == 200
    assert call("GET", PROJECT + "audit/?limit=2").status == 200

    document = call("GET", "/openapi.json", user=None)
    assert document.status == 200
    assert PREFIX + "/organizations/{org}/ai-settings/" in document.json()["paths"]


def _refusals(call: Scenario) -> None:
    anonymous = call("GET", ORG, user=None)
    assert anonymous.status == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert call("GET", ORG, user="stranger").status == 401

    forbidden = call("PUT", ORG, {"fix_enabled": False}, user="reader")
    assert (forbidden.status, forbidden.headers["ai-settings-error-code"]) == (
        403,
        "permission_denied",
    )

    other = call("GET", "/organizations/globex/ai-settings/")
    assert (other.status, other.headers["ai-settings-error-code"]) == (404, "not_found")
    assert call("GET", "/projects/globex/web/ai-settings/").status == 404

    not_allowed = call("DELETE", ORG)
    assert (not_allowed.status, not_allowed.headers["allow"]) == (405, "GET, HEAD, PUT")

    unsupported = call("PUT", ORG, raw=b"fix_enabled=1", headers={"Content-Type": "text/plain"})
    assert unsupported.status == 415

    unparsable = call("PUT", ORG, raw=b"{", headers={"Content-Type": "application/json"})
    assert (unparsable.status, list(unparsable.json())) == (400, ["detail"])


def _oversized(call: Scenario, size: int) -> None:
    body = b'{"fix_enabled": true, "padding": "' + b"x" * size + b'"}'
    refused = call("PUT", ORG, raw=body, headers={"Content-Type": "application/json"})
    assert refused.status == 413
    assert refused.json() == {"detail": f"The request body is larger than {LIMIT} bytes."}
    assert refused.headers["ai-settings-error-code"] == "payload_too_large"
    # The next request on the same connection works (the host drained the body, or closed
    # the connection saying so and the client opened another).
    after = call("GET", ORG)
    assert (after.status, after.json()["fix_enabled"]) == (200, True)


# The apps the servers import ------------------------------------------------------------------


def _service() -> SettingsService:
    return SettingsService(SqliteStore(os.environ[DB_VARIABLE]))


def flask_app():
    import flask

    from ai_settings_core.contrib.flask import settings_blueprint

    def settings_actor(request, organization_id):
        return actor_for(request.headers.get("Authorization"), organization_id)

    app = flask.Flask(__name__)
    app.register_blueprint(
        settings_blueprint(_service(), settings_actor, url_prefix=PREFIX, max_body_bytes=LIMIT)
    )
    return app


def fastapi_app():
    import fastapi

    from ai_settings_core.contrib.fastapi import settings_router

    def settings_actor(request, organization_id):
        return actor_for(request.headers.get("Authorization"), organization_id)

    app = fastapi.FastAPI()
    app.include_router(
        settings_router(_service(), settings_actor, prefix=PREFIX, max_body_bytes=LIMIT)
    )
    return app


def _api():
    from ai_settings_core.http import SettingsApi

    def authenticate(request, organization_id):
        return actor_for(request.header("Authorization"), organization_id)

    return SettingsApi(_service(), authenticate, prefix=PREFIX, max_body_bytes=LIMIT)


def wsgi_app():
    from ai_settings_core.http import WsgiApp

    return WsgiApp(_api())


def asgi_app():
    from ai_settings_core.http import AsgiApp

    return AsgiApp(_api())


DJANGO_SCENARIO_SETTINGS = "tests.django_project.scenario_settings"


def django_actor(request, organization_id):
    """The Django host's ``AI_SETTINGS["ACTOR"]``: the scenario's users by their token."""
    return actor_for(request.headers.get("Authorization"), organization_id)


def django_app():
    """The test project's WSGI application with the scenario's settings (a server's only:
    Django is configured once per process)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = DJANGO_SCENARIO_SETTINGS
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()
