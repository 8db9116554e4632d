"""What every shipped adapter shares: argument checks, cursors, conflicts, audit JSON.

Both adapters call these, so the in-memory reference and SQLite reject and page alike.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Final

from ai_settings_core._audit import AuditEntry
from ai_settings_core._changes import FieldChange
from ai_settings_core._findings import Finding, Path, Severity, build_detail
from ai_settings_core._settings import OrganizationSettings, ProjectSettings
from ai_settings_core.errors import ConflictError, ValidationError
from ai_settings_core.ports import MAX_PAGE_SIZE

__all__: list[str] = []

_PROJECT_CURSOR: Final = "after:"
_AUDIT_CURSOR: Final = "before:"
TIMESTAMP_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"


def invalid(path: Path, code: str, message: str) -> ValidationError:
    """A :class:`ValidationError` with one error finding at ``path``."""
    finding = Finding(code, Severity.ERROR, path, message)
    detail, codes = build_detail([finding])
    return ValidationError(detail, codes, (finding,))


def check_limit(limit: object) -> int:
    """Return ``limit`` when it is an int from 1 to ``MAX_PAGE_SIZE``; else ``invalid_limit``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise invalid(
            ("limit",),
            "invalid_limit",
            f"Limit must be an integer from 1 to {MAX_PAGE_SIZE}, not {limit!r}.",
        )
    return limit


def encode_project_cursor(project_id: str) -> str:
    """The cursor of the page that follows ``project_id``."""
    return _PROJECT_CURSOR + project_id


def decode_project_cursor(cursor: str | None) -> str | None:
    """The project id a listing resumes after, or ``None`` for the first page."""
    if cursor is None:
        return None
    if not isinstance(cursor, str) or not cursor.startswith(_PROJECT_CURSOR):
        raise invalid(("cursor",), "invalid_cursor", f"Invalid cursor: {cursor!r}.")
    return cursor[len(_PROJECT_CURSOR) :]


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


def format_timestamp(value: dt.datetime) -> str:
    """A UTC datetime as fixed-width text that sorts in time order."""
    utc = value.astimezone(dt.UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def parse_timestamp(text: str) -> dt.datetime:
    """The inverse of :func:`format_timestamp`."""
    return dt.datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)


def _check_id(path: Path, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise invalid(path, "blank", f"Must be a non-empty string, not {value!r}.")


def check_organization(settings: OrganizationSettings) -> None:
    """Refuse what no store can hold: a blank organization id."""
    _check_id(("organization_id",), settings.organization_id)


def check_project(project: ProjectSettings) -> None:
    """Refuse what no store can hold: blank ids, duplicate repositories, no branch pattern."""
    _check_id(("organization_id",), project.organization_id)
    _check_id(("project_id",), project.project_id)
    seen: set[tuple[str, str, str]] = set()
    for index, repository in enumerate(project.repositories):
        key = repository.repository.key
        if key in seen:
            raise invalid(
                ("repositories", index, "repository"),
                "duplicate_repository",
                f"Repository {str(repository.repository)!r} is listed twice.",
            )
        seen.add(key)
        if not repository.branch_patterns:
            raise invalid(
                ("repositories", index, "branch_patterns"),
                "required",
                "At least one branch pattern is required ('*' for all branches).",
            )
    for environment in project.environments:
        _check_id(("environments",), environment)


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
