"""The ``ai-settings`` commands, run in process (``main(argv)``) on a temporary SQLite file."""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import pytest

from ai_settings_core.cli import main

EXPECTED_RESOLVE = """\
Organization demo (stored): scan on, fix on, stopping point pull_request
Policy: locked: scan_enabled; maximum stopping point: pull_request

PROJECT   SCAN   FIX    STOPPING POINT   REPOS  OVERRIDES
billing   on L   off *  pull_request         1  fix
checkout  on L   on     pull_request         1  -
legacy    on L!  on     pull_request         0  scan
mobile    on L   on     pull_request         1  -
payments  on L   on     pull_request C!      1  stop
search    on L   on     suggestion *         0  stop

Legend: no mark  inherited (from the organization, or the system default)
        *  overridden by the project     L  locked by the organization
        C  capped at the organization's maximum stopping point
        !  a stored override is shadowed by the lock or the maximum
"""


@pytest.fixture
def db(tmp_path):
    return tmp_path / "settings.db"


@pytest.fixture
def run(cli):
    return cli


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory):
    """The sample organization, built once; each test gets its own copy of the file."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--db", str(path), "demo"]) == 0
    return path


@pytest.fixture
def demo_db(built_demo, tmp_path):
    path = tmp_path / "demo.db"
    shutil.copyfile(built_demo, path)
    return path


def test_demo_then_resolve_shows_the_table(run, demo_db):
    result = run(demo_db, "resolve", "demo")
    assert result.returncode == 0
    assert result.stdout == EXPECTED_RESOLVE
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


def test_demo_twice_changes_nothing(run, demo_db):
    before = run(demo_db, "export", "demo").stdout
    again = run(demo_db, "demo")
    assert again.returncode == 0
    assert "exists already" in again.stdout
    assert run(demo_db, "export", "demo").stdout == before


def test_resolve_json_is_one_document(run, demo_db):
    result = run(demo_db, "resolve", "demo", "--json")
    document = json.loads(result.stdout)
    projects = {p["project_id"]: p for p in document["projects"]}
    assert sorted(projects) == ["billing", "checkout", "legacy", "mobile", "payments", "search"]
    assert projects["payments"]["effective"]["stopping_point"] == "pull_request"
    assert projects["payments"]["sources"]["stopping_point"]["reason"] == "CAPPED"
    assert projects["legacy"]["sources"]["scan_enabled"]["reason"] == "LOCKED"


def test_reading_a_missing_file_creates_nothing(run, db):
    result = run(db, "org", "show", "acme", "--json")
    assert result.returncode == 4
    assert result.stdout == ""
    assert "no stored settings and no projects (is the name mistyped?)" in result.stderr
    assert run(db, "audit", "acme").returncode == 4
    assert not db.exists()


def test_database_from_the_environment(run, tmp_path):
    path = tmp_path / "env.db"
    result = run(None, "org", "set", "acme", "--fix", "on", env={"AI_SETTINGS_DB": str(path)})
    assert result.returncode == 0, result.stderr
    assert path.exists()


def test_org_set_and_show(run, db):
    result = run(db, "org", "set", "acme", "--scan", "off", "--stopping-point", "merge", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["version"] == 1
    result = run(db, "org", "set", "acme", "--lock", "fix", "--max-stopping-point", "merge")
    assert result.returncode == 0, result.stderr
    shown = run(db, "org", "show", "acme")
    assert "scan_enabled    off" in shown.stdout
    assert "locked          fix_enabled" in shown.stdout
    assert (
        run(db, "org", "set", "acme", "--unlock", "fix", "--max-stopping-point", "none").returncode
        == 0
    )
    document = json.loads(run(db, "org", "show", "acme", "--json").stdout)
    assert document["locked"] == []
    assert document["max_stopping_point"] is None


def test_project_set_show_reset(run, db):
    assert (
        run(
            db,
            "project",
            "set",
            "acme",
            "web",
            "--fix",
            "on",
            "--environments",
            "production,staging",
        ).returncode
        == 0
    )
    document = json.loads(run(db, "project", "show", "acme", "web", "--json").stdout)
    assert document["fix_enabled_override"] is True
    assert document["environments"] == ["production", "staging"]
    assert document["effective"]["fix_enabled"] is True
    assert (
        run(
            db, "project", "set", "acme", "web", "--fix", "inherit", "--environments", "all"
        ).returncode
        == 0
    )
    document = json.loads(run(db, "project", "show", "acme", "web", "--json").stdout)
    assert document["fix_enabled_override"] is None
    assert document["environments"] == []
    run(db, "project", "set", "acme", "web", "--scan", "off")
    result = run(db, "project", "reset", "acme", "web", "--json")
    assert json.loads(result.stdout)["scan_enabled_override"] is None


def test_repositories(run, db):
    result = run(
        db,
        "repo",
        "add",
        "acme",
        "web",
        "github:acme/api",
        "--branch",
        "main",
        "--branch",
        "release/*",
        "--stopping-point",
        "suggestion",
    )
    assert result.returncode == 0, result.stderr
    result = run(
        db,
        "repo",
        "set",
        "acme",
        "web",
        "github:acme/api",
        "--ai",
        "off",
        "--stopping-point",
        "inherit",
        "--json",
    )
    repository = json.loads(result.stdout)["repositories"][0]
    assert repository["ai_enabled"] is False
    assert repository["branch_patterns"] == ["main", "release/*"]
    assert repository["stopping_point_override"] is None
    assert run(db, "repo", "remove", "acme", "web", "github:acme/api").returncode == 0
    assert run(db, "repo", "remove", "acme", "web", "github:acme/api").returncode == 4


def test_explain_reads_as_a_chain(run, demo_db):
    result = run(
        demo_db, "explain", "demo", "payments", "--repo", "github:demo/payments", "--branch", "main"
    )
    assert result.returncode == 0, result.stderr
    assert "project       merge  <- shadowed: above the organization's maximum" in result.stdout
    assert "maximum       pull_request  <- in force (capped)" in result.stdout
    assert "  fix:  yes" in result.stdout
    checkout = run(
        demo_db,
        "explain",
        "demo",
        "checkout",
        "--repo",
        "github:demo/checkout-web",
        "--branch",
        "feature/x",
    )
    assert "because: the branch matches none of the repository's patterns" in checkout.stdout
    document = json.loads(run(demo_db, "explain", "demo", "legacy", "--json").stdout)
    assert document["decision"]["scan"] is True


def test_bulk_and_preview(run, demo_db, tmp_path):
    preview = run(demo_db, "preview", "demo", "--fix", "off")
    assert preview.returncode == 0, preview.stderr
    lines = preview.stdout.splitlines()
    assert lines[0] == "Organization: fix_enabled on -> off"
    assert "billing" not in preview.stdout  # pinned off: nothing changes for it
    assert "checkout: fix_enabled on -> off" in lines
    result = run(demo_db, "bulk", "demo", "--projects", "checkout,mobile", "--fix", "off")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Changed 2 of 2 projects: checkout, mobile"
    result = run(demo_db, "bulk", "demo", "--projects", "checkout,mobile", "--reset", "--json")
    assert json.loads(result.stdout)["changed"] == ["checkout", "mobile"]


def test_audit(run, demo_db):
    result = run(demo_db, "audit", "demo", "--limit", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert "org_ai_settings.edit" in lines[0]
    assert "cli:" in lines[0]
    # The page is cut: the last line says how to ask for the next one.
    assert lines[2].startswith("More entries: --cursor ")
    cursor = lines[2].removeprefix("More entries: --cursor ")
    following = run(demo_db, "audit", "demo", "--limit", "2", "--cursor", cursor, "--json")
    first = json.loads(run(demo_db, "audit", "demo", "--limit", "4", "--json").stdout)
    assert json.loads(following.stdout)["results"] == first["results"][2:4]
    page = json.loads(run(demo_db, "audit", "demo", "--project", "legacy", "--json").stdout)
    assert page["results"][0]["event"] == "project_ai_settings.edit"
    assert page["next_cursor"] is None


def test_export_import_export_is_byte_identical(run, demo_db, tmp_path):
    exported = run(demo_db, "export", "demo").stdout
    other = tmp_path / "other.db"
    result = run(other, "import", "-", stdin=exported)
    assert result.returncode == 0, result.stderr
    assert run(other, "export", "demo").stdout == exported
    # Importing the same document again changes nothing.
    file = tmp_path / "demo.json"
    file.write_text(exported)
    assert run(other, "import", str(file)).returncode == 0
    assert run(other, "export", "demo").stdout == exported


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (("project", "show", "demo", "nope"), 4, "not found"),
        (("project", "show", "globex", "checkout"), 4, "not found"),
        (("explain", "demo", "nope"), 4, "not found"),
        (("repo", "add", "demo", "checkout", "svn:demo/x"), 1, "not a valid provider"),
        (
            ("repo", "add", "demo", "checkout", "github:demo/x", "--branch", "a b"),
            1,
            "branch_patterns",
        ),
        (("repo", "add", "demo", "checkout", "github:demo/checkout-web"), 1, "already configured"),
        (("project", "set", "demo", "checkout", "--scan", "maybe"), 2, "expected on or off"),
        (("project", "set", "demo", "checkout", "--scan", "off"), 1, "locked"),
        (("project", "set", "demo", "checkout", "--stopping-point", "merge"), 1, "above_ceiling"),
        (("project", "set", "demo", "checkout", "--fix", "off", "--if-version", "1"), 3, "version"),
        (("org", "set", "demo", "--fix", "off", "--if-version", "7"), 3, "version"),
        (("org", "set", "demo", "--stopping-point", "merge"), 1, "above"),
        (("bulk", "demo", "--projects", "checkout"), 2, "give --reset"),
        (("frobnicate",), 2, "invalid choice"),
        (("import", "/nonexistent/file.json"), 2, "cannot read"),
        (("org", "set", "demo"), 2, "give at least one change"),
        (("project", "set", "demo", "checkout"), 2, "give at least one change"),
        (("audit", "demo", "--limit", "99999999999999999999999"), 1, "invalid_limit"),
    ],
)
def test_bad_input_changes_nothing(run, demo_db, args, status, message):
    before = run(demo_db, "export", "demo").stdout
    result = run(demo_db, *args)
    assert result.returncode == status, (result.stdout, result.stderr)
    assert message in result.stderr
    assert result.stderr.count("\n") >= 1
    assert run(demo_db, "export", "demo").stdout == before


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "non_field_errors"),
        ('{"organization_id": "demo", "scan_enabled": "false"}', "scan_enabled"),
        ("[" * 100_000 + "]" * 100_000, "maximum recursion depth"),
        ('{"organization_id": "demo", "projects": [], "x": NaN}', "NaN is not valid JSON"),
    ],
)
def test_bad_import_files_change_nothing(run, demo_db, document, message):
    before = run(demo_db, "export", "demo").stdout
    result = run(demo_db, "import", "-", stdin=document)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert message in result.stderr
    assert run(demo_db, "export", "demo").stdout == before


def test_import_naming_a_locked_override_is_refused(run, demo_db):
    document = json.loads(run(demo_db, "export", "demo").stdout)
    checkout = next(p for p in document["projects"] if p["project_id"] == "checkout")
    checkout["scan_enabled_override"] = False
    before = run(demo_db, "export", "demo").stdout
    result = run(demo_db, "import", "-", stdin=json.dumps(document))
    assert result.returncode == 1
    assert "projects[1].scan_enabled_override" in result.stderr
    assert "locked" in result.stderr
    assert run(demo_db, "export", "demo").stdout == before


def test_a_failed_write_creates_no_file(run, db):
    result = run(
        db, "org", "set", "acme", "--stopping-point", "merge", "--max-stopping-point", "suggestion"
    )
    assert result.returncode == 1
    assert "above_ceiling" in result.stderr
    assert not db.exists()


def test_an_import_file_that_is_not_utf8(run, demo_db, tmp_path):
    file = tmp_path / "latin1.json"
    file.write_bytes(b"\xff\xfe{}")
    result = run(demo_db, "import", str(file))
    assert result.returncode == 1
    assert "not JSON" in result.stderr


def test_invariants_are_added_refused_enforced_and_removed(run, demo_db):
    before = run(demo_db, "export", "demo").stdout
    add = ("invariants", "add", "demo", "suggest-only", "stopping_point_at_most")
    result = run(demo_db, *add, "--at-most", "suggestion")
    assert result.returncode == 1
    # The default, the five projects above suggestion and their four repositories.
    assert result.stderr.count("[invariant_violated]") == 10
    assert run(demo_db, "export", "demo").stdout == before

    result = run(demo_db, *add, "--at-most", "suggestion", "--enforce")
    assert result.returncode == 0, result.stderr
    assert "Violations kept by --enforce (10):" in result.stdout
    assert run(demo_db, "invariants", "show", "demo").stdout == result.stdout

    result = run(demo_db, "repo", "add", "demo", "legacy", "github:demo/legacy")
    assert result.returncode == 1
    assert "repositories[0].stopping_point_override: Invariant 'suggest-only'" in result.stderr

    result = run(demo_db, "invariants", "remove", "demo", "suggest-only")
    assert (result.returncode, result.stdout) == (0, "Organization demo has no invariants.\n")
    result = run(demo_db, "invariants", "remove", "demo", "suggest-only")
    assert result.returncode == 4
    assert "has no invariant 'suggest-only'" in result.stderr


def test_an_export_with_enforced_invariants_imports_with_enforce(run, demo_db, tmp_path):
    add = ("invariants", "add", "demo", "suggest-only", "stopping_point_at_most")
    assert run(demo_db, *add, "--at-most", "suggestion", "--enforce").returncode == 0
    exported = run(demo_db, "export", "demo").stdout
    assert json.loads(exported)["invariants"][0]["name"] == "suggest-only"
    other = tmp_path / "other.db"
    result = run(other, "import", "-", stdin=exported)
    assert result.returncode == 1
    assert "invariants[0]: Invariant 'suggest-only'" in result.stderr
    assert run(other, "import", "-", "--enforce", stdin=exported).returncode == 0
    assert run(other, "export", "demo").stdout == exported


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope",), 'kind: "nope" is not a valid choice. [invalid_choice]'),
        (("fix_requires_scan", "--at-most", "merge"), "at_most: Unknown field. [unknown_field]"),
        (("stopping_point_at_most",), "at_most: This field is required. [required]"),
        (
            ("stopping_point_at_most", "--at-most", "merge", "--except", "svn:a/b"),
            "except_repositories[0]",
        ),
        (("merge_only_on_branches", "--branch", "a b"), "branches[0]"),
    ],
)
def test_bad_invariants_change_nothing(run, demo_db, args, message):
    before = run(demo_db, "export", "demo").stdout
    result = run(demo_db, "invariants", "add", "demo", "x", *args)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert message in result.stderr
    assert run(demo_db, "export", "demo").stdout == before
