"""The WSGI app served by a real wsgiref server on 127.0.0.1, spoken to with http.client."""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from ai_settings_core import ALL_SCOPES, Actor, SettingsService
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.http import SettingsApi, WsgiApp


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def _authenticate(request, org):
    user = request.header("Authorization")
    if user is None:
        return None
    admin = user.removeprefix("Bearer ") == "admin"
    scopes = ALL_SCOPES if admin else frozenset({"org:read", "project:read"})
    return Actor(f"user:{user}", org, scopes)


@pytest.fixture
def server(tmp_path):
    api = SettingsApi(
        SettingsService(SqliteStore(tmp_path / "settings.db")),
        _authenticate,
        prefix="/api/0",
        max_body_bytes=4096,
    )
    httpd = make_server("127.0.0.1", 0, WsgiApp(api), handler_class=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def request(port, method, path, body=None, headers=None, raw=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        sent = {"Authorization": "Bearer admin", **(headers or {})}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        connection.request(method, "/api/0" + path, body=data, headers=sent)
        response = connection.getresponse()
        payload = response.read()
        document = json.loads(payload) if payload else None
        return response.status, response.headers, document
    finally:
        connection.close()


ORG = "/organizations/acme/ai-settings/"
PROJECT = "/projects/acme/web/ai-settings/"


def test_a_full_round_over_http(server):
    status, headers, body = request(server, "GET", ORG)
    assert (status, headers["ETag"], body["stopping_point"]) == (200, '"0"', "pull_request")

    status, headers, body = request(
        server, "PUT", ORG, {"fix_enabled": True, "stopping_point": "merge"}, {"If-Match": '"0"'}
    )
    assert (status, headers["ETag"], body["fix_enabled"]) == (200, '"1"', True)

    status, headers, body = request(
        server, "PUT", ORG, {"scan_enabled": False}, {"If-Match": '"0"'}
    )
    assert status == 412
    assert headers["AI-Settings-Error-Code"] == "precondition_failed"
    assert request(server, "GET", ORG)[2]["scan_enabled"] is True

    status, headers, body = request(
        server, "PUT", PROJECT, {"stopping_point_override": "suggestion"}
    )
    assert (status, body["effective"]["stopping_point"]) == (200, "suggestion")
    etag = headers["ETag"]

    status, headers, body = request(
        server,
        "POST",
        PROJECT + "repositories/",
        {"repository": "github:acme/web", "branch_patterns": ["main", "release/*"]},
        {"If-Match": etag},
    )
    assert status == 201
    assert headers["Location"] == "/api/0" + PROJECT + "repositories/github:acme/web/"
    status, _, body = request(server, "GET", PROJECT + "repositories/github:acme%2Fweb/")
    assert (status, body["branch_patterns"]) == (200, ["main", "release/*"])

    status, _, body = request(
        server, "GET", PROJECT + "explain/?repository=github:acme/web&branch=release/1.0"
    )
    assert status == 200
    assert body["decision"] == {
        "scan": True,
        "fix": True,
        "stopping_point": "suggestion",
        "reasons": [],
    }

    status, _, body = request(server, "GET", "/organizations/acme/ai-projects/")
    assert [(item["project_id"], item["overridden"]) for item in body["results"]] == [
        ("web", ["stopping_point"])
    ]
    status, _, body = request(server, "GET", "/organizations/acme/ai-settings/audit/?limit=10")
    assert [entry["event"] for entry in body["results"]] == [
        "project_ai_settings.repository_added",
        "project_ai_settings.edit",
        "org_ai_settings.edit",
    ]

    status, _, body = request(server, "DELETE", PROJECT + "repositories/github:acme/web/")
    assert (status, body["repositories"]) == (200, [])


def test_errors_over_http(server):
    status, headers, body = request(server, "PUT", ORG, {"stopping_point": "invalid"})
    assert status == 400
    assert body == {"stopping_point": ['"invalid" is not a valid choice.']}
    assert json.loads(headers["AI-Settings-Error-Codes"]) == {"stopping_point": ["invalid_choice"]}

    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    connection.request("GET", "/api/0" + ORG)
    response = connection.getresponse()
    assert response.status == 401
    assert response.headers["WWW-Authenticate"]
    response.read()
    connection.close()

    reader = {"Authorization": "Bearer reader"}
    assert request(server, "PUT", ORG, {"fix_enabled": True}, reader)[0] == 403
    assert request(server, "GET", "/organizations/acme/", headers=reader)[0] == 404
    status, headers, _ = request(server, "PATCH", ORG)
    assert (status, headers["Allow"]) == (405, "GET, HEAD, PUT")
    assert (
        request(server, "PUT", ORG, raw=b"x" * 5000, headers={"Content-Type": "application/json"})[
            0
        ]
        == 413
    )
    assert (
        request(server, "PUT", ORG, raw=b"fix=on", headers={"Content-Type": "text/plain"})[0] == 415
    )
    status, _, body = request(
        server, "PUT", ORG, raw=b"{", headers={"Content-Type": "application/json"}
    )
    assert status == 400
    assert body["detail"].startswith("JSON parse error")

    status, headers, body = request(server, "HEAD", ORG)
    assert (status, body, headers["ETag"]) == (200, None, '"0"')


def test_the_openapi_document_is_served(server):
    status, headers, body = request(server, "GET", "/openapi.json", headers={"Authorization": ""})
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert body["openapi"] == "3.1.0"


def test_a_mounted_app_sees_the_whole_path(tmp_path):
    from wsgiref.util import setup_testing_defaults

    api = SettingsApi(
        SettingsService(SqliteStore(tmp_path / "settings.db")),
        lambda request, org: Actor("user:1", org, ALL_SCOPES),
        prefix="/api/0",
    )
    environ = {
        "SCRIPT_NAME": "/api/0",
        "PATH_INFO": "/organizations/caf\xc3\xa9/ai-settings/",  # UTF-8 read as latin-1
    }
    setup_testing_defaults(environ)
    statuses = []
    body = b"".join(WsgiApp(api)(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["200 OK"]
    assert json.loads(body)["organization_id"] == "café"


# Bodies without a Content-Length -----------------------------------------------------------


def _serve(httpd):
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return thread


def _api(tmp_path):
    return SettingsApi(
        SettingsService(SqliteStore(tmp_path / "settings.db")),
        lambda request, org: Actor("user:1", org, ALL_SCOPES),
        max_body_bytes=4096,
    )


def test_a_chunked_write_the_server_cannot_end_is_a_411(server):
    # wsgiref passes Transfer-Encoding through without wsgi.input_terminated: the body cannot
    # be read, so the write is refused instead of running with no body.
    body = b'{"fix_enabled": true}'
    raw = (
        f"PUT /api/0{ORG} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer admin\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server), timeout=10) as connection:
        connection.sendall(raw)  # one piece: the server's first read takes all of it
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split(b" ", 2)[1] == b"411"
    assert b"AI-Settings-Error-Code: length_required" in head
    assert json.loads(payload)["detail"].startswith("This server cannot read a body")
    assert request(server, "GET", ORG)[2]["fix_enabled"] is False


def test_a_chunked_write_is_read_when_the_server_ends_the_input(tmp_path):
    # werkzeug comes with the test extra (schemathesis needs it); its server dechunks and sets
    # wsgi.input_terminated, as production servers do.
    from werkzeug import serving

    httpd = serving.make_server("127.0.0.1", 0, WsgiApp(_api(tmp_path)))
    thread = _serve(httpd)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", httpd.server_port, timeout=10)
        pieces = [b'{"fix_enabled": ', b"true, ", b'"stopping_point": "merge"}']
        connection.request(
            "PUT",
            ORG,
            body=iter(pieces),
            headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["stopping_point"] == "merge"
        connection.request("GET", ORG)
        body = json.loads(connection.getresponse().read())
        assert (body["fix_enabled"], body["stopping_point"]) == (True, "merge")
        connection.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def _environ(stream, **extra):
    from wsgiref.util import setup_testing_defaults

    environ = {
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": ORG,
        "CONTENT_TYPE": "application/json",
        "wsgi.input": stream,
        **extra,
    }
    setup_testing_defaults(environ)
    return environ


def _call(app, environ):
    statuses = []
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], json.loads(body)


def test_a_terminated_input_over_the_limit_is_a_413_drained_up_to_drain_bytes(tmp_path):
    # The refused body is read and thrown away (the connection stays usable), up to
    # drain_bytes past the limit; beyond, the server closes the connection.
    app = WsgiApp(_api(tmp_path), drain_bytes=1000)
    stream = io.BytesIO(b" " * 10_000 + b"{}")
    status, body = _call(app, _environ(stream, **{"wsgi.input_terminated": True}))
    assert status == "413 Request Entity Too Large"
    assert body == {"detail": "The request body is larger than 4096 bytes."}
    assert stream.tell() == 4097 + 1000
    stream = io.BytesIO(b" " * 10_000 + b"{}")
    _call(WsgiApp(_api(tmp_path)), _environ(stream, **{"wsgi.input_terminated": True}))
    assert stream.tell() == 10_002
    stream = io.BytesIO(b'{"scan_enabled": false}')
    status, body = _call(app, _environ(stream, **{"wsgi.input_terminated": True}))
    assert (status, body["scan_enabled"]) == ("200 OK", False)


@pytest.mark.parametrize(
    ("length", "status", "read"),
    [
        ("9" * 5000, "413 Request Entity Too Large", 0),  # over drain_bytes: not read
        ("0" * 5000 + "4097", "413 Request Entity Too Large", 2),  # drained (2 bytes sent)
        ("1e3", "400 Bad Request", 0),
    ],
)
def test_a_content_length_of_any_length_is_answered(tmp_path, length, status, read):
    stream = io.BytesIO(b"{}")
    answer, _ = _call(WsgiApp(_api(tmp_path)), _environ(stream, CONTENT_LENGTH=length))
    assert answer == status
    assert stream.tell() == read


def test_a_get_without_a_length_does_not_read_the_input(tmp_path):
    # gunicorn sets wsgi.input_terminated: a body without a length would be read to its end,
    # but no GET route takes one, so a GET leaves the input to the server.
    stream = io.BytesIO(b'{"ignored": true}')
    environ = _environ(stream, **{"wsgi.input_terminated": True, "REQUEST_METHOD": "GET"})
    status, body = _call(WsgiApp(_api(tmp_path)), environ)
    assert (status, body["fix_enabled"]) == ("200 OK", False)
    assert stream.tell() == 0
    stream = io.BytesIO(b'{"scan_enabled": false}')
    environ = _environ(stream, **{"wsgi.input_terminated": True, "REQUEST_METHOD": "PUT"})
    status, body = _call(WsgiApp(_api(tmp_path)), environ)
    assert (status, body["scan_enabled"]) == ("200 OK", False)
    assert stream.tell() == len(b'{"scan_enabled": false}')
