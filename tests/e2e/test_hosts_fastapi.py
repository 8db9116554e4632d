"""The FastAPI router: the host scenario in FastAPI's test client and under uvicorn."""

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


def test_the_scenario_in_fastapis_test_client(database):
    with host_scenario.asgi_test_client(host_scenario.fastapi_app()) as send:
        host_scenario.run_scenario(send)


def test_the_scenario_under_uvicorn(database):
    port = host_scenario.free_port()
    command = host_scenario.uvicorn("tests.e2e.host_scenario:fastapi_app", port)
    with host_scenario.serve(command, port, database), host_scenario.connection(port) as send:
        host_scenario.run_scenario(send, oversized=BIG)


def test_the_route_stays_out_of_fastapis_schema(database):
    from fastapi.testclient import TestClient

    with TestClient(host_scenario.fastapi_app()) as client:
        assert client.get("/openapi.json").json()["paths"] == {}
