"""Rows and their domain objects: the columns, the conversions, and loading projects fast.

SQL here is joined only from this package's constant fragments and "?" placeholders (S608
cannot tell); every value a caller gives is bound as a parameter.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final, TypeVar

from ai_settings_core.adapters import _common
from ai_settings_core.adapters.sqlite._collector import collector_paused
from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.settings import (
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import (
    STOPPING_POINTS,
    Provider,
    RepositoryRef,
    StoppingPoint,
    format_timestamp,
    parse_timestamp,
    trusted_repository_ref,
)

__all__ = ["LOAD_QUERIES"]

POINTS: Final = STOPPING_POINTS
_PROVIDERS: Final = {provider.value: provider for provider in Provider}
_EVENTS: Final = {event.value: event for event in AuditEvent}
_CHUNK: Final = 500
_CACHE_LIMIT: Final = 50_000

# Immutable values shared between loads, so a large organization builds each distinct rule list,
# environment set, repository reference and repository once (compiling patterns is not free),
# and a read of projects read before builds none of them again. Bounded: cleared when full.
_PATTERNS: dict[_common.RuleKey, tuple[BranchRule, ...]] = {}
_ENVIRONMENTS: dict[tuple[str, ...], frozenset[str]] = {}
_REFS: dict[tuple[str, str, str], RepositoryRef] = {}
_REPOSITORIES: dict[tuple[object, ...], RepositorySettings] = {}
_SHARED: Final[tuple[dict[Any, Any], ...]] = (_PATTERNS, _ENVIRONMENTS, _REFS, _REPOSITORIES)
_ORGANIZATIONS: dict[tuple[object, ...], OrganizationSettings] = {}
_ORGANIZATIONS_LIMIT: Final = 1_000

_V = TypeVar("_V")


def _point(value: str | None) -> StoppingPoint | None:
    return None if value is None else POINTS[value]


def int_or_none(value: bool | None) -> int | None:
    return None if value is None else int(value)


def point_text(value: StoppingPoint | None) -> str | None:
    return None if value is None else value.value


def moment_text(value: dt.datetime | None) -> str | None:
    """An expiry as its column holds it: UTC text that sorts in time order."""
    return None if value is None else format_timestamp(value)


def moment(value: str | None) -> dt.datetime | None:
    return None if value is None else parse_timestamp(value)


ORGANIZATION_COLUMNS: Final = (
    "organization_id, scan_enabled, fix_enabled, stopping_point, scan_enabled_locked, "
    "fix_enabled_locked, stopping_point_locked, max_stopping_point, version, "
    "scan_enabled_lock_expires_at, fix_enabled_lock_expires_at, stopping_point_lock_expires_at, "
    "invariants"
)


def organization_from_row(row: Sequence[Any]) -> OrganizationSettings:
    """The organization of a row; an equal row (its version included) gives the same object."""
    key = tuple(row)
    found = _ORGANIZATIONS.get(key)
    if found is None:
        if len(_ORGANIZATIONS) >= _ORGANIZATIONS_LIMIT:
            _ORGANIZATIONS.clear()
        found = _ORGANIZATIONS[key] = _organization(row)
    return found


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
    return OrganizationSettings(
        row[0],
        row[1] == 1,
        row[2] == 1,
        POINTS[row[3]],
        locked,
        _point(row[7]),
        _common.invariants_from_stored(row[12]),
        row[8],
        moment(row[9]),
        moment(row[10]),
        moment(row[11]),
    )


PROJECT_COLUMNS: Final = (
    "id, project_id, scan_enabled_override, fix_enabled_override, stopping_point_override, "
    "version, scan_enabled_override_expires_at, fix_enabled_override_expires_at, "
    "stopping_point_override_expires_at"
)
OVERRIDING: Final = (
    " AND (scan_enabled_override IS NOT NULL OR fix_enabled_override IS NOT NULL"
    " OR stopping_point_override IS NOT NULL)"
)


def _unchecked_ref(provider: str, owner: str, name: str) -> RepositoryRef:
    """A repository read back from our own rows: it was validated when it was written.

    The rows' CHECK constraints and our writes keep them valid.
    """
    return trusted_repository_ref(_PROVIDERS[provider], owner, name)


def stitch(
    organization_id: str,
    project_rows: Sequence[Sequence[Any]],
    repository_rows: Sequence[Sequence[Any]],
    pattern_rows: Iterable[Sequence[Any]],
    environment_rows: Iterable[Sequence[Any]],
) -> list[ProjectSettings]:
    """Build projects from their rows; child rows come ordered by parent and position.

    Written for speed (it is the cost of ``load_organization`` above the bare ``SELECT``):
    local names, no per-row function calls where a dict lookup does, shared immutable values.
    Callers pause the cyclic garbage collector around it (see :func:`collector_paused`).
    """
    return _build(organization_id, project_rows, repository_rows, pattern_rows, environment_rows)


def _build(
    organization_id: str,
    project_rows: Sequence[Sequence[Any]],
    repository_rows: Sequence[Sequence[Any]],
    pattern_rows: Iterable[Sequence[Any]],
    environment_rows: Iterable[Sequence[Any]],
) -> list[ProjectSettings]:
    for cache in _SHARED:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
    pattern_cache = _PATTERNS
    environment_cache = _ENVIRONMENTS
    refs = _REFS
    repository_cache = _REPOSITORIES
    points = POINTS
    texts_by_repository: dict[int, list[str | tuple[str, str]]] = {}
    for repository_row, text, rule_point in pattern_rows:
        item = text if rule_point is None else (text, rule_point)
        texts = texts_by_repository.get(repository_row)
        if texts is None:
            texts_by_repository[repository_row] = [item]
        else:
            texts.append(item)
    repositories: dict[int, list[RepositorySettings]] = {}
    no_texts: list[str | tuple[str, str]] = []
    # More repositories than the caches hold: the next load would clear them before it could
    # reuse any, so they are built without the caches (which keep what smaller reads put there).
    keep = len(repository_rows) < _CACHE_LIMIT
    for (
        project_row,
        repository_row,
        provider,
        owner,
        name,
        ai_enabled,
        point,
        expires_at,
    ) in repository_rows:
        pattern_key = tuple(texts_by_repository.get(repository_row, no_texts))
        repository = None
        if keep:
            # The whole of a repository's rows is the key: an equal row, an equal repository.
            repository_key = (provider, owner, name, ai_enabled, point, expires_at, pattern_key)
            repository = repository_cache.get(repository_key)
        if repository is None:
            key = (provider, owner, name)
            ref = refs.get(key) if keep else None
            if ref is None:
                ref = _unchecked_ref(provider, owner, name)
                if keep:
                    refs[key] = ref
            branch_patterns = pattern_cache.get(pattern_key)
            if branch_patterns is None:
                branch_patterns = pattern_cache[pattern_key] = _common.branch_rules(pattern_key)
            repository = RepositorySettings(
                ref,
                ai_enabled == 1,
                branch_patterns,
                None if point is None else points[point],
                None if expires_at is None else parse_timestamp(expires_at),
            )
            if keep:
                repository_cache[repository_key] = repository
        found = repositories.get(project_row)
        if found is None:
            repositories[project_row] = [repository]
        else:
            found.append(repository)
    environments: dict[int, frozenset[str]] = {}
    names_by_project: dict[int, list[str]] = {}
    for project_row, name in environment_rows:
        names = names_by_project.get(project_row)
        if names is None:
            names_by_project[project_row] = [name]
        else:
            names.append(name)
    for project_row, names in names_by_project.items():
        environment_key = tuple(names)
        environment_set = environment_cache.get(environment_key)
        if environment_set is None:
            environment_set = environment_cache[environment_key] = frozenset(environment_key)
        environments[project_row] = environment_set
    empty: frozenset[str] = frozenset()
    get_repositories = repositories.get
    get_environments = environments.get
    make = ProjectSettings
    return [
        make(
            organization_id,
            project_id,
            None if scan is None else scan == 1,
            None if fix is None else fix == 1,
            None if point is None else points[point],
            tuple(get_repositories(row_id, ())),
            get_environments(row_id, empty),
            version,
            None if scan_ends is None else parse_timestamp(scan_ends),
            None if fix_ends is None else parse_timestamp(fix_ends),
            None if point_ends is None else parse_timestamp(point_ends),
        )
        for (
            row_id,
            project_id,
            scan,
            fix,
            point,
            version,
            scan_ends,
            fix_ends,
            point_ends,
        ) in project_rows
    ]


def chunks(values: Sequence[_V]) -> Iterator[Sequence[_V]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def placeholders(count: int) -> str:
    return ", ".join("?" * count)


def projects_from_rows(
    connection: sqlite3.Connection,
    organization_id: str,
    project_rows: Sequence[Sequence[Any]],
    *,
    pause_gc: bool,
) -> list[ProjectSettings]:
    """Build the projects of ``project_rows``, fetching their children by row id."""
    repository_rows: list[Any] = []
    pattern_rows: list[Any] = []
    environment_rows: list[Any] = []
    for chunk in chunks([row[0] for row in project_rows]):
        marks = placeholders(len(chunk))
        repository_rows += connection.execute(
            "SELECT project_row, id, provider, owner, name, ai_enabled, stopping_point_override, "  # noqa: S608
            "stopping_point_override_expires_at FROM repositories WHERE project_row IN ("
            + marks
            + ") "
            "ORDER BY project_row, position",
            chunk,
        ).fetchall()
        environment_rows += connection.execute(
            "SELECT project_row, name FROM environments WHERE project_row IN (" + marks + ") "  # noqa: S608
            "ORDER BY project_row, name",
            chunk,
        ).fetchall()
    for chunk in chunks([row[1] for row in repository_rows]):
        pattern_rows += connection.execute(
            "SELECT repository_row, pattern, stopping_point_override FROM branch_patterns "  # noqa: S608
            "WHERE repository_row IN (" + placeholders(len(chunk)) + ") "
            "ORDER BY repository_row, position",
            chunk,
        ).fetchall()
    with collector_paused(enabled=pause_gc):
        return stitch(
            organization_id, project_rows, repository_rows, pattern_rows, environment_rows
        )


LOAD_QUERIES: Final = (
    ("SELECT " + PROJECT_COLUMNS + " FROM projects WHERE organization_id = ? ORDER BY project_id"),  # noqa: S608
    (
        "SELECT r.project_row, r.id, r.provider, r.owner, r.name, r.ai_enabled, "
        "r.stopping_point_override, r.stopping_point_override_expires_at FROM projects AS p "
        "JOIN repositories AS r ON r.project_row = p.id "
        "WHERE p.organization_id = ? ORDER BY r.project_row, r.position"
    ),
    (
        "SELECT b.repository_row, b.pattern, b.stopping_point_override FROM projects AS p "
        "JOIN repositories AS r ON r.project_row = p.id "
        "JOIN branch_patterns AS b ON b.repository_row = r.id "
        "WHERE p.organization_id = ? ORDER BY b.repository_row, b.position"
    ),
    (
        "SELECT e.project_row, e.name FROM projects AS p "
        "JOIN environments AS e ON e.project_row = p.id "
        "WHERE p.organization_id = ? ORDER BY e.project_row, e.name"
    ),
)
"""The four queries that load every project of an organization (benchmarks reuse them)."""


AUDIT_COLUMNS: Final = (
    "id, organization_id, project_id, actor, event, target, occurred_at, stored_changes, "
    "effective_changes, change_id, reverts"
)


def audit_entry_from_row(row: Sequence[Any]) -> AuditEntry:
    return AuditEntry(
        organization_id=row[1],
        project_id=row[2],
        actor=row[3],
        event=_EVENTS[row[4]],
        target=row[5],
        occurred_at=_common.parse_timestamp(row[6]),
        stored_changes=_common.changes_from_json(row[7]),
        effective_changes=_common.changes_from_json(row[8]),
        id=row[0],
        change_id=row[9],
        reverts=row[10],
    )
