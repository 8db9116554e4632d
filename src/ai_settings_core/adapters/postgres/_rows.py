"""The repositories of a PostgreSQL unit of work, and rows read back into domain objects.

Every value a caller gives is bound as a parameter; SQL text is this module's constants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from ai_settings_core.adapters import _common, _feed
from ai_settings_core.adapters.postgres import _errors
from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.settings import (
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import (
    Provider,
    RepositoryRef,
    StoppingPoint,
    trusted_repository_ref,
)
from ai_settings_core.ports import DEFAULT_PAGE_SIZE, ChangesSince, OrganizationState, Page

if TYPE_CHECKING:
    from ai_settings_core.adapters.postgres._unit import PostgresUnitOfWork

__all__: list[str] = []

_POINTS: Final = {point.value: point for point in StoppingPoint}
_PROVIDERS: Final = {provider.value: provider for provider in Provider}
_EVENTS: Final = {event.value: event for event in AuditEvent}

_ORGANIZATION_COLUMNS: Final = (
    "organization_id, scan_enabled, fix_enabled, stopping_point, scan_enabled_locked, "
    "fix_enabled_locked, stopping_point_locked, max_stopping_point, version, "
    "scan_enabled_lock_expires_at, fix_enabled_lock_expires_at, stopping_point_lock_expires_at, "
    "invariants"
)
_PROJECT_COLUMNS: Final = (
    "p.project_id, p.scan_enabled_override, p.fix_enabled_override, "
    "p.stopping_point_override, p.environments, p.version, p.scan_enabled_override_expires_at, "
    "p.fix_enabled_override_expires_at, p.stopping_point_override_expires_at, r.provider, "
    "r.owner, r.name, r.ai_enabled, r.stopping_point_override, r.branch_patterns, "
    "r.stopping_point_override_expires_at, r.branch_stopping_points"
)
_JOIN: Final = (
    " LEFT JOIN repositories AS r"
    " ON r.organization_id = p.organization_id AND r.project_id = p.project_id"
)
_SELECT: Final = "SELECT " + _PROJECT_COLUMNS + " FROM projects AS p" + _JOIN + " "  # noqa: S608
LOAD_QUERY: Final = _SELECT + "WHERE p.organization_id = %s ORDER BY p.project_id, r.position"
"""Every project of an organization with its repositories: one statement, one snapshot."""

_MANY_QUERY: Final = (
    _SELECT + "WHERE p.organization_id = %s AND p.project_id = ANY(%s) "
    "ORDER BY p.project_id, r.position"
)
_OVERRIDING: Final = (
    " AND (scan_enabled_override IS NOT NULL OR fix_enabled_override IS NOT NULL"
    " OR stopping_point_override IS NOT NULL)"
)
_AUDIT_COLUMNS: Final = (
    "id, organization_id, project_id, actor, event, target, occurred_at, "
    "stored_changes::text, effective_changes::text, change_id, reverts"
)


def _text(value: StoppingPoint | None) -> str | None:
    return None if value is None else value.value


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """An expiry read back, in UTC whatever the session's time zone."""
    return None if value is None else value.astimezone(dt.UTC)


def _organization(row: Sequence[Any]) -> OrganizationSettings:
    locked = frozenset(
        setting
        for setting, flag in zip(
            (Setting.SCAN_ENABLED, Setting.FIX_ENABLED, Setting.STOPPING_POINT),
            row[4:7],
            strict=True,
        )
        if flag
    )
    point = row[7]
    return OrganizationSettings(
        row[0],
        row[1],
        row[2],
        _POINTS[row[3]],
        locked,
        None if point is None else _POINTS[point],
        _common.invariants_from_stored(row[12]),
        row[8],
        _utc(row[9]),
        _utc(row[10]),
        _utc(row[11]),
    )


def _project(
    make: type[ProjectSettings],
    organization_id: str,
    fields: Sequence[Any],
    repositories: list[RepositorySettings],
) -> ProjectSettings:
    project_id, scan, fix, point, environments, version, scan_ends, fix_ends, point_ends = fields
    return make(
        organization_id,
        project_id,
        scan,
        fix,
        point,
        tuple(repositories),
        environments,
        version,
        scan_ends,
        fix_ends,
        point_ends,
    )


def stitch(organization_id: str, rows: Iterable[Sequence[Any]]) -> list[ProjectSettings]:
    """Projects from the joined rows (one per repository, ordered by project and position).

    Written for speed (it is the cost of ``load_organization`` above the bare ``SELECT``):
    local names, and equal pattern lists, environment sets and repositories built once.
    """
    points = _POINTS
    providers = _PROVIDERS
    patterns_seen: dict[_common.RuleKey, tuple[BranchRule, ...]] = {}
    environments_seen: dict[tuple[str, ...], frozenset[str]] = {}
    refs: dict[tuple[str, str, str], RepositoryRef] = {}
    make = ProjectSettings
    projects: list[ProjectSettings] = []
    current: list[Any] | None = None
    repositories: list[RepositorySettings] = []
    for (
        project_id,
        scan,
        fix,
        point,
        environments,
        version,
        scan_ends,
        fix_ends,
        point_ends,
        provider,
        owner,
        name,
        ai_enabled,
        repository_point,
        branch_patterns,
        repository_ends,
        branch_points,
    ) in rows:
        if current is None or current[0] != project_id:
            if current is not None:
                projects.append(_project(make, organization_id, current, repositories))
            environment_key = tuple(environments)
            environment_set = environments_seen.get(environment_key)
            if environment_set is None:
                environment_set = environments_seen[environment_key] = frozenset(environment_key)
            current = [
                project_id,
                scan,
                fix,
                None if point is None else points[point],
                environment_set,
                version,
                None if scan_ends is None else scan_ends.astimezone(dt.UTC),
                None if fix_ends is None else fix_ends.astimezone(dt.UTC),
                None if point_ends is None else point_ends.astimezone(dt.UTC),
            ]
            repositories = []
        if provider is not None:
            ref_key = (provider, owner, name)
            ref = refs.get(ref_key)
            if ref is None:
                ref = refs[ref_key] = trusted_repository_ref(providers[provider], owner, name)
            pattern_key = _common.rule_key(branch_patterns, branch_points)
            patterns = patterns_seen.get(pattern_key)
            if patterns is None:
                patterns = patterns_seen[pattern_key] = _common.branch_rules(pattern_key)
            repositories.append(
                RepositorySettings(
                    ref,
                    ai_enabled,
                    patterns,
                    None if repository_point is None else points[repository_point],
                    None if repository_ends is None else repository_ends.astimezone(dt.UTC),
                )
            )
    if current is not None:
        projects.append(_project(make, organization_id, current, repositories))
    return projects


@attrs.frozen
class Organizations:
    """The organizations of one unit of work."""

    _uow: PostgresUnitOfWork

    def get(self, organization_id: str) -> OrganizationSettings | None:
        """The stored settings of an organization, or ``None``."""
        _errors.check_lookup(("organization_id",), organization_id)
        with self._uow.reading() as connection:
            row = connection.execute(
                "SELECT " + _ORGANIZATION_COLUMNS + " FROM organizations "  # noqa: S608
                "WHERE organization_id = %s",
                (organization_id,),
            ).fetchone()
        found = None if row is None else _organization(row)
        if self._uow.covers(organization_id):
            self._uow.organization_versions[organization_id] = 0 if found is None else found.version
        return found

    def save(
        self, settings: OrganizationSettings, expected_version: int | None = None
    ) -> OrganizationSettings:
        """Store ``settings`` (compare-and-set); a savepoint keeps a failure to itself."""
        uow = self._uow
        connection = uow.writable()
        _errors.check_organization(settings)
        organization_id = settings.organization_id
        uow.check_target(organization_id)
        actual = uow.organization_versions.get(organization_id)
        if actual is None:
            with uow.translated(connection):
                row = connection.execute(
                    "SELECT version FROM organizations WHERE organization_id = %s",
                    (organization_id,),
                ).fetchone()
            actual = 0 if row is None else int(row[0])
        _common.check_expected(f"Organization {organization_id!r}", expected_version, actual)
        saved = attrs.evolve(settings, version=actual + 1)
        locked = saved.locked
        with uow.translated(connection), connection.transaction():
            connection.execute(
                "INSERT INTO organizations (" + _ORGANIZATION_COLUMNS + ") "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
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
                    organization_id,
                    saved.scan_enabled,
                    saved.fix_enabled,
                    saved.stopping_point.value,
                    Setting.SCAN_ENABLED in locked,
                    Setting.FIX_ENABLED in locked,
                    Setting.STOPPING_POINT in locked,
                    _text(saved.max_stopping_point),
                    saved.version,
                    saved.scan_enabled_lock_expires_at,
                    saved.fix_enabled_lock_expires_at,
                    saved.stopping_point_lock_expires_at,
                    _common.invariants_to_stored(saved.invariants),
                ),
            )
        uow.organization_versions[organization_id] = saved.version
        uow.written(organization_id)
        return saved


@attrs.frozen
class Projects:
    """The projects of one unit of work."""

    _uow: PostgresUnitOfWork

    def _remember(self, organization_id: str, projects: Iterable[ProjectSettings]) -> None:
        if self._uow.covers(organization_id):
            versions = self._uow.versions
            for project in projects:
                versions[organization_id, project.project_id] = project.version

    def get(self, organization_id: str, project_id: str) -> ProjectSettings | None:
        """The stored settings of a project, or ``None``."""
        _errors.check_lookup(("organization_id",), organization_id)
        _errors.check_lookup(("project_id",), project_id)
        return self.get_many(organization_id, (project_id,)).get(project_id)

    def get_many(
        self, organization_id: str, project_ids: Iterable[str]
    ) -> Mapping[str, ProjectSettings]:
        """The stored projects among ``project_ids``, by id."""
        _errors.check_lookup(("organization_id",), organization_id)
        wanted = list(
            dict.fromkeys(_errors.check_lookup(("project_ids",), pid) for pid in project_ids)
        )
        with self._uow.reading() as connection:
            rows = connection.execute(_MANY_QUERY, (organization_id, wanted)).fetchall()
        projects = stitch(organization_id, rows)
        uow = self._uow
        if uow.covers(organization_id):
            found = {project.project_id for project in projects}
            for project_id in wanted:
                if project_id not in found:
                    uow.versions[organization_id, project_id] = 0
        self._remember(organization_id, projects)
        return {project.project_id: project for project in projects}

    def save(
        self, project: ProjectSettings, expected_version: int | None = None
    ) -> ProjectSettings:
        """Check, compare-and-set, and buffer ``project``; it is sent before the next read."""
        uow = self._uow
        connection = uow.writable()
        _errors.check_project(project)
        organization_id, project_id = project.organization_id, project.project_id
        uow.check_target(organization_id)
        actual = uow.project_version(connection, organization_id, project_id)
        _common.check_expected(
            f"Project {project_id!r} of organization {organization_id!r}",
            expected_version,
            actual,
        )
        saved = attrs.evolve(project, version=actual + 1)
        key = (organization_id, project_id)
        uow.pending[key] = saved
        uow.versions[key] = saved.version
        uow.written(organization_id, project_id)
        return saved

    def delete(
        self, organization_id: str, project_id: str, expected_version: int | None = None
    ) -> bool:
        """Forget a project; ``False`` when nothing was stored."""
        uow = self._uow
        connection = uow.writable()
        _errors.check_lookup(("organization_id",), organization_id)
        _errors.check_lookup(("project_id",), project_id)
        uow.check_target(organization_id)
        actual = uow.project_version(connection, organization_id, project_id)
        _common.check_expected(
            f"Project {project_id!r} of organization {organization_id!r}",
            expected_version,
            actual,
        )
        uow.written(organization_id, project_id)
        if actual == 0:
            return False
        key = (organization_id, project_id)
        uow.pending[key] = None
        uow.versions[key] = 0
        return True

    def list(
        self,
        organization_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        overriding_only: bool = False,
    ) -> Page[ProjectSettings]:
        """A page of the organization's projects, by ``project_id``."""
        _errors.check_lookup(("organization_id",), organization_id)
        limit = _common.check_limit(limit)
        after = _errors.decode_project_cursor(cursor)
        inner = "SELECT * FROM projects WHERE organization_id = %s"
        parameters: list[object] = [organization_id]
        if after is not None:
            inner += " AND project_id > %s"
            parameters.append(after)
        if overriding_only:
            inner += _OVERRIDING
        inner += " ORDER BY project_id LIMIT %s"
        parameters.append(limit + 1)
        query = (
            "SELECT " + _PROJECT_COLUMNS + " FROM (" + inner + ") AS p" + _JOIN + " "  # noqa: S608
            "ORDER BY p.project_id, r.position"
        )
        with self._uow.reading() as connection:
            rows = connection.execute(query, parameters).fetchall()
        projects = stitch(organization_id, rows)
        more = len(projects) > limit
        items = tuple(projects[:limit])
        self._remember(organization_id, items)
        next_cursor = _common.encode_project_cursor(items[-1].project_id) if more else None
        return Page(items, next_cursor)

    def load_organization(self, organization_id: str) -> OrganizationState:
        """The organization and all its projects, from two statements in one snapshot."""
        _errors.check_lookup(("organization_id",), organization_id)
        organization = self._uow.organizations.get(organization_id)
        with self._uow.reading() as connection:
            rows = connection.execute(LOAD_QUERY, (organization_id,)).fetchall()
            found = connection.execute(_GENERATION_QUERY, (organization_id,)).fetchone()
        projects = stitch(organization_id, rows)
        uow = self._uow
        if uow.covers(organization_id):
            uow.versions.update(((organization_id, p.project_id), p.version) for p in projects)
        generation = 0 if found is None else int(found[0])
        return OrganizationState(organization_id, organization, tuple(projects), generation)


@attrs.frozen
class Audit:
    """The audit log of one unit of work."""

    _uow: PostgresUnitOfWork

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Check and buffer ``entry`` with an id reserved from the store's sequence."""
        uow = self._uow
        connection = uow.writable()
        _errors.check_audit_entry(entry)
        uow.check_target(entry.organization_id)
        entry_id = uow.next_audit_id(connection)
        uow.pending_audit.append(
            (
                entry_id,
                entry.organization_id,
                entry.project_id,
                entry.actor,
                entry.event.value,
                entry.target,
                entry.occurred_at,
                _common.changes_to_json(entry.stored_changes),
                _common.changes_to_json(entry.effective_changes),
                entry.change_id,
                entry.reverts,
            )
        )
        uow.written(entry.organization_id, settings=False)
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
        """A page of an organization's entries, newest first."""
        limit, since, until, before = _common.check_audit_query(
            organization_id,
            project_id=project_id,
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
            lookup=_errors.check_lookup,
        )
        query = "SELECT " + _AUDIT_COLUMNS + " FROM audit_log WHERE organization_id = %s"  # noqa: S608
        parameters: list[object] = [organization_id]
        for clause, value in (
            (" AND project_id = %s", project_id),
            (" AND occurred_at >= %s", since),
            (" AND occurred_at < %s", until),
            (" AND id < %s", before),
        ):
            if value is not None:
                query += clause
                parameters.append(value)
        query += " ORDER BY id DESC LIMIT %s"
        parameters.append(limit + 1)
        with self._uow.reading() as connection:
            rows = connection.execute(query, parameters).fetchall()
        items = tuple(_audit_entry(row) for row in rows[:limit])
        more = len(rows) > limit
        return Page(items, _common.encode_audit_cursor(items[-1].id) if more else None)


def _audit_entry(row: Sequence[Any]) -> AuditEntry:
    return AuditEntry(
        organization_id=row[1],
        project_id=row[2],
        actor=row[3],
        event=_EVENTS[row[4]],
        target=row[5],
        occurred_at=row[6].astimezone(dt.UTC),
        stored_changes=_common.changes_from_json(row[7]),
        effective_changes=_common.changes_from_json(row[8]),
        id=row[0],
        change_id=row[9],
        reverts=row[10],
    )


_GENERATION_QUERY: Final = (
    "SELECT generation, floor FROM feed_generations WHERE organization_id = %s"
)


@attrs.frozen
class ChangeFeed:
    """The change feed of one unit of work."""

    _uow: PostgresUnitOfWork

    def generations(self, organization_ids: Iterable[str]) -> Mapping[str, int]:
        """The current generation of each organization (0 for one never written)."""
        wanted = _feed.check_organizations(organization_ids)
        with self._uow.reading() as connection:
            rows = connection.execute(
                "SELECT organization_id, generation FROM feed_generations "
                "WHERE organization_id = ANY(%s)",
                (wanted,),
            ).fetchall()
        found = {str(key): int(generation) for key, generation in rows}
        return {key: found.get(key, 0) for key in wanted}

    def since(self, organization_id: str, generation: int) -> ChangesSince:
        """What changed in ``organization_id`` after ``generation``."""
        since = _feed.check_since(organization_id, generation)
        with self._uow.reading() as connection:
            row = connection.execute(_GENERATION_QUERY, (organization_id,)).fetchone()
            current, floor = (0, 0) if row is None else (int(row[0]), int(row[1]))
            if not floor <= since <= current:
                return _feed.answer(organization_id, since, current, floor, ())
            rows = connection.execute(
                "SELECT generation, organization, project_ids FROM feed_changes "
                "WHERE organization_id = %s AND generation > %s ORDER BY generation",
                (organization_id, since),
            ).fetchall()
        records = (_feed.change_from_row(organization_id, *row) for row in rows)
        return _feed.answer(organization_id, since, current, floor, records)
