"""The analytics events the service sends after a commit, and how it survives a failing sink.

A sink that raises is logged and ignored: the change it reports is already saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from ai_settings_core.domain.audit import AuditEvent
from ai_settings_core.domain.changes import FieldChange, diff_project
from ai_settings_core.domain.permissions import Actor
from ai_settings_core.domain.settings import ProjectSettings
from ai_settings_core.domain.values import RepositoryRef
from ai_settings_core.events import ORG_CHANGED, PROJECT_OVERRIDE, REPOSITORY_CONFIG
from ai_settings_core.service._core import ServiceCore

if TYPE_CHECKING:
    import logging

__all__: list[str] = []


def _log() -> logging.Logger:
    """The library's logger: loaded when a sink fails, so a read never loads ``logging``."""
    import logging  # noqa: PLC0415 - loaded on the first failure only

    return logging.getLogger("ai_settings_core")


REPOSITORY_ACTIONS: Final = {
    AuditEvent.REPOSITORY_ADDED: "added",
    AuditEvent.REPOSITORY_CHANGED: "modified",
    AuditEvent.REPOSITORY_REMOVED: "removed",
}
"""The ``action`` of ``ai_settings_repository_config`` for each repository audit event."""


class Analytics(ServiceCore):
    """Sends the seed's analytics events to the sink."""

    def _safe_emit(self, name: str, properties: dict[str, Any]) -> None:
        if self._events is None:
            return
        try:
            self._events.emit(name, properties)
        except Exception:  # noqa: BLE001 - a failing sink must never fail a saved change
            _log().exception("The event sink failed on %s; the change is saved.", name)

    def _emit_organization_changed(
        self, actor: Actor, organization_id: str, changes: Iterable[FieldChange]
    ) -> None:
        try:
            with self._uow(read_only=True) as uow:
                project_count = len(uow.projects.load_organization(organization_id).projects)
        except Exception:  # noqa: BLE001 - analytics must never fail a saved change
            _log().exception("Counting projects for %s failed; the change is saved.", ORG_CHANGED)
            project_count = None
        for change in changes:
            self._safe_emit(
                ORG_CHANGED,
                {
                    "setting_type": change.field,
                    "new_value": change.after,
                    "project_count": project_count,
                    "user_role": actor.role,
                },
            )

    def _emit_project_event(
        self,
        event: AuditEvent,
        previous: ProjectSettings | None,
        saved: ProjectSettings,
        target: str,
    ) -> None:
        """The event of one saved project: a repository's config, or the project's override."""
        if event in REPOSITORY_ACTIONS:
            before = previous or ProjectSettings(saved.organization_id, saved.project_id)
            self._emit_repository_config(event, before, saved, target)
        else:
            self._emit_project_override(previous, saved)

    def _emit_project_override(
        self, previous: ProjectSettings | None, after: ProjectSettings
    ) -> None:
        before_overrides = previous is not None and previous.has_overrides
        if after.has_overrides and not before_overrides:
            action = "enabled"
        elif before_overrides and not after.has_overrides:
            action = "disabled"
        else:
            action = "modified"
        before = previous or ProjectSettings(after.organization_id, after.project_id)
        self._safe_emit(
            PROJECT_OVERRIDE,
            {
                "action": action,
                "project_id": after.project_id,
                "settings_changed": [change.field for change in diff_project(before, after)],
                "inheritance_broken": after.has_overrides,
            },
        )

    def _emit_repository_config(
        self, event: AuditEvent, before: ProjectSettings, after: ProjectSettings, target: str
    ) -> None:
        ref = RepositoryRef.parse(target)
        item = after.repository(ref) or before.repository(ref)
        self._safe_emit(
            REPOSITORY_CONFIG,
            {
                "action": REPOSITORY_ACTIONS[event],
                "repository_provider": ref.provider.value,
                "ai_enabled": None if item is None else item.ai_enabled,
                "branch_pattern": (
                    None if item is None else ",".join(p.text for p in item.branch_patterns)
                ),
            },
        )
