"""The Flask blueprint: the host scenario in Flask's test client and under gunicorn."""

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


def test_the_scenario_in_flasks_test_client(database):
    app = host_scenario.flask_app()
    host_scenario.run_scenario(host_scenario.wsgi_test_client(app.test_client()))


def test_the_scenario_under_gunicorn(database):
    port = host_scenario.free_port()
    command = host_scenario.gunicorn("tests.e2e.host_scenario:flask_app()", port)
    with host_scenario.serve(command, port, database), host_scenario.connection(port) as send:
        host_scenario.run_scenario(send, oversized=BIG)


def test_flasks_own_body_limit_answers_the_handlers_json_413(database):
    app = host_scenario.flask_app()
    app.config["MAX_CONTENT_LENGTH"] = 100
    answer = app.test_client().put(
        "/api/0/organizations/acme/ai-settings/",
        data=b"{" + b" " * 200 + b"}",
        headers={"Authorization": "Bearer admin", "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json == {"detail": "The request body is larger than 100 bytes."}
    assert answer.headers["AI-Settings-Error-Code"] == "payload_too_large"


def test_registering_the_blueprint_under_another_prefix_is_refused(database):
    import flask
    import pytest

    from ai_settings_core import SettingsService
    from ai_settings_core.adapters.memory import MemoryStore
    from ai_settings_core.contrib.flask import settings_blueprint

    blueprint = settings_blueprint(
        SettingsService(MemoryStore().unit_of_work), lambda request, org: None
    )
    with pytest.raises(ValueError, match="url_prefix"):
        flask.Flask("x").register_blueprint(blueprint, url_prefix="/v2")
