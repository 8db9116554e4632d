"""The SQLite schema, as a list of forward migrations, and the checks made when a file is opened.

Version ``n`` of the schema is what the statements of migrations 1..n build; the file records
it in ``PRAGMA user_version``, and ``PRAGMA application_id`` marks the file as ours. A
migration only ever adds: it never rewrites stored rows in a way older data could not survive.

Opening a file is check first, change after: :func:`inspect` reads what the file holds without
the write lock (so it waits for no other process's writer) and refuses a file that is not ours;
only then does :func:`prepare` change anything, and only what is needed.
"""

from __future__ import annotations

import sqlite3
from typing import Final

import attrs

from ai_settings_core.errors import StorageError

__all__: list[str] = []

APPLICATION_ID: Final = 0x41495343  # "AISC"

_POINTS: Final = "('suggestion', 'pull_request', 'merge')"
_EVENTS: Final = (
    "('org_ai_settings.edit', 'project_ai_settings.edit', 'project_ai_settings.reset', "
    "'project_ai_settings.repository_added', 'project_ai_settings.repository_changed', "
    "'project_ai_settings.repository_removed', 'project_ai_settings.bulk_edit')"
)

V1: Final = (
    f"""
    CREATE TABLE organizations (
        organization_id TEXT PRIMARY KEY NOT NULL CHECK (length(organization_id) > 0),
        scan_enabled INTEGER NOT NULL CHECK (scan_enabled IN (0, 1)),
        fix_enabled INTEGER NOT NULL CHECK (fix_enabled IN (0, 1)),
        stopping_point TEXT NOT NULL CHECK (stopping_point IN {_POINTS}),
        scan_enabled_locked INTEGER NOT NULL CHECK (scan_enabled_locked IN (0, 1)),
        fix_enabled_locked INTEGER NOT NULL CHECK (fix_enabled_locked IN (0, 1)),
        stopping_point_locked INTEGER NOT NULL CHECK (stopping_point_locked IN (0, 1)),
        max_stopping_point TEXT CHECK (max_stopping_point IS NULL
            OR max_stopping_point IN {_POINTS}),
        version INTEGER NOT NULL CHECK (version >= 1)
    ) STRICT
    """,
    f"""
    CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        organization_id TEXT NOT NULL CHECK (length(organization_id) > 0),
        project_id TEXT NOT NULL CHECK (length(project_id) > 0),
        scan_enabled_override INTEGER CHECK (scan_enabled_override IS NULL
            OR scan_enabled_override IN (0, 1)),
        fix_enabled_override INTEGER CHECK (fix_enabled_override IS NULL
            OR fix_enabled_override IN (0, 1)),
        stopping_point_override TEXT CHECK (stopping_point_override IS NULL
            OR stopping_point_override IN {_POINTS}),
        version INTEGER NOT NULL CHECK (version >= 1),
        UNIQUE (organization_id, project_id)
    ) STRICT
    """,
    f"""
    CREATE TABLE repositories (
        id INTEGER PRIMARY KEY,
        project_row INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
        position INTEGER NOT NULL CHECK (position >= 0),
        provider TEXT NOT NULL CHECK (provider IN ('github', 'gitlab', 'bitbucket')),
        owner TEXT NOT NULL CHECK (length(owner) > 0),
        name TEXT NOT NULL CHECK (length(name) > 0),
        owner_key TEXT NOT NULL CHECK (length(owner_key) > 0),
        name_key TEXT NOT NULL CHECK (length(name_key) > 0),
        ai_enabled INTEGER NOT NULL CHECK (ai_enabled IN (0, 1)),
        stopping_point_override TEXT CHECK (stopping_point_override IS NULL
            OR stopping_point_override IN {_POINTS}),
        UNIQUE (project_row, provider, owner_key, name_key),
        UNIQUE (project_row, position)
    ) STRICT
    """,
    """
    CREATE TABLE branch_patterns (
        repository_row INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
        position INTEGER NOT NULL CHECK (position >= 0),
        pattern TEXT NOT NULL CHECK (length(pattern) BETWEEN 1 AND 255),
        PRIMARY KEY (repository_row, position)
    ) STRICT, WITHOUT ROWID
    """,
    """
    CREATE TABLE environments (
        project_row INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
        name TEXT NOT NULL CHECK (length(name) > 0),
        PRIMARY KEY (project_row, name)
    ) STRICT, WITHOUT ROWID
    """,
    f"""
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        organization_id TEXT NOT NULL CHECK (length(organization_id) > 0),
        project_id TEXT CHECK (project_id IS NULL OR length(project_id) > 0),
        actor TEXT NOT NULL CHECK (length(actor) > 0),
        event TEXT NOT NULL CHECK (event IN {_EVENTS}),
        target TEXT NOT NULL CHECK (length(target) > 0),
        occurred_at TEXT NOT NULL CHECK (occurred_at GLOB
            '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].*Z'),
        stored_changes TEXT NOT NULL CHECK (json_valid(stored_changes)
            AND json_type(stored_changes) = 'array'),
        effective_changes TEXT NOT NULL CHECK (json_valid(effective_changes)
            AND json_type(effective_changes) = 'array')
    ) STRICT
    """,
    "CREATE INDEX audit_log_by_organization ON audit_log (organization_id, id)",
)
"""Schema version 1: the tables."""

V2: Final = (
    "CREATE INDEX audit_log_by_project ON audit_log (organization_id, project_id, id)",
    """
    CREATE INDEX projects_overriding ON projects (organization_id, project_id)
    WHERE scan_enabled_override IS NOT NULL
        OR fix_enabled_override IS NOT NULL
        OR stopping_point_override IS NOT NULL
    """,
)
"""Schema version 2: indexes for audit queries by project and for listing overriding projects."""

_MOMENT: Final = (
    "GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].*Z'"
)


def _expiry_column(table: str, column: str) -> str:
    return (
        f"ALTER TABLE {table} ADD COLUMN {column} TEXT "
        f"CHECK ({column} IS NULL OR {column} {_MOMENT})"
    )


V3: Final = (
    *(
        _expiry_column("organizations", f"{setting}_lock_expires_at")
        for setting in ("scan_enabled", "fix_enabled", "stopping_point")
    ),
    *(
        _expiry_column("projects", f"{setting}_override_expires_at")
        for setting in ("scan_enabled", "fix_enabled", "stopping_point")
    ),
    _expiry_column("repositories", "stopping_point_override_expires_at"),
)
"""Schema version 3: when overrides and locks expire (``NULL``: never), as UTC text."""

V4: Final = (
    """
    ALTER TABLE organizations ADD COLUMN invariants TEXT NOT NULL DEFAULT '[]'
        CHECK (json_valid(invariants) AND json_type(invariants) = 'array')
    """,
)
"""Schema version 4: the organization's invariants, a JSON array of invariant payloads."""

V5: Final = (
    "ALTER TABLE audit_log ADD COLUMN change_id TEXT CHECK (length(change_id) > 0)",
    "ALTER TABLE audit_log ADD COLUMN reverts INTEGER CHECK (reverts IS NULL OR reverts > 0)",
)
"""Schema version 5: each audit entry's change (the write it belongs to), what it reverts."""

V6: Final = (
    """
    CREATE TABLE feed_generations (
        organization_id TEXT PRIMARY KEY NOT NULL CHECK (length(organization_id) > 0),
        generation INTEGER NOT NULL CHECK (generation >= 1),
        floor INTEGER NOT NULL CHECK (floor >= 0 AND floor < generation)
    ) STRICT
    """,
    """
    CREATE TABLE feed_changes (
        organization_id TEXT NOT NULL CHECK (length(organization_id) > 0),
        generation INTEGER NOT NULL CHECK (generation >= 1),
        organization INTEGER NOT NULL CHECK (organization IN (0, 1)),
        project_ids TEXT CHECK (project_ids IS NULL OR (json_valid(project_ids)
            AND json_type(project_ids) = 'array')),
        PRIMARY KEY (organization_id, generation)
    ) STRICT, WITHOUT ROWID
    """,
)
"""Schema version 6: the change feed (each organization's generation and change records)."""


V7: Final = (
    f"""
    ALTER TABLE branch_patterns ADD COLUMN stopping_point_override TEXT
        CHECK (stopping_point_override IS NULL OR stopping_point_override IN {_POINTS})
    """,
)
"""Schema version 7: a branch rule's own stopping point (``NULL``: the repository's). Rows of
older files read as rules without one, which is what they were."""

MIGRATIONS: Final = (V1, V2, V3, V4, V5, V6, V7)
"""``MIGRATIONS[n - 1]`` takes a database from version ``n - 1`` to version ``n``."""

CURRENT_VERSION: Final = len(MIGRATIONS)

TABLES: Final = frozenset(
    {"organizations", "projects", "repositories", "branch_patterns", "environments", "audit_log"}
)


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' "
        "ESCAPE '!'"
    ).fetchall()
    return {name for (name,) in rows}


def _refuse_foreign(label: str, version: int, application_id: int, tables: set[str]) -> None:
    """Raise :class:`StorageError` unless the file is empty or one of ours we can read."""
    if application_id not in {0, APPLICATION_ID}:
        raise StorageError(
            f"{label} is not an ai_settings_core database "
            f"(its application_id is {application_id:#x})."
        )
    if version == 0 and tables:
        raise StorageError(
            f"{label} holds tables that are not ai_settings_core's "
            f"({', '.join(sorted(tables))}); refusing to use it."
        )
    if version > CURRENT_VERSION:
        raise StorageError(
            f"{label} has schema version {version}, newer than this version of "
            f"ai_settings_core supports ({CURRENT_VERSION}); upgrade ai_settings_core."
        )
    missing = TABLES - tables
    if version > 0 and (application_id != APPLICATION_ID or missing):
        raise StorageError(
            f"{label} is not an ai_settings_core database "
            f"(missing tables: {', '.join(sorted(missing)) or 'none'}; "
            f"application_id {application_id:#x})."
        )


def migrate(connection: sqlite3.Connection, label: str, *, target: int = CURRENT_VERSION) -> int:
    """Check the file is ours and bring its schema to ``target``; return the version found.

    Runs in its own ``BEGIN IMMEDIATE`` transaction, so concurrent openers take turns.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        application_id = int(connection.execute("PRAGMA application_id").fetchone()[0])
        _refuse_foreign(label, version, application_id, _tables(connection))
        for number in range(version + 1, target + 1):
            for statement in MIGRATIONS[number - 1]:
                connection.execute(statement)
        if version < target:
            # PRAGMA takes no parameters; both values are this module's integer constants.
            connection.execute(f"PRAGMA application_id = {int(APPLICATION_ID)}")
            connection.execute(f"PRAGMA user_version = {int(target)}")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return int(version)


@attrs.frozen
class FileState:
    """What an opened file holds, as :func:`inspect` read it.

    Attributes:
        version: ``PRAGMA user_version``: the schema version (0: none yet).
        application_id: ``PRAGMA application_id`` (ours, or 0 before the first migration).
        tables: The names of its tables.
        journal_mode: ``PRAGMA journal_mode``, lower case.
    """

    version: int
    application_id: int
    tables: frozenset[str]
    journal_mode: str

    @property
    def empty(self) -> bool:
        """Whether the file holds no database yet (an empty file reads so)."""
        return self.version == 0 and not self.tables

    @property
    def ready(self) -> bool:
        """Whether the file needs no change: the current schema, in write-ahead-log mode."""
        return self.version == CURRENT_VERSION and self.journal_mode == "wal"


def inspect(connection: sqlite3.Connection, label: str) -> FileState:
    """Read what the file holds, in one snapshot and without the write lock; change nothing.

    Raises:
        StorageError: The file is not ours, or has a newer schema (see :func:`migrate`).
        sqlite3.DatabaseError: The file is not a SQLite database.
    """
    connection.execute("BEGIN")
    try:
        found = FileState(
            int(connection.execute("PRAGMA user_version").fetchone()[0]),
            int(connection.execute("PRAGMA application_id").fetchone()[0]),
            frozenset(_tables(connection)),
            str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower(),
        )
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
    _refuse_foreign(label, found.version, found.application_id, set(found.tables))
    return found


def prepare(connection: sqlite3.Connection, label: str, found: FileState) -> None:
    """Bring a file :func:`inspect` accepted to the current schema, in write-ahead-log mode.

    Changes only what ``found`` says is needed: a file that is :attr:`FileState.ready` is not
    touched, and the write lock is taken only to migrate.
    """
    if found.version < CURRENT_VERSION:
        migrate(connection, label)
    if found.journal_mode != "wal":
        # WAL persists in the file once set.
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StorageError(f"{label} cannot use write-ahead logging ({mode}).")
