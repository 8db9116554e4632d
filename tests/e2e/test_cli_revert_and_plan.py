"""``ai-settings revert``, ``plan`` and ``apply`` (issue 15): exit statuses and JSON outputs."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from ai_settings_core.cli import main

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMAS = json.loads((DOCS / "cli-schemas.json").read_text(encoding="utf-8"))


def _validate(command: str, document: object) -> None:
    schema = {"$defs": SCHEMAS["$defs"], **SCHEMAS["commands"][command]}
    jsonschema.Draft202012Validator(schema).validate(document)


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--db", str(path), "demo"]) == 0
    return path


@pytest.fixture
def demo_db(built_demo, tmp_path):
    path = tmp_path / "demo.db"
    shutil.copyfile(built_demo, path)
    return path


def _newest(cli, db) -> int:
    result = cli(db, "audit", "demo", "--limit", "1", "--json")
    return int(json.loads(result.stdout)["results"][0]["id"])


def test_revert_restores_a_change_and_a_second_revert_is_a_conflict(cli, demo_db):
    assert cli(demo_db, "project", "set", "demo", "search", "--fix", "off").returncode == 0
    entry = _newest(cli, demo_db)
    result = cli(demo_db, "revert", "demo", str(entry), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    _validate("revert", document)
    assert document["reverted"] == [entry]
    assert document["changed"] == ["search"]
    assert document["projects"][0]["fix_enabled_override"] is None
    again = cli(demo_db, "revert", "demo", str(entry))
    assert again.returncode == 3
    assert f"changed since audit entry {entry}" in again.stderr
    forced = cli(demo_db, "revert", "demo", str(entry), "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout == f"Reverted #{entry}: restored nothing (already as before).\n"


def test_revert_of_an_unknown_entry_is_not_found_and_a_bad_id_a_usage_error(cli, demo_db):
    assert cli(demo_db, "revert", "demo", "999999").returncode == 4
    assert cli(demo_db, "revert", "demo", "zero").returncode == 2
    assert cli(demo_db, "revert", "demo", "0").returncode == 2


def test_the_audit_log_shows_entry_ids_and_what_a_revert_reverts(cli, demo_db):
    cli(demo_db, "project", "set", "demo", "search", "--fix", "off")
    entry = _newest(cli, demo_db)
    cli(demo_db, "revert", "demo", str(entry))
    lines = cli(demo_db, "audit", "demo", "--limit", "2").stdout.splitlines()
    assert lines[0].startswith(f"#{entry + 1}  ")
    assert lines[0].endswith(f"(reverts #{entry})")
    assert lines[1].startswith(f"#{entry}  ")


def test_plan_exits_0_without_drift_and_10_with_it_then_apply_plan_applies(cli, demo_db, tmp_path):
    exported = tmp_path / "demo.json"
    exported.write_text(cli(demo_db, "export", "demo").stdout, encoding="utf-8")
    clean = cli(demo_db, "plan", str(exported))
    assert (clean.returncode, clean.stdout) == (0, "No changes: demo is as the document says.\n")
    cli(demo_db, "project", "set", "demo", "search", "--fix", "off")  # drift from the file
    plan_file = tmp_path / "plan.json"
    drift = cli(demo_db, "plan", str(exported), "--json", "--out", str(plan_file))
    assert drift.returncode == 10
    document = json.loads(drift.stdout)
    _validate("plan", document)
    assert json.loads(plan_file.read_text(encoding="utf-8")) == document
    assert [(c["project_id"], c["action"]) for c in document["changes"]] == [("search", "update")]
    applied = cli(demo_db, "apply", "--plan", str(plan_file), "--json")
    assert applied.returncode == 0, applied.stderr
    _validate("apply", json.loads(applied.stdout))
    assert cli(demo_db, "plan", str(exported)).returncode == 0
    # The plan was made on versions that are gone now.
    stale = cli(demo_db, "apply", "--plan", str(plan_file))
    assert stale.returncode == 3
    assert "changed since the plan was made" in stale.stderr


def test_apply_file_prunes_only_when_asked(cli, demo_db, tmp_path):
    document = json.loads(cli(demo_db, "export", "demo").stdout)
    document["projects"] = [p for p in document["projects"] if p["project_id"] != "search"]
    path = tmp_path / "less.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert cli(demo_db, "plan", str(path)).returncode == 0  # search is left alone
    pruned = cli(demo_db, "plan", str(path), "--prune")
    assert pruned.returncode == 10
    assert "prune project search" in pruned.stdout
    assert cli(demo_db, "apply", str(path), "--prune").returncode == 0
    assert cli(demo_db, "plan", str(path), "--prune").returncode == 0


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("apply",), 2),
        (("apply", "doc.json", "--plan", "plan.json"), 2),
        (("apply", "--plan", "plan.json", "--prune"), 2),
        (("plan", "missing.json"), 2),
        (("plan", "-"), 1),
    ],
)
def test_plan_and_apply_refuse_what_they_cannot_run(cli, demo_db, tmp_path, args, status):
    (tmp_path / "plan.json").write_text("{}", encoding="utf-8")
    (tmp_path / "doc.json").write_text("{}", encoding="utf-8")
    result = cli(demo_db, *args, stdin="not json")
    assert result.returncode == status, result.stderr
