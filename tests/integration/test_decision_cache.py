"""DecisionCache across processes, threads and fork, on SQLite and PostgreSQL.

Staleness is checked as a guarantee, not a timing: a reader told that a change was committed
at monotonic time ``t`` (the clock is shared by the processes of one machine) waits until
``t + max_staleness`` and must then answer from the change, whatever the load.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ai_settings_core import MemoryStore, OrganizationSettings, ProjectSettings, Setting
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.cache import DecisionCache
from ai_settings_core.errors import InvalidValueError
from tests import postgres

pytestmark = pytest.mark.integration

STALENESS = 0.4
STEPS = 5


def _save(store: Any, *projects: ProjectSettings) -> None:
    with store() as uow:
        for project in projects:
            uow.projects.save(project)
        uow.commit()


def _open(where: dict[str, str]) -> Any:
    if where["kind"] == "sqlite":
        return SqliteStore(where["path"])
    from ai_settings_core.adapters.postgres import PostgresStore

    return PostgresStore(where["url"], schema=where["schema"])


def _observed(cache: DecisionCache, announced: int) -> int:
    """How many steps, in order, the cache answers from (step i: project p{i} scans off)."""
    seen = 0
    for step in range(1, announced + 1):
        if cache.decide("acme", f"p{step}").scan:
            break
        seen = step
    return seen


def _reader(where: dict[str, str], inbox: Any, outbox: Any) -> None:
    """A reader process: decides all the time; checks the bound and that it never goes back."""
    store = _open(where)
    problems: list[str] = []
    with DecisionCache(store, max_staleness=STALENESS) as cache:
        cache.decide("acme", "p0")
        outbox.put("ready")
        announced, best = 0, 0
        while True:
            try:
                message = inbox.get(timeout=0.001)
            except queue.Empty:
                message = None
            if message == "stop":
                break
            if message is not None:
                step, committed_at = message
                announced = step
                while time.monotonic() < committed_at + STALENESS:
                    seen = _observed(cache, announced)
                    if seen < best:
                        problems.append(f"went back from step {best} to {seen}")
                    best = max(best, seen)
                seen = _observed(cache, announced)
                if seen < step:
                    problems.append(f"step {step} not seen {STALENESS}s after its commit")
                best = max(best, seen)
            seen = _observed(cache, announced)
            if seen < best:
                problems.append(f"went back from step {best} to {seen}")
            best = max(best, seen)
    outbox.put(problems)


def _terminate_listeners(where: dict[str, str], channel: str) -> int:
    import psycopg

    with psycopg.connect(where["url"], autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE %s AND pid <> pg_backend_pid()",
            (f"%LISTEN%{channel}%",),
        ).fetchall()
    return len(rows)


@pytest.fixture(params=["sqlite", "postgres"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    if request.param == "sqlite":
        yield {"kind": "sqlite", "path": str(tmp_path / "fleet.db")}
        return
    with postgres.fresh_store() as store:
        yield {"kind": "postgres", "url": postgres.server_url(), "schema": store.schema}


# Only PostgreSQL notifies, so only there can notifications be cut; SQLite is polled.
@pytest.mark.parametrize(
    ("where", "cut"),
    [("sqlite", False), ("postgres", False), ("postgres", True)],
    ids=["sqlite", "postgres-notified", "postgres-notifications-cut"],
    indirect=["where"],
)
def test_readers_see_each_commit_within_the_bound_and_never_go_back(
    where: dict[str, str], cut: bool
) -> None:
    store = _open(where)
    _save(store, ProjectSettings("acme", "p0"))
    context = multiprocessing.get_context("spawn")
    outbox = context.Queue()
    inboxes = [context.Queue() for _ in range(2)]
    readers = [context.Process(target=_reader, args=(where, inbox, outbox)) for inbox in inboxes]
    for reader in readers:
        reader.start()
    try:
        assert [outbox.get(timeout=120) for _ in readers] == ["ready", "ready"]
        for step in range(1, STEPS + 1):
            if cut and step == 2:
                # Kill every listener's connection: readers must still see each change.
                deadline = time.monotonic() + 60
                while not _terminate_listeners(where, store.feed_channel):
                    assert time.monotonic() < deadline, "no listener connection to kill"
                    time.sleep(0.05)
            _save(store, ProjectSettings("acme", f"p{step}", scan_enabled_override=False))
            committed_at = time.monotonic()
            for inbox in inboxes:
                inbox.put((step, committed_at))
            time.sleep(STALENESS / 2)
        for inbox in inboxes:
            inbox.put("stop")
        results = [outbox.get(timeout=120) for _ in readers]
    finally:
        for reader in readers:
            reader.join(timeout=60)
            if reader.is_alive():
                reader.kill()
        if hasattr(store, "close"):
            store.close()
    assert results == [[], []]


def test_a_project_change_refreshes_only_that_project() -> None:
    store = MemoryStore()
    _save(store, *(ProjectSettings("acme", f"p{i}") for i in range(50)))
    with DecisionCache(store, max_staleness=60) as cache:
        assert cache.decide("acme", "p3").scan is True
        before = cache.snapshot("acme")
        _save(store, ProjectSettings("acme", "p3", scan_enabled_override=False))
        cache.refresh()
        assert cache.decide("acme", "p3").scan is False
        assert cache.reloads == 1  # the first load only
        assert cache.snapshot("acme").projects["p7"] is before.projects["p7"]
        with store() as uow:
            uow.projects.delete("acme", "p3")
            uow.organizations.save(
                OrganizationSettings(
                    "acme", scan_enabled=False, locked=frozenset({Setting.SCAN_ENABLED})
                )
            )
            uow.commit()
        cache.refresh()
        assert cache.decide("acme", "p7").scan is False
        assert "p3" not in cache.snapshot("acme").projects
        assert cache.reloads == 1
        assert cache.generation("acme") == 3
        (status,) = cache.status()
        assert (status.organization_id, status.generation, status.projects) == ("acme", 3, 49)
        assert status.last_error is None


def test_the_watcher_follows_a_listener_without_being_asked() -> None:
    store = MemoryStore()
    _save(store, ProjectSettings("acme", "web"))
    with DecisionCache(store, max_staleness=3600) as cache:
        handle = cache.organization("acme")
        assert handle.decide("web").scan is True
        _save(store, ProjectSettings("acme", "web", scan_enabled_override=False))
        deadline = time.monotonic() + 60
        while handle.decide("web").scan and time.monotonic() < deadline:
            time.sleep(0.001)
        assert handle.decide("web").scan is False


def test_threads_deciding_while_a_writer_writes_never_go_back() -> None:
    store = MemoryStore()
    _save(store, ProjectSettings("acme", "p0"))
    problems: list[str] = []
    stop = threading.Event()
    with DecisionCache(store, max_staleness=0.05) as cache:
        cache.decide("acme", "p0")

        def read() -> None:
            best = 0
            while not stop.is_set():
                seen = _observed(cache, STEPS * 4)
                if seen < best:
                    problems.append(f"went back from {best} to {seen}")
                best = max(best, seen)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for step in range(1, STEPS * 4 + 1):
            _save(store, ProjectSettings("acme", f"p{step}", scan_enabled_override=False))
            cache.refresh() if step % 3 == 0 else time.sleep(0.01)
        stop.set()
        for thread in threads:
            thread.join()
        cache.refresh()
        assert _observed(cache, STEPS * 4) == STEPS * 4
    assert problems == []


def _child_decides(path: str, results: Any) -> None:
    """In a forked child: the inherited cache must check the store on its own listener."""
    from ai_settings_core import cache as cache_module

    cache = _FORKED["cache"]
    parent_listener = _FORKED["listener"]
    results.put(
        (
            cache.decide("acme", "web").scan,
            parent_listener in cache_module._INHERITED,
            cache._listener is not parent_listener,
            os.getpid(),
        )
    )
    cache.close()


_FORKED: dict[str, Any] = {}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_checks_the_store_on_its_own_listener(tmp_path: Path) -> None:
    path = tmp_path / "preloaded.db"
    store = SqliteStore(path)
    _save(store, ProjectSettings("acme", "web"))
    with DecisionCache(store, max_staleness=3600) as cache:
        assert cache.decide("acme", "web").scan is True  # preloaded; the watcher listens
        deadline = time.monotonic() + 60
        while cache._listener is None and time.monotonic() < deadline:
            time.sleep(0.01)
        _FORKED.update(cache=cache, listener=cache._listener)
        assert _FORKED["listener"] is not None
        # A change the parent's snapshot does not hold yet (its bound is an hour).
        _save(store, ProjectSettings("acme", "web", scan_enabled_override=False))
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        child = context.Process(target=_child_decides, args=(str(path), results))
        child.start()
        scan, put_aside, own_listener, pid = results.get(timeout=120)
        child.join(timeout=60)
        assert child.exitcode == 0
        assert pid != os.getpid()
        assert (scan, put_aside, own_listener) == (False, True, True)
        # The parent's listener still works: it wakes on the next commit.
        cache.refresh()
        assert cache.decide("acme", "web").scan is False
    _FORKED.clear()


def test_a_store_that_cannot_be_read_keeps_the_last_snapshot_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    store = SqliteStore(path)
    _save(store, ProjectSettings("acme", "web", scan_enabled_override=False))
    times = [0.0]
    with DecisionCache(store, max_staleness=1, listen=False, clock=lambda: times[0]) as cache:
        assert cache.decide("acme", "web").scan is False
        path.write_bytes(b"not a database" * 100)
        store.close()
        times[0] = 5.0
        assert cache.decide("acme", "web").scan is False  # stale, but an answer
        (status,) = cache.status()
        assert status.last_error is not None
        assert status.age == 5.0


@pytest.mark.parametrize("bad", [0, -1, True, "1", float("nan"), 10**9])
def test_bad_durations_are_refused(bad: object) -> None:
    with pytest.raises(InvalidValueError):
        DecisionCache(MemoryStore(), max_staleness=bad)  # type: ignore[arg-type]


def test_an_override_that_expires_stops_answering_without_a_write() -> None:
    import datetime as dt

    moment = [dt.datetime(2026, 12, 1, tzinfo=dt.UTC)]
    store = MemoryStore()
    until = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    _save(
        store,
        ProjectSettings(
            "acme", "web", scan_enabled_override=False, scan_enabled_override_expires_at=until
        ),
    )
    with DecisionCache(store, max_staleness=3600, now=lambda: moment[0]) as cache:
        assert cache.decide("acme", "web").scan is False
        moment[0] = until + dt.timedelta(seconds=1)
        assert cache.decide("acme", "web").scan is True
        assert cache.organization("acme").decide("web").scan is True
