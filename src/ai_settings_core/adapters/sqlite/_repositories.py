"""The repositories of a SQLite unit of work: organizations, projects and the audit log.

Each write runs inside the unit's ``_writing()`` (one savepoint per write, see
:class:`~ai_settings_core.adapters._unit_of_work.UnitOfWorkBase`); each read inside its
``_reading()``. SQL is joined only from constant fragments and "?" placeholders.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ai_settings_core.adapters import _common, _feed
from ai_settings_core.adapters.sqlite import _rows
from ai_settings_core.adapters.sqlite._collector import collector_paused
from ai_settings_core.domain.audit import AuditEntry
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings, Setting
from ai_settings_core.errors import StorageError
from ai_settings_core.ports import (
    DEFAULT_PAGE_SIZE,
    Change,
    ChangesSince,
    OrganizationState,
    Page,
)

if TYPE_CHECKING:
    from ai_settings_core.adapters.sqlite._unit_of_work import SqliteUnitOfWork

__all__: list[str] = []


@attrs.frozen
class _Organizations:
    _uow: SqliteUnitOfWork

    def get(self, organization_id: str) -> OrganizationSettings | None:
        with self._uow._reading() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            return _get_organization(connection, organization_id)

    def save(
        self, settings: OrganizationSettings, expected_version: int | None = None
    ) -> OrganizationSettings:
        with self._uow._writing(getattr(settings, "organization_id", None)) as connection:  # noqa: SLF001
            _common.check_organization(settings)
            row = connection.execute(
                "SELECT version FROM organizations WHERE organization_id = ?",
                (settings.organization_id,),
            ).fetchone()
            actual = 0 if row is None else row[0]
            _common.check_expected(
                f"Organization {settings.organization_id!r}", expected_version, actual
            )
            saved = attrs.evolve(settings, version=actual + 1)
            locked = saved.locked
            connection.execute(
                "INSERT INTO organizations (" + _rows.ORGANIZATION_COLUMNS + ") "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (organization_id) DO UPDATE SET "
                "scan_enabled = excluded.scan_enabled, fix_enabled = excluded.fix_enabled, "
                "stopping_point = excluded.stopping_point, "
                "scan_enabled_locked = excluded.scan_enabled_locked, "
                "fix_enabled_locked = excluded.fix_enabled_locked, "
                "stopping_point_locked = excluded.stopping_point_locked, "
                "max_stopping_point = excluded.max_stopping_point, version = excluded.version, "
                "scan_enabled_lock_expires_at = excluded.scan_enabled_lock_expires_at, "
                "fix_enabled_lock_expires_at = excluded.fix_enabled_lock_expires_at, "
                "stopping_point_lock_expires_at = excluded.stopping_point_lock_expires_at, "
                "invariants = excluded.invariants",
                (
                    saved.organization_id,
                    int(saved.scan_enabled),
                    int(saved.fix_enabled),
                    saved.stopping_point.value,
                    int(Setting.SCAN_ENABLED in locked),
                    int(Setting.FIX_ENABLED in locked),
                    int(Setting.STOPPING_POINT in locked),
                    _rows.point_text(saved.max_stopping_point),
                    saved.version,
                    _rows.moment_text(saved.scan_enabled_lock_expires_at),
                    _rows.moment_text(saved.fix_enabled_lock_expires_at),
                    _rows.moment_text(saved.stopping_point_lock_expires_at),
                    _common.invariants_to_stored(saved.invariants),
                ),
            )
            return saved


def _get_organization(
    connection: sqlite3.Connection, organization_id: str
) -> OrganizationSettings | None:
    row = connection.execute(
        "SELECT " + _rows.ORGANIZATION_COLUMNS + " FROM organizations WHERE organization_id = ?",  # noqa: S608
        (organization_id,),
    ).fetchone()
    return None if row is None else _rows.organization_from_row(row)


@attrs.frozen
class _Projects:
    _uow: SqliteUnitOfWork

    def get(self, organization_id: str, project_id: str) -> ProjectSettings | None:
        with self._uow._reading() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            _common.check_lookup(("project_id",), project_id)
            rows = connection.execute(
                "SELECT " + _rows.PROJECT_COLUMNS + " FROM projects "  # noqa: S608
                "WHERE organization_id = ? AND project_id = ?",
                (organization_id, project_id),
            ).fetchall()
            if not rows:
                return None
            return _rows.projects_from_rows(connection, organization_id, rows, pause_gc=False)[0]

    def get_many(
        self, organization_id: str, project_ids: Iterable[str]
    ) -> Mapping[str, ProjectSettings]:
        with self._uow._reading() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            asked = list(project_ids)
            for project_id in asked:
                _common.check_lookup(("project_ids",), project_id)
            wanted = list(dict.fromkeys(asked))
            rows: list[Any] = []
            for chunk in _rows.chunks(wanted):
                rows += connection.execute(
                    "SELECT " + _rows.PROJECT_COLUMNS + " FROM projects "  # noqa: S608
                    "WHERE organization_id = ? AND project_id IN ("
                    + _rows.placeholders(len(chunk))
                    + ")",
                    (organization_id, *chunk),
                ).fetchall()
            projects = _rows.projects_from_rows(
                connection,
                organization_id,
                rows,
                pause_gc=self._uow._pause_gc,  # noqa: SLF001
            )
            return {project.project_id: project for project in projects}

    def save(
        self, project: ProjectSettings, expected_version: int | None = None
    ) -> ProjectSettings:
        with self._uow._writing(  # noqa: SLF001
            getattr(project, "organization_id", None),
            project_id=getattr(project, "project_id", None),
        ) as connection:
            _common.check_project(project)
            row = connection.execute(
                "SELECT id, version FROM projects WHERE organization_id = ? AND project_id = ?",
                (project.organization_id, project.project_id),
            ).fetchone()
            actual = 0 if row is None else row[1]
            _common.check_expected(
                f"Project {project.project_id!r} of organization {project.organization_id!r}",
                expected_version,
                actual,
            )
            saved = attrs.evolve(project, version=actual + 1)
            values = (
                _rows.int_or_none(saved.scan_enabled_override),
                _rows.int_or_none(saved.fix_enabled_override),
                _rows.point_text(saved.stopping_point_override),
                saved.version,
                _rows.moment_text(saved.scan_enabled_override_expires_at),
                _rows.moment_text(saved.fix_enabled_override_expires_at),
                _rows.moment_text(saved.stopping_point_override_expires_at),
            )
            if row is None:
                cursor = connection.execute(
                    "INSERT INTO projects (organization_id, project_id, scan_enabled_override, "
                    "fix_enabled_override, stopping_point_override, version, "
                    "scan_enabled_override_expires_at, fix_enabled_override_expires_at, "
                    "stopping_point_override_expires_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (saved.organization_id, saved.project_id, *values),
                )
                row_id = cursor.lastrowid
            else:
                row_id = row[0]
                connection.execute(
                    "UPDATE projects SET scan_enabled_override = ?, fix_enabled_override = ?, "
                    "stopping_point_override = ?, version = ?, "
                    "scan_enabled_override_expires_at = ?, fix_enabled_override_expires_at = ?, "
                    "stopping_point_override_expires_at = ? WHERE id = ?",
                    (*values, row_id),
                )
                connection.execute("DELETE FROM repositories WHERE project_row = ?", (row_id,))
                connection.execute("DELETE FROM environments WHERE project_row = ?", (row_id,))
            _insert_children(connection, row_id, saved)
            return saved

    def delete(
        self, organization_id: str, project_id: str, expected_version: int | None = None
    ) -> bool:
        with self._uow._writing(organization_id, project_id=project_id) as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            _common.check_lookup(("project_id",), project_id)
            row = connection.execute(
                "SELECT id, version FROM projects WHERE organization_id = ? AND project_id = ?",
                (organization_id, project_id),
            ).fetchone()
            actual = 0 if row is None else row[1]
            _common.check_expected(
                f"Project {project_id!r} of organization {organization_id!r}",
                expected_version,
                actual,
            )
            if row is None:
                return False
            connection.execute("DELETE FROM projects WHERE id = ?", (row[0],))
            return True

    def list(
        self,
        organization_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        overriding_only: bool = False,
    ) -> Page[ProjectSettings]:
        with self._uow._reading() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            limit = _common.check_limit(limit)
            after = _common.decode_project_cursor(cursor)
            sql = "SELECT " + _rows.PROJECT_COLUMNS + " FROM projects WHERE organization_id = ?"  # noqa: S608
            parameters: list[object] = [organization_id]
            if after is not None:
                sql += " AND project_id > ?"
                parameters.append(after)
            if overriding_only:
                sql += _rows.OVERRIDING
            sql += " ORDER BY project_id LIMIT ?"
            parameters.append(limit + 1)
            rows = connection.execute(sql, parameters).fetchall()
            more = len(rows) > limit
            items = _rows.projects_from_rows(
                connection,
                organization_id,
                rows[:limit],
                pause_gc=self._uow._pause_gc,  # noqa: SLF001
            )
            next_cursor = _common.encode_project_cursor(items[-1].project_id) if more else None
            return Page(tuple(items), next_cursor)

    def load_organization(self, organization_id: str) -> OrganizationState:
        """Every project of an organization, with its settings, from four ordered queries.

        Unless the store was made with ``pause_gc_on_load=False``, Python's cyclic garbage
        collector is paused *process-wide* (every thread) for the duration of the load: the
        rows become acyclic, immutable objects, and not walking the growing heap again and
        again halves a large load. It is re-enabled when the last concurrent load ends, if the
        pause disabled it and it is still disabled.
        """
        with self._uow._reading() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            organization = _get_organization(connection, organization_id)
            parameters = (organization_id,)
            pause_gc = self._uow._pause_gc  # noqa: SLF001
            with collector_paused(enabled=pause_gc):
                project_rows, repository_rows, pattern_rows, environment_rows = (
                    connection.execute(query, parameters).fetchall() for query in _rows.LOAD_QUERIES
                )
                projects = _rows.stitch(
                    organization_id, project_rows, repository_rows, pattern_rows, environment_rows
                )
            generation = _generation(connection, organization_id)
            return OrganizationState(organization_id, organization, tuple(projects), generation)


def _insert_children(
    connection: sqlite3.Connection, row_id: int | None, project: ProjectSettings
) -> None:
    for position, repository in enumerate(project.repositories):
        ref = repository.repository
        provider, owner_key, name_key = ref.key
        cursor = connection.execute(
            "INSERT INTO repositories (project_row, position, provider, owner, name, owner_key, "
            "name_key, ai_enabled, stopping_point_override, stopping_point_override_expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row_id,
                position,
                provider,
                ref.owner,
                ref.name,
                owner_key,
                name_key,
                int(repository.ai_enabled),
                _rows.point_text(repository.stopping_point_override),
                _rows.moment_text(repository.stopping_point_override_expires_at),
            ),
        )
        repository_row = cursor.lastrowid
        connection.executemany(
            "INSERT INTO branch_patterns (repository_row, position, pattern, "
            "stopping_point_override) VALUES (?, ?, ?, ?)",
            [
                (
                    repository_row,
                    index,
                    rule.pattern.text,
                    _rows.point_text(rule.stopping_point_override),
                )
                for index, rule in enumerate(repository.branch_patterns)
            ],
        )
    if project.environments:
        connection.executemany(
            "INSERT INTO environments (project_row, name) VALUES (?, ?)",
            [(row_id, name) for name in project.environments],
        )


@attrs.frozen
class _Audit:
    _uow: SqliteUnitOfWork

    def append(self, entry: AuditEntry) -> AuditEntry:
        with self._uow._writing(  # noqa: SLF001
            getattr(entry, "organization_id", None), settings=False
        ) as connection:
            _common.check_audit_entry(entry)
            cursor = connection.execute(
                "INSERT INTO audit_log (organization_id, project_id, actor, event, target, "
                "occurred_at, stored_changes, effective_changes, change_id, reverts) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.organization_id,
                    entry.project_id,
                    entry.actor,
                    entry.event.value,
                    entry.target,
                    _common.format_timestamp(entry.occurred_at),
                    _common.changes_to_json(entry.stored_changes),
                    _common.changes_to_json(entry.effective_changes),
                    entry.change_id,
                    entry.reverts,
                ),
            )
            entry_id = cursor.lastrowid
            if entry_id is None:  # pragma: no cover - sqlite3 always sets it after an INSERT
                raise StorageError("The audit log did not assign an id.")
            return attrs.evolve(entry, id=entry_id)

    def query(
        self,
        organization_id: str,
        *,
        project_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[AuditEntry]:
        with self._uow._reading() as connection:  # noqa: SLF001
            limit, since, until, before = _common.check_audit_query(
                organization_id,
                project_id=project_id,
                since=since,
                until=until,
                cursor=cursor,
                limit=limit,
            )
            sql = "SELECT " + _rows.AUDIT_COLUMNS + " FROM audit_log WHERE organization_id = ?"  # noqa: S608
            parameters: list[object] = [organization_id]
            if project_id is not None:
                sql += " AND project_id = ?"
                parameters.append(project_id)
            if since is not None:
                sql += " AND occurred_at >= ?"
                parameters.append(_common.format_timestamp(since))
            if until is not None:
                sql += " AND occurred_at < ?"
                parameters.append(_common.format_timestamp(until))
            if before is not None:
                sql += " AND id < ?"
                parameters.append(before)
            sql += " ORDER BY id DESC LIMIT ?"
            parameters.append(limit + 1)
            rows = connection.execute(sql, parameters).fetchall()
            items = tuple(_rows.audit_entry_from_row(row) for row in rows[:limit])
            more = len(rows) > limit
            return Page(items, _common.encode_audit_cursor(items[-1].id) if more else None)


def _generation(connection: sqlite3.Connection, organization_id: str) -> int:
    row = connection.execute(
        "SELECT generation FROM feed_generations WHERE organization_id = ?", (organization_id,)
    ).fetchone()
    return 0 if row is None else int(row[0])


def publish(connection: sqlite3.Connection, changes: list[Change]) -> None:
    """Advance each organization's generation and keep its change record (in the commit)."""
    for change in changes:
        generation, floor = connection.execute(
            "INSERT INTO feed_generations (organization_id, generation, floor) VALUES (?, 1, 0) "
            "ON CONFLICT (organization_id) DO UPDATE SET generation = generation + 1 "
            "RETURNING generation, floor",
            (change.organization_id,),
        ).fetchone()
        connection.execute(
            "INSERT INTO feed_changes (organization_id, generation, organization, project_ids) "
            "VALUES (?, ?, ?, ?)",
            (
                change.organization_id,
                generation,
                int(change.organization),
                _feed.projects_to_json(change),
            ),
        )
        pruned = _feed.prune_below(generation)
        if pruned > floor:
            connection.execute(
                "DELETE FROM feed_changes WHERE organization_id = ? AND generation <= ?",
                (change.organization_id, pruned),
            )
            connection.execute(
                "UPDATE feed_generations SET floor = ? WHERE organization_id = ?",
                (pruned, change.organization_id),
            )


@attrs.frozen
class _ChangeFeed:
    _uow: SqliteUnitOfWork

    def generations(self, organization_ids: Iterable[str]) -> Mapping[str, int]:
        with self._uow._reading() as connection:  # noqa: SLF001
            wanted = _feed.check_organizations(organization_ids)
            return {key: _generation(connection, key) for key in wanted}

    def since(self, organization_id: str, generation: int) -> ChangesSince:
        with self._uow._reading() as connection:  # noqa: SLF001
            since = _feed.check_since(organization_id, generation)
            row = connection.execute(
                "SELECT generation, floor FROM feed_generations WHERE organization_id = ?",
                (organization_id,),
            ).fetchone()
            current, floor = (0, 0) if row is None else (int(row[0]), int(row[1]))
            if not floor <= since <= current:
                return _feed.answer(organization_id, since, current, floor, ())
            rows = connection.execute(
                "SELECT generation, organization, project_ids FROM feed_changes "
                "WHERE organization_id = ? AND generation > ? ORDER BY generation",
                (organization_id, since),
            ).fetchall()
            records = (_feed.change_from_row(organization_id, *row) for row in rows)
            return _feed.answer(organization_id, since, current, floor, records)
