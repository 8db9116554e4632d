"""The PostgreSQL store beyond the contract: migrations, refusals, pools, the module's example."""

from __future__ import annotations

import threading

import attrs
import psycopg
import psycopg_pool
import pytest
from psycopg import sql

from ai_settings_core import OrganizationSettings, ProjectSettings, StorageError, ValidationError
from ai_settings_core.adapters.postgres import CURRENT_VERSION, PostgresStore
from ai_settings_core.testing import sample_audit_entry, sample_invariants, sample_project
from tests.adapters import upgraded_store_holds_rules
from tests.postgres import drop_schema, fresh_store, postgres_store, schema_name, server_url

__all__ = ["postgres_store"]


def test_the_module_example_runs() -> None:
    """The code of ``ai_settings_core.adapters.postgres``'s docstring, on a real server."""
    url, schema = server_url(), schema_name()
    try:
        store = PostgresStore(url, schema=schema)
        store.migrate()
        with store(organization_id="acme") as uow:
            uow.projects.save(ProjectSettings("acme", "web", fix_enabled_override=True))
            uow.commit()
        with store(read_only=True) as uow:
            project = uow.projects.get("acme", "web")
        store.close()
    finally:
        drop_schema(url, schema)
    assert project == ProjectSettings("acme", "web", fix_enabled_override=True, version=1)


def _tables(url: str, schema: str) -> set[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        ).fetchall()
    return {name for (name,) in rows}


def test_a_read_never_migrates_and_says_what_to_run() -> None:
    with fresh_store(migrate=False) as store:
        with pytest.raises(StorageError, match="not set up: run `ai-settings --db URL migrate`"):
            store(read_only=True).__enter__()
        assert store.schema_version() == 0
        assert _tables(server_url(), store.schema) == set()


def test_migrate_is_idempotent_and_safe_from_many_servers_at_once() -> None:
    url, schema = server_url(), schema_name()
    stores = [PostgresStore(url, schema=schema) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    results: list[object] = []

    def start(store: PostgresStore) -> None:
        barrier.wait()
        try:
            results.append(store.migrate())
        except BaseException as error:  # handed to the test thread
            results.append(error)

    threads = [threading.Thread(target=start, args=(store,)) for store in stores]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [CURRENT_VERSION] * len(stores)
        assert stores[0].migrate() == CURRENT_VERSION
        with psycopg.connect(url) as connection:
            rows = connection.execute(
                sql.SQL("SELECT version FROM {}").format(sql.Identifier(schema, "schema_version"))
            ).fetchall()
        assert rows == [(number,) for number in range(1, CURRENT_VERSION + 1)]
        with stores[1]() as uow:
            uow.projects.save(ProjectSettings("acme", "web"))
            uow.commit()
    finally:
        for store in stores:
            store.close()
        drop_schema(url, schema)


def test_a_newer_schema_is_refused(postgres_store: PostgresStore) -> None:
    with psycopg.connect(server_url(), autocommit=True) as connection:
        connection.execute(
            sql.SQL("INSERT INTO {} (version, library_version) VALUES (%s, 'future')").format(
                sql.Identifier(postgres_store.schema, "schema_version")
            ),
            (CURRENT_VERSION + 1,),
        )
    newer = f"schema version {CURRENT_VERSION + 1}, newer than this version"
    later = PostgresStore(server_url(), schema=postgres_store.schema)
    try:
        with pytest.raises(StorageError, match=newer):
            later(read_only=True).__enter__()
        with pytest.raises(StorageError, match=newer):
            later.migrate()
    finally:
        later.close()


def test_migrate_refuses_a_schema_holding_other_tables() -> None:
    url, schema = server_url(), schema_name()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        connection.execute(
            sql.SQL("CREATE TABLE {} (id int)").format(sql.Identifier(schema, "projects"))
        )
    store = PostgresStore(url, schema=schema)
    try:
        with pytest.raises(StorageError, match=r"tables that are not ai_settings_core's"):
            store.migrate()
    finally:
        store.close()
        drop_schema(url, schema)


@pytest.mark.parametrize(
    ("project", "codes"),
    [
        (ProjectSettings("ac\x00me", "web"), {"organization_id": ["invalid_identifier"]}),
        (ProjectSettings("acme", "w\x00b"), {"project_id": ["invalid_identifier"]}),
        (
            ProjectSettings("acme", "web", environments=frozenset({"pro\x00d"})),
            {"environments": ["invalid_identifier"]},
        ),
        (ProjectSettings("acme", "é" * 300), {"project_id": ["max_length"]}),
    ],
)
def test_values_postgresql_cannot_hold_are_refused(
    postgres_store: PostgresStore, project: ProjectSettings, codes: dict[str, list[str]]
) -> None:
    with postgres_store() as uow:
        kept = uow.projects.save(sample_project("acme", "kept"))
        with pytest.raises(ValidationError) as caught:
            uow.projects.save(project)
        uow.commit()
    assert caught.value.codes == codes
    with postgres_store(read_only=True) as uow:
        assert uow.projects.list("acme").items == (kept,)


def test_lookups_and_entries_with_nul_are_refused(postgres_store: PostgresStore) -> None:
    with postgres_store() as uow:
        with pytest.raises(ValidationError) as lookup:
            uow.projects.get("acme", "w\x00b")
        with pytest.raises(ValidationError) as organization:
            uow.organizations.save(OrganizationSettings("ac\x00me"))
        with pytest.raises(ValidationError) as entry:
            uow.audit.append(attrs.evolve(sample_audit_entry(), actor="user:\x00"))
        with pytest.raises(ValidationError) as cursor:
            uow.projects.list("acme", cursor="after:a\x00")
        saved = uow.audit.append(
            attrs.evolve(sample_audit_entry(), stored_changes=(), effective_changes=())
        )
        uow.commit()
    assert lookup.value.codes == {"project_id": ["invalid_identifier"]}
    assert organization.value.codes == {"organization_id": ["invalid_identifier"]}
    assert entry.value.codes == {"non_field_errors": ["invalid_text"]}
    assert cursor.value.codes == {"cursor": ["invalid_cursor"]}
    with postgres_store(read_only=True) as uow:
        assert uow.audit.query("acme").items == (saved,)


def test_a_hosts_pool_is_borrowed_and_left_as_it_was() -> None:
    url, schema = server_url(), schema_name()
    pool: psycopg_pool.ConnectionPool[psycopg.Connection[tuple[object, ...]]] = (
        psycopg_pool.ConnectionPool(url, min_size=1, max_size=2, open=True)
    )
    try:
        store = PostgresStore(pool, schema=schema)
        store.migrate()
        with store(organization_id="acme") as uow:
            uow.projects.save(sample_project())
            uow.commit()
        with store(read_only=True) as uow:
            assert uow.projects.get("acme", "web") is not None
        store.close()  # the host's pool stays open
        with pool.connection() as connection:
            assert connection.autocommit is False
            assert connection.execute("SHOW search_path").fetchone() == ('"$user", public',)
    finally:
        pool.close()
        drop_schema(url, schema)


def test_scoped_units_check_their_organization_id(postgres_store: PostgresStore) -> None:
    with pytest.raises(ValidationError) as caught:
        postgres_store(organization_id="ac\x00me")
    assert caught.value.codes == {"organization_id": ["invalid_identifier"]}


def test_a_closed_store_refuses_use(postgres_store: PostgresStore) -> None:
    with postgres_store(read_only=True) as uow:
        assert uow.projects.get("acme", "web") is None
    postgres_store.close()
    with pytest.raises(StorageError, match="closed"):
        postgres_store(read_only=True).__enter__()


def test_repositories_of_a_version_1_schema_read_as_rules_without_overrides() -> None:
    from ai_settings_core.adapters.postgres import _schema

    url, schema = server_url(), schema_name()
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            _schema.migrate(connection, schema, lock_key=7, label="v1 fixture", target=1)
            connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            connection.execute(
                "INSERT INTO projects (organization_id, project_id, version) "
                "VALUES ('acme', 'web', 1)"
            )
            connection.execute(
                "INSERT INTO repositories VALUES ('acme', 'web', 0, 'github', 'acme', 'api', "
                "'acme', 'api', true, NULL, ARRAY['main', 'release/*'])"
            )
        store = PostgresStore(url, schema=schema)
        assert store.migrate() == CURRENT_VERSION
        upgraded_store_holds_rules(store, 1)
        with psycopg.connect(url) as connection:
            stored = connection.execute(
                sql.SQL("SELECT branch_patterns, branch_stopping_points FROM {}").format(
                    sql.Identifier(schema, "repositories")
                )
            ).fetchall()
        assert stored == [(["release/*", "main"], ["suggestion", None])]
        store.close()
    finally:
        drop_schema(url, schema)


def test_a_version_1_schema_upgrades_and_its_organizations_take_invariants() -> None:
    from ai_settings_core.adapters.postgres import _schema

    with fresh_store(migrate=False) as store:
        with psycopg.connect(server_url(), autocommit=True) as connection:
            _schema.migrate(
                connection, store.schema, lock_key=store.migration_lock_key, label="v1", target=1
            )
            connection.execute(
                sql.SQL(
                    "INSERT INTO {} VALUES ('acme', true, true, 'suggestion', false, true, "
                    "false, 'pull_request', 4)"
                ).format(sql.Identifier(store.schema, "organizations"))
            )
        assert store.migrate() == CURRENT_VERSION
        with store() as uow:
            organization = uow.organizations.get("acme")
            assert organization is not None
            assert organization.invariants == ()
            assert organization.version == 4
            saved = uow.organizations.save(
                attrs.evolve(organization, invariants=sample_invariants()), expected_version=4
            )
            uow.commit()
        with store(read_only=True) as uow:
            assert uow.organizations.get("acme") == saved
