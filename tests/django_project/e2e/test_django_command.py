"""``manage.py ai_settings``: the command line's commands on the Django database."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ai_settings_core.contrib.django.signals import settings_event

ROOT = Path(__file__).resolve().parents[3]


def _run(alias: str, *argv: str) -> str:
    out = io.StringIO()
    call_command("ai_settings", "--database", alias, *argv, stdout=out)
    return out.getvalue()


def test_every_command_runs_on_the_django_database(alias, tmp_path):
    events = []

    def record(sender, name, properties, **kwargs):
        events.append(name)

    settings_event.connect(record)
    try:
        _run(alias, "org", "set", "acme", "--fix", "on")
        _run(alias, "project", "set", "acme", "web", "--stopping-point", "merge")
        _run(alias, "project", "set", "acme", "api", "--scan", "off")
    finally:
        settings_event.disconnect(record)
    assert events == [
        "ai_settings_org_changed",
        "ai_settings_project_override",
        "ai_settings_project_override",
    ]
    resolved = json.loads(_run(alias, "resolve", "acme", "--json"))
    assert resolved["organization"]["fix_enabled"] is True
    explained = json.loads(_run(alias, "explain", "acme", "web", "--json"))
    assert explained["project"]["effective"]["stopping_point"] == "merge"
    bulk = _run(alias, "bulk", "acme", "--projects", "web,api", "--fix", "off")
    assert bulk == "Changed 2 of 2 projects: web, api\n"
    preview = json.loads(_run(alias, "preview", "acme", "--scan", "off", "--json"))
    assert preview["projects"]
    audit = json.loads(_run(alias, "audit", "acme", "--json"))
    assert audit["results"][0]["event"] == "project_ai_settings.bulk_edit"
    exported = json.loads(_run(alias, "export", "acme"))
    assert [p["project_id"] for p in exported["projects"]] == ["api", "web"]
    document = tmp_path / "initech.json"
    document.write_text(json.dumps(exported).replace('"acme"', '"initech"'))
    _run(alias, "import", str(document))
    imported = json.loads(_run(alias, "export", "initech"))
    assert json.dumps(imported).replace('"initech"', '"acme"') == json.dumps(exported)


def test_a_failing_command_exits_with_the_command_lines_status(alias, capsys):
    with pytest.raises(CommandError) as missing:
        _run(alias, "project", "show", "acme", "nope")
    assert missing.value.returncode == 4
    with pytest.raises(CommandError) as invalid:
        _run(alias, "org", "set", "acme", "--stopping-point", "sometimes")
    assert invalid.value.returncode == 2
    with pytest.raises(CommandError) as unknown:
        _run(alias, "api")
    assert unknown.value.returncode == 2


def test_manage_py_runs_it_as_a_program(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.django_project.settings",
        "DJANGO_PROJECT_SQLITE": str(tmp_path / "db.sqlite3"),
    }
    manage = [sys.executable, "-m", "tests.django_project.manage"]
    subprocess.run(
        [*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    done = subprocess.run(
        [*manage, "ai_settings", "project", "set", "acme", "web", "--fix", "on"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shown = subprocess.run(
        [*manage, "ai_settings", "project", "show", "acme", "web", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(shown.stdout)["fix_enabled_override"] is True
    missing = subprocess.run(
        [*manage, "ai_settings", "project", "show", "acme", "nope"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 4
    assert "not found" in missing.stderr
