"""Databases from before expiries upgrade: their records read back as before, and then expire.

A SQLite file at schema version 2 and a PostgreSQL schema at version 1 (the last versions
without expiry columns) hold records written with their columns; opened (migrated) by this
version they read back unchanged, with no expiry, and take records that expire.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import attrs
import psycopg

from ai_settings_core import OrganizationSettings, ProjectSettings, Setting, StoppingPoint
from ai_settings_core.adapters.postgres import PostgresStore
from ai_settings_core.adapters.postgres import _schema as postgres_schema
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.adapters.sqlite import _schema as sqlite_schema
from ai_settings_core.ports import UnitOfWorkFactory
from tests.postgres import drop_schema, schema_name, server_url

MONDAY = dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)
STORED_ORGANIZATION = OrganizationSettings(
    "acme", fix_enabled=True, locked=frozenset({Setting.FIX_ENABLED}), version=1
)
STORED_PROJECT = ProjectSettings(
    "acme",
    "web",
    fix_enabled_override=False,
    stopping_point_override=StoppingPoint.MERGE,
    version=1,
)


def _reads_back_then_expires(store: UnitOfWorkFactory) -> None:
    with store(read_only=True) as uow:
        assert uow.organizations.get("acme") == STORED_ORGANIZATION
        assert uow.projects.get("acme", "web") == STORED_PROJECT
    expiring = attrs.evolve(STORED_PROJECT, fix_enabled_override_expires_at=MONDAY)
    locking = attrs.evolve(STORED_ORGANIZATION, fix_enabled_lock_expires_at=MONDAY)
    with store(organization_id="acme") as uow:
        uow.projects.save(expiring, expected_version=1)
        uow.organizations.save(locking, expected_version=1)
        uow.commit()
    with store(read_only=True) as uow:
        assert uow.projects.get("acme", "web") == attrs.evolve(expiring, version=2)
        assert uow.organizations.get("acme") == attrs.evolve(locking, version=2)


def test_a_sqlite_file_from_before_expiries_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    connection = sqlite3.connect(path, isolation_level=None)
    sqlite_schema.migrate(connection, "v2 fixture", target=2)
    connection.execute(
        "INSERT INTO organizations VALUES ('acme', 1, 1, 'pull_request', 0, 1, 0, NULL, 1)"
    )
    connection.execute(
        "INSERT INTO projects (organization_id, project_id, scan_enabled_override, "
        "fix_enabled_override, stopping_point_override, version) "
        "VALUES ('acme', 'web', NULL, 0, 'merge', 1)"
    )
    connection.close()
    store = SqliteStore(path)
    assert store.schema_version() == sqlite_schema.CURRENT_VERSION
    _reads_back_then_expires(store)


def test_a_postgresql_schema_from_before_expiries_upgrades() -> None:
    url, schema = server_url(), schema_name()
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            postgres_schema.migrate(connection, schema, lock_key=1, label="v1 fixture", target=1)
            connection.execute(f'SET search_path TO "{schema}"')
            connection.execute(
                "INSERT INTO organizations VALUES "
                "('acme', true, true, 'pull_request', false, true, false, NULL, 1)"
            )
            connection.execute(
                "INSERT INTO projects (organization_id, project_id, scan_enabled_override, "
                "fix_enabled_override, stopping_point_override, version) "
                "VALUES ('acme', 'web', NULL, false, 'merge', 1)"
            )
        store = PostgresStore(url, schema=schema)
        try:
            assert store.migrate() == postgres_schema.CURRENT_VERSION
            _reads_back_then_expires(store)
        finally:
            store.close()
    finally:
        drop_schema(url, schema)
