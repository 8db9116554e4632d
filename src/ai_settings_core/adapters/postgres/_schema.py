"""The PostgreSQL schema, as a list of forward migrations, and the checks made before use.

Everything lives in one schema of the host's choosing (``ai_settings`` by default). The table
``schema_version`` records each migration applied (its number, when, by which library version);
the schema's version is the largest number there. Version ``n`` is what the statements of
migrations 1..n build. A migration only ever adds.

Migrating is explicit (:meth:`PostgresStore.migrate`, ``ai-settings migrate``) and runs under a
transaction-scoped advisory lock, so servers that start at once take turns and all but the
first find nothing to do. Reads never migrate: a schema that is missing or older than this
library needs raises :class:`~ai_settings_core.errors.StorageError` naming the command to run,
and one newer than it knows is refused.
"""

from __future__ import annotations

from importlib import metadata
from typing import Final

import psycopg
from psycopg import sql

from ai_settings_core.errors import StorageError

__all__: list[str] = []

_POINTS: Final = "('suggestion', 'pull_request', 'merge')"
_EVENTS: Final = (
    "('org_ai_settings.edit', 'project_ai_settings.edit', 'project_ai_settings.reset', "
    "'project_ai_settings.repository_added', 'project_ai_settings.repository_changed', "
    "'project_ai_settings.repository_removed', 'project_ai_settings.bulk_edit')"
)

VERSION_TABLE: Final = """
    CREATE TABLE IF NOT EXISTS schema_version (
        version integer PRIMARY KEY CHECK (version >= 1),
        applied_at timestamptz NOT NULL DEFAULT now(),
        library_version text NOT NULL
    )
"""

V1: Final = (
    f"""
    CREATE TABLE organizations (
        organization_id text COLLATE "C" PRIMARY KEY CHECK (organization_id <> ''),
        scan_enabled boolean NOT NULL,
        fix_enabled boolean NOT NULL,
        stopping_point text NOT NULL CHECK (stopping_point IN {_POINTS}),
        scan_enabled_locked boolean NOT NULL,
        fix_enabled_locked boolean NOT NULL,
        stopping_point_locked boolean NOT NULL,
        max_stopping_point text CHECK (max_stopping_point IN {_POINTS}),
        version integer NOT NULL CHECK (version >= 1)
    )
    """,
    f"""
    CREATE TABLE projects (
        organization_id text COLLATE "C" NOT NULL CHECK (organization_id <> ''),
        project_id text COLLATE "C" NOT NULL CHECK (project_id <> ''),
        scan_enabled_override boolean,
        fix_enabled_override boolean,
        stopping_point_override text CHECK (stopping_point_override IN {_POINTS}),
        environments text[] NOT NULL DEFAULT '{{}}',
        version integer NOT NULL CHECK (version >= 1),
        PRIMARY KEY (organization_id, project_id)
    )
    """,
    f"""
    CREATE TABLE repositories (
        organization_id text COLLATE "C" NOT NULL,
        project_id text COLLATE "C" NOT NULL,
        position integer NOT NULL CHECK (position >= 0),
        provider text NOT NULL CHECK (provider IN ('github', 'gitlab', 'bitbucket')),
        owner text NOT NULL CHECK (owner <> ''),
        name text NOT NULL CHECK (name <> ''),
        owner_key text NOT NULL CHECK (owner_key <> ''),
        name_key text NOT NULL CHECK (name_key <> ''),
        ai_enabled boolean NOT NULL,
        stopping_point_override text CHECK (stopping_point_override IN {_POINTS}),
        branch_patterns text[] NOT NULL CHECK (cardinality(branch_patterns) >= 1),
        PRIMARY KEY (organization_id, project_id, position),
        FOREIGN KEY (organization_id, project_id)
            REFERENCES projects (organization_id, project_id) ON DELETE CASCADE
    )
    """,
    "CREATE SEQUENCE audit_log_ids",
    f"""
    CREATE TABLE audit_log (
        id bigint PRIMARY KEY DEFAULT nextval('audit_log_ids'),
        organization_id text COLLATE "C" NOT NULL CHECK (organization_id <> ''),
        project_id text COLLATE "C" CHECK (project_id <> ''),
        actor text NOT NULL CHECK (actor <> ''),
        event text NOT NULL CHECK (event IN {_EVENTS}),
        target text NOT NULL CHECK (target <> ''),
        occurred_at timestamptz NOT NULL,
        stored_changes json NOT NULL CHECK (json_typeof(stored_changes) = 'array'),
        effective_changes json NOT NULL CHECK (json_typeof(effective_changes) = 'array')
    )
    """,
    "ALTER SEQUENCE audit_log_ids OWNED BY audit_log.id",
    "CREATE INDEX audit_log_by_organization ON audit_log (organization_id, id)",
    "CREATE INDEX audit_log_by_project ON audit_log (organization_id, project_id, id)",
    """
    CREATE INDEX projects_overriding ON projects (organization_id, project_id)
    WHERE scan_enabled_override IS NOT NULL
        OR fix_enabled_override IS NOT NULL
        OR stopping_point_override IS NOT NULL
    """,
)
"""Schema version 1: the tables and their indexes."""

V2: Final = (
    """
    ALTER TABLE organizations
        ADD COLUMN scan_enabled_lock_expires_at timestamptz,
        ADD COLUMN fix_enabled_lock_expires_at timestamptz,
        ADD COLUMN stopping_point_lock_expires_at timestamptz
    """,
    """
    ALTER TABLE projects
        ADD COLUMN scan_enabled_override_expires_at timestamptz,
        ADD COLUMN fix_enabled_override_expires_at timestamptz,
        ADD COLUMN stopping_point_override_expires_at timestamptz
    """,
    "ALTER TABLE repositories ADD COLUMN stopping_point_override_expires_at timestamptz",
)
"""Schema version 2: when overrides and locks expire (``NULL``: never)."""

V3: Final = (
    """
    ALTER TABLE organizations ADD COLUMN invariants json NOT NULL DEFAULT '[]'
        CHECK (json_typeof(invariants) = 'array')
    """,
)
"""Schema version 3: the organization's invariants, a JSON array of invariant payloads."""

V4: Final = (
    "ALTER TABLE audit_log ADD COLUMN change_id text CHECK (change_id <> '')",
    "ALTER TABLE audit_log ADD COLUMN reverts bigint CHECK (reverts > 0)",
)
"""Schema version 4: each audit entry's change (the write it belongs to), what it reverts."""

V5: Final = (
    """
    CREATE TABLE feed_generations (
        organization_id text COLLATE "C" PRIMARY KEY CHECK (organization_id <> ''),
        generation bigint NOT NULL CHECK (generation >= 1),
        floor bigint NOT NULL CHECK (floor >= 0 AND floor < generation)
    )
    """,
    """
    CREATE TABLE feed_changes (
        organization_id text COLLATE "C" NOT NULL CHECK (organization_id <> ''),
        generation bigint NOT NULL CHECK (generation >= 1),
        organization boolean NOT NULL,
        project_ids text CHECK (project_ids IS NULL OR json_typeof(project_ids::json) = 'array'),
        PRIMARY KEY (organization_id, generation)
    )
    """,
)
"""Schema version 5: the change feed (each organization's generation and change records)."""


V6: Final = (
    f"""
    ALTER TABLE repositories ADD COLUMN branch_stopping_points text[]
        CHECK (cardinality(branch_stopping_points) = cardinality(branch_patterns)
            AND array_remove(branch_stopping_points, NULL) <@ ARRAY[{_POINTS[1:-1]}]::text[])
    """,
)
"""Schema version 6: each branch rule's own stopping point, aligned with ``branch_patterns``
(``NULL`` for a rule without one); the column is ``NULL`` when no rule of the repository has
one, as in every row written before."""

MIGRATIONS: Final = (V1, V2, V3, V4, V5, V6)
"""``MIGRATIONS[n - 1]`` takes a schema from version ``n - 1`` to version ``n``."""

CURRENT_VERSION: Final = len(MIGRATIONS)

TABLES: Final = frozenset({"organizations", "projects", "repositories", "audit_log"})


def _library_version() -> str:
    try:
        return metadata.version("ai-settings-core")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def read_version(connection: psycopg.Connection[tuple[object, ...]], schema: str) -> int | None:
    """The schema's version, or ``None`` when it has no version table (never migrated)."""
    table = connection.execute(
        "SELECT to_regclass(%s)", (sql.Identifier(schema, "schema_version").as_string(connection),)
    ).fetchone()
    if table is None or table[0] is None:
        return None
    query = sql.SQL("SELECT coalesce(max(version), 0) FROM {}").format(
        sql.Identifier(schema, "schema_version")
    )
    row = connection.execute(query).fetchone()
    return 0 if row is None else int(str(row[0]))


def refuse_unusable(label: str, version: int | None) -> None:
    """Raise :class:`StorageError` unless a schema at ``version`` can be used as it is."""
    if version is None or version == 0:
        raise StorageError(
            f"{label} is not set up: run `ai-settings --db URL migrate` "
            "(or PostgresStore.migrate()) once before using it."
        )
    refuse_newer(label, version)
    if version < CURRENT_VERSION:
        raise StorageError(
            f"{label} has schema version {version}; this version of ai_settings_core needs "
            f"{CURRENT_VERSION}: run `ai-settings --db URL migrate` (or PostgresStore.migrate())."
        )


def refuse_newer(label: str, version: int) -> None:
    """Raise :class:`StorageError` when the schema is newer than this library knows."""
    if version > CURRENT_VERSION:
        raise StorageError(
            f"{label} has schema version {version}, newer than this version of "
            f"ai_settings_core supports ({CURRENT_VERSION}); upgrade ai_settings_core."
        )


def _foreign_tables(connection: psycopg.Connection[tuple[object, ...]], schema: str) -> set[str]:
    rows = connection.execute(
        "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = %s", (schema,)
    ).fetchall()
    return {str(name) for (name,) in rows} & TABLES


def migrate(
    connection: psycopg.Connection[tuple[object, ...]],
    schema: str,
    *,
    lock_key: int,
    label: str,
    target: int = CURRENT_VERSION,
) -> int:
    """Bring the schema to ``target`` in one transaction; return the version found before.

    ``connection`` is in autocommit mode. The transaction takes the advisory lock ``lock_key``
    first, so concurrent callers take turns; a caller that finds the schema current changes
    nothing.
    """
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key,))
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        connection.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
        found = read_version(connection, schema)
        if found is None:
            clashing = _foreign_tables(connection, schema)
            if clashing:
                raise StorageError(
                    f"{label} holds tables that are not ai_settings_core's "
                    f"({', '.join(sorted(clashing))}) and no schema_version table; "
                    "refusing to use it (name another schema)."
                )
            connection.execute(VERSION_TABLE)
            found = 0
        refuse_newer(label, found)
        library = _library_version()
        for number in range(found + 1, target + 1):
            for statement in MIGRATIONS[number - 1]:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_version (version, library_version) VALUES (%s, %s)",
                (number, library),
            )
    return found
