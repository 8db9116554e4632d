"""A PostgreSQL schema at version 1 upgrades: its audit entries gain an empty change and revert."""

from __future__ import annotations

import datetime as dt

import psycopg
from psycopg import sql

from ai_settings_core.adapters.postgres import CURRENT_VERSION, PostgresStore, _schema
from tests.postgres import drop_schema, schema_name, server_url


def test_a_version_1_audit_log_is_migrated_and_keeps_its_entries() -> None:
    url, schema = server_url(), schema_name()
    store = PostgresStore(url, schema=schema)
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            _schema.migrate(
                connection, schema, lock_key=store.migration_lock_key, label="v1", target=1
            )
            connection.execute(
                sql.SQL(
                    "INSERT INTO {} (organization_id, project_id, actor, event, target, "
                    "occurred_at, stored_changes, effective_changes) "
                    "VALUES ('acme', 'web', 'user:1', 'project_ai_settings.edit', 'web', "
                    "%s, '[]', '[]')"
                ).format(sql.Identifier(schema, "audit_log")),
                (dt.datetime(2024, 6, 1, tzinfo=dt.UTC),),
            )
        assert store.schema_version() == 1
        assert store.migrate() == CURRENT_VERSION
        assert store.schema_version() == CURRENT_VERSION
        with store(read_only=True) as uow:
            (entry,) = uow.audit.query("acme").items
        assert (entry.project_id, entry.change_id, entry.reverts) == ("web", None, None)
    finally:
        store.close()
        drop_schema(url, schema)
