"""WsgiApp: the host scenario in Werkzeug's test client and under gunicorn."""

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


def test_the_scenario_in_a_wsgi_test_client(database):
    host_scenario.run_scenario(host_scenario.wsgi_test_client(host_scenario.wsgi_app()))


def test_the_scenario_under_gunicorn(database):
    port = host_scenario.free_port()
    command = host_scenario.gunicorn("tests.e2e.host_scenario:wsgi_app()", port)
    with host_scenario.serve(command, port, database), host_scenario.connection(port) as send:
        host_scenario.run_scenario(send, oversized=BIG)
