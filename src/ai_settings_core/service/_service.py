"""The service layer: every use case of the settings page, behind permissions.

One object, built with a unit-of-work factory (the storage), an optional event sink and a
clock, whose methods are the use cases. Each takes the acting user first. Every write runs in
one unit of work: read, patch, validate, save with compare-and-set, append the audit entries,
commit; analytics events go to the sink after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

import attrs

from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.changes import (
    FieldChange,
    Impact,
    OrganizationPatch,
    ProjectPatch,
    RepositoryPatch,
    diff_effective,
    diff_organization,
    diff_project,
    diff_settings,
    preview_impact,
    reset_project,
)
from ai_settings_core.domain.decide import decide
from ai_settings_core.domain.findings import Finding, Severity
from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.domain.permissions import (
    ORG_ADMIN,
    ORG_READ,
    PROJECT_ADMIN,
    PROJECT_READ,
    Actor,
)
from ai_settings_core.domain.resolve import (
    resolve_organization,
    resolve_project,
    resolve_repository,
)
from ai_settings_core.domain.rules import (
    OrganizationRule,
    ProjectRule,
    raise_for_errors,
    validate_document_projects,
    validate_identifier,
    validate_organization,
    validate_project,
)
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
)
from ai_settings_core.domain.values import RepositoryRef
from ai_settings_core.domain.views import (
    BulkResult,
    Explanation,
    OrganizationView,
    ProjectView,
    RepositoryView,
)
from ai_settings_core.errors import ConflictError, NotFoundError
from ai_settings_core.events import ORG_CHANGED, PROJECT_OVERRIDE, REPOSITORY_CONFIG
from ai_settings_core.ports import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Clock,
    EventSink,
    Page,
    UnitOfWork,
    UnitOfWorkFactory,
)

__all__ = ["SettingsService"]

_log = logging.getLogger("ai_settings_core")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_NOT_FOUND_MESSAGE: Final = "Project {project!r} not found."


class SettingsService:
    """The use cases of the AI settings page.

    >>> from ai_settings_core import Actor, ALL_SCOPES, OrganizationPatch, SettingsService
    >>> from ai_settings_core.adapters.memory import MemoryStore
    >>> service = SettingsService(MemoryStore())
    >>> admin = Actor("user:1", "acme", ALL_SCOPES)
    >>> service.get_organization(admin, "acme").settings.fix_enabled
    False
    >>> view = service.update_organization(admin, "acme", OrganizationPatch(fix_enabled=True))
    >>> view.settings.fix_enabled, view.version
    (True, 1)

    Args:
        uow_factory: Makes units of work over the store (an adapter, or the host's own).
        events: Where analytics events go after each commit; ``None`` for nowhere.
        clock: Gives the time of audit entries (timezone-aware).
        limits: Size limits; ``limits.max_bulk_projects`` bounds bulk changes.
        organization_rules: Extra rules for organization writes, after the built-in ones.
        project_rules: Extra rules for project writes, after the built-in ones.
        project_exists: Tells whether the host knows a project. When given, a known project
            that stored nothing reads as inheriting everything, and an unknown one is "not
            found" even for writes. When ``None``, a project exists once something is stored
            for it, and a write stores it.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        events: EventSink | None = None,
        clock: Clock = _utc_now,
        limits: Limits = DEFAULT_LIMITS,
        organization_rules: Sequence[OrganizationRule] = (),
        project_rules: Sequence[ProjectRule] = (),
        project_exists: Callable[[str, str], bool] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._events = events
        self._clock = clock
        self._limits = limits
        self._organization_rules = tuple(organization_rules)
        self._project_rules = tuple(project_rules)
        self._project_exists = project_exists

    @property
    def limits(self) -> Limits:
        """The limits in force."""
        return self._limits

    # Organization ------------------------------------------------------------------------

    def get_organization(self, actor: Actor, organization_id: str) -> OrganizationView:
        """The organization's settings; the system defaults when nothing is stored."""
        actor.require(organization_id, ORG_READ)
        with self._uow(read_only=True) as uow:
            stored = uow.organizations.get(organization_id)
        return self._organization_view(organization_id, stored)

    def update_organization(
        self,
        actor: Actor,
        organization_id: str,
        patch: OrganizationPatch,
        *,
        expected_version: int | None = None,
    ) -> OrganizationView:
        """Apply ``patch`` to the organization's settings and policy.

        Raises:
            ValidationError: The result breaks a rule (for example a default above the ceiling).
            ConflictError: ``expected_version`` is not the stored version.
        """
        actor.require(organization_id, ORG_ADMIN)
        with self._uow() as uow:
            stored = uow.organizations.get(organization_id)
            before = stored if stored is not None else OrganizationSettings(organization_id)
            _check_version(expected_version, before.version, organization_id)
            after = patch.apply(before)
            warnings = raise_for_errors(
                validate_organization(after, limits=self._limits, rules=self._organization_rules)
            )
            stored_changes = diff_organization(before, after)
            if patch.is_empty or (not stored_changes and stored is not None):
                # A patch of nothing changes nothing: not even "defaults" into "stored".
                return self._organization_view(organization_id, stored, warnings)
            saved = uow.organizations.save(after, expected_version)
            effective_changes = diff_settings(
                resolve_organization(stored).effective, resolve_organization(saved).effective
            )
            uow.audit.append(
                AuditEntry(
                    organization_id=organization_id,
                    project_id=None,
                    actor=actor.id,
                    event=AuditEvent.ORG_AI_SETTINGS_EDIT,
                    target=organization_id,
                    occurred_at=self._clock(),
                    stored_changes=stored_changes,
                    effective_changes=effective_changes,
                )
            )
            uow.commit()
        if self._events is not None and stored_changes:
            self._emit_organization_changed(actor, organization_id, stored_changes)
        return self._organization_view(organization_id, saved, warnings)

    def preview_organization_change(
        self, actor: Actor, organization_id: str, patch: OrganizationPatch
    ) -> Impact:
        """Which projects and repositories would change their effective values, and how.

        Nothing is written. The patched organization is validated as a write would be. It
        shows projects' effective values, so it needs ``project:read`` beside ``org:read``, and
        lists only the projects the actor reaches.
        """
        actor.require(organization_id, ORG_READ)
        actor.require(organization_id, PROJECT_READ)
        with self._uow(read_only=True) as uow:
            state = uow.projects.load_organization(organization_id)
        before = state.organization
        after = patch.apply(before if before is not None else OrganizationSettings(organization_id))
        raise_for_errors(
            validate_organization(after, limits=self._limits, rules=self._organization_rules)
        )
        projects = [p for p in state.projects if actor.reaches(p.project_id)]
        return preview_impact(before, after, projects)

    # Projects ----------------------------------------------------------------------------

    def get_project(self, actor: Actor, organization_id: str, project_id: str) -> ProjectView:
        """A project's overrides, repositories and effective values with traces.

        Raises:
            NotFoundError: The project is unknown.
        """
        actor.require_project(organization_id, project_id, PROJECT_READ)
        with self._uow(read_only=True) as uow:
            organization = uow.organizations.get(organization_id)
            project = self._existing_project(uow, organization_id, project_id)
        return self._project_view(organization, project)

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

    # Repositories ------------------------------------------------------------------------

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
                raise_for_errors(
                    [
                        Finding(
                            "duplicate_repository",
                            Severity.ERROR,
                            ("repository",),
                            f'Repository "{repository.repository}" is already configured '
                            "for this project.",
                        )
                    ]
                )
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

    # Bulk --------------------------------------------------------------------------------

    def bulk_update(
        self,
        actor: Actor,
        organization_id: str,
        project_ids: Sequence[str],
        patch: ProjectPatch | None = None,
        *,
        reset: bool = False,
    ) -> BulkResult:
        """Apply one patch, or a reset, to many projects in one transaction: all or none.

        Raises:
            ValidationError: Any project fails; the findings of every failing project are
                reported, with paths ``("projects", project_id, field...)``, and nothing is
                written.
        """
        actor.require(organization_id, PROJECT_ADMIN)
        if (patch is None) == (not reset):
            msg = "Give either a patch or reset=True, not both or neither."
            raise TypeError(msg)
        ids = self._bulk_ids(actor, organization_id, project_ids)
        change: Callable[[ProjectSettings], ProjectSettings] = (
            reset_project if patch is None else patch.apply
        )
        findings: list[Finding] = []
        entries: list[tuple[ProjectSettings | None, ProjectSettings]] = []
        with self._uow() as uow:
            organization = uow.organizations.get(organization_id)
            stored = uow.projects.get_many(organization_id, ids)
            for project_id in ids:
                previous = stored.get(project_id)
                if (
                    previous is None
                    and self._project_exists is not None
                    and not (self._project_exists(organization_id, project_id))
                ):
                    findings.append(_not_found_finding(project_id))
                    continue
                before = previous or ProjectSettings(organization_id, project_id)
                after = change(before)
                findings.extend(
                    attrs.evolve(finding, path=("projects", project_id, *finding.path))
                    for finding in validate_project(
                        organization,
                        after,
                        previous=previous,
                        limits=self._limits,
                        rules=self._project_rules,
                    )
                )
                entries.append((previous, after))
            warnings = raise_for_errors(findings)
            views: list[ProjectView] = []
            changed: list[str] = []
            audit_rows: list[tuple[ProjectSettings | None, ProjectSettings]] = []
            now = self._clock()
            for previous, after in entries:
                before = previous or ProjectSettings(organization_id, after.project_id)
                stored_changes = diff_project(before, after)
                saved = after
                if stored_changes:
                    saved = uow.projects.save(after)
                    changed.append(saved.project_id)
                    audit_rows.append((previous, saved))
                    uow.audit.append(
                        self._project_entry(
                            actor,
                            organization=organization,
                            previous=previous,
                            after=saved,
                            event=AuditEvent.BULK_EDIT,
                            target=saved.project_id,
                            when=now,
                        )
                    )
                views.append(self._project_view(organization, saved))
            uow.commit()
        if self._events is not None:
            for previous, saved in audit_rows:
                self._emit_project_override(previous, saved)
        return BulkResult(tuple(views), tuple(changed), warnings)

    # Import ------------------------------------------------------------------------------

    def import_organization(
        self,
        actor: Actor,
        organization: OrganizationSettings,
        projects: Sequence[ProjectSettings],
    ) -> BulkResult:
        """Store a whole organization document (its settings and the projects it names).

        Atomic and validated like every write: the organization's settings and each named
        project replace the stored ones (unchanged records are not rewritten, so importing
        what was exported changes nothing); projects the document does not name are left as
        they are. Findings carry the document's paths (``("projects", index, field...)``).

        An import is judged as the sequence of writes that restores it: first the projects,
        under the organization's policy as stored now, then the organization's settings. So a
        document that writes an override of a setting the stored organization locks is
        refused, while an exported organization whose projects hold overrides kept from before
        a lock (inert, shadowed) restores into an empty store unchanged.

        Raises:
            ValidationError: The document breaks a rule; nothing is written.
        """
        organization_id = organization.organization_id
        actor.require(organization_id, ORG_ADMIN)
        actor.require(organization_id, PROJECT_ADMIN)
        for project in projects:
            actor.require_project(organization_id, project.project_id, PROJECT_ADMIN)
        findings: list[Finding] = list(
            validate_organization(organization, limits=self._limits, rules=self._organization_rules)
        )
        findings.extend(validate_document_projects(organization_id, enumerate(projects)))
        raise_for_errors(findings)
        with self._uow() as uow:
            stored_org = uow.organizations.get(organization_id)
            stored = uow.projects.get_many(organization_id, [p.project_id for p in projects])
            for index, project in enumerate(projects):
                previous = stored.get(project.project_id)
                findings.extend(
                    attrs.evolve(finding, path=("projects", index, *finding.path))
                    for finding in validate_project(
                        stored_org,
                        project,
                        previous=previous,
                        limits=self._limits,
                        rules=self._project_rules,
                    )
                )
            warnings = raise_for_errors(findings)
            now = self._clock()
            baseline = stored_org or OrganizationSettings(organization_id)
            org_changes = diff_organization(baseline, organization)
            saved_org = stored_org
            if org_changes or stored_org is None:
                saved_org = uow.organizations.save(organization)
                uow.audit.append(
                    AuditEntry(
                        organization_id=organization_id,
                        project_id=None,
                        actor=actor.id,
                        event=AuditEvent.ORG_AI_SETTINGS_EDIT,
                        target=organization_id,
                        occurred_at=now,
                        stored_changes=org_changes,
                        effective_changes=diff_settings(
                            resolve_organization(stored_org).effective,
                            resolve_organization(saved_org).effective,
                        ),
                    )
                )
            views: list[ProjectView] = []
            changed: list[str] = []
            emitted: list[tuple[ProjectSettings | None, ProjectSettings]] = []
            for project in projects:
                previous = stored.get(project.project_id)
                before = previous or ProjectSettings(organization_id, project.project_id)
                saved = previous if previous is not None else project
                if previous is None or diff_project(before, project):
                    saved = uow.projects.save(project)
                    changed.append(saved.project_id)
                    uow.audit.append(
                        AuditEntry(
                            organization_id=organization_id,
                            project_id=saved.project_id,
                            actor=actor.id,
                            event=AuditEvent.PROJECT_AI_SETTINGS_EDIT,
                            target=saved.project_id,
                            occurred_at=now,
                            stored_changes=diff_project(before, saved),
                            effective_changes=diff_effective(stored_org, before, saved_org, saved),
                        )
                    )
                    emitted.append((previous, saved))
                views.append(self._project_view(saved_org, saved, with_warnings=False))
            uow.commit()
        if self._events is not None:
            if org_changes:
                self._emit_organization_changed(actor, organization_id, org_changes)
            for previous, saved in emitted:
                self._emit_project_override(previous, saved)
        return BulkResult(tuple(views), tuple(changed), warnings)

    # Lists, explanations, audit ----------------------------------------------------------

    def list_projects(
        self,
        actor: Actor,
        organization_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        overriding_only: bool = False,
    ) -> Page[ProjectView]:
        """A page of the organization's stored projects with their effective settings.

        With ``overriding_only``, only projects that override a setting ("project override
        visibility"); which ones is ``view.project.overridden``. An actor limited to some
        projects pages through those only: neither the items nor the cursors name a project
        it cannot reach.
        """
        actor.require(organization_id, PROJECT_READ)
        with self._uow(read_only=True) as uow:
            organization = uow.organizations.get(organization_id)
            if actor.projects is None:
                page = uow.projects.list(
                    organization_id, cursor=cursor, limit=limit, overriding_only=overriding_only
                )
            else:
                page = _reachable_page(
                    uow,
                    organization_id,
                    actor.projects,
                    cursor=cursor,
                    limit=limit,
                    overriding_only=overriding_only,
                )
        return Page(
            tuple(
                self._project_view(organization, project, with_warnings=False)
                for project in page.items
            ),
            page.next_cursor,
        )

    def explain(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        *,
        repository: RepositoryRef | None = None,
        branch: str | None = None,
        environment: str | None = None,
    ) -> Explanation:
        """Where each value of a project comes from and what AI may do for one event."""
        view = self.get_project(actor, organization_id, project_id)
        project, organization = view.project, view.organization
        configured = None if repository is None else project.repository(repository)
        return Explanation(
            view=view,
            repository=repository,
            repository_settings=configured,
            repository_resolution=(
                None
                if repository is None
                else resolve_repository(organization, project, repository)
            ),
            decision=decide(
                organization,
                project,
                repository=repository,
                branch=branch,
                environment=environment,
            ),
        )

    def audit_log(
        self,
        actor: Actor,
        organization_id: str,
        *,
        project_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[AuditEntry]:
        """A page of the audit log, newest first.

        The whole organization's log needs ``org:admin``; one project's needs
        ``project:read`` and access to the project.
        """
        if project_id is None:
            actor.require(organization_id, ORG_ADMIN)
        else:
            actor.require_project(organization_id, project_id, PROJECT_READ)
        with self._uow(read_only=True) as uow:
            return uow.audit.query(
                organization_id,
                project_id=project_id,
                since=since,
                until=until,
                cursor=cursor,
                limit=limit,
            )

    # Internals ---------------------------------------------------------------------------

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
                    settings, limits=self._limits, rules=self._organization_rules
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
    ) -> ProjectView:
        if warnings is None:
            warnings = (
                tuple(
                    f
                    for f in validate_project(
                        organization,
                        project,
                        previous=project,
                        limits=self._limits,
                        rules=self._project_rules,
                    )
                    if not f.is_error
                )
                if with_warnings
                else ()
            )
        return ProjectView(
            project,
            organization,
            resolve_project(organization, project),
            tuple(
                RepositoryView(item, resolve_repository(organization, project, item))
                for item in project.repositories
            ),
            warnings,
        )

    def _existing_project(
        self, uow: UnitOfWork, organization_id: str, project_id: str
    ) -> ProjectSettings:
        project = uow.projects.get(organization_id, project_id)
        if project is not None:
            return project
        if self._project_exists is not None and self._project_exists(organization_id, project_id):
            return ProjectSettings(organization_id, project_id)
        raise NotFoundError(_NOT_FOUND_MESSAGE.format(project=project_id))

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
        problem = validate_identifier(project_id, ("project_id",), "Project id", self._limits)
        if problem is not None:
            raise_for_errors([problem])
        with self._uow() as uow:
            organization = uow.organizations.get(organization_id)
            previous = uow.projects.get(organization_id, project_id)
            if previous is None and (not create or self._project_exists is not None):
                before = self._existing_project(uow, organization_id, project_id)
            else:
                before = previous or ProjectSettings(organization_id, project_id)
            _check_version(expected_version, before.version, project_id)
            after = change(before)
            warnings = raise_for_errors(
                validate_project(
                    organization,
                    after,
                    previous=previous,
                    limits=self._limits,
                    rules=self._project_rules,
                )
            )
            if not diff_project(before, after) and (previous is not None or not create):
                return self._project_view(organization, before, warnings)
            saved = uow.projects.save(after, expected_version)
            uow.audit.append(
                self._project_entry(
                    actor,
                    organization=organization,
                    previous=previous,
                    after=saved,
                    event=event,
                    target=target or project_id,
                    when=self._clock(),
                )
            )
            uow.commit()
        if self._events is not None:
            if event in _REPOSITORY_EVENTS:
                self._emit_repository_config(event, before, saved, target or "")
            else:
                self._emit_project_override(previous, saved)
        return self._project_view(organization, saved, warnings)

    def _project_entry(
        self,
        actor: Actor,
        *,
        organization: OrganizationSettings | None,
        previous: ProjectSettings | None,
        after: ProjectSettings,
        event: AuditEvent,
        target: str,
        when: dt.datetime,
    ) -> AuditEntry:
        before = previous or ProjectSettings(after.organization_id, after.project_id)
        return AuditEntry(
            organization_id=after.organization_id,
            project_id=after.project_id,
            actor=actor.id,
            event=event,
            target=target,
            occurred_at=when,
            stored_changes=diff_project(before, after),
            effective_changes=diff_effective(organization, before, organization, after),
        )

    def _bulk_ids(
        self, actor: Actor, organization_id: str, project_ids: Sequence[str]
    ) -> tuple[str, ...]:
        if isinstance(project_ids, str):
            msg = "project_ids must be a sequence of project ids, not one string."
            raise TypeError(msg)
        findings: list[Finding] = []
        if not project_ids:
            findings.append(
                Finding("empty", Severity.ERROR, ("projects",), "This list may not be empty.")
            )
        elif len(project_ids) > self._limits.max_bulk_projects:
            findings.append(
                Finding(
                    "max_length",
                    Severity.ERROR,
                    ("projects",),
                    "Ensure this field has no more than "
                    f"{self._limits.max_bulk_projects} elements.",
                )
            )
        else:
            # Checked before repeated ids are dropped, so paths are the input's indices.
            for index, project_id in enumerate(project_ids):
                if not isinstance(project_id, str):
                    findings.append(
                        Finding(
                            "invalid", Severity.ERROR, ("projects", index), "Not a valid string."
                        )
                    )
                    continue
                problem = validate_identifier(
                    project_id, ("projects", index), "Project id", self._limits
                )
                if problem is not None:
                    findings.append(problem)
        raise_for_errors(findings)
        ids = tuple(dict.fromkeys(project_ids))
        for project_id in ids:
            actor.require_project(organization_id, project_id, PROJECT_ADMIN)
        return ids

    def _safe_emit(self, name: str, properties: dict[str, Any]) -> None:
        if self._events is None:
            return
        try:
            self._events.emit(name, properties)
        except Exception:  # noqa: BLE001 - a failing sink must never fail a saved change
            _log.exception("The event sink failed on %s; the change is saved.", name)

    def _emit_organization_changed(
        self, actor: Actor, organization_id: str, changes: Iterable[FieldChange]
    ) -> None:
        try:
            with self._uow(read_only=True) as uow:
                project_count = len(uow.projects.load_organization(organization_id).projects)
        except Exception:  # noqa: BLE001 - analytics must never fail a saved change
            _log.exception("Counting projects for %s failed; the change is saved.", ORG_CHANGED)
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
                "action": _REPOSITORY_ACTIONS[event],
                "repository_provider": ref.provider.value,
                "ai_enabled": None if item is None else item.ai_enabled,
                "branch_pattern": (
                    None if item is None else ",".join(p.text for p in item.branch_patterns)
                ),
            },
        )


_REPOSITORY_ACTIONS: Final = {
    AuditEvent.REPOSITORY_ADDED: "added",
    AuditEvent.REPOSITORY_CHANGED: "modified",
    AuditEvent.REPOSITORY_REMOVED: "removed",
}
_REPOSITORY_EVENTS: Final = frozenset(_REPOSITORY_ACTIONS)


def _check_version(expected: int | None, actual: int, what: str) -> None:
    if expected is not None and expected != actual:
        raise ConflictError(
            f"{what!r} was changed by someone else: you read version {expected}, "
            f"the stored version is {actual}. Reload and try again.",
            expected=expected,
            actual=actual,
        )


def _require_repository(project: ProjectSettings, repository: RepositoryRef) -> None:
    if project.repository(repository) is None:
        raise NotFoundError(
            f"Repository {str(repository)!r} is not configured for project {project.project_id!r}."
        )


def _not_found_finding(project_id: str) -> Finding:
    return Finding(
        "not_found",
        Severity.ERROR,
        ("projects", project_id),
        _NOT_FOUND_MESSAGE.format(project=project_id),
    )


_CURSOR_PREFIX: Final = "after:"


def _reachable_page(
    uow: UnitOfWork,
    organization_id: str,
    reachable: frozenset[str],
    *,
    cursor: str | None,
    limit: int,
    overriding_only: bool,
) -> Page[ProjectSettings]:
    """A page of the stored projects among ``reachable``, by id, with cursors of those only."""
    findings = []
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        findings.append(
            Finding(
                "invalid_limit",
                Severity.ERROR,
                ("limit",),
                f"Limit must be an integer from 1 to {MAX_PAGE_SIZE}, not {limit!r}.",
            )
        )
    after = ""
    if cursor is not None:
        if not isinstance(cursor, str) or not cursor.startswith(_CURSOR_PREFIX):
            findings.append(
                Finding("invalid_cursor", Severity.ERROR, ("cursor",), "Invalid cursor.")
            )
        else:
            after = cursor[len(_CURSOR_PREFIX) :]
    raise_for_errors(findings)
    ids = sorted(project_id for project_id in reachable if project_id > after)
    stored = uow.projects.get_many(organization_id, ids)
    matching = [
        stored[project_id]
        for project_id in ids
        if project_id in stored and (stored[project_id].has_overrides or not overriding_only)
    ]
    items = tuple(matching[:limit])
    more = len(matching) > limit
    return Page(items, f"{_CURSOR_PREFIX}{items[-1].project_id}" if more else None)
