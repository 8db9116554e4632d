"""Writes of many records at once: a bulk change of projects, and importing a document.

Both are ``change`` functions over the organization's stored records, run by the shared write
pipeline: one unit of work, all or nothing, one audit entry per record written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ai_settings_core.domain.audit import AuditEvent
from ai_settings_core.domain.changes import (
    Impact,
    ProjectImpact,
    ProjectPatch,
    diff_effective,
    reset_project,
)
from ai_settings_core.domain.findings import Finding, Severity
from ai_settings_core.domain.permissions import ORG_ADMIN, PROJECT_ADMIN, PROJECT_READ, Actor
from ai_settings_core.domain.rules import (
    check_bulk_size,
    raise_for_errors,
    validate_identifier,
)
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.domain.views import BulkResult
from ai_settings_core.service._core import NOT_FOUND_MESSAGE
from ai_settings_core.service._pipeline import (
    Plan,
    Stored,
    WritePipeline,
    by_index,
    by_project_id,
    invariant_errors,
)

__all__: list[str] = []


class BulkUseCases(WritePipeline):
    """Bulk changes and imports."""

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
        change_one = _either(patch, reset)
        ids = self._bulk_ids(actor, organization_id, project_ids)
        change = self._bulk_change(organization_id, ids, change_one)
        outcome = self._write(actor, organization_id, ids, change)
        return BulkResult(
            tuple(self._project_view(outcome.organization, p) for p in outcome.projects),
            outcome.changed,
            outcome.warnings,
        )

    def preview_bulk_update(
        self,
        actor: Actor,
        organization_id: str,
        project_ids: Sequence[str],
        patch: ProjectPatch | None = None,
        *,
        reset: bool = False,
    ) -> Impact:
        """What :meth:`bulk_update` would change in each project's effective values.

        Nothing is written. The ids and the patched projects are checked as the bulk change
        checks them (the same findings, the same paths), so a preview that passes is a change
        that would pass as the store stands now. Only ``project:read`` is needed. The impact
        lists the projects whose effective values would change, in the order given;
        ``projects_considered`` counts the distinct ids.

        Raises:
            ValidationError: The bulk change would be refused.
        """
        actor.require(organization_id, PROJECT_READ)
        change_one = _either(patch, reset)
        ids = self._bulk_ids(actor, organization_id, project_ids, PROJECT_READ)
        change = self._bulk_change(organization_id, ids, change_one)
        with self._uow(read_only=True) as uow:
            stored = Stored(
                organization_id,
                uow.organizations.get(organization_id),
                uow.projects.get_many(organization_id, ids),
            )
            plan = change(stored)
            now = self._clock()
            raise_for_errors(self._validate(stored, plan, now))
            # The organization's invariants refuse it as they would refuse the change itself.
            raise_for_errors(invariant_errors(uow, stored, plan, now))
        organization = stored.organization
        impacts = []
        for project in plan.projects:
            before = stored.projects.get(project.project_id)
            changes = diff_effective(organization, before, organization, project, now=now)
            if changes:
                impacts.append(ProjectImpact(project.project_id, changes))
        return Impact((), tuple(impacts), len(ids))

    def _bulk_change(
        self,
        organization_id: str,
        ids: tuple[str, ...],
        change_one: Callable[[ProjectSettings], ProjectSettings],
    ) -> Callable[[Stored], Plan]:
        """The plan of a bulk change: ``change_one`` applied to each project (stored or not)."""

        def change(stored: Stored) -> Plan:
            findings: list[Finding] = []
            projects: list[ProjectSettings] = []
            for project_id in ids:
                if project_id not in stored.projects and (
                    self._project_exists is not None
                    and not self._project_exists(organization_id, project_id)
                ):
                    findings.append(_not_found_finding(project_id))
                    continue
                projects.append(change_one(stored.project(project_id)))
            return Plan(
                projects=tuple(projects),
                findings=tuple(findings),
                store_new=False,
                event=AuditEvent.BULK_EDIT,
                paths=by_project_id,
            )

        return change

    def import_organization(
        self,
        actor: Actor,
        organization: OrganizationSettings,
        projects: Sequence[ProjectSettings],
        *,
        enforce: bool = False,
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

        The result must keep the organization's invariants: one the store holds already may
        gain no violation, and one the document adds may have none, unless ``enforce``
        (which restores an export whose invariants were saved with ``enforce``).

        Raises:
            ValidationError: The document breaks a rule; nothing is written.
        """
        organization_id = self._check_document(
            actor, organization, projects, ORG_ADMIN, PROJECT_ADMIN
        )

        def change(_stored: Stored) -> Plan:
            return Plan(
                organization=organization,
                projects=tuple(projects),
                paths=by_index,
                enforce=enforce,
            )

        outcome = self._write(actor, organization_id, [p.project_id for p in projects], change)
        return self._document_result(outcome)

    def _bulk_ids(
        self,
        actor: Actor,
        organization_id: str,
        project_ids: Sequence[str],
        scope: str = PROJECT_ADMIN,
    ) -> tuple[str, ...]:
        if isinstance(project_ids, str):
            msg = "project_ids must be a sequence of project ids, not one string."
            raise TypeError(msg)
        findings = check_bulk_size(len(project_ids), self._limits)
        if not findings:
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
            actor.require_project(organization_id, project_id, scope)
        return ids


def _either(
    patch: ProjectPatch | None, reset: bool
) -> Callable[[ProjectSettings], ProjectSettings]:
    """What a bulk change does to each project: the patch, or a reset (exactly one)."""
    if (patch is None) == (not reset):
        msg = "Give either a patch or reset=True, not both or neither."
        raise TypeError(msg)
    return reset_project if patch is None else patch.apply


def _not_found_finding(project_id: str) -> Finding:
    return Finding(
        "not_found",
        Severity.ERROR,
        ("projects", project_id),
        NOT_FOUND_MESSAGE.format(project=project_id),
    )
