"""The scenario against a real server: ``manage.py runserver`` on 127.0.0.1, SQLite and PostgreSQL.

Each server gets a database of its own, migrated and seeded by the project's own commands,
and the whole scenario runs over one keep-alive connection (so a refused oversized body must
leave the connection usable for the next request).
"""

from __future__ import annotations

import http.client
import http.cookies
import os
import socket
import subprocess
import sys
import threading
import urllib.parse
import uuid
from pathlib import Path

import pytest

from tests.django_project import scenario
from tests.django_project.conftest import HAS_POSTGRES

ROOT = Path(__file__).resolve().parents[3]


class ServerClient:
    """:class:`scenario.Client` over one ``http.client`` connection, with a cookie jar."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def login(self, username, password):
        body = urllib.parse.urlencode({"username": username, "password": password}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", "/login/", body, headers)

    def logout(self):
        self.cookies.clear()

    def request(self, method, path, body=b"", headers=None):
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        quoted = urllib.parse.quote(path, safe="/:?&=%*")
        self.connection.request(method, quoted, body=body or None, headers=sent)
        response = self.connection.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        headers = {name.lower(): value for name, value in response.headers.items()}
        return scenario.Answer(response.status, headers, data)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "django", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def _wait_for(port: int, process: subprocess.Popen) -> None:
    pause = threading.Event()
    while True:
        assert process.poll() is None, "the server exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            pause.wait(0.1)


def _postgres_database(env: dict[str, str]):
    import psycopg

    from tests.django_project.settings import POSTGRES

    name = f"django_server_{uuid.uuid4().hex[:12]}"
    admin = {
        "host": POSTGRES["HOST"],
        "port": POSTGRES["PORT"],
        "user": POSTGRES["USER"],
        "password": POSTGRES["PASSWORD"],
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env["DJANGO_PROJECT_DATABASE"] = "postgres"
    env["DJANGO_PROJECT_POSTGRES_NAME"] = name

    def drop() -> None:
        with psycopg.connect(**admin) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return drop


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(not HAS_POSTGRES, reason="no PostgreSQL server answers"),
        ),
    ]
)
def server(request, tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.django_project.settings",
        "DJANGO_PROJECT_SQLITE": str(tmp_path / "db.sqlite3"),
    }
    drop = _postgres_database(env) if request.param == "postgres" else None
    try:
        _manage(env, "migrate", "--noinput")
        _manage(env, "seed_people")
        port = _free_port()
        with (tmp_path / "server.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_for(port, process)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)
    finally:
        if drop is not None:
            drop()


def test_the_scenario_against_a_real_server(server):
    client = ServerClient(server)
    try:
        scenario.run(client)
    finally:
        client.connection.close()
