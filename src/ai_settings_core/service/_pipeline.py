"""The one write pipeline every write use case shares.

A use case states its write as a ``change``: a function from what is stored (:class:`Stored`)
to what should be (:class:`Plan`). The pipeline does the rest, the same way for all of them:
open a unit of work scoped to the organization, read, apply the change, validate, save with
compare-and-set, build and append the audit entries, commit, and send the analytics events
after the commit. A new write use case is a new ``change``, never a new pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import attrs

from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.changes import (
    FieldChange,
    diff_effective,
    diff_organization,
    diff_project,
    diff_settings,
)
from ai_settings_core.domain.findings import Finding, Path
from ai_settings_core.domain.permissions import Actor
from ai_settings_core.domain.resolve import resolve_organization
from ai_settings_core.domain.rules import (
    raise_for_errors,
    validate_document_projects,
    validate_organization,
    validate_project,
)
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.domain.views import BulkResult
from ai_settings_core.domain.violations import (
    Violation,
    added_violations,
    find_violations,
    violation_finding,
)
from ai_settings_core.errors import ConflictError
from ai_settings_core.ports import UnitOfWork
from ai_settings_core.service._analytics import Analytics

__all__: list[str] = []


@attrs.frozen
class Stored:
    """What a write reads before it changes anything, inside its unit of work.

    Attributes:
        organization_id: The organization written.
        organization: Its stored settings, ``None`` when it stored none.
        projects: The stored projects among those the write names, by id.
    """

    organization_id: str
    organization: OrganizationSettings | None
    projects: Mapping[str, ProjectSettings]

    def project(self, project_id: str) -> ProjectSettings:
        """The stored project, or a new one (version 0, inheriting everything)."""
        return self.projects.get(project_id) or ProjectSettings(self.organization_id, project_id)


def _unprefixed(_index: int, _project: ProjectSettings) -> Path:
    return ()


def by_project_id(_index: int, project: ProjectSettings) -> Path:
    """Paths of a bulk change: ``("projects", project_id, field...)``."""
    return ("projects", project.project_id)


def by_index(index: int, _project: ProjectSettings) -> Path:
    """Paths of a document: ``("projects", index, field...)``."""
    return ("projects", index)


@attrs.frozen
class Plan:
    """What a ``change`` decides: the records as they should be.

    Attributes:
        organization: The organization's settings after the change; ``None`` leaves it alone.
        projects: Each project after the change, validated and saved when it differs.
        findings: Errors the change found itself (a project that does not exist...).
        store_new: Save a record that is not stored yet even when it equals the defaults.
        expected_version: Compare-and-set for the one record a single write changes.
        event: The audit event of each project written.
        target: What the audit entries of the projects name (default: the project id).
        paths: Where a project's findings go, from its index and itself.
        reverts: The id of the audit entry this write reverts, recorded on its entries.
        enforce: Save invariants the write adds even where stored settings break them
            (their existing violations stay; no write may add one). Without it, an added
            invariant that stored settings break is refused with its violations.
    """

    organization: OrganizationSettings | None = None
    projects: tuple[ProjectSettings, ...] = ()
    findings: tuple[Finding, ...] = ()
    store_new: bool = True
    expected_version: int | None = None
    event: AuditEvent = AuditEvent.PROJECT_AI_SETTINGS_EDIT
    target: str | None = None
    paths: Callable[[int, ProjectSettings], Path] = _unprefixed
    reverts: int | None = None
    enforce: bool = False


@attrs.frozen
class Outcome:
    """What a write did.

    Attributes:
        organization: The organization's settings after the write (saved, or as stored).
        projects: Each project of the plan after the write (saved, or as stored), in order.
        changed: The ids of the projects saved.
        warnings: The advice validation gave.
    """

    organization: OrganizationSettings | None
    projects: tuple[ProjectSettings, ...]
    changed: tuple[str, ...]
    warnings: tuple[Finding, ...]


@attrs.frozen
class _Written:
    """The records one write saved, with what they were before."""

    stored: Stored
    organization: OrganizationSettings | None
    organization_changes: tuple[FieldChange, ...]
    projects: tuple[tuple[ProjectSettings | None, ProjectSettings], ...]

    @property
    def anything(self) -> bool:
        return self.organization is not None or bool(self.projects)


def check_version(expected: int | None, actual: int, what: str) -> None:
    """Raise :class:`ConflictError` unless ``expected`` is ``None`` or the stored version."""
    if expected is not None and expected != actual:
        raise ConflictError(
            f"{what!r} was changed by someone else: you read version {expected}, "
            f"the stored version is {actual}. Reload and try again.",
            expected=expected,
            actual=actual,
        )


def _save(uow: UnitOfWork, stored: Stored, plan: Plan) -> _Written:
    """Save what the plan changes (or stores for the first time), with compare-and-set."""
    saved_organization = None
    organization_changes: tuple[FieldChange, ...] = ()
    if plan.organization is not None:
        baseline = stored.organization or OrganizationSettings(stored.organization_id)
        organization_changes = diff_organization(baseline, plan.organization)
        if organization_changes or (stored.organization is None and plan.store_new):
            saved_organization = uow.organizations.save(plan.organization, plan.expected_version)
    projects = []
    for project in plan.projects:
        previous = stored.projects.get(project.project_id)
        if diff_project(stored.project(project.project_id), project) or (
            previous is None and plan.store_new
        ):
            projects.append((previous, uow.projects.save(project, plan.expected_version)))
    return _Written(stored, saved_organization, organization_changes, tuple(projects))


def invariant_errors(
    uow: UnitOfWork, stored: Stored, plan: Plan, now: dt.datetime
) -> list[Finding]:
    """The errors of a write that breaks the organization's invariants (after the change).

    An invariant the organization held before must gain no violation; one the write adds
    (or changes) must have none at all, unless the plan enforces it. A write that changes the
    organization's settings is judged over all its projects; any other over those it writes.
    Values are judged as they resolve at ``now`` (overrides and locks that expired are out).
    """
    after = plan.organization if plan.organization is not None else stored.organization
    if after is None or not after.invariants:
        return []
    before = stored.organization
    held = () if before is None else before.invariants
    kept = [invariant for invariant in after.invariants if invariant in held]
    added = [invariant for invariant in after.invariants if invariant not in held]
    paths = {p.project_id: plan.paths(i, p) for i, p in enumerate(plan.projects)}
    whole = plan.organization is not None and bool(
        diff_organization(before or OrganizationSettings(stored.organization_id), after)
    )
    if whole:
        every = uow.projects.load_organization(stored.organization_id).projects
        planned = {project.project_id: project for project in plan.projects}
        before_projects: Sequence[ProjectSettings] = every
        after_projects = [planned.pop(p.project_id, p) for p in every] + list(planned.values())
    else:
        before_projects = [stored.project(p.project_id) for p in plan.projects]
        after_projects = list(plan.projects)
    errors = [
        violation_finding(violation, _violation_path(violation, paths))
        for violation in added_violations(
            (before, before_projects), (after, after_projects), kept, now=now
        )
    ]
    if added and not plan.enforce:
        index = {invariant.name: i for i, invariant in enumerate(after.invariants)}
        errors.extend(
            violation_finding(violation, ("invariants", index[violation.invariant]))
            for violation in find_violations(after, after_projects, added, now=now)
        )
    return errors


def _violation_path(violation: Violation, paths: Mapping[str, Path]) -> Path:
    """Where a violation goes in the payload written: the project's field, or the default's."""
    if violation.project_id is None:
        return violation.path
    prefix = paths.get(violation.project_id)
    if prefix is not None:
        return (*prefix, *violation.path)
    # A project the write did not name: the organization's default it inherits changed.
    return ("fix_enabled",) if violation.path == ("fix_enabled_override",) else ("stopping_point",)


class WritePipeline(Analytics):
    """Runs every write: one unit of work, one way to validate, save, audit and notify."""

    def _write(
        self,
        actor: Actor,
        organization_id: str,
        project_ids: Sequence[str],
        change: Callable[[Stored], Plan],
        *,
        all_projects: bool = False,
    ) -> Outcome:
        """Run ``change`` over the organization and the named projects, and keep its plan.

        With ``all_projects``, ``change`` sees every stored project of the organization.
        """
        with self._uow(organization_id=organization_id) as uow:
            if all_projects:
                state = uow.projects.load_organization(organization_id)
                stored = Stored(
                    organization_id,
                    state.organization,
                    {project.project_id: project for project in state.projects},
                )
            else:
                stored = Stored(
                    organization_id,
                    uow.organizations.get(organization_id),
                    uow.projects.get_many(organization_id, project_ids) if project_ids else {},
                )
            plan = change(stored)
            now = self._clock()
            warnings = raise_for_errors(self._validate(stored, plan, now))
            raise_for_errors(invariant_errors(uow, stored, plan, now))
            written = _save(uow, stored, plan)
            if written.anything:
                for entry in self._audit_entries(actor, written, plan, now):
                    uow.audit.append(entry)
                uow.commit()
        self._notify(actor, written, plan)
        saved = {project.project_id: project for _, project in written.projects}
        return Outcome(
            written.organization or stored.organization,
            tuple(
                saved.get(project.project_id) or stored.projects.get(project.project_id) or project
                for project in plan.projects
            ),
            tuple(saved),
            warnings,
        )

    def _check_document(
        self,
        actor: Actor,
        organization: OrganizationSettings,
        projects: Sequence[ProjectSettings],
        *scopes: str,
    ) -> str:
        """Check an organization document before anything is read; return its organization.

        The actor needs every scope in the organization, and the last one on each project
        the document names; the document's own shape is checked next (each project named
        once, all of this organization; the organization's settings valid).
        """
        organization_id = organization.organization_id
        for scope in scopes:
            actor.require(organization_id, scope)
        for project in projects:
            actor.require_project(organization_id, project.project_id, scopes[-1])
        raise_for_errors(
            [
                *validate_organization(
                    organization, limits=self._limits, rules=self._organization_rules
                ),
                *validate_document_projects(organization_id, enumerate(projects)),
            ]
        )
        return organization_id

    def _document_result(self, outcome: Outcome) -> BulkResult:
        """What writing a document did: every project it wrote to, and the warnings."""
        return BulkResult(
            tuple(
                self._project_view(outcome.organization, project, with_warnings=False)
                for project in outcome.projects
            ),
            outcome.changed,
            outcome.warnings,
        )

    def _validate(self, stored: Stored, plan: Plan, now: dt.datetime) -> list[Finding]:
        findings: list[Finding] = []
        if plan.organization is not None:
            findings.extend(
                validate_organization(
                    plan.organization,
                    limits=self._limits,
                    rules=self._organization_rules,
                    previous=stored.organization,
                    now=now,
                )
            )
        findings.extend(plan.findings)
        for index, project in enumerate(plan.projects):
            prefix = plan.paths(index, project)
            findings.extend(
                attrs.evolve(finding, path=(*prefix, *finding.path)) if prefix else finding
                for finding in validate_project(
                    stored.organization,
                    project,
                    previous=stored.projects.get(project.project_id),
                    limits=self._limits,
                    rules=self._project_rules,
                    now=now,
                )
            )
        return findings

    @staticmethod
    def _audit_entries(
        actor: Actor, written: _Written, plan: Plan, when: dt.datetime
    ) -> list[AuditEntry]:
        """The audit entries of a write: the organization's first, then each project's."""
        stored = written.stored
        organization_id = stored.organization_id
        # Every entry of one write names the same change, so the write can be found as one.
        import uuid  # noqa: PLC0415 - only a write needs it: a read does not load it

        change_id = uuid.uuid4().hex
        entries = []
        if written.organization is not None:
            entries.append(
                AuditEntry(
                    organization_id=organization_id,
                    project_id=None,
                    actor=actor.id,
                    event=AuditEvent.ORG_AI_SETTINGS_EDIT,
                    target=organization_id,
                    occurred_at=when,
                    stored_changes=written.organization_changes,
                    effective_changes=diff_settings(
                        resolve_organization(stored.organization).effective,
                        resolve_organization(written.organization).effective,
                    ),
                    change_id=change_id,
                    reverts=plan.reverts,
                )
            )
        organization_after = written.organization or stored.organization
        for previous, saved in written.projects:
            before = previous or ProjectSettings(organization_id, saved.project_id)
            entries.append(
                AuditEntry(
                    organization_id=organization_id,
                    project_id=saved.project_id,
                    actor=actor.id,
                    event=plan.event,
                    target=plan.target or saved.project_id,
                    occurred_at=when,
                    stored_changes=diff_project(before, saved),
                    effective_changes=diff_effective(
                        stored.organization, before, organization_after, saved, now=when
                    ),
                    change_id=change_id,
                    reverts=plan.reverts,
                )
            )
        return entries

    def _notify(self, actor: Actor, written: _Written, plan: Plan) -> None:
        """Send the analytics events of a committed write (nothing without a sink)."""
        if self._events is None:
            return
        if written.organization is not None and written.organization_changes:
            self._emit_organization_changed(
                actor, written.stored.organization_id, written.organization_changes
            )
        for previous, saved in written.projects:
            self._emit_project_event(plan.event, previous, saved, plan.target or saved.project_id)
