"""The edges on PostgreSQL: the command line runs the same script with the same output as on
SQLite, ``ai-settings migrate`` sets a database up, and the HTTP kit answers on PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ai_settings_core import ALL_SCOPES, Actor
from ai_settings_core.adapters.postgres import CURRENT_VERSION, PostgresStore
from ai_settings_core.cli import main
from ai_settings_core.http import Request, SettingsApi
from ai_settings_core.service import SettingsService
from tests.postgres import drop_schema, schema_name, server_url

# Every kind of command, reads and writes, text and JSON, failures included.
SCRIPT: list[list[str]] = [
    ["demo"],
    ["resolve", "demo"],
    ["org", "show", "demo", "--json"],
    ["org", "set", "demo", "--fix", "off", "--max-stopping-point", "merge"],
    ["org", "set", "demo", "--scan", "off", "--if-version", "1"],
    ["project", "set", "demo", "billing", "--scan", "on", "--environments", "prod,staging"],
    ["project", "show", "demo", "billing", "--json"],
    ["repo", "add", "demo", "search", "github:demo/search", "--branch", "main"],
    ["repo", "set", "demo", "search", "github:demo/search", "--ai", "off"],
    ["repo", "remove", "demo", "search", "github:demo/search"],
    ["explain", "demo", "payments", "--repo", "github:demo/payments", "--branch", "main"],
    ["bulk", "demo", "--projects", "billing,checkout,new-one", "--fix", "on"],
    ["preview", "demo", "--stopping-point", "suggestion"],
    ["project", "reset", "demo", "legacy"],
    ["project", "show", "demo", "nobody"],
    ["resolve", "demo", "--json"],
    ["audit", "demo", "--limit", "100"],
    ["audit", "demo", "--project", "billing", "--json"],
    ["revert", "demo", "16"],
    ["revert", "demo", "16", "--force", "--json"],
    ["export", "demo"],
]

_TIMES = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_CHANGES = re.compile(r'"change_id": "[0-9a-f]+"')  # random: one per write


def _run_script(location: str, capsys: pytest.CaptureFixture[str]) -> list[tuple[int, str, str]]:
    outputs = []
    for command in SCRIPT:
        status = main(["--db", location, *command])
        captured = capsys.readouterr()
        out = _CHANGES.sub('"change_id": "<change>"', _TIMES.sub("<time>", captured.out))
        outputs.append((status, out, captured.err))
    return outputs


def _url(schema: str) -> str:
    url = server_url()
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


def test_the_same_script_gives_the_same_output_on_sqlite_and_postgresql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    schema = schema_name()
    location = _url(schema)
    try:
        assert main(["--db", location, "migrate"]) == 0
        label = f"PostgreSQL schema {schema!r} at "
        assert capsys.readouterr().out.startswith(label)
        assert main(["--db", location, "migrate"]) == 0  # again: nothing to do
        assert capsys.readouterr().out.endswith(f": schema version {CURRENT_VERSION}.\n")
        on_postgres = _run_script(location, capsys)
    finally:
        drop_schema(server_url(), schema)
    on_sqlite = _run_script(str(tmp_path / "settings.db"), capsys)
    assert on_postgres == on_sqlite
    statuses = [status for status, _, _ in on_sqlite]
    # Most commands succeed; a stale --if-version conflicts (3), a locked override is refused (1).
    assert statuses.count(0) >= len(SCRIPT) - 3
    assert {3, 1} <= set(statuses)


def test_a_read_before_migrate_exits_6_and_says_what_to_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = schema_name()
    monkeypatch.setenv("AI_SETTINGS_DB", _url(schema))
    assert main(["org", "show", "acme"]) == 6
    captured = capsys.readouterr()
    assert captured.err.startswith(f"ai-settings: storage fault: PostgreSQL schema {schema!r}")
    assert "run `ai-settings --db URL migrate`" in captured.err
    store = PostgresStore(_url(schema))
    try:
        assert store.schema_version() == 0  # the read created nothing
    finally:
        store.close()


def test_the_http_kit_answers_on_postgresql() -> None:
    url, schema = server_url(), schema_name()
    store = PostgresStore(url, schema=schema)
    try:
        store.migrate()
        api = SettingsApi(SettingsService(store), lambda _r, org: Actor("user:1", org, ALL_SCOPES))
        target = "/organizations/acme/ai-settings/"
        body = json.dumps({"fix_enabled": True, "stopping_point": "merge"}).encode()
        put = api.handle(
            Request.from_target("PUT", target, [("Content-Type", "application/json")], body)
        )
        assert put.status == 200
        assert put.header("ETag") == '"1"'
        got = api.handle(Request.from_target("GET", target))
        assert got.status == 200
        assert (got.json()["fix_enabled"], got.json()["stopping_point"]) == (True, "merge")
    finally:
        store.close()
        drop_schema(url, schema)
