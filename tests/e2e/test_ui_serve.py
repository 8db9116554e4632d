"""``ai-settings serve`` as a real subprocess: who it serves, what it refuses, what it ships."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from ai_settings_core import ALL_SCOPES, Actor
from tests.e2e.ui_support import command, require_browser, serve
from tests.postgres import drop_schema, schema_name, server_url

PAGE = "/organizations/acme/settings/ai/"


def fetch(
    url: str, method: str = "GET", body: object = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    """One request without redirects: status, headers, body (an error status included)."""
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data, headers, method=method)  # noqa: S310 - our server
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


def test_off_loopback_it_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    result = subprocess.run(
        command(tmp_path / "s.db", "serve", "--host", "0.0.0.0", "--port", "0"),  # noqa: S104
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)},
        check=False,
    )
    assert result.returncode == 2
    assert "not a loopback address, needs a token" in result.stderr
    assert "AI_SETTINGS_TOKEN" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "s.db").exists()  # a server that never started created nothing


def test_on_loopback_it_serves_the_page_and_the_api_as_the_local_administrator(
    tmp_path: Path,
) -> None:
    with serve(tmp_path / "s.db") as server:
        status, headers, body = fetch(server.url + PAGE)
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert b'data-test-id="save-settings"' in body
        status, headers, script = fetch(server.url + "/_ai-settings/static/page.js")
        assert (status, headers["Content-Type"]) == (200, "text/javascript; charset=utf-8")
        assert b"If-Match" in script
        status, _, body = fetch(
            server.url + "/organizations/acme/ai-settings/", "PUT", {"fix_enabled": True}
        )
        assert (status, json.loads(body)["fix_enabled"]) == (200, True)
        log = server.service().audit_log(Actor("test", "acme", ALL_SCOPES), "acme")
        assert [entry.actor for entry in log.items] == ["serve:local"]


def test_it_refuses_what_a_browser_sends_for_another_site(tmp_path: Path) -> None:
    with serve(tmp_path / "s.db") as server:
        target = server.url + "/organizations/acme/ai-settings/"
        status, _, body = fetch(target, "PUT", {"fix_enabled": True}, Origin="https://evil.example")
        assert (status, json.loads(body)["detail"]) == (403, "Cross-site requests are refused.")
        # A DNS name rebound to 127.0.0.1 reaches the server with its own Host.
        status, _, _ = fetch(target, Host="evil.example:80")
        assert status == 403
        host = urllib.parse.urlsplit(server.url).netloc
        status, _, _ = fetch(target, "PUT", {"fix_enabled": True}, Origin=f"http://{host}")
        assert status == 200


def test_it_serves_a_postgresql_store() -> None:
    url, schema = server_url(), schema_name()
    location = f"{url}{'&' if '?' in url else '?'}schema={schema}"
    try:
        # A schema that was never migrated cannot serve: the command says so and stops.
        result = subprocess.run(
            command(location, "serve", "--port", "0"),
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert result.returncode == 6
        assert "run `ai-settings --db URL migrate`" in result.stderr
        assert result.stdout == ""
        subprocess.run(command(location, "migrate"), check=True, capture_output=True, timeout=60)
        with serve(location) as server:
            target = server.url + "/organizations/acme/ai-settings/"
            status, _, body = fetch(target, "PUT", {"stopping_point": "merge"})
            assert (status, json.loads(body)["stopping_point"]) == (200, "merge")
            status, _, page = fetch(server.url + PAGE)
            assert status == 200
            assert b'<option value="merge" selected>' in page
    finally:
        drop_schema(url, schema)


@pytest.mark.parametrize("how", ["option", "environment"])
def test_with_a_token_every_request_carries_it(tmp_path: Path, how: str) -> None:
    args = ("--host", "0.0.0.0", "--token", "s3cret") if how == "option" else ("--host", "0.0.0.0")  # noqa: S104
    env = {"AI_SETTINGS_TOKEN": "s3cret"} if how == "environment" else {}
    with serve(tmp_path / "s.db", *args, env=env) as server:
        url = server.url.replace("0.0.0.0", "127.0.0.1")  # noqa: S104
        api = url + "/organizations/acme/ai-settings/"
        assert fetch(api)[0] == 401
        assert fetch(api, Authorization="Bearer wrong")[0] == 401
        assert fetch(api, Authorization="Bearer s3cret")[0] == 200
        status, _, body = fetch(url + PAGE)
        assert status == 401
        assert b'name="token"' in body  # the sign-in form
        form = urllib.parse.urlencode({"token": "wrong", "next": PAGE}).encode()
        login = url + "/_ai-settings/login"
        status, _, _ = _post_form(login, form)
        assert status == 401
        form = urllib.parse.urlencode({"token": "s3cret", "next": PAGE}).encode()
        status, headers, _ = _post_form(login, form)
        assert (status, headers["Location"]) == (303, PAGE)
        cookie = headers["Set-Cookie"].split(";")[0]
        assert "s3cret" not in cookie
        assert "HttpOnly" in headers["Set-Cookie"]
        assert "SameSite=Strict" in headers["Set-Cookie"]
        assert fetch(url + PAGE, Cookie=cookie)[0] == 200
        assert fetch(api, Cookie=cookie)[0] == 200


def _post_form(url: str, form: bytes) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(  # noqa: S310 - our server
        url, form, {"Content-Type": "application/x-www-form-urlencoded"}, method="POST"
    )
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_wheel_ships_the_page(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(root),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ai_settings_core-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("page.js", "page.css"):
        assert f"ai_settings_core/ui/_assets/{name}" in names
    assert "ai_settings_core/ui/_page.py" in names


@pytest.mark.parametrize(("ci", "outcome"), [("true", "Failed"), ("", "Skipped")])
def test_without_a_browser_the_browser_tests_skip_except_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str, outcome: str
) -> None:
    monkeypatch.setenv("AI_SETTINGS_TEST_CHROMIUM", str(tmp_path / "no-browser"))
    monkeypatch.setenv("CI", ci)
    with pytest.raises(BaseException) as stopped:
        require_browser()
    assert type(stopped.value).__name__ == outcome
    assert "no browser at" in str(stopped.value)
