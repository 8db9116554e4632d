"""AsgiApp: the host scenario in Starlette's test client and under uvicorn."""

from __future__ import annotations

import pytest

from tests.e2e import host_scenario

# Far larger than the socket buffers: the server must take it in, or close saying so.
BIG = 8 * 1024 * 1024


@pytest.fixture
def database(tmp_path, monkeypatch):
    path = tmp_path / "settings.db"
    monkeypatch.setenv(host_scenario.DB_VARIABLE, str(path))
    return path


def test_the_scenario_in_an_asgi_test_client(database):
    with host_scenario.asgi_test_client(host_scenario.asgi_app()) as send:
        host_scenario.run_scenario(send)


def test_the_scenario_under_uvicorn(database):
    port = host_scenario.free_port()
    command = host_scenario.uvicorn("tests.e2e.host_scenario:asgi_app", port)
    with host_scenario.serve(command, port, database), host_scenario.connection(port) as send:
        host_scenario.run_scenario(send, oversized=BIG)


# The body on ASGI, message by message (a server may send it in any number of parts).


def _run_app(app, scope, messages):
    import asyncio

    sent = []
    queue = list(messages)

    async def receive():
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent, queue


def _small_app(tmp_path, drain_bytes=1000):
    from ai_settings_core import ALL_SCOPES, Actor, SettingsService
    from ai_settings_core.adapters.sqlite import SqliteStore
    from ai_settings_core.http import AsgiApp, SettingsApi

    api = SettingsApi(
        SettingsService(SqliteStore(tmp_path / "s.db")),
        lambda request, org: Actor("u", org, ALL_SCOPES),
        max_body_bytes=100,
    )
    return AsgiApp(api, drain_bytes=drain_bytes)


def _scope(*headers):
    return {
        "type": "http",
        "method": "PUT",
        "path": "/organizations/acme/ai-settings/",
        "headers": [(b"content-type", b"application/json"), *headers],
        "query_string": b"",
    }


def _part(body, more):
    return {"type": "http.request", "body": body, "more_body": more}


def test_a_body_in_parts_is_joined(tmp_path):
    parts = [_part(b'{"fix_enabled":', True), _part(b" true}", False)]
    sent, _ = _run_app(_small_app(tmp_path), _scope(), parts)
    assert sent[0]["status"] == 200
    assert b'"fix_enabled":true' in sent[1]["body"]


def test_a_chunked_body_over_the_limit_is_drained_then_refused(tmp_path):
    parts = [_part(b" " * 90, True), _part(b" " * 90, True), _part(b"{}", False)]
    sent, left = _run_app(_small_app(tmp_path), _scope(), parts)
    assert (sent[0]["status"], left) == (413, [])  # every part received
    assert (b"connection", b"close") not in sent[0]["headers"]
    assert sent[1]["body"] == b'{"detail":"The request body is larger than 100 bytes."}'


def test_a_body_over_drain_bytes_is_refused_at_once_and_the_connection_closed(tmp_path):
    parts = [_part(b" " * 600, True), _part(b" " * 600, True), _part(b"{}", False)]
    sent, left = _run_app(_small_app(tmp_path), _scope(), parts)
    assert (sent[0]["status"], len(left)) == (413, 1)
    assert (b"connection", b"close") in sent[0]["headers"]
    declared = _scope((b"content-length", b"9" * 5000))
    sent, left = _run_app(_small_app(tmp_path), declared, parts)
    assert (sent[0]["status"], len(left)) == (413, 3)  # nothing received


def test_a_content_length_that_is_not_a_number_is_a_400(tmp_path):
    sent, _ = _run_app(_small_app(tmp_path), _scope((b"content-length", b"1e3")), [])
    assert sent[0]["status"] == 400
    assert (b"ai-settings-error-code", b"parse_error") in sent[0]["headers"]


def test_a_client_gone_before_its_body_gets_no_answer(tmp_path):
    sent, _ = _run_app(_small_app(tmp_path), _scope(), [_part(b"{", True)])
    assert sent == []


def test_lifespan_is_answered_and_a_websocket_refused(tmp_path):
    lifespan = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent, _ = _run_app(_small_app(tmp_path), {"type": "lifespan"}, lifespan)
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    sent, _ = _run_app(_small_app(tmp_path), {"type": "websocket", "path": "/"}, [])
    assert sent == [{"type": "websocket.close", "code": 1003}]


def test_a_server_that_gives_the_path_without_its_root_is_understood(tmp_path):
    from ai_settings_core.http._asgi import request_from_scope

    mounted = {"path": "/organizations/acme/ai-settings/", "root_path": "/api/0"}
    assert request_from_scope(mounted).path == "/api/0/organizations/acme/ai-settings/"
    full = {"path": "/api/0/organizations/acme/ai-settings/", "root_path": "/api/0"}
    assert request_from_scope(full).path == "/api/0/organizations/acme/ai-settings/"
