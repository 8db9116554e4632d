"""Revert: undo a recorded change, as a new change through the write pipeline.

The audit log says what a change did to each stored field (before and after). A revert reads
the change back from the log (every entry of the same write: a bulk change is undone as one),
refuses when a record it touched changed since (unless forced), and writes the "before" values
as a new change whose entries name the entry reverted. It is validated like any write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypeVar

import attrs

from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.changes import restore_fields, stale_fields
from ai_settings_core.domain.findings import Finding, Severity
from ai_settings_core.domain.permissions import ORG_ADMIN, PROJECT_ADMIN, Actor
from ai_settings_core.domain.rules import raise_for_errors
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.domain.views import RevertResult
from ai_settings_core.errors import ConflictError, InvalidValueError, NotFoundError
from ai_settings_core.ports import AuditLog
from ai_settings_core.service._pipeline import Plan, Stored, WritePipeline, by_project_id

__all__: list[str] = []

_BATCH: Final = 1_000


@attrs.frozen
class _Change:
    """One recorded change: its entries (oldest first), and the later entries of the org."""

    entries: tuple[AuditEntry, ...]
    later: tuple[AuditEntry, ...]

    @property
    def organization_entries(self) -> tuple[AuditEntry, ...]:
        return tuple(entry for entry in self.entries if entry.project_id is None)

    @property
    def project_entries(self) -> tuple[AuditEntry, ...]:
        return tuple(entry for entry in self.entries if entry.project_id is not None)

    def changed_since(self, project_id: str | None) -> AuditEntry | None:
        """The oldest later entry of the record (``None``: the organization), if any."""
        matching = [entry for entry in self.later if entry.project_id == project_id]
        return min(matching, key=lambda entry: entry.id) if matching else None


def _find_change(audit: AuditLog, organization_id: str, entry_id: int) -> _Change:
    """Read the change that holds entry ``entry_id`` and every entry written after it.

    Pages through the log newest first down to the entry. The entries of one write are
    consecutive in its organization's log (an organization's writes take turns), so the
    change's older entries follow the named one directly.
    """
    later: list[AuditEntry] = []
    found: list[AuditEntry] = []
    cursor: str | None = None
    while True:
        page = audit.query(organization_id, cursor=cursor, limit=_BATCH)
        for item in page.items:
            if not found:
                if item.id > entry_id:
                    later.append(item)
                    continue
                if item.id < entry_id:
                    raise _not_found(entry_id)
                found.append(item)
                continue
            if found[0].change_id is None or item.change_id != found[0].change_id:
                return _grouped(found, later)
            found.append(item)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    if not found:
        raise _not_found(entry_id)
    return _grouped(found, later)


def _grouped(found: list[AuditEntry], later: list[AuditEntry]) -> _Change:
    change_id = found[0].change_id
    same = [entry for entry in later if change_id is not None and entry.change_id == change_id]
    others = [entry for entry in later if change_id is None or entry.change_id != change_id]
    return _Change(tuple(sorted([*found, *same], key=lambda e: e.id)), tuple(others))


def _not_found(entry_id: int) -> NotFoundError:
    return NotFoundError(f"Audit entry {entry_id} not found.")


def _check_entry_id(entry_id: object) -> int:
    if isinstance(entry_id, bool) or not isinstance(entry_id, int) or entry_id < 1:
        raise_for_errors(
            [
                Finding(
                    "invalid",
                    Severity.ERROR,
                    ("audit_entry_id",),
                    f"An audit entry id is a positive integer, not {entry_id!r}.",
                )
            ]
        )
    return entry_id  # type: ignore[return-value]


def _conflict(what: str, entry_id: int, detail: str) -> ConflictError:
    return ConflictError(
        f"{what} changed since audit entry {entry_id} ({detail}); "
        "revert with force to restore its values anyway."
    )


class RevertUseCases(WritePipeline):
    """Undo a change recorded in the audit log."""

    def revert(
        self,
        actor: Actor,
        organization_id: str,
        audit_entry_id: int,
        *,
        force: bool = False,
    ) -> RevertResult:
        """Restore the stored values audit entry ``audit_entry_id`` changed to their "before".

        The revert is a new change (its audit entries name the entry reverted in ``reverts``),
        validated like any write and needing the permissions of the write it undoes. Every
        entry of the same change is reverted with it, in one transaction: a bulk change is
        undone as one. Only the fields the change recorded are restored; the others keep their
        current values.

        Raises:
            NotFoundError: No entry of the organization has that id.
            ConflictError: A record the change touched changed since (a later audit entry, or
                a stored value that is no longer the one the change wrote); with
                ``force=True`` the values are restored anyway.
            ValidationError: The restored values break a rule now (a lock, the ceiling...);
                the findings say which, and nothing is written.
        """
        entry_id = _check_entry_id(audit_entry_id)
        actor.require(organization_id, PROJECT_ADMIN if actor.has(PROJECT_ADMIN) else ORG_ADMIN)
        with self._uow(read_only=True) as uow:
            change = _find_change(uow.audit, organization_id, entry_id)
            organization_entries = change.organization_entries
            project_entries = change.project_entries
            project_ids = tuple(dict.fromkeys(str(e.project_id) for e in project_entries))
            read_organization = uow.organizations.get(organization_id)
            read_projects = (
                uow.projects.get_many(organization_id, project_ids) if project_ids else {}
            )
        if organization_entries:
            actor.require(organization_id, ORG_ADMIN)
        for project_id in project_ids:
            actor.require_project(organization_id, project_id, PROJECT_ADMIN)
        if not force:
            self._refuse_changed(change, entry_id)

        def plan(stored: Stored) -> Plan:
            organization = None
            if organization_entries:
                current = stored.organization or OrganizationSettings(organization_id)
                if not force:
                    _check_unchanged(
                        f"Organization {organization_id!r}",
                        entry_id,
                        current,
                        read_organization,
                        organization_entries,
                    )
                organization = _restored(current, organization_entries)
            projects = []
            for project_id in project_ids:
                current_project = stored.project(project_id)
                entries = [e for e in project_entries if e.project_id == project_id]
                if not force:
                    _check_unchanged(
                        f"Project {project_id!r}",
                        entry_id,
                        current_project,
                        read_projects.get(project_id),
                        entries,
                    )
                projects.append(_restored(current_project, entries))
            if len(project_ids) > 1:
                return Plan(
                    organization=organization,
                    projects=tuple(projects),
                    store_new=False,
                    event=AuditEvent.BULK_EDIT,
                    paths=by_project_id,
                    reverts=entry_id,
                )
            return Plan(
                organization=organization,
                projects=tuple(projects),
                store_new=False,
                reverts=entry_id,
            )

        outcome = self._write(actor, organization_id, project_ids, plan)
        return RevertResult(
            tuple(entry.id for entry in change.entries),
            (
                self._organization_view(organization_id, outcome.organization, outcome.warnings)
                if organization_entries
                else None
            ),
            tuple(
                self._project_view(outcome.organization, project, with_warnings=False)
                for project in outcome.projects
            ),
            outcome.changed,
            outcome.warnings,
        )

    @staticmethod
    def _refuse_changed(change: _Change, entry_id: int) -> None:
        """Raise :class:`ConflictError` when a later entry changed a record of the change."""
        records: list[tuple[str, str | None]] = []
        if change.organization_entries:
            records.append(("The organization", None))
        records.extend(
            (f"Project {entry.project_id!r}", entry.project_id) for entry in change.project_entries
        )
        for what, project_id in records:
            later = change.changed_since(project_id)
            if later is not None:
                raise _conflict(what, entry_id, f"audit entry {later.id} changed it")


_Record = OrganizationSettings | ProjectSettings


def _check_unchanged(
    what: str,
    entry_id: int,
    current: _Record,
    read: _Record | None,
    entries: Sequence[AuditEntry],
) -> None:
    """Refuse a record written since the log was read, or whose values are not the change's."""
    read_version = 0 if read is None else read.version
    if current.version != read_version:
        raise _conflict(what, entry_id, f"its version is {current.version} now")
    stale = stale_fields(current, entries[-1].stored_changes)
    if stale:
        raise _conflict(what, entry_id, f"{', '.join(stale)} no longer hold the values it wrote")


_R = TypeVar("_R", OrganizationSettings, ProjectSettings)


def _restored(current: _R, entries: Sequence[AuditEntry]) -> _R:
    """``current`` with the fields ``entries`` changed back to their first "before" values."""
    for entry in reversed(entries):
        try:
            current = restore_fields(current, entry.stored_changes, side="before")
        except InvalidValueError as error:
            # An entry this version cannot read back (written by another version, or by hand).
            raise_for_errors(
                [
                    Finding(
                        error.code,
                        Severity.ERROR,
                        ("audit_entry_id",),
                        f"Audit entry {entry.id} cannot be reverted: {error.message}",
                    )
                ]
            )
    return current
