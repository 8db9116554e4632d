"""docs/frameworks.md's server setups, written to files as documented and served for real.

Each ```python block whose first line is `# myapp/<name>.py` is a file of the documented
project; a block that says how to serve it (`# myapp/wsgi.py: gunicorn myapp.wsgi:application`)
is served with that very command, from the project's directory, and asked as its users would:
the documented actor hook must give 200 to a member, 401 to no one, 403 to a reader who
writes, 404 for another organization's routes. (The `>>>` examples run under doctest.)
"""

from __future__ import annotations

import http.client
import json
import re
import sys
from pathlib import Path

import pytest

from tests.e2e import host_scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "frameworks.md"
_BLOCK = re.compile(r"```python\n# (myapp/[\w/]+\.py)(?:: ([^\n]+))?\n(.*?)```", re.DOTALL)


def _blocks():
    return [match.groups() for match in _BLOCK.finditer(DOC.read_text())]


SERVED = [
    (path, command)
    for path, command, _ in _blocks()
    if command and command.split()[0] in {"gunicorn", "uvicorn"}
]


@pytest.fixture
def project(tmp_path):
    package = tmp_path / "myapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for path, command, source in _blocks():
        first = f"# {path}: {command}\n" if command else f"# {path}\n"
        (tmp_path / path).write_text(first + source)
    return tmp_path


def test_the_document_has_every_server_setup():
    assert {path for path, _ in SERVED} == {
        "myapp/flask_app.py",
        "myapp/fastapi_app.py",
        "myapp/wsgi.py",
        "myapp/asgi.py",
    }


def _command(documented: str, port: int) -> list[str]:
    server, *arguments = documented.split()
    address = {
        "gunicorn": ["--bind", f"127.0.0.1:{port}", "--worker-class", "gthread"],
        "uvicorn": ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
    }[server]
    return [sys.executable, "-m", server, *address, *arguments]


def _get(port, path, token=None, method="GET", body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=data, headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"null")
    finally:
        connection.close()


@pytest.mark.parametrize(("path", "documented"), SERVED)
def test_a_documented_server_setup_serves_the_api(project, path, documented, monkeypatch):
    monkeypatch.setenv("AI_SETTINGS_DB", str(project / "settings.db"))
    port = host_scenario.free_port()
    command = _command(documented, port)
    with host_scenario.serve(command, port, project / "settings.db", root=project):
        acme = "/api/0/organizations/acme/ai-settings/"
        globex = "/api/0/organizations/globex/ai-settings/"
        status, body = _get(port, acme, "alice-token")
        assert (status, body["organization_id"]) == (200, "acme")
        assert _get(port, acme)[0] == 401
        assert _get(port, acme, "mallory-token")[0] == 401
        assert _get(port, acme, "bob-token", "PUT", {"fix_enabled": True})[0] == 403
        assert _get(port, acme, "alice-token", "PUT", {"fix_enabled": True})[0] == 200
        assert _get(port, globex, "alice-token")[0] == 404  # not a member
        assert _get(port, globex, "bob-token")[0] == 200  # a member of both
        if path == "myapp/fastapi_app.py":
            status, document = _get(port, "/openapi.json")
            assert (status, document["info"]["title"]) == (200, "My app")
            assert "/api/0/organizations/{org}/ai-settings/" in document["paths"]
            assert "AISettingsProjectRead" in document["components"]["schemas"]
