"""PostgreSQL benchmarks: loading an organization of 100,000 projects, saving 10,000 changed.

Each is measured beside a bare psycopg baseline in the same process, on the same server:

- ``load_organization_100k``: ``PostgresStore`` ``load_organization`` into domain objects,
  against a bare ``SELECT`` of the same rows into tuples (the store's own query,
  ``fetchall``) in a ``REPEATABLE READ`` transaction. Target: at most 3x.
- ``save_10k_projects``: 10,000 changed projects (each with a repository and its patterns)
  saved in one unit of work scoped to their organization, against a bare batched write of the
  same rows in one transaction (``executemany`` updating the projects, one ``DELETE`` of
  their repositories, ``executemany`` inserting the new ones). Target: at most 3x.

The server is ``$AI_SETTINGS_TEST_POSTGRES``, else ``postgresql://postgres@127.0.0.1:5432/test``;
the benchmark works in a schema of its own and drops it. Without a server it reports one
information row saying so.

Run: ``python benchmarks/run.py --only bench_postgres``.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import attrs
import psycopg
from psycopg import sql

from ai_settings_core import ProjectSettings, StoppingPoint
from ai_settings_core.adapters.postgres import LOAD_QUERY, PostgresStore
from benchmarks import measure, row
from benchmarks.bench_storage import make_project

ORGANIZATION = "bench"
LOAD_PROJECTS = 100_000
SAVE_PROJECTS = 10_000
TARGET = 3.0
URL = os.environ.get("AI_SETTINGS_TEST_POSTGRES") or "postgresql://postgres@127.0.0.1:5432/test"


def populate(store: PostgresStore, start: int, stop: int) -> None:
    with store(organization_id=ORGANIZATION) as uow:
        for i in range(start, stop):
            uow.projects.save(make_project(i))
        uow.commit()


def bench_load(store: PostgresStore, connection: psycopg.Connection[Any], repeats: int) -> dict:
    populate(store, SAVE_PROJECTS, LOAD_PROJECTS)  # the save benchmark stored the first ones

    def load() -> None:
        with store(read_only=True) as uow:
            state = uow.projects.load_organization(ORGANIZATION)
        assert len(state.projects) == LOAD_PROJECTS

    def bare() -> None:
        with connection.transaction():
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            rows = connection.execute(LOAD_QUERY, (ORGANIZATION,)).fetchall()
        assert len(rows) == LOAD_PROJECTS

    medians = measure({"bare": bare, "load": load}, repeats)
    ratio = medians["load"] / medians["bare"]
    return row(
        f"postgres: load an organization of {LOAD_PROJECTS:,} projects",
        medians["load"],
        baseline_name="bare psycopg SELECT of the same rows into tuples",
        baseline_median_ns=medians["bare"],
        target=f"ratio <= {TARGET:g}",
        passed=ratio <= TARGET,
    )


def bench_save(
    store: PostgresStore, connection: psycopg.Connection[Any], repeats: int
) -> list[dict[str, Any]]:
    generation = [0]

    def changed() -> list[ProjectSettings]:
        generation[0] += 1
        point = list(StoppingPoint)[generation[0] % 3]
        return [
            attrs.evolve(make_project(i), stopping_point_override=point)
            for i in range(SAVE_PROJECTS)
        ]

    populate(store, 0, SAVE_PROJECTS)
    batch = changed()

    def save() -> None:
        with store(organization_id=ORGANIZATION) as uow:
            for project in batch:
                uow.projects.save(project)
            uow.commit()

    def rows() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        project_rows = []
        repository_rows = []
        for project in batch:
            project_rows.append(
                (project.stopping_point_override.value, ORGANIZATION, project.project_id)  # type: ignore[union-attr]
            )
            repository = project.repositories[0]
            ref = repository.repository
            provider, owner_key, name_key = ref.key
            repository_rows.append(
                (
                    ORGANIZATION,
                    project.project_id,
                    0,
                    provider,
                    ref.owner,
                    ref.name,
                    owner_key,
                    name_key,
                    repository.ai_enabled,
                    [p.text for p in repository.branch_patterns],
                )
            )
        return project_rows, repository_rows

    def bare(*, copy: bool = False) -> None:
        project_rows, repository_rows = rows()
        with connection.transaction(), connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE projects SET stopping_point_override = %s, version = version + 1 "
                "WHERE organization_id = %s AND project_id = %s",
                project_rows,
            )
            cursor.execute(
                "DELETE FROM repositories WHERE organization_id = %s AND project_id = ANY(%s)",
                (ORGANIZATION, [r[2] for r in project_rows]),
            )
            if copy:
                with cursor.copy(
                    "COPY repositories (organization_id, project_id, position, provider, "
                    "owner, name, owner_key, name_key, ai_enabled, branch_patterns) FROM STDIN"
                ) as writer:
                    for item in repository_rows:
                        writer.write_row(item)
            else:
                cursor.executemany(
                    "INSERT INTO repositories (organization_id, project_id, position, provider, "
                    "owner, name, owner_key, name_key, ai_enabled, branch_patterns) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    repository_rows,
                )

    medians = measure({"bare": bare, "bare_copy": lambda: bare(copy=True), "save": save}, repeats)
    ratio = medians["save"] / medians["bare"]
    name = f"postgres: save {SAVE_PROJECTS:,} changed projects in one transaction"
    return [
        row(
            name,
            medians["save"],
            baseline_name="bare batched write of the same rows (executemany)",
            baseline_median_ns=medians["bare"],
            target=f"ratio <= {TARGET:g}",
            passed=ratio <= TARGET,
        ),
        row(
            name,
            medians["save"],
            baseline_name="the same, with COPY for the repositories",
            baseline_median_ns=medians["bare_copy"],
        ),
    ]


def run(repeats: int = 5) -> list[dict[str, Any]]:
    """Run the PostgreSQL benchmarks; one row per benchmark."""
    try:
        psycopg.connect(URL, connect_timeout=3).close()
    except psycopg.Error as error:
        return [
            {
                **row(f"postgres: not run, no server at {URL} ({error})".strip(), 0.0),
                "median_ns": None,
            }
        ]
    schema = f"postgres_bench_{uuid.uuid4().hex[:12]}"
    store = PostgresStore(URL, schema=schema)
    connection = psycopg.connect(URL, autocommit=True)
    try:
        store.migrate()
        connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        return [*bench_save(store, connection, repeats), bench_load(store, connection, repeats)]
    finally:
        store.close()
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        connection.close()
