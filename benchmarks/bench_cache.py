"""``DecisionCache``: decisions through the cache, refreshes, and commit-to-answer latency.

- ``decide`` through the cache's organization handle beside the bare snapshot, on the events
  of ``bench_decide`` (10,000 projects); target: at most 1.2x. ``DecisionCache.decide(org, ...)``
  (one more call and a clock read per decision) is shown for information.
- A check of the store after one project changed, in an organization of 100,000 projects
  (in memory: the cache's own cost, one changed project re-read and replaced); target: at
  most 2 ms. A whole reload of that organization is shown beside it.
- The time from the start of a commit in this process to a changed answer in a reader
  process (default staleness, the store's listener), on SQLite and PostgreSQL: median and
  p99 (information; the machine running it is shared, so these are noisy).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from pathlib import Path
from typing import Any

from ai_settings_core import DecisionSnapshot, MemoryStore, ProjectSettings
from ai_settings_core.cache import DecisionCache
from benchmarks import measure, row
from benchmarks.bench_decide import _events, _organization, _projects

MAX_RATIO = 1.2
MAX_REFRESH_NS = 2e6
BIG = 100_000
LATENCY_SAMPLES = 30


def _store(projects: list[ProjectSettings]) -> MemoryStore:
    store = MemoryStore()
    with store() as uow:
        uow.organizations.save(_organization())
        for project in projects:
            uow.projects.save(project)
        uow.commit()
    return store


def run(repeats: int) -> list[dict[str, object]]:
    """Measure and return the rows (see ``benchmarks/run.py``)."""
    import random  # noqa: PLC0415

    rng = random.Random(7)
    projects = _projects(rng)
    events = _events(rng, projects)
    store = _store(projects)
    rows: list[dict[str, object]] = []
    with DecisionCache(store, max_staleness=60) as cache:
        snapshot = cache.snapshot("acme")
        handle = cache.organization("acme")

        def bare() -> None:
            answer = snapshot.decide
            for project_id, repository, branch, environment in events:
                answer(project_id, repository, branch, environment)

        def through_handle() -> None:
            for project_id, repository, branch, environment in events:
                handle.decide(project_id, repository, branch, environment)

        def through_cache() -> None:
            answer = cache.decide
            for project_id, repository, branch, environment in events:
                answer("acme", project_id, repository, branch, environment)

        times = measure({"bare": bare, "handle": through_handle, "cache": through_cache}, repeats)
    per = {name: value / len(events) for name, value in times.items()}
    rows.append(
        row(
            "decide via DecisionCache.organization(org).decide",
            per["handle"],
            baseline_name="DecisionSnapshot.decide",
            baseline_median_ns=per["bare"],
            target=f"<= {MAX_RATIO}x",
            passed=per["handle"] <= MAX_RATIO * per["bare"],
        )
    )
    rows.append(
        row(
            "decide via DecisionCache.decide(org, ...)",
            per["cache"],
            baseline_name="DecisionSnapshot.decide",
            baseline_median_ns=per["bare"],
        )
    )
    rows.extend(_refresh_rows(rng, repeats))
    for kind in ("sqlite", "postgres"):
        rows.extend(_latency_rows(kind))
    return rows


def _refresh_rows(rng: Any, repeats: int) -> list[dict[str, object]]:
    projects = _projects(rng, BIG)
    store = _store(projects)
    samples = []
    with DecisionCache(store, max_staleness=3600, listen=False) as cache:
        cache.snapshot("acme")
        for index in range(max(repeats, 5)):
            project = projects[index]
            with store() as uow:
                uow.projects.save(ProjectSettings("acme", project.project_id))
                uow.commit()
            start = time.perf_counter_ns()
            cache.refresh()
            samples.append(time.perf_counter_ns() - start)
        assert cache.reloads == 1

    def reload() -> None:
        with store(read_only=True) as uow:
            state = uow.projects.load_organization("acme")
        DecisionSnapshot.prepare(state.organization, state.projects)

    reloaded = measure({"reload": reload}, max(1, min(repeats, 3)), warmup=0)["reload"]
    refresh = float(statistics.median(samples))
    return [
        row(
            f"refresh after one project changed, {BIG:,} projects",
            refresh,
            baseline_name="reload the organization",
            baseline_median_ns=reloaded,
            target="<= 2 ms",
            passed=refresh <= MAX_REFRESH_NS,
        )
    ]


def _reader(where: dict[str, str], ready: Any, seen: Any) -> None:
    store = _open(where)
    with DecisionCache(store) as cache:
        handle = cache.organization("acme")
        ready.put(True)
        last = handle.decide("web").scan
        while True:
            answer = handle.decide("web").scan
            if answer != last:
                seen.put(time.monotonic())
                last = answer
                if seen.qsize() >= LATENCY_SAMPLES:
                    break
            time.sleep(0.0001)


def _open(where: dict[str, str]) -> Any:
    if where["kind"] == "sqlite":
        from ai_settings_core.adapters.sqlite import SqliteStore  # noqa: PLC0415

        return SqliteStore(where["path"])
    from ai_settings_core.adapters.postgres import PostgresStore  # noqa: PLC0415

    return PostgresStore(where["url"], schema=where["schema"])


def _latency_rows(kind: str) -> list[dict[str, object]]:
    import tempfile  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as directory:
        if kind == "sqlite":
            where = {"kind": "sqlite", "path": str(Path(directory) / "latency.db")}
            cleanup = None
        else:
            url = os.environ.get(
                "AI_SETTINGS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
            )
            schema = f"bench_cache_{os.getpid()}"
            where = {"kind": "postgres", "url": url, "schema": schema}
            try:
                _open(where).migrate()
            except Exception as error:
                return [row(f"commit to changed answer, {kind} (no server: {error})"[:90], 0.0)]
            cleanup = (url, schema)
        try:
            return _latency(kind, where)
        finally:
            if cleanup is not None:
                import psycopg  # noqa: PLC0415
                from psycopg import sql  # noqa: PLC0415

                with psycopg.connect(cleanup[0], autocommit=True) as connection:
                    connection.execute(
                        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                            sql.Identifier(cleanup[1])
                        )
                    )


def _latency(kind: str, where: dict[str, str]) -> list[dict[str, object]]:
    store = _open(where)
    with store() as uow:
        uow.projects.save(ProjectSettings("acme", "web"))
        uow.commit()
    context = multiprocessing.get_context("spawn")
    ready, seen = context.Queue(), context.Queue()
    reader = context.Process(target=_reader, args=(where, ready, seen), daemon=True)
    reader.start()
    ready.get(timeout=300)
    delays = []
    try:
        for index in range(LATENCY_SAMPLES):
            time.sleep(0.2)
            with store() as uow:
                uow.projects.save(
                    ProjectSettings("acme", "web", scan_enabled_override=index % 2 == 1)
                )
                started = time.monotonic()
                uow.commit()
            delays.append((seen.get(timeout=60) - started) * 1e9)
    finally:
        reader.join(timeout=10)
        if reader.is_alive():
            reader.kill()
        if hasattr(store, "close"):
            store.close()
    delays.sort()
    p99 = delays[min(len(delays) - 1, round(0.99 * (len(delays) - 1)))]
    return [
        row(
            f"commit to changed answer in another process, {kind}, median",
            statistics.median(delays),
        ),
        row(f"commit to changed answer in another process, {kind}, p99", p99),
    ]
