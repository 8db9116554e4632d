"""Buffered writes of a PostgreSQL unit of work, sent in one batch.

Project upserts go out as one ``executemany`` (psycopg pipelines it), their old repositories
leave in one ``DELETE`` per organization, and new repositories and audit entries arrive by
``COPY``. The unit of work wraps a batch in a savepoint. SQL text is this module's constants;
every value is bound or copied as data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from ai_settings_core.adapters import _common, _feed
from ai_settings_core.domain.settings import ProjectSettings
from ai_settings_core.domain.values import StoppingPoint
from ai_settings_core.ports import FEED_RETENTION, Change

if TYPE_CHECKING:
    from ai_settings_core.adapters.postgres._store import Connection

__all__: list[str] = []

_UPSERT: Final = (
    "INSERT INTO projects (organization_id, project_id, scan_enabled_override, "
    "fix_enabled_override, stopping_point_override, environments, version, "
    "scan_enabled_override_expires_at, fix_enabled_override_expires_at, "
    "stopping_point_override_expires_at) "
    "VALUES (%s, %s, %s, %s, %s, %s::text[], %s, %s, %s, %s) "
    "ON CONFLICT (organization_id, project_id) DO UPDATE SET "
    "scan_enabled_override = excluded.scan_enabled_override, "
    "fix_enabled_override = excluded.fix_enabled_override, "
    "stopping_point_override = excluded.stopping_point_override, "
    "environments = excluded.environments, version = excluded.version, "
    "scan_enabled_override_expires_at = excluded.scan_enabled_override_expires_at, "
    "fix_enabled_override_expires_at = excluded.fix_enabled_override_expires_at, "
    "stopping_point_override_expires_at = excluded.stopping_point_override_expires_at"
)
COPY_REPOSITORIES: Final = (
    "COPY repositories (organization_id, project_id, position, provider, owner, name, "
    "owner_key, name_key, ai_enabled, stopping_point_override, branch_patterns, "
    "stopping_point_override_expires_at, branch_stopping_points) FROM STDIN"
)


def _text(value: StoppingPoint | None) -> str | None:
    return None if value is None else value.value


def write_projects(
    connection: Connection, pending: Mapping[tuple[str, str], ProjectSettings | None]
) -> None:
    """Send buffered project writes: old repositories out, deletes, upserts, new repositories."""
    if not pending:
        return
    touched: dict[str, list[str]] = {}
    removed: dict[str, list[str]] = {}
    saved: list[ProjectSettings] = []
    for (organization_id, project_id), project in pending.items():
        touched.setdefault(organization_id, []).append(project_id)
        if project is None:
            removed.setdefault(organization_id, []).append(project_id)
        else:
            saved.append(project)
    with connection.cursor() as cursor:
        for organization_id, project_ids in touched.items():
            cursor.execute(
                "DELETE FROM repositories WHERE organization_id = %s AND project_id = ANY(%s)",
                (organization_id, project_ids),
            )
        for organization_id, project_ids in removed.items():
            cursor.execute(
                "DELETE FROM projects WHERE organization_id = %s AND project_id = ANY(%s)",
                (organization_id, project_ids),
            )
        if not saved:
            return
        cursor.executemany(
            _UPSERT,
            [
                (
                    p.organization_id,
                    p.project_id,
                    p.scan_enabled_override,
                    p.fix_enabled_override,
                    _text(p.stopping_point_override),
                    sorted(p.environments),
                    p.version,
                    p.scan_enabled_override_expires_at,
                    p.fix_enabled_override_expires_at,
                    p.stopping_point_override_expires_at,
                )
                for p in saved
            ],
        )
        repository_rows = [
            (
                p.organization_id,
                p.project_id,
                position,
                *r.repository.key[:1],
                r.repository.owner,
                r.repository.name,
                *r.repository.key[1:],
                r.ai_enabled,
                _text(r.stopping_point_override),
                [rule.pattern.text for rule in r.branch_patterns],
                r.stopping_point_override_expires_at,
                _common.rule_points(r.branch_patterns),
            )
            for p in saved
            for position, r in enumerate(p.repositories)
        ]
        if repository_rows:
            with cursor.copy(COPY_REPOSITORIES) as copy:
                for row in repository_rows:
                    copy.write_row(row)


def write_audit(connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Send buffered audit entries (their ids were reserved when they were appended)."""
    if not rows:
        return
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY audit_log (id, organization_id, project_id, actor, event, target, "
            "occurred_at, stored_changes, effective_changes, change_id, reverts) FROM STDIN"
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)


_PUBLISH: Final = (
    "WITH advanced AS ("
    "INSERT INTO feed_generations AS f (organization_id, generation, floor) VALUES (%s, 1, 0) "
    "ON CONFLICT (organization_id) DO UPDATE SET generation = f.generation + 1, "
    "floor = greatest(f.floor, f.generation + 1 - %s) RETURNING generation, floor), "
    "recorded AS (INSERT INTO feed_changes (organization_id, generation, organization, "
    "project_ids) SELECT %s, generation, %s, %s FROM advanced), "
    "pruned AS (DELETE FROM feed_changes WHERE organization_id = %s "
    "AND generation <= (SELECT floor FROM advanced)) "
    "SELECT pg_notify(%s, '')"
)


def publish(connection: Connection, changes: Sequence[Change], channel: str) -> None:
    """Advance each organization's generation, keep its change record, notify on commit."""
    if not changes:
        return
    connection.cursor().executemany(
        _PUBLISH,
        [
            (
                change.organization_id,
                FEED_RETENTION,
                change.organization_id,
                change.organization,
                _feed.projects_to_json(change),
                change.organization_id,
                channel,
            )
            for change in changes
        ],
    )
