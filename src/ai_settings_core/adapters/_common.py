"""What every shipped adapter shares: checks, cursors, conflicts, timestamps, audit JSON.

Every adapter calls these, so the in-memory reference and SQLite (and any adapter written the
same way: see ``docs/writing-an-adapter.md``) reject and page alike. The unit-of-work base they
share is in :mod:`ai_settings_core.adapters._unit_of_work`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from ai_settings_core.domain.audit import AuditEntry
from ai_settings_core.domain.changes import FieldChange
from ai_settings_core.domain.findings import Finding, Path, Severity
from ai_settings_core.domain.invariants import (
    FixRequiresScan,
    MergeOnlyOnBranches,
    StoppingPointAtMost,
)
from ai_settings_core.domain.rules import duplicate_repository
from ai_settings_core.domain.settings import (
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import (
    STOPPING_POINTS,
    BranchPattern,
    Provider,
    RepositoryRef,
    StoppingPoint,
    format_timestamp,
    parse_timestamp,
)
from ai_settings_core.errors import ConflictError, ValidationError
from ai_settings_core.ports import MAX_PAGE_SIZE
from ai_settings_core.ports import decode_project_cursor as decode_project_cursor  # noqa: PLC0414
from ai_settings_core.ports import encode_project_cursor as encode_project_cursor  # noqa: PLC0414

# The audit time format is the domain's (one function for stores, documents and the CLI);
# the adapters reach it here.
if TYPE_CHECKING:
    from ai_settings_core.domain.invariants import Invariant

__all__ = ["format_timestamp", "parse_timestamp"]

_AUDIT_CURSOR: Final = "before:"

RuleKey: TypeAlias = tuple[str | tuple[str, str], ...]
"""Stored branch rules as a hashable key: a rule without an override as its pattern's text, one
with an override as ``(text, stopping point's text)``. Stores keep the rules they built by it,
so a large organization compiles each distinct list of patterns once."""


def rule_key(patterns: Sequence[str], points: Sequence[str | None] | None) -> RuleKey:
    """The key of stored rules, from their patterns' texts and stopping points' texts.

    ``points`` is aligned with ``patterns``, or ``None`` when no rule has a stopping point.
    """
    if points is None:
        return tuple(patterns)
    return tuple(
        text if point is None else (text, point)
        for text, point in zip(patterns, points, strict=True)
    )


def branch_rules(key: RuleKey) -> tuple[BranchRule, ...]:
    """The branch rules of a :data:`RuleKey`: rows the store wrote, read back."""
    return tuple(
        BranchRule(BranchPattern(item))
        if type(item) is str
        else BranchRule(BranchPattern(item[0]), STOPPING_POINTS[item[1]])
        for item in key
    )


def rule_points(rules: Sequence[BranchRule]) -> list[str | None] | None:
    """The rules' stopping points as stored beside their patterns, in order.

    ``None`` (a ``NULL`` column) when no rule has one, as in every row written before rules
    had them.
    """
    points = [
        None if rule.stopping_point_override is None else rule.stopping_point_override.value
        for rule in rules
    ]
    return None if points.count(None) == len(points) else points


def invalid(path: Path, code: str, message: str) -> ValidationError:
    """A :class:`ValidationError` with one error finding at ``path``."""
    return ValidationError.from_findings([Finding(code, Severity.ERROR, path, message)])


def check_limit(limit: object) -> int:
    """Return ``limit`` when it is an int from 1 to ``MAX_PAGE_SIZE``; else ``invalid_limit``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise invalid(
            ("limit",),
            "invalid_limit",
            f"Limit must be an integer from 1 to {MAX_PAGE_SIZE}, not {limit!r}.",
        )
    return limit


def encode_audit_cursor(entry_id: int) -> str:
    """The cursor of the page that follows (is older than) entry ``entry_id``."""
    return f"{_AUDIT_CURSOR}{entry_id}"


def decode_audit_cursor(cursor: str | None) -> int | None:
    """The id an audit query resumes below, or ``None`` for the first page."""
    if cursor is None:
        return None
    if isinstance(cursor, str) and cursor.startswith(_AUDIT_CURSOR):
        digits = cursor[len(_AUDIT_CURSOR) :]
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:  # noqa: PLR2004
            return int(digits)
    raise invalid(("cursor",), "invalid_cursor", f"Invalid cursor: {cursor!r}.")


def check_time(name: str, value: dt.datetime | None) -> dt.datetime | None:
    """Return an aware bound in UTC, or raise ``invalid_timestamp`` for a naive one."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise invalid(
            (name,),
            "invalid_timestamp",
            f"{name} must be a timezone-aware datetime, not {value!r}.",
        )
    return value.astimezone(dt.UTC)


_SHOWN_LENGTH: Final = 60


def _shown(value: object) -> str:
    """A bad value for a message: short and ASCII only (``ascii``: lone surrogates escaped)."""
    text = ascii(value)
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 3] + "..."


def _is_text(value: str) -> bool:
    """Whether ``value`` encodes as UTF-8: it holds no lone surrogate (ASCII is the fast path)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_text(path: Path, code: str, what: str, value: str) -> ValidationError:
    return invalid(
        path,
        code,
        f"{what} {_shown(value)} is not Unicode text: it holds a lone surrogate, "
        "which no store can encode.",
    )


def _wrong_type(path: Path, expected: str, value: object) -> ValidationError:
    return invalid(
        path, "invalid", f"Must be {expected}, not {type(value).__name__} {_shown(value)}."
    )


def check_key(path: Path, value: object, what: str = "Identifier") -> None:
    """Refuse an identifier no store can hold, with a :class:`ValidationError` at ``path``.

    Not a string: ``invalid``; empty: ``blank``; not encodable as UTF-8: ``invalid_identifier``.
    """
    if not isinstance(value, str):
        raise _wrong_type(path, "a string", value)
    if not value:
        raise invalid(path, "blank", "This field may not be blank.")
    if not _is_text(value):
        raise _not_text(path, "invalid_identifier", what, value)


def check_lookup(path: Path, value: object) -> None:
    """Refuse an identifier a read or delete looks up that no store could hold.

    Not a string: ``invalid``; not encodable as UTF-8: ``invalid_identifier``. An empty one is
    allowed: nothing is stored under it, so it is simply not found.
    """
    if not isinstance(value, str):
        raise _wrong_type(path, "a string", value)
    if not _is_text(value):
        raise _not_text(path, "invalid_identifier", "Identifier", value)


def _check_flag(path: Path, value: object) -> None:
    if type(value) is not bool:
        raise _wrong_type(path, "a boolean", value)


def _check_optional_flag(path: Path, value: object) -> None:
    if value is not None and type(value) is not bool:
        raise _wrong_type(path, "a boolean or None", value)


def _check_point(path: Path, value: object) -> None:
    if type(value) is not StoppingPoint:
        raise _wrong_type(path, "a StoppingPoint", value)


def _check_optional_point(path: Path, value: object) -> None:
    if value is not None and type(value) is not StoppingPoint:
        raise _wrong_type(path, "a StoppingPoint or None", value)


_INVARIANT_TYPES: Final = frozenset({StoppingPointAtMost, MergeOnlyOnBranches, FixRequiresScan})


def _check_optional_moment(path: Path, value: object) -> None:
    """An expiry: ``None`` or an aware datetime (a naive one names no instant)."""
    if value is None:
        return
    if not isinstance(value, dt.datetime):
        raise _wrong_type(path, "an aware datetime or None", value)
    if value.utcoffset() is None:
        raise invalid(path, "naive_datetime", "An expiry must be an aware datetime (in UTC).")


def check_organization(settings: OrganizationSettings) -> None:
    """Refuse what no store can hold or the domain does not allow, before anything is written.

    A :class:`ValidationError` with a field path: a blank organization id (``blank``), one that
    is not Unicode text (``invalid_identifier``), or a field of the wrong type (``invalid``).
    """
    if not isinstance(settings, OrganizationSettings):
        raise _wrong_type((), "an OrganizationSettings", settings)
    check_key(("organization_id",), settings.organization_id, "Organization id")
    _check_flag(("scan_enabled",), settings.scan_enabled)
    _check_flag(("fix_enabled",), settings.fix_enabled)
    _check_point(("stopping_point",), settings.stopping_point)
    locked = settings.locked
    if type(locked) is not frozenset or not all(type(item) is Setting for item in locked):
        raise _wrong_type(("locked",), "a frozenset of Setting", locked)
    _check_optional_point(("max_stopping_point",), settings.max_stopping_point)
    invariants = settings.invariants
    if type(invariants) is not tuple or not all(
        type(item) in _INVARIANT_TYPES for item in invariants
    ):
        raise _wrong_type(("invariants",), "a tuple of invariants", invariants)
    for setting in Setting:
        _check_optional_moment((setting.lock_expires_field,), settings.lock_expires_at(setting))


def check_project(project: ProjectSettings) -> None:
    """Refuse what no store can hold or the domain does not allow, before anything is written.

    A :class:`ValidationError` with a field path: blank ids (``blank``), ids, environments or
    branch patterns that are not Unicode text (``invalid_identifier``, ``invalid_pattern``),
    fields of the wrong type (``invalid``), a repository listed twice
    (``duplicate_repository``) or one without branch patterns (``required``). It runs on every
    save, so it only looks, in one pass, at what the project holds.
    """
    if not isinstance(project, ProjectSettings):
        raise _wrong_type((), "a ProjectSettings", project)
    check_key(("organization_id",), project.organization_id, "Organization id")
    check_key(("project_id",), project.project_id, "Project id")
    _check_optional_flag(("scan_enabled_override",), project.scan_enabled_override)
    _check_optional_flag(("fix_enabled_override",), project.fix_enabled_override)
    _check_optional_point(("stopping_point_override",), project.stopping_point_override)
    for setting in Setting:
        _check_optional_moment((setting.expires_field,), project.override_expires_at(setting))
    repositories = project.repositories
    if type(repositories) is not tuple:
        raise _wrong_type(("repositories",), "a tuple of RepositorySettings", repositories)
    seen: set[tuple[str, str, str]] = set()
    for index, repository in enumerate(repositories):
        _check_repository(("repositories", index), repository)
        key = repository.repository.key
        if key in seen:
            raise ValidationError.from_findings(
                [duplicate_repository(("repositories", index, "repository"), repository.repository)]
            )
        seen.add(key)
    environments = project.environments
    if type(environments) is not frozenset:
        raise _wrong_type(("environments",), "a frozenset of names", environments)
    for environment in environments:
        check_key(("environments",), environment, "Environment")


def _check_repository(path: Path, repository: object) -> None:
    if not isinstance(repository, RepositorySettings):
        raise _wrong_type(path, "a RepositorySettings", repository)
    ref = repository.repository
    if not isinstance(ref, RepositoryRef) or type(ref.provider) is not Provider:
        raise _wrong_type((*path, "repository"), "a RepositoryRef", ref)
    _check_flag((*path, "ai_enabled"), repository.ai_enabled)
    patterns = repository.branch_patterns
    if type(patterns) is not tuple:
        raise _wrong_type((*path, "branch_patterns"), "a tuple of BranchRule", patterns)
    if not patterns:
        raise invalid(
            (*path, "branch_patterns"),
            "required",
            "At least one branch pattern is required ('*' for all branches).",
        )
    for position, rule in enumerate(patterns):
        rule_path = (*path, "branch_patterns", position)
        if not isinstance(rule, BranchRule):
            raise _wrong_type(rule_path, "a BranchRule", rule)
        pattern = rule.pattern
        if not isinstance(pattern, BranchPattern):
            raise _wrong_type((*rule_path, "pattern"), "a BranchPattern", pattern)
        text = pattern.text
        if not isinstance(text, str) or not _is_text(text):
            raise _not_text(rule_path, "invalid_pattern", "Branch pattern", text)
        _check_optional_point((*rule_path, "stopping_point_override"), rule.stopping_point_override)
    _check_optional_point((*path, "stopping_point_override"), repository.stopping_point_override)
    _check_optional_moment(
        (*path, "stopping_point_override_expires_at"),
        repository.stopping_point_override_expires_at,
    )


def check_audit_entry(entry: AuditEntry) -> None:
    """Refuse an audit entry no store can hold, with a :class:`ValidationError`.

    Not an :class:`AuditEntry`: ``invalid``; holding text that does not encode as UTF-8:
    ``invalid_text`` (the entry's own validators checked everything else).
    """
    if not isinstance(entry, AuditEntry):
        raise _wrong_type((), "an AuditEntry", entry)
    texts: list[object] = [
        entry.organization_id,
        entry.project_id,
        entry.actor,
        entry.target,
        entry.change_id,
    ]
    for name in ("stored_changes", "effective_changes"):
        for change in getattr(entry, name):
            texts += (change.field, change.before, change.after)
    while texts:
        value = texts.pop()
        if isinstance(value, tuple):
            texts.extend(value)
        elif isinstance(value, str) and not _is_text(value):
            raise _not_text((), "invalid_text", "Audit entry text", value)


def check_expected(what: str, expected_version: int | None, actual: int) -> None:
    """Raise :class:`ConflictError` when ``expected_version`` is given and is not ``actual``."""
    if expected_version is None:
        return
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise invalid(
            ("version",),
            "invalid_version",
            f"Expected version must be an integer, not {expected_version!r}.",
        )
    if expected_version != actual:
        raise ConflictError(
            f"{what} is at version {actual}, not {expected_version}; reload it and try again.",
            expected=expected_version,
            actual=actual,
        )


def changes_to_json(changes: tuple[FieldChange, ...]) -> str:
    """Audit changes as a JSON array of ``{"field", "before", "after"}`` objects."""
    return json.dumps(
        [{"field": c.field, "before": c.before, "after": c.after} for c in changes],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _tuples(value: object) -> object:
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


def changes_from_json(text: str) -> tuple[FieldChange, ...]:
    """The inverse of :func:`changes_to_json` (JSON arrays come back as tuples)."""
    return tuple(
        FieldChange(item["field"], _tuples(item["before"]), _tuples(item["after"]))
        for item in json.loads(text)
    )


def audit_matches(
    entry: AuditEntry,
    project_id: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> bool:
    """Whether an entry passes an audit query's filters (the organization aside)."""
    if project_id is not None and entry.project_id != project_id:
        return False
    if since is not None and entry.occurred_at < since:
        return False
    return until is None or entry.occurred_at < until


def check_audit_query(
    organization_id: object,
    *,
    project_id: object,
    since: dt.datetime | None,
    until: dt.datetime | None,
    cursor: str | None,
    limit: object,
    lookup: Callable[[Path, object], object] = check_lookup,
) -> tuple[int, dt.datetime | None, dt.datetime | None, int | None]:
    """Check the arguments of ``AuditLog.query`` the way every store does.

    Returns the checked ``limit``, ``since`` and ``until`` (in UTC) and the entry id the cursor
    names (``None`` for the first page). ``lookup`` checks identifiers (a store with stricter
    text rules passes its own).
    """
    lookup(("organization_id",), organization_id)
    if project_id is not None:
        lookup(("project_id",), project_id)
    return (
        check_limit(limit),
        check_time("since", since),
        check_time("until", until),
        decode_audit_cursor(cursor),
    )


def invariants_from_stored(value: str | list[Any]) -> tuple[Invariant, ...]:
    """An organization's invariants from a store's JSON column (text, or already decoded).

    An empty list, what nearly every organization stores, is read without importing the codec
    (and cattrs): a command that only reads settings starts faster.
    """
    if value == "[]" or value == []:  # noqa: PLR1714 - text or decoded, both empty
        return ()
    from ai_settings_core.codec._invariants import invariants_from_json  # noqa: PLC0415

    return invariants_from_json(value)


def invariants_to_stored(invariants: tuple[Invariant, ...]) -> str:
    """An organization's invariants as a store keeps them: a compact JSON array."""
    if not invariants:
        return "[]"
    from ai_settings_core.codec._invariants import invariants_to_json  # noqa: PLC0415

    return invariants_to_json(invariants)
