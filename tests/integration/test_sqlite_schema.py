"""The SQLite file: constraints that make invalid rows impossible, and files that are refused."""

from __future__ import annotations

import gc
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from ai_settings_core import ProjectSettings, StorageError
from ai_settings_core.adapters.sqlite import SqliteStore, SqliteUnitOfWork, _schema
from ai_settings_core.adapters.sqlite._collector import collector_paused
from ai_settings_core.service import AuditEvent
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
    assert raw.execute("PRAGMA user_version").fetchone() == (_schema.CURRENT_VERSION,)
    assert raw.execute("PRAGMA application_id").fetchone() == (_schema.APPLICATION_ID,)
    assert raw.execute("PRAGMA foreign_keys").fetchone() == (1,)
    tables = {
        name
        for (name,) in raw.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    assert tables == _schema.TABLES | {"feed_generations", "feed_changes"}


def test_rows_are_plain_columns_a_person_can_query(raw: sqlite3.Connection) -> None:
    assert raw.execute(
        "SELECT project_id, scan_enabled_override, fix_enabled_override, stopping_point_override "
        "FROM projects"
    ).fetchall() == [("web", 0, 1, "suggestion")]
    assert raw.execute(
        "SELECT r.provider, r.owner, r.name, r.owner_key, r.ai_enabled, b.pattern, "
        "b.stopping_point_override "
        "FROM repositories AS r JOIN branch_patterns AS b ON b.repository_row = r.id "
        "ORDER BY r.position, b.position"
    ).fetchall() == [
        ("github", "Acme", "API", "acme", 1, "main", None),
        ("github", "Acme", "API", "acme", 1, "release/*", "suggestion"),
        ("gitlab", "group/sub", "tools", "group/sub", 0, "*", None),
    ]
    assert raw.execute("SELECT name FROM environments ORDER BY name").fetchall() == [
        ("production",),
        ("staging",),
    ]


def test_the_event_constraint_lists_every_audit_event() -> None:
    listed = set(re.findall(r"'([a-z_.]+)'", _schema._EVENTS))
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
        "UPDATE branch_patterns SET stopping_point_override = 'deploy'",
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
        (
            "INSERT INTO organizations (organization_id, scan_enabled, fix_enabled, "
            "stopping_point, scan_enabled_locked, fix_enabled_locked, stopping_point_locked, "
            "max_stopping_point, version) VALUES ('o', 1, 0, 'merge', 0, 0, 0, 'huge', 1)"
        ),
        (
            "INSERT INTO organizations (organization_id, scan_enabled, fix_enabled, "
            "stopping_point, scan_enabled_locked, fix_enabled_locked, stopping_point_locked, "
            "version, fix_enabled_lock_expires_at) VALUES ('o', 1, 0, 'merge', 0, 1, 0, 1, "
            "'next monday')"
        ),
        (
            "INSERT INTO projects (organization_id, project_id, version, "
            "scan_enabled_override_expires_at) VALUES ('o', 'p', 1, 'soon')"
        ),
        (
            "INSERT INTO organizations (organization_id, scan_enabled, fix_enabled, "
            "stopping_point, scan_enabled_locked, fix_enabled_locked, stopping_point_locked, "
            "version, invariants) VALUES ('o', 1, 0, 'merge', 0, 0, 0, 1, 'not json')"
        ),
        (
            "INSERT INTO organizations (organization_id, scan_enabled, fix_enabled, "
            "stopping_point, scan_enabled_locked, fix_enabled_locked, stopping_point_locked, "
            "version, invariants) VALUES ('o', 1, 0, 'merge', 0, 0, 0, 1, '{}')"
        ),
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


def _fail_inserts_into(raw: sqlite3.Connection, table: str) -> None:
    """A trigger that makes every insert into ``table`` fail: a write that breaks halfway."""
    raw.execute(
        f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )


def test_a_save_that_fails_halfway_is_undone_and_the_unit_keeps_its_other_writes(
    store: SqliteStore, raw: sqlite3.Connection
) -> None:
    # The save updates the project row and deletes its children before the insert fails.
    _fail_inserts_into(raw, "environments")
    with store() as uow:
        kept = uow.projects.save(ProjectSettings("acme", "api"))
        with pytest.raises(StorageError, match="refused by the test"):
            uow.projects.save(
                ProjectSettings("acme", "web", environments=frozenset({"qa"})), expected_version=1
            )
        assert uow.projects.get("acme", "web") == attrs.evolve(sample_project(), version=1)
        uow.commit()
    with store(read_only=True) as uow:
        assert uow.projects.get("acme", "web") == attrs.evolve(sample_project(), version=1)
        assert uow.projects.get("acme", "api") == kept
    assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_delete_that_fails_is_undone(store: SqliteStore, raw: sqlite3.Connection) -> None:
    raw.execute(
        "CREATE TRIGGER fail_delete BEFORE DELETE ON environments "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    with store() as uow:
        with pytest.raises(StorageError, match="refused by the test"):
            uow.projects.delete("acme", "web")
        uow.commit()
    with store(read_only=True) as uow:
        assert uow.projects.get("acme", "web") == attrs.evolve(sample_project(), version=1)


def test_a_read_only_unit_takes_its_snapshot_at_entry(store: SqliteStore) -> None:
    with store(read_only=True) as reader:
        with store() as writer:
            writer.projects.save(ProjectSettings("acme", "web"), expected_version=1)
            writer.commit()
        assert reader.projects.get("acme", "web") == attrs.evolve(sample_project(), version=1)


@pytest.mark.parametrize("name", ["a\x00b.db", "\x00"])
def test_a_path_with_a_nul_character_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(StorageError, match="NUL character"):
        SqliteStore(tmp_path / name)
    with pytest.raises(StorageError, match="NUL character"):
        SqliteStore(str(tmp_path) + "/" + name, create=False)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_enabled")
def test_the_collector_pause_is_counted_and_restores_only_what_it_changed() -> None:
    with collector_paused(enabled=True):
        assert not gc.isenabled()
        with collector_paused(enabled=True):  # a second, concurrent load
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first load still runs
    assert gc.isenabled()
    with collector_paused(enabled=False):
        assert gc.isenabled()
    gc.disable()  # the host's choice before the load: left alone
    with collector_paused(enabled=True):
        assert not gc.isenabled()
    assert not gc.isenabled()
    gc.enable()
    with collector_paused(enabled=True):
        gc.enable()  # the host re-enabled it during the load: nothing to undo
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_a_store_can_leave_the_collector_alone(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "settings.db", pause_gc_on_load=False)
    with store() as uow:
        for index in range(300):
            uow.projects.save(sample_project("acme", f"p{index:03d}"))
        uow.commit()
    seen: list[bool] = []
    done = threading.Event()

    def load() -> None:
        try:
            with store(read_only=True) as uow:
                assert len(uow.projects.load_organization("acme").projects) == 300
                assert len(uow.projects.get_many("acme", [f"p{i:03d}" for i in range(300)])) == 300
        finally:
            done.set()

    thread = threading.Thread(target=load)
    thread.start()
    while not done.is_set():
        seen.append(gc.isenabled())
    thread.join()
    assert all(seen)
    assert gc.isenabled()


def test_a_transaction_sqlite_rolled_back_is_not_committed_as_if_nothing_happened(
    store: SqliteStore,
) -> None:
    with store() as uow:
        uow.projects.save(ProjectSettings("acme", "api"))
        # What SQLite does on some errors (a full disk, say): it rolls the transaction back.
        uow._handle.execute("ROLLBACK")
        with pytest.raises(StorageError, match="rolled back"):
            uow.projects.save(ProjectSettings("acme", "other"))
        with pytest.raises(StorageError, match="rolled back"):
            uow.commit()
    with store(read_only=True) as uow:
        assert [p.project_id for p in uow.projects.list("acme").items] == ["web"]


def _a_write_whose_undo_fails(uow: SqliteUnitOfWork) -> None:
    with uow._writing("acme") as raw:
        raw.execute("DELETE FROM environments")  # half of a write
        raw.execute("RELEASE ai_settings_write")  # its savepoint is gone: the undo will fail
        message = "the write fails"
        raise RuntimeError(message)


def test_a_write_that_cannot_be_undone_makes_the_unit_unusable(store: SqliteStore) -> None:
    with store() as uow:
        uow.projects.save(ProjectSettings("acme", "api"))
        with pytest.raises(StorageError, match="could not be undone"):
            _a_write_whose_undo_fails(uow)
        with pytest.raises(StorageError, match="rolled back"):
            uow.projects.save(ProjectSettings("acme", "other"))
        with pytest.raises(StorageError, match="rolled back"):
            uow.commit()
    with store(read_only=True) as uow:
        assert uow.projects.list("acme").items == (attrs.evolve(sample_project(), version=1),)
