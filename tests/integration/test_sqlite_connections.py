"""A SQLite store's kept connections: reused, shared by threads, never used across ``fork``.

A unit of work gives its connection back to the store when it ends and the next unit takes it.
These tests look at a unit's connection (``uow._handle``) only to tell one connection from
another; everything else goes through the units.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import warnings
from pathlib import Path

import pytest

from ai_settings_core import ProjectSettings
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.errors import InvalidValueError

THREADS = 8
ROUNDS = 20


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "settings.db")
    with store() as uow:
        uow.projects.save(ProjectSettings("acme", "web"))
        uow.commit()
    return store


def test_the_next_unit_reuses_the_connection_of_the_last(store: SqliteStore) -> None:
    with store(read_only=True) as uow:
        first = uow._handle
    with store() as uow:
        assert uow._handle is first
        with store(read_only=True) as inner:  # a unit inside another gets its own
            assert inner._handle is not first
            assert inner.projects.get("acme", "web") is not None
        uow.rollback()


def test_a_closed_store_opens_anew_and_still_works(store: SqliteStore) -> None:
    with store(read_only=True) as uow:
        first = uow._handle
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        first.execute("SELECT 1")
    with store(read_only=True) as uow:
        assert uow._handle is not first
        assert uow.projects.get("acme", "web") is not None


def test_a_forked_child_opens_its_own_connection_and_leaves_the_parents_alone(
    store: SqliteStore,
) -> None:
    with store(read_only=True) as uow:
        parents = uow._handle
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork beside threads (3.12+)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; it reports through its exit status
        status = 1
        try:
            with store() as uow:
                assert uow._handle is not parents
                uow.projects.save(ProjectSettings("acme", "from-the-child"))
                uow.commit()
            with store(read_only=True) as uow:
                assert uow.projects.get("acme", "from-the-child") is not None
            store.close()  # puts the inherited connection aside: closing it is not the child's
            assert parents.total_changes >= 0  # still open (a closed one raises)
            status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with store(read_only=True) as uow:
        assert uow._handle is parents
        assert uow.projects.get("acme", "from-the-child") is not None


def test_many_threads_share_one_store(store: SqliteStore) -> None:
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            start.wait()
            for round_ in range(ROUNDS):
                with store() as uow:
                    uow.projects.save(ProjectSettings("acme", f"p{index}-{round_}"))
                    uow.commit()
                with store(read_only=True) as uow:
                    assert uow.projects.get("acme", f"p{index}-{round_}") is not None
                with store() as uow:  # a read-modify-write of one shared project
                    shared = uow.projects.get("acme", "web")
                    assert shared is not None
                    uow.projects.save(shared)
                    uow.commit()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with store(read_only=True) as uow:
        page = uow.projects.list("acme", limit=1000)
        web = uow.projects.get("acme", "web")
    assert len(page.items) == 1 + THREADS * ROUNDS
    assert web is not None
    assert web.version == 1 + THREADS * ROUNDS  # no update lost


def test_a_replaced_file_gets_new_connections(store: SqliteStore) -> None:
    with store(read_only=True) as uow:
        first = uow._handle
    for name in ("settings.db", "settings.db-wal", "settings.db-shm"):
        (store.path.parent / name).unlink(missing_ok=True)
    with store(read_only=True) as uow:
        assert uow.projects.get("acme", "web") is None  # a missing file reads as empty
    with store() as uow:
        assert uow._handle is not first
        uow.projects.save(ProjectSettings("acme", "api"))
        uow.commit()
    with store(read_only=True) as uow:
        assert uow.projects.get("acme", "api") is not None


@pytest.mark.parametrize(("given", "pragma"), [(None, 2), ("full", 2), ("NORMAL", 1)])
def test_synchronous_is_full_unless_normal_is_asked_for(
    tmp_path: Path, given: str | None, pragma: int
) -> None:
    path = tmp_path / "settings.db"
    store = SqliteStore(path) if given is None else SqliteStore(path, synchronous=given)
    with store() as uow:
        assert uow._handle.execute("PRAGMA synchronous").fetchone() == (pragma,)
        uow.projects.save(ProjectSettings("acme", "web"))
        uow.commit()


@pytest.mark.parametrize("options", [{"synchronous": "off"}, {"pool_size": -1}])
def test_unknown_synchronous_modes_and_negative_pools_are_refused(
    tmp_path: Path, options: dict[str, object]
) -> None:
    with pytest.raises(InvalidValueError):
        SqliteStore(tmp_path / "settings.db", **options)  # type: ignore[arg-type]


def test_a_listener_made_before_the_file_exists_wakes_on_the_commit_that_creates_it(
    tmp_path: Path,
) -> None:
    from ai_settings_core import ProjectSettings

    store = SqliteStore(tmp_path / "later.db")
    listener = store.listen()
    try:
        assert listener.wait(0.02) is False  # no file yet
        with store() as unit:
            unit.projects.save(ProjectSettings("acme", "web"))
            unit.commit()
        assert listener.wait(10.0) is True
        assert listener.wait(0.02) is False  # and only once
    finally:
        listener.close()
