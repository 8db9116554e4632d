"""Settings as code: the plan that brings what is stored to a desired-state document.

A desired-state document is an organization export: the organization's settings and any of
its projects. :func:`plan_settings` compares it with what is stored and says, record by
record, which stored fields and which effective values would change, and on which versions
it was computed, so that applying it later can refuse if anything changed in between.
Pure: the service reads the store and applies the plan through its write pipeline.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping

import attrs

from ai_settings_core.domain.changes import (
    FieldChange,
    diff_effective,
    diff_organization,
    diff_project,
    diff_settings,
)
from ai_settings_core.domain.resolve import resolve_organization
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.errors import InvalidValueError

__all__ = ["PlanAction", "RecordPlan", "SettingsDocument", "SettingsPlan", "plan_settings"]


def _projects(value: Iterable[ProjectSettings]) -> tuple[ProjectSettings, ...]:
    return value if type(value) is tuple else tuple(value)


@attrs.frozen
class SettingsDocument:
    """A desired-state document: an organization's settings and any of its projects.

    Its text form is the organization export (``ai-settings export``), read by
    :func:`ai_settings_core.codec.parse_document`.

    Attributes:
        organization: The organization's settings (its ``version`` is not used).
        projects: The projects it names, each once (their versions are not used).
    """

    organization: OrganizationSettings
    projects: tuple[ProjectSettings, ...] = attrs.field(default=(), converter=_projects)

    @property
    def organization_id(self) -> str:
        """The organization the document is for."""
        return self.organization.organization_id


class PlanAction(enum.Enum):
    """What applying a plan does to one record."""

    CREATE = "create"
    """The record is not stored yet: it is stored as the document says."""
    UPDATE = "update"
    """The stored record differs from the document: it is changed to match."""
    PRUNE = "prune"
    """A stored project the document leaves out, with ``prune``: its overrides, repositories
    and environments are cleared (it inherits everything again)."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class RecordPlan:
    """How one record would change.

    Attributes:
        project_id: The project, or ``None`` for the organization.
        action: Whether the record is created, updated or pruned.
        stored: The stored fields before and after.
        effective: The effective values before and after (the organization's own defaults
            for the organization; the project's resolved values for a project).
    """

    project_id: str | None
    action: PlanAction
    stored: tuple[FieldChange, ...]
    effective: tuple[FieldChange, ...]


def _versions(value: Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(value))


def _check_covered(
    instance: SettingsPlan, attribute: attrs.Attribute[object], value: object
) -> None:
    """Every project the document names has a version, so applying can check it."""
    del attribute, value
    known = {project_id for project_id, _ in instance.project_versions}
    missing = [p.project_id for p in instance.projects if p.project_id not in known]
    if missing:
        raise InvalidValueError(
            "invalid_plan",
            f"The plan names no version for project {missing[0]!r} of its document.",
        )


@attrs.frozen
class SettingsPlan:
    """What applying a desired-state document would change, and what it was computed on.

    >>> from ai_settings_core import OrganizationSettings, ProjectSettings
    >>> desired = OrganizationSettings("acme", fix_enabled=True)
    >>> plan = plan_settings(None, {}, desired, [ProjectSettings("acme", "web")])
    >>> [(str(c.action), c.project_id) for c in plan.changes]
    [('create', None), ('create', 'web')]
    >>> plan.organization_version, plan.project_versions
    (0, (('web', 0),))

    Attributes:
        organization: The organization's settings as the document wants them.
        projects: The projects the document names, as it wants them, in its order.
        prune: Whether stored projects the document leaves out are cleared.
        organization_version: The organization's stored version when the plan was made (0:
            none stored).
        project_versions: ``(project_id, version)`` of every project the plan looked at (those
            the document names; with ``prune``, every stored project too), sorted; 0 for a
            project not stored.
        changes: The records that change, the organization first, then the projects in the
            document's order, then the pruned ones by id.
    """

    organization: OrganizationSettings
    projects: tuple[ProjectSettings, ...]
    prune: bool
    organization_version: int
    project_versions: tuple[tuple[str, int], ...] = attrs.field(converter=_versions)
    changes: tuple[RecordPlan, ...] = attrs.field(validator=_check_covered)

    @property
    def organization_id(self) -> str:
        """The organization the plan is for."""
        return self.organization.organization_id

    @property
    def is_empty(self) -> bool:
        """Whether applying the plan changes nothing: what is stored is what is desired."""
        return not self.changes

    def desired_projects(self) -> tuple[ProjectSettings, ...]:
        """Every project the plan writes to: the document's, then the pruned ones."""
        named = {project.project_id for project in self.projects}
        pruned = tuple(
            ProjectSettings(self.organization_id, project_id)
            for project_id, _ in self.project_versions
            if project_id not in named
        )
        return (*self.projects, *pruned) if self.prune else self.projects


def plan_settings(
    organization: OrganizationSettings | None,
    projects: Mapping[str, ProjectSettings],
    desired: OrganizationSettings,
    desired_projects: Iterable[ProjectSettings],
    *,
    prune: bool = False,
    now: dt.datetime | None = None,
) -> SettingsPlan:
    """The plan that brings the stored records to the desired ones.

    Args:
        organization: The organization's stored settings, ``None`` when none are stored.
        projects: The stored projects by id: at least those the document names, and with
            ``prune`` every stored project of the organization.
        desired: The organization's settings as the document wants them.
        desired_projects: The projects the document names (each once, of the organization).
        prune: Clear the stored projects the document leaves out.
        now: The moment effective values are compared at (needed when values expire).
    """
    organization_id = desired.organization_id
    wanted = tuple(desired_projects)
    named = {project.project_id for project in wanted}
    considered = set(named) | (set(projects) if prune else set())
    plan = SettingsPlan(
        desired,
        wanted,
        prune,
        0 if organization is None else organization.version,
        ((pid, projects[pid].version if pid in projects else 0) for pid in considered),
        (),
    )
    changes: list[RecordPlan] = []
    baseline = organization or OrganizationSettings(organization_id)
    stored_changes = diff_organization(baseline, desired)
    if stored_changes or organization is None:
        changes.append(
            RecordPlan(
                None,
                PlanAction.CREATE if organization is None else PlanAction.UPDATE,
                stored_changes,
                diff_settings(
                    resolve_organization(organization).effective,
                    resolve_organization(desired).effective,
                ),
            )
        )
    for project in plan.desired_projects():
        before = projects.get(project.project_id)
        stored_changes = diff_project(
            before or ProjectSettings(organization_id, project.project_id), project
        )
        if not stored_changes and before is not None:
            continue
        if before is None:
            action = PlanAction.CREATE
        else:
            action = PlanAction.UPDATE if project.project_id in named else PlanAction.PRUNE
        changes.append(
            RecordPlan(
                project.project_id,
                action,
                stored_changes,
                diff_effective(organization, before, desired, project, now=now),
            )
        )
    return attrs.evolve(plan, changes=tuple(changes))
