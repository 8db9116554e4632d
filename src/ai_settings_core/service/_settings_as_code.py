"""Settings as code: plan a desired-state document against what is stored, and apply the plan.

:meth:`plan` is a read: it validates the document as a write would and returns the
:class:`~ai_settings_core.domain.plans.SettingsPlan`, with the versions it was computed on.
:meth:`apply` writes the plan through the one write pipeline, in one transaction, and refuses
with a conflict when any record the plan looked at changed since.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ai_settings_core.domain.findings import Path
from ai_settings_core.domain.permissions import (
    ORG_ADMIN,
    ORG_READ,
    PROJECT_ADMIN,
    PROJECT_READ,
    Actor,
)
from ai_settings_core.domain.rules import (
    raise_for_errors,
)
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.domain.views import BulkResult
from ai_settings_core.errors import ConflictError
from ai_settings_core.service._pipeline import Plan, Stored, WritePipeline

if TYPE_CHECKING:  # loaded by the plan's use (a command that does not plan does not load it)
    from ai_settings_core.domain.plans import SettingsDocument, SettingsPlan

__all__: list[str] = []


def _paths(count: int) -> Callable[[int, ProjectSettings], Path]:
    """Finding paths: the document's projects by index, pruned projects by id."""

    def path(index: int, project: ProjectSettings) -> Path:
        return ("projects", index) if index < count else ("prune", project.project_id)

    return path


def _write_plan(plan: SettingsPlan) -> Plan:
    """The pipeline's plan that stores what ``plan`` desires."""
    return Plan(
        organization=plan.organization,
        projects=plan.desired_projects(),
        paths=_paths(len(plan.projects)),
    )


def _stale(what: str, planned: int, actual: int) -> ConflictError:
    return ConflictError(
        f"{what} changed since the plan was made: the plan was computed on version "
        f"{planned}, the stored version is {actual}. Plan again.",
        expected=planned,
        actual=actual,
    )


def _check_versions(plan: SettingsPlan, stored: Stored) -> None:
    """Raise :class:`ConflictError` unless ``stored`` is what ``plan`` was computed on."""
    organization = stored.organization or OrganizationSettings(stored.organization_id)
    if organization.version != plan.organization_version:
        raise _stale(
            f"Organization {plan.organization_id!r}",
            plan.organization_version,
            organization.version,
        )
    planned = dict(plan.project_versions)
    for project_id, version in plan.project_versions:
        actual = stored.project(project_id).version
        if actual != version:
            raise _stale(f"Project {project_id!r}", version, actual)
    if plan.prune:
        for project_id in sorted(set(stored.projects) - set(planned)):
            raise _stale(f"Project {project_id!r}", 0, stored.projects[project_id].version)


class SettingsAsCodeUseCases(WritePipeline):
    """Plan and apply desired-state documents."""

    def plan(
        self, actor: Actor, document: SettingsDocument, *, prune: bool = False
    ) -> SettingsPlan:
        """What storing ``document`` would change, and the versions that was computed on.

        Nothing is written. The document is validated as :meth:`apply` would validate it (a
        document that could not be applied raises here). Projects it leaves out are left
        alone, unless ``prune``: then every stored project it leaves out is planned to be
        cleared (overrides, repositories, environments), and the actor must reach them all.

        Raises:
            ValidationError: The document breaks a rule.
        """
        organization_id = self._check_document(
            actor, document.organization, document.projects, ORG_READ, PROJECT_READ
        )
        with self._uow(read_only=True) as uow:
            if prune:
                state = uow.projects.load_organization(organization_id)
                organization = state.organization
                projects: Mapping[str, ProjectSettings] = {
                    project.project_id: project for project in state.projects
                }
            else:
                organization = uow.organizations.get(organization_id)
                projects = uow.projects.get_many(
                    organization_id, [project.project_id for project in document.projects]
                )
        for project_id in projects:
            actor.require_project(organization_id, project_id, PROJECT_READ)
        now = self._clock()
        from ai_settings_core.domain.plans import plan_settings  # noqa: PLC0415 - on demand

        plan = plan_settings(
            organization, projects, document.organization, document.projects, prune=prune, now=now
        )
        stored = Stored(organization_id, organization, projects)
        raise_for_errors(self._validate(stored, _write_plan(plan), now))
        return plan

    def apply(self, actor: Actor, plan: SettingsPlan) -> BulkResult:
        """Store what ``plan`` desires, in one transaction: all of it, or nothing.

        Refused when any record the plan looked at changed since it was made (its version
        differs; with ``prune``, also a project stored since), so what is applied is what the
        plan showed. Unchanged records are not rewritten. The result lists every project the
        plan writes to (the document's, then the pruned ones).

        Raises:
            ConflictError: Something the plan was computed on changed; plan again.
            ValidationError: The desired state breaks a rule; nothing is written.
        """
        organization_id = self._check_document(
            actor, plan.organization, plan.projects, ORG_ADMIN, PROJECT_ADMIN
        )
        desired = plan.desired_projects()
        for project in desired:
            actor.require_project(organization_id, project.project_id, PROJECT_ADMIN)

        def change(stored: Stored) -> Plan:
            _check_versions(plan, stored)
            return _write_plan(plan)

        outcome = self._write(
            actor,
            organization_id,
            tuple(
                dict.fromkeys(
                    [project.project_id for project in desired]
                    + [project_id for project_id, _ in plan.project_versions]
                )
            ),
            change,
            all_projects=plan.prune,
        )
        return self._document_result(outcome)
