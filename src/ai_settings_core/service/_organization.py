"""The organization's use cases: read its settings, change them, preview a change."""

from __future__ import annotations

from ai_settings_core.domain.changes import Impact, OrganizationPatch, preview_impact
from ai_settings_core.domain.permissions import ORG_ADMIN, ORG_READ, PROJECT_READ, Actor
from ai_settings_core.domain.rules import raise_for_errors, validate_organization
from ai_settings_core.domain.settings import OrganizationSettings
from ai_settings_core.domain.views import OrganizationView
from ai_settings_core.service._pipeline import Plan, Stored, WritePipeline, check_version

__all__: list[str] = []


class OrganizationUseCases(WritePipeline):
    """The organization's defaults and policy."""

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
        enforce: bool = False,
    ) -> OrganizationView:
        """Apply ``patch`` to the organization's settings and policy.

        ``enforce`` saves invariants the patch adds even where stored settings break them
        (see :meth:`add_invariant`); without it such a patch is refused with the violations.

        Raises:
            ValidationError: The result breaks a rule (for example a default above the ceiling).
            ConflictError: ``expected_version`` is not the stored version.
        """
        actor.require(organization_id, ORG_ADMIN)

        def change(stored: Stored) -> Plan:
            before = stored.organization or OrganizationSettings(organization_id)
            check_version(expected_version, before.version, organization_id)
            # A patch of nothing changes nothing: not even "defaults" into "stored".
            return Plan(
                organization=patch.apply(before),
                store_new=not patch.is_empty,
                expected_version=expected_version,
                enforce=enforce,
            )

        outcome = self._write(actor, organization_id, (), change)
        return self._organization_view(organization_id, outcome.organization, outcome.warnings)

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
        now = self._clock()
        raise_for_errors(
            validate_organization(
                after,
                limits=self._limits,
                rules=self._organization_rules,
                previous=before,
                now=now,
            )
        )
        projects = [p for p in state.projects if actor.reaches(p.project_id)]
        return preview_impact(before, after, projects, now=now)
