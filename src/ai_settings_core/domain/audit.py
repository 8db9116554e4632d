"""The audit log's entry: who changed what, when, and how the stored and effective values moved.

An entry is written in the same transaction as the change it records. Its changes hold plain
JSON-compatible values (``bool``, ``str``, ``int``, ``None`` and tuples of those), the form
:class:`~ai_settings_core.FieldChange` uses, so every store can keep them as JSON and give them
back equal.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Final

import attrs

from ai_settings_core.domain.changes import FieldChange
from ai_settings_core.errors import InvalidValueError

__all__ = ["AuditEntry", "AuditEvent"]


class AuditEvent(enum.Enum):
    """What kind of change an audit entry records; the value is the stored event name.

    ``org_ai_settings.edit`` is the seed's ``AuditLogEvent.ORG_AI_SETTINGS_EDIT``; the others
    follow its naming::

        >>> AuditEvent("project_ai_settings.reset")
        <AuditEvent.PROJECT_AI_SETTINGS_RESET: 'project_ai_settings.reset'>
    """

    ORG_AI_SETTINGS_EDIT = "org_ai_settings.edit"
    PROJECT_AI_SETTINGS_EDIT = "project_ai_settings.edit"
    PROJECT_AI_SETTINGS_RESET = "project_ai_settings.reset"
    REPOSITORY_ADDED = "project_ai_settings.repository_added"
    REPOSITORY_CHANGED = "project_ai_settings.repository_changed"
    REPOSITORY_REMOVED = "project_ai_settings.repository_removed"
    BULK_EDIT = "project_ai_settings.bulk_edit"

    def __str__(self) -> str:
        return self.value


_PLAIN_SCALARS: Final = (bool, str, int, type(None))


def _is_plain(value: object) -> bool:
    """Whether ``value`` is ``bool``, ``str``, ``int``, ``None`` or a tuple of plain values."""
    if isinstance(value, _PLAIN_SCALARS):
        return True
    if isinstance(value, tuple):
        return all(_is_plain(item) for item in value)
    return False


def _check_changes(
    instance: AuditEntry, attribute: attrs.Attribute[tuple[FieldChange, ...]], value: object
) -> None:
    del instance
    if not isinstance(value, tuple) or not all(isinstance(item, FieldChange) for item in value):
        raise InvalidValueError(
            "invalid_audit_changes",
            f"Audit entry {attribute.name} must be a tuple of FieldChange, not {value!r}.",
        )
    for change in value:
        if not isinstance(change.field, str):
            raise InvalidValueError(
                "invalid_audit_changes",
                f"Audit entry {attribute.name}: field name {change.field!r} is not a string.",
            )
        for side in (change.before, change.after):
            if not _is_plain(side):
                raise InvalidValueError(
                    "invalid_audit_changes",
                    f"Audit entry {attribute.name}[{change.field!r}]: {side!r} is not a plain "
                    "value (bool, str, int, None or a tuple of those).",
                )


def _to_utc(value: dt.datetime) -> dt.datetime:
    """Normalise an aware datetime to UTC; refuse a naive one."""
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidValueError(
            "invalid_timestamp",
            f"Audit entry occurred_at must be a timezone-aware datetime, not {value!r}.",
        )
    return value.astimezone(dt.UTC)


def _check_text(instance: AuditEntry, attribute: attrs.Attribute[str], value: object) -> None:
    del instance
    if not isinstance(value, str) or not value:
        raise InvalidValueError(
            "invalid_audit_entry",
            f"Audit entry {attribute.name} must be a non-empty string, not {value!r}.",
        )


def _check_optional_text(
    instance: AuditEntry, attribute: attrs.Attribute[str | None], value: object
) -> None:
    if value is not None:
        _check_text(instance, attribute, value)  # type: ignore[arg-type]


def _check_optional_id(
    instance: AuditEntry, attribute: attrs.Attribute[int | None], value: object
) -> None:
    del instance
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidValueError(
            "invalid_audit_entry",
            f"Audit entry {attribute.name} must be a positive entry id or None, not {value!r}.",
        )


@attrs.frozen
class AuditEntry:
    """One recorded change.

    >>> import datetime as dt
    >>> entry = AuditEntry(
    ...     organization_id="acme",
    ...     project_id=None,
    ...     actor="user:42",
    ...     event=AuditEvent.ORG_AI_SETTINGS_EDIT,
    ...     target="acme",
    ...     occurred_at=dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    ...     stored_changes=(FieldChange("fix_enabled", False, True),),
    ... )
    >>> entry.id, str(entry.event)
    (0, 'org_ai_settings.edit')

    Attributes:
        organization_id: The organization the change belongs to.
        project_id: The project changed, or ``None`` for an organization-level change.
        actor: Who made the change, as the host names actors (``"user:42"``).
        event: What kind of change.
        target: What was changed: the organization or project id, or a repository
            (``"github:acme/api"``).
        occurred_at: When, as a timezone-aware datetime (normalised to UTC).
        stored_changes: The stored fields before and after.
        effective_changes: The effective values before and after.
        id: Assigned by the audit log when the entry is appended (increasing); 0 before.
        change_id: The change (one write) the entry belongs to: every entry one write
            appends carries the same text, so a bulk change can be found, and reverted, as
            one. ``None`` for entries written before 0.2 recorded it.
        reverts: The id of the entry this change reverts, on every entry of a revert;
            ``None`` for any other change.
    """

    organization_id: str = attrs.field(validator=_check_text)
    project_id: str | None = attrs.field(validator=_check_optional_text)
    actor: str = attrs.field(validator=_check_text)
    event: AuditEvent = attrs.field(validator=attrs.validators.instance_of(AuditEvent))
    target: str = attrs.field(validator=_check_text)
    occurred_at: dt.datetime = attrs.field(converter=_to_utc)
    stored_changes: tuple[FieldChange, ...] = attrs.field(default=(), validator=_check_changes)
    effective_changes: tuple[FieldChange, ...] = attrs.field(default=(), validator=_check_changes)
    id: int = 0
    change_id: str | None = attrs.field(default=None, validator=_check_optional_text)
    reverts: int | None = attrs.field(default=None, validator=_check_optional_id)
