"""What every part of the service shares: its dependencies and the views it builds.

:class:`SettingsService` is assembled from mixins, one module per concern; this base holds
the state they all read (set by ``SettingsService.__init__``) and turns stored records into the
views the use cases return.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ai_settings_core.domain.findings import Finding
from ai_settings_core.domain.limits import Limits
from ai_settings_core.domain.permissions import PROJECT_READ, Actor
from ai_settings_core.domain.resolve import (
    resolve_organization,
    resolve_project,
    resolve_repository,
)
from ai_settings_core.domain.rules import (
    OrganizationRule,
    ProjectRule,
    project_warnings,
    validate_organization,
)
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.domain.views import OrganizationView, ProjectView, RepositoryView
from ai_settings_core.errors import NotFoundError
from ai_settings_core.ports import Clock, EventSink, UnitOfWork, UnitOfWorkFactory

__all__: list[str] = []

NOT_FOUND_MESSAGE: Final = "Project {project!r} not found."


class ServiceCore:
    """The service's dependencies, and the views built from what is stored."""

    _uow: UnitOfWorkFactory
    _events: EventSink | None
    _clock: Clock
    _limits: Limits
    _organization_rules: tuple[OrganizationRule, ...]
    _project_rules: tuple[ProjectRule, ...]
    _project_exists: Callable[[str, str], bool] | None

    def _host_knows(self, organization_id: str, project_id: str) -> bool:
        """Whether the host says the project exists (``False`` without ``project_exists``)."""
        return self._project_exists is not None and self._project_exists(
            organization_id, project_id
        )

    def _existing_project(
        self, uow: UnitOfWork, organization_id: str, project_id: str
    ) -> ProjectSettings:
        project = uow.projects.get(organization_id, project_id)
        if project is not None:
            return project
        if self._host_knows(organization_id, project_id):
            return ProjectSettings(organization_id, project_id)
        raise NotFoundError(NOT_FOUND_MESSAGE.format(project=project_id))

    def _read_project(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        *,
        resolve_repositories: bool = True,
    ) -> ProjectView:
        """The view of one project the actor may read (``get_project`` and ``explain``)."""
        actor.require_project(organization_id, project_id, PROJECT_READ)
        with self._uow(read_only=True) as uow:
            organization = uow.organizations.get(organization_id)
            project = self._existing_project(uow, organization_id, project_id)
        return self._project_view(organization, project, resolve_repositories=resolve_repositories)

    def _organization_view(
        self,
        organization_id: str,
        stored: OrganizationSettings | None,
        warnings: tuple[Finding, ...] | None = None,
    ) -> OrganizationView:
        settings = stored if stored is not None else OrganizationSettings(organization_id)
        if warnings is None:
            warnings = tuple(
                f
                for f in validate_organization(
                    settings,
                    limits=self._limits,
                    rules=self._organization_rules,
                    previous=stored,
                    now=self._clock(),
                )
                if not f.is_error
            )
        return OrganizationView(
            settings, stored is not None, resolve_organization(stored), warnings
        )

    def _project_view(
        self,
        organization: OrganizationSettings | None,
        project: ProjectSettings,
        warnings: tuple[Finding, ...] | None = None,
        *,
        with_warnings: bool = True,
        resolve_repositories: bool = True,
    ) -> ProjectView:
        now = self._clock()
        resolution = resolve_project(organization, project, now=now)
        if warnings is None:
            warnings = (
                project_warnings(
                    organization,
                    project,
                    limits=self._limits,
                    rules=self._project_rules,
                    now=now,
                    resolution=resolution,
                )
                if with_warnings
                else ()
            )
        return ProjectView(
            project,
            organization,
            resolution,
            tuple(
                RepositoryView(item, resolve_repository(organization, project, item, now=now))
                for item in project.repositories
            )
            if resolve_repositories
            else (),
            warnings,
        )
