"""The command line's own features: version, global options, help, completion, JSON schemas,
a mistyped organization, ``migrate`` and the exit statuses of storage faults (in process)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest

from ai_settings_core.cli import main
from ai_settings_core.cli._commands import COMMANDS
from ai_settings_core.cli._main import EXIT_STATUSES
from ai_settings_core.cli._parser import build_parser, subcommands

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMAS = json.loads((DOCS / "cli-schemas.json").read_text(encoding="utf-8"))


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


def _leaves(parser, path=()):
    children = subcommands(parser)
    if not children:
        yield " ".join(path), parser
    for name, child in children.items():
        yield from _leaves(child, (*path, name))


def test_version(cli):
    result = cli(None, "--version")
    assert result.returncode == 0
    assert result.stdout == f"ai-settings {metadata.version('ai-settings-core')}\n"


def test_global_options_go_before_or_after_the_command(cli, demo_db):
    before = cli(None, "--db", str(demo_db), "--json", "resolve", "demo")
    after = cli(None, "resolve", "demo", "--db", str(demo_db), "--json")
    mixed = cli(None, "--json", "resolve", "demo", "--db", str(demo_db))
    assert before.returncode == after.returncode == mixed.returncode == 0
    assert before.stdout == after.stdout == mixed.stdout
    assert json.loads(before.stdout)["organization"]["organization_id"] == "demo"
    # After the command, --db wins over the one before it (the last one given).
    assert cli(Path("elsewhere.db"), "org", "show", "demo", "--db", str(demo_db)).returncode == 0


def test_the_store_is_a_path_or_a_url(cli, tmp_path):
    assert (
        cli(None, "--db", "sqlite:///relative.db", "org", "set", "acme", "--fix", "on").returncode
        == 0
    )
    assert (tmp_path / "relative.db").exists()
    shown = cli(None, "org", "show", "acme", "--json", env={"AI_SETTINGS_DB": "relative.db"})
    assert json.loads(shown.stdout)["fix_enabled"] is True
    bad = cli(None, "--db", "sqlite:relative.db", "org", "show", "acme")
    assert bad.returncode == 2
    assert "Invalid SQLite URL" in bad.stderr


def test_every_command_is_in_the_table_and_the_table_has_nothing_else():
    assert {name for name, _ in _leaves(build_parser())} == set(COMMANDS)


def test_every_command_and_option_has_help_and_every_command_an_example():
    for name, parser in _leaves(build_parser()):
        assert parser.description, name
        assert (parser.epilog or "").startswith("example: "), name
        assert "ai-settings " in parser.epilog, name
        for action in parser._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help, (name, action.dest)


def test_help_prints_the_example(cli):
    result = cli(None, "explain", "--help")
    assert result.returncode == 0
    assert "example: ai-settings explain demo payments --repo github:demo/payments" in (
        result.stdout
    )


@pytest.mark.parametrize(
    "args",
    [
        ("org", "show", "demoo"),
        ("resolve", "demoo"),
        ("audit", "demoo"),
        ("preview", "demoo", "--fix", "off"),
        ("export", "demoo"),
        ("explain", "demoo", "billing"),
        ("project", "show", "demoo", "billing"),
    ],
)
def test_a_mistyped_organization_says_so(cli, demo_db, args):
    result = cli(demo_db, *args)
    assert result.returncode == 4
    assert result.stdout == ""
    assert "'demoo'" in result.stderr
    assert "not found" in result.stderr


def test_a_new_organization_is_stored_by_its_first_write(cli, tmp_path):
    db = tmp_path / "new.db"
    assert cli(db, "org", "show", "acme").returncode == 4
    assert cli(db, "project", "set", "acme", "web", "--scan", "inherit").returncode == 0
    # A project is enough: the organization exists, with the defaults.
    shown = cli(db, "org", "show", "acme", "--json")
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["sources"]["fix_enabled"]["reason"] == "DEFAULT"


def test_migrate_creates_the_store_and_reports_its_version(cli, tmp_path):
    db = tmp_path / "fresh.db"
    result = cli(db, "migrate", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    with contextlib.closing(sqlite3.connect(db)) as connection:
        stored = connection.execute("PRAGMA user_version").fetchone()[0]
    assert document == {"store": f"SQLite file {str(db)!r}", "schema_version": stored}
    assert stored > 0
    again = cli(db, "migrate")
    assert again.stdout == f"SQLite file {str(db)!r}: schema version {stored}.\n"


def test_migrate_refuses_a_file_that_is_not_ours(cli, tmp_path):
    db = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(db)) as connection:
        connection.execute("CREATE TABLE people (name TEXT)")
    result = cli(db, "migrate")
    assert result.returncode == 6
    assert "storage fault" in result.stderr
    assert "not ai_settings_core's" in result.stderr


def test_a_file_that_is_not_a_database_is_a_storage_fault(cli, tmp_path):
    db = tmp_path / "garbage.db"
    db.write_bytes(b"this is not a database" * 100)
    result = cli(db, "org", "set", "acme", "--fix", "on")
    assert result.returncode == 6
    assert result.stderr.startswith("ai-settings: storage fault: ")
    assert db.read_bytes() == b"this is not a database" * 100


def test_the_api_command_prints_only_the_body_with_json(cli, demo_db):
    result = cli(demo_db, "api", "GET", "/organizations/demo/ai-settings/", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["organization_id"] == "demo"


def test_json_is_refused_where_it_does_not_apply(cli):
    result = cli(None, "completion", "bash", "--json")
    assert result.returncode == 2
    assert "--json does not apply" in result.stderr


def test_every_exit_status_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for status, meaning in EXIT_STATUSES.items():
        assert re.search(rf"`{status}`[^\n]*{meaning}", text), (status, meaning)


# JSON outputs against docs/cli-schemas.json -------------------------------------------------


def _validate(command: str, document: object) -> None:
    schema = {"$defs": SCHEMAS["$defs"], **SCHEMAS["commands"][command]}
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)


def test_every_command_with_json_output_has_a_schema():
    with_json = {name for name, command in COMMANDS.items() if command.json}
    assert set(SCHEMAS["commands"]) == with_json


JSON_RUNS = [
    ("demo", ("demo", "--json")),
    ("org show", ("org", "show", "demo", "--json")),
    ("org set", ("org", "set", "demo", "--fix", "off", "--json")),
    ("project show", ("project", "show", "demo", "payments", "--json")),
    ("project set", ("project", "set", "demo", "search", "--fix", "off", "--json")),
    ("project reset", ("project", "reset", "demo", "search", "--json")),
    (
        "repo add",
        ("repo", "add", "demo", "search", "github:demo/s", "--branch", "main", "--json"),
    ),
    ("repo set", ("repo", "set", "demo", "billing", "gitlab:demo/finance/billing", "--ai", "off")),
    ("repo remove", ("repo", "remove", "demo", "billing", "gitlab:demo/finance/billing")),
    ("resolve", ("resolve", "demo", "--json")),
    (
        "explain",
        ("explain", "demo", "payments", "--repo", "github:demo/payments", "--branch", "main"),
    ),
    ("explain", ("explain", "demo", "legacy", "--environment", "production", "--json")),
    ("exposure", ("exposure", "demo")),
    ("exposure", ("exposure", "demo", "--at", "merge")),
    ("bulk", ("bulk", "demo", "--projects", "checkout,mobile", "--fix", "off", "--json")),
    ("preview", ("preview", "demo", "--fix", "off", "--stopping-point", "suggestion")),
    ("audit", ("audit", "demo", "--limit", "20", "--json")),
    ("export", ("export", "demo")),
    ("migrate", ("migrate", "--json")),
    ("invariants show", ("invariants", "show", "demo")),
    ("invariants add", ("invariants", "add", "demo", "fix-needs-scan", "fix_requires_scan")),
]


@pytest.mark.parametrize(("command", "args"), JSON_RUNS, ids=[" ".join(a) for _, a in JSON_RUNS])
def test_json_outputs_match_their_schema(cli, demo_db, command, args):
    if "--json" not in args:
        args = (*args, "--json")
    result = cli(demo_db, *args)
    assert result.returncode == 0, result.stderr
    _validate(command, json.loads(result.stdout))


def test_import_json_output_matches_its_schema(cli, demo_db, tmp_path):
    exported = cli(demo_db, "export", "demo").stdout
    result = cli(tmp_path / "copy.db", "import", "-", "--json", stdin=exported)
    assert result.returncode == 0, result.stderr
    _validate("import", json.loads(result.stdout))


def test_invariants_json_outputs_match_their_schema(cli, demo_db):
    add = ("invariants", "add", "demo", "suggest-only", "stopping_point_at_most")
    result = cli(demo_db, *add, "--at-most", "suggestion", "--enforce", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["violations"]
    _validate("invariants add", document)
    result = cli(demo_db, "invariants", "remove", "demo", "suggest-only", "--json")
    _validate("invariants remove", json.loads(result.stdout))


def test_a_document_that_breaks_the_schema_is_caught():
    with pytest.raises(jsonschema.ValidationError):
        _validate("org show", {"organization_id": "demo"})


# Completion --------------------------------------------------------------------------------


def _bash_complete(script: str, words: list[str]) -> list[str]:
    """The words bash's completion offers after ``words`` (the last one is being typed)."""
    program = (
        f"{script}\n"
        "complete -p ai-settings\n"
        f"COMP_WORDS=({' '.join(repr(w) if w else repr('') for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "_ai_settings_complete\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "complete -o default -F _ai_settings_complete ai-settings"
    return lines[1:]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion_completes_commands_actions_and_options(cli):
    script = cli(None, "completion", "bash").stdout
    assert set(_bash_complete(script, ["ai-settings", ""])) >= {"resolve", "org", "--version"}
    assert _bash_complete(script, ["ai-settings", "re"]) == ["repo", "resolve", "revert"]
    assert _bash_complete(script, ["ai-settings", "--db", "x.db", "org", "s"]) == ["set", "show"]
    options = _bash_complete(script, ["ai-settings", "org", "set", "acme", "--l"])
    assert options == ["--lock"]
    assert _bash_complete(script, ["ai-settings", "completion", "z"]) == ["zsh"]


def test_zsh_and_fish_scripts_name_every_command(cli):
    zsh = cli(None, "completion", "zsh").stdout
    assert zsh.startswith("# zsh completion")
    assert "bashcompinit" in zsh
    fish = cli(None, "completion", "fish").stdout
    for name in ("resolve", "org", "show", "--max-stopping-point"):
        assert name.lstrip("-") in fish
    if shutil.which("fish"):
        subprocess.run(["fish", "--no-execute", "-c", fish], check=True, timeout=30)


def test_the_script_is_one_for_the_module_and_the_console_script():
    # main() is the program: the completion names the console script, the one users type.
    assert build_parser().prog == "ai-settings"
    assert Path(sys.executable).with_name("ai-settings").exists()


# revert, plan and apply (issue 15) ------------------------------------------------------------


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
