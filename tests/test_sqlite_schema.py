"""The SQLite file: constraints that make invalid rows impossible, and files that are refused."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from ai_settings_core import AuditEvent, ProjectSettings, StorageError
from ai_settings_core.adapters import _sqlite_schema
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.testing import sample_project


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "settings.db")
    with store() as uow:
        uow.projects.save(sample_project())
        uow.commit()
    return store


@pytest.fixture
def raw(store: SqliteStore) -> sqlite3.Connection:
    connection = store.connect()
    yield connection
    connection.close()


def test_the_file_is_in_wal_mode_with_the_current_schema(raw: sqlite3.Connection) -> None:
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert raw.execute("PRAGMA user_version").fetchone() == (_sqlite_schema.CURRENT_VERSION,)
    assert raw.execute("PRAGMA application_id").fetchone() == (_sqlite_schema.APPLICATION_ID,)
    assert raw.execute("PRAGMA foreign_keys").fetchone() == (1,)
    tables = {
        name
        for (name,) in raw.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    assert tables == _sqlite_schema.TABLES


def test_rows_are_plain_columns_a_person_can_query(raw: sqlite3.Connection) -> None:
    assert raw.execute(
        "SELECT project_id, scan_enabled_override, fix_enabled_override, stopping_point_override "
        "FROM projects"
    ).fetchall() == [("web", 0, 1, "suggestion")]
    assert raw.execute(
        "SELECT r.provider, r.owner, r.name, r.owner_key, r.ai_enabled, b.pattern "
        "FROM repositories AS r JOIN branch_patterns AS b ON b.repository_row = r.id "
        "ORDER BY r.position, b.position"
    ).fetchall() == [
        ("github", "Acme", "API", "acme", 1, "main"),
        ("github", "Acme", "API", "acme", 1, "release/*"),
        ("gitlab", "group/sub", "tools", "group/sub", 0, "*"),
    ]
    assert raw.execute("SELECT name FROM environments ORDER BY name").fetchall() == [
        ("production",),
        ("staging",),
    ]


def test_the_event_constraint_lists_every_audit_event() -> None:
    listed = set(re.findall(r"'([a-z_.]+)'", _sqlite_schema._EVENTS))
    assert listed == {event.value for event in AuditEvent}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE projects SET stopping_point_override = 'deploy'",
        "UPDATE projects SET scan_enabled_override = 2",
        "UPDATE projects SET scan_enabled_override = 'yes'",
        "UPDATE projects SET version = 0",
        "UPDATE projects SET project_id = ''",
        "UPDATE projects SET project_id = NULL",
        "UPDATE repositories SET provider = 'svn'",
        "UPDATE repositories SET ai_enabled = NULL",
        "UPDATE branch_patterns SET pattern = ''",
        # The same repository twice in one project (keys compare case-insensitively).
        (
            "INSERT INTO repositories (project_row, position, provider, owner, name, owner_key, "
            "name_key, ai_enabled) SELECT project_row, 9, provider, upper(owner), name, owner_key, "
            "name_key, 1 FROM repositories LIMIT 1"
        ),
        # A repository of a project that does not exist.
        (
            "INSERT INTO repositories (project_row, position, provider, owner, name, owner_key, "
            "name_key, ai_enabled) VALUES (999, 0, 'github', 'a', 'b', 'a', 'b', 1)"
        ),
        "INSERT INTO environments (project_row, name) VALUES (999, 'x')",
        "INSERT INTO organizations VALUES ('o', 1, 0, 'merge', 0, 0, 0, 'huge', 1)",
        (
            "INSERT INTO audit_log (organization_id, actor, event, target, occurred_at, "
            "stored_changes, effective_changes) VALUES ('o', 'a', 'org.deleted', 't', "
            "'2025-01-01T00:00:00.000000Z', '[]', '[]')"
        ),
        (
            "INSERT INTO audit_log (organization_id, actor, event, target, occurred_at, "
            "stored_changes, effective_changes) VALUES ('o', 'a', 'org_ai_settings.edit', 't', "
            "'2025-01-01T00:00:00.000000Z', 'not json', '[]')"
        ),
        (
            "INSERT INTO audit_log (organization_id, actor, event, target, occurred_at, "
            "stored_changes, effective_changes) VALUES ('o', 'a', 'org_ai_settings.edit', 't', "
            "'yesterday', '[]', '[]')"
        ),
    ],
)
def test_invalid_rows_are_impossible(raw: sqlite3.Connection, statement: str) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute(statement)


def test_deleting_a_project_removes_its_rows(store: SqliteStore, raw: sqlite3.Connection) -> None:
    with store() as uow:
        assert uow.projects.delete("acme", "web")
        uow.commit()
    for table in ("projects", "repositories", "branch_patterns", "environments"):
        assert raw.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)  # noqa: S608


def test_identifiers_are_parameters_not_sql(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "settings.db")
    hostile = "x'); DROP TABLE projects; --"
    with store() as uow:
        saved = uow.projects.save(
            ProjectSettings(hostile, hostile, environments=frozenset({hostile}))
        )
        uow.commit()
    with store(read_only=True) as uow:
        assert uow.projects.get(hostile, hostile) == saved
        assert uow.projects.list(hostile).items == (saved,)


def test_a_missing_file_reads_as_empty_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    store = SqliteStore(path, create=False)
    with store(read_only=True) as uow:
        assert uow.projects.load_organization("acme").projects == ()
        assert uow.organizations.get("acme") is None
        assert uow.audit.query("acme").items == ()
    assert store.schema_version() == 0
    with pytest.raises(StorageError, match="does not exist"), store():
        pass
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "settings.db"
    path.write_text("this is not a database, it is a shopping list\n" * 100)
    with (
        pytest.raises(StorageError, match="not a SQLite database"),
        SqliteStore(path)(read_only=True),
    ):
        pass
    assert path.read_text().startswith("this is not a database")


def test_a_database_with_foreign_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(StorageError, match="not ai_settings_core's") as caught:
        SqliteStore(path).schema_version()
    assert "users" in str(caught.value)


def test_a_database_of_another_application_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA application_id = 1234")
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    with pytest.raises(StorageError, match="not an ai_settings_core database"):
        SqliteStore(path).schema_version()


def test_a_database_from_a_newer_version_is_refused(store: SqliteStore) -> None:
    connection = sqlite3.connect(store.path)
    connection.execute("PRAGMA user_version = 99")
    connection.commit()
    connection.close()
    with pytest.raises(StorageError, match=r"schema version 99, newer .* upgrade"):
        SqliteStore(store.path).schema_version()


def test_a_read_only_unit_sees_one_snapshot(store: SqliteStore) -> None:
    with store(read_only=True) as reader:
        before = reader.projects.get("acme", "web")
        with store() as writer:
            writer.projects.save(ProjectSettings("acme", "web"))
            writer.commit()
        assert reader.projects.get("acme", "web") == before
    with store(read_only=True) as uow:
        assert uow.projects.get("acme", "web") == ProjectSettings("acme", "web", version=2)
