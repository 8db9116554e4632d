"""Opening a SQLite file: check first, change after; a read waits for no writer and changes nothing.

The first use of a file by a store reads what it holds with plain reads (no write lock), refuses
a file that is not ours before touching it, and changes a file (migrates it, sets WAL) only when
that is needed. A read never creates a file nor makes an empty one a database.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ai_settings_core import OrganizationSettings, ProjectSettings, StorageError
from ai_settings_core.adapters.sqlite import SqliteStore, _schema

# Holds the file's write lock (with a write of its own, uncommitted) until told to stop.
HOLD_THE_WRITE_LOCK = textwrap.dedent(
    """
    import sqlite3, sys
    connection = sqlite3.connect(sys.argv[1], isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE organizations SET fix_enabled = 0")
    print("locked", flush=True)
    sys.stdin.readline()
    connection.execute("ROLLBACK")
    connection.close()
    """
)


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, OrganizationSettings]:
    path = tmp_path / "settings.db"
    with SqliteStore(path)() as uow:
        saved = uow.organizations.save(OrganizationSettings("acme", fix_enabled=True))
        uow.commit()
    return path, saved


@pytest.fixture
def writer_elsewhere(stored: tuple[Path, OrganizationSettings]) -> Iterator[None]:
    """Another process inside a write transaction on the file, for the whole test."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(stored[0])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        assert child.stdout.readline() == "locked\n"
        yield
    finally:
        child.stdin.write("\n")
        child.stdin.close()
        child.wait(timeout=60)
        child.stdout.close()
    assert child.returncode == 0


@pytest.mark.usefixtures("writer_elsewhere")
def test_a_new_store_reads_while_another_process_holds_the_write_lock(
    stored: tuple[Path, OrganizationSettings],
) -> None:
    # The other process keeps its lock until this test ends, far longer than this busy timeout:
    # a read that waited for the lock would fail with "database is locked".
    path, saved = stored
    store = SqliteStore(path, busy_timeout=2.0)
    with store(read_only=True) as uow:
        assert uow.organizations.get("acme") == saved
        assert uow.projects.list("acme").items == ()


@pytest.mark.usefixtures("writer_elsewhere")
def test_a_write_through_a_new_store_still_takes_the_lock(
    stored: tuple[Path, OrganizationSettings],
) -> None:
    with pytest.raises(StorageError, match="busy"), SqliteStore(stored[0], busy_timeout=0.1)():
        pass


def _foreign_tables(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    connection.execute("INSERT INTO users (name) VALUES ('ada')")
    connection.commit()
    connection.close()


def _another_application(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA application_id = 1234")
    connection.execute("PRAGMA user_version = 1")
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.commit()
    connection.close()


def _a_newer_schema(path: Path) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    _schema.migrate(connection, "fixture")
    connection.execute("PRAGMA user_version = 99")
    connection.close()


REFUSED: dict[str, tuple[Callable[[Path], None], str]] = {
    "foreign_tables": (_foreign_tables, "not ai_settings_core's"),
    "another_application": (_another_application, "not an ai_settings_core database"),
    "a_newer_schema": (_a_newer_schema, "newer"),
}


def _journal_mode(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        connection.close()


@pytest.mark.parametrize("read_only", [True, False], ids=["read", "write"])
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_file_is_left_exactly_as_it_was(
    tmp_path: Path, case: str, *, read_only: bool
) -> None:
    make, message = REFUSED[case]
    path = tmp_path / "other.db"
    make(path)
    before = path.read_bytes()
    with pytest.raises(StorageError, match=message), SqliteStore(path)(read_only=read_only):
        pass
    with pytest.raises(StorageError, match=message):
        SqliteStore(path).schema_version()
    assert path.read_bytes() == before
    assert _journal_mode(path) == "delete"
    assert [p.name for p in tmp_path.iterdir()] == ["other.db"]


@pytest.mark.parametrize("content", [b"", b"\n"], ids=["0_bytes", "1_byte"])
def test_a_read_of_an_empty_file_reads_nothing_and_changes_nothing(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "settings.db"
    path.write_bytes(content)
    store = SqliteStore(path)
    for _ in range(2):  # the first use of the file, and a later one
        with store(read_only=True) as uow:
            assert uow.organizations.get("acme") is None
            assert uow.projects.load_organization("acme").projects == ()
            assert uow.audit.query("acme").items == ()
    assert path.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["settings.db"]
    # A write is what makes it a database.
    with store() as uow:
        saved = uow.projects.save(ProjectSettings("acme", "web"))
        uow.commit()
    with SqliteStore(path)(read_only=True) as uow:
        assert uow.projects.get("acme", "web") == saved
    assert _journal_mode(path) == "wal"


def test_a_read_never_creates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.db"
    store = SqliteStore(path)  # create=True: a write would create it
    with store(read_only=True) as uow:
        assert uow.organizations.get("acme") is None
    assert list(tmp_path.iterdir()) == []
    with store() as uow:
        uow.organizations.save(OrganizationSettings("acme"))
        uow.commit()
    assert path.exists()


def test_a_file_of_ours_in_rollback_journal_mode_is_put_back_in_wal_mode(
    stored: tuple[Path, OrganizationSettings],
) -> None:
    path, saved = stored
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.close()
    with SqliteStore(path)(read_only=True) as uow:
        assert uow.organizations.get("acme") == saved
    assert _journal_mode(path) == "wal"
