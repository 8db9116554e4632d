"""The use cases of one project: its overrides and its repositories.

Each write is a ``change`` of the project (``ProjectSettings -> ProjectSettings``) run by
:meth:`ProjectUseCases._write_project` through the shared write pipeline.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ai_settings_core.domain.audit import AuditEvent
from ai_settings_core.domain.changes import ProjectPatch, RepositoryPatch, reset_project
from ai_settings_core.domain.permissions import PROJECT_ADMIN, Actor
from ai_settings_core.domain.rules import (
    duplicate_repository,
    raise_for_errors,
    validate_identifier,
)
from ai_settings_core.domain.settings import ProjectSettings, RepositorySettings
from ai_settings_core.domain.values import RepositoryRef
from ai_settings_core.domain.views import ProjectView
from ai_settings_core.errors import NotFoundError
from ai_settings_core.service._core import NOT_FOUND_MESSAGE
from ai_settings_core.service._pipeline import Plan, Stored, WritePipeline, check_version

__all__: list[str] = []


class ProjectUseCases(WritePipeline):
    """A project's overrides and its repositories."""

    def get_project(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        *,
        resolve_repositories: bool = True,
    ) -> ProjectView:
        """A project's overrides, repositories and effective values with traces.

        With ``resolve_repositories=False`` the view's ``repositories`` is empty (the project's
        repositories are in ``view.project.repositories``, not resolved): for a page that shows
        the project's own values only, as the HTTP kit's ``GET`` of a project does.

        Raises:
            NotFoundError: The project is unknown.
        """
        return self._read_project(
            actor, organization_id, project_id, resolve_repositories=resolve_repositories
        )

    def update_project(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        patch: ProjectPatch,
        *,
        expected_version: int | None = None,
    ) -> ProjectView:
        """Apply ``patch`` to a project (absent fields unchanged, ``None`` inherits again)."""
        actor.require_project(organization_id, project_id, PROJECT_ADMIN)
        return self._write_project(
            actor,
            organization_id,
            project_id,
            patch.apply,
            expected_version=expected_version,
            event=AuditEvent.PROJECT_AI_SETTINGS_EDIT,
        )

    def reset_project(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        *,
        expected_version: int | None = None,
    ) -> ProjectView:
        """Clear every override of a project: it inherits the organization's values again."""
        actor.require_project(organization_id, project_id, PROJECT_ADMIN)
        return self._write_project(
            actor,
            organization_id,
            project_id,
            reset_project,
            expected_version=expected_version,
            event=AuditEvent.PROJECT_AI_SETTINGS_RESET,
            create=False,
        )

    def add_repository(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        repository: RepositorySettings,
        *,
        expected_version: int | None = None,
    ) -> ProjectView:
        """Add a repository to a project (an error if the project lists it already)."""
        actor.require_project(organization_id, project_id, PROJECT_ADMIN)

        def add(project: ProjectSettings) -> ProjectSettings:
            if project.repository(repository.repository) is not None:
                raise_for_errors([duplicate_repository(("repository",), repository.repository)])
            return attrs.evolve(project, repositories=(*project.repositories, repository))

        return self._write_project(
            actor,
            organization_id,
            project_id,
            add,
            expected_version=expected_version,
            event=AuditEvent.REPOSITORY_ADDED,
            target=str(repository.repository),
        )

    def update_repository(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        repository: RepositoryRef,
        patch: RepositoryPatch,
        *,
        expected_version: int | None = None,
    ) -> ProjectView:
        """Change one repository of a project.

        Raises:
            NotFoundError: The project does not list the repository.
        """
        return self._write_repository(
            actor,
            organization_id,
            project_id,
            repository,
            patch.apply,
            expected_version=expected_version,
            event=AuditEvent.REPOSITORY_CHANGED,
        )

    def remove_repository(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        repository: RepositoryRef,
        *,
        expected_version: int | None = None,
    ) -> ProjectView:
        """Remove one repository from a project.

        Raises:
            NotFoundError: The project does not list the repository.
        """
        return self._write_repository(
            actor,
            organization_id,
            project_id,
            repository,
            lambda _: None,
            expected_version=expected_version,
            event=AuditEvent.REPOSITORY_REMOVED,
        )

    def _write_repository(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        repository: RepositoryRef,
        change_item: Callable[[RepositorySettings], RepositorySettings | None],
        *,
        expected_version: int | None,
        event: AuditEvent,
    ) -> ProjectView:
        """Change (or, when ``change_item`` gives ``None``, remove) one listed repository."""
        actor.require_project(organization_id, project_id, PROJECT_ADMIN)

        def change(project: ProjectSettings) -> ProjectSettings:
            _require_repository(project, repository)
            items = []
            for item in project.repositories:
                changed = change_item(item) if item.repository.key == repository.key else item
                if changed is not None:
                    items.append(changed)
            return attrs.evolve(project, repositories=tuple(items))

        return self._write_project(
            actor,
            organization_id,
            project_id,
            change,
            expected_version=expected_version,
            event=event,
            target=str(repository),
            create=False,
        )

    def _write_project(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        change: Callable[[ProjectSettings], ProjectSettings],
        *,
        expected_version: int | None,
        event: AuditEvent,
        target: str | None = None,
        create: bool = True,
    ) -> ProjectView:
        """Run ``change`` on one project through the write pipeline.

        ``create=False`` refuses a project that is not stored (unless the host knows it) and
        does not store one the change leaves as it was.
        """
        problem = validate_identifier(project_id, ("project_id",), "Project id", self._limits)
        if problem is not None:
            raise_for_errors([problem])

        def plan(stored: Stored) -> Plan:
            if (
                project_id not in stored.projects
                and (not create or self._project_exists is not None)
                and not self._host_knows(organization_id, project_id)
            ):
                raise NotFoundError(NOT_FOUND_MESSAGE.format(project=project_id))
            before = stored.project(project_id)
            check_version(expected_version, before.version, project_id)
            return Plan(
                projects=(change(before),),
                store_new=create,
                expected_version=expected_version,
                event=event,
                target=target,
            )

        outcome = self._write(actor, organization_id, (project_id,), plan)
        return self._project_view(outcome.organization, outcome.projects[0], outcome.warnings)


def _require_repository(project: ProjectSettings, repository: RepositoryRef) -> None:
    if project.repository(repository) is None:
        raise NotFoundError(
            f"Repository {str(repository)!r} is not configured for project {project.project_id!r}."
        )
