"""The organization's invariants: list them with their violations, add one, remove one.

Adding and removing are organization writes through the one pipeline (so they are audited and
versioned like any change of the organization's settings); the pipeline checks every write
against the invariants.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from ai_settings_core.domain.findings import Finding
from ai_settings_core.domain.invariants import Invariant
from ai_settings_core.domain.permissions import ORG_ADMIN, ORG_READ, PROJECT_READ, Actor
from ai_settings_core.domain.rules import duplicate_invariant, raise_for_errors
from ai_settings_core.domain.settings import OrganizationSettings
from ai_settings_core.domain.views import InvariantsView
from ai_settings_core.domain.violations import find_violations
from ai_settings_core.errors import NotFoundError, ValidationError
from ai_settings_core.service._pipeline import Plan, Stored, WritePipeline, check_version

__all__: list[str] = []


class InvariantUseCases(WritePipeline):
    """An organization's invariants (``docs/invariants.md``)."""

    def get_invariants(self, actor: Actor, organization_id: str) -> InvariantsView:
        """The organization's invariants and the violations stored settings hold now.

        The violations show projects, so this needs ``project:read`` beside ``org:read``, and
        lists only those of the projects the actor reaches.
        """
        actor.require(organization_id, ORG_READ)
        actor.require(organization_id, PROJECT_READ)
        with self._uow(read_only=True) as uow:
            state = uow.projects.load_organization(organization_id)
        organization = state.organization or OrganizationSettings(organization_id)
        projects = [p for p in state.projects if actor.reaches(p.project_id)]
        return InvariantsView(
            organization_id,
            organization.invariants,
            find_violations(state.organization, projects),
            organization.version,
        )

    def add_invariant(
        self,
        actor: Actor,
        organization_id: str,
        invariant: Invariant,
        *,
        enforce: bool = False,
        expected_version: int | None = None,
    ) -> InvariantsView:
        """Add an invariant to the organization (needs ``org:admin`` and ``project:read``).

        Without ``enforce``, an invariant the stored settings break is refused, and the error
        lists every violation (code ``invariant_violated``): nothing is changed. With
        ``enforce`` it is saved all the same: the violations it found stay (they are listed
        by :meth:`get_invariants`), and from then on no write may add one.

        Raises:
            ValidationError: A name the organization uses already (``duplicate_invariant``),
                or violations without ``enforce``.
            ConflictError: ``expected_version`` is not the organization's stored version.
        """

        def add(before: OrganizationSettings) -> OrganizationSettings:
            if before.invariant(invariant.name) is not None:
                raise_for_errors([duplicate_invariant(("name",), invariant.name)])
            return attrs.evolve(before, invariants=(*before.invariants, invariant))

        try:
            return self._change_invariants(actor, organization_id, add, enforce, expected_version)
        except ValidationError as error:
            # Findings about the new invariant, at its place in the organization's list, are
            # findings about the payload added: ("invariants", i, "name") becomes ("name",).
            raise ValidationError.from_findings(
                _unprefixed(finding) for finding in error.findings
            ) from None

    def remove_invariant(
        self,
        actor: Actor,
        organization_id: str,
        name: str,
        *,
        expected_version: int | None = None,
    ) -> InvariantsView:
        """Remove the invariant called ``name`` (needs ``org:admin`` and ``project:read``).

        Raises:
            NotFoundError: The organization has no invariant of that name.
            ConflictError: ``expected_version`` is not the organization's stored version.
        """

        def remove(before: OrganizationSettings) -> OrganizationSettings:
            if before.invariant(name) is None:
                raise NotFoundError(f"Organization {organization_id!r} has no invariant {name!r}.")
            kept = tuple(i for i in before.invariants if i.name != name)
            return attrs.evolve(before, invariants=kept)

        return self._change_invariants(actor, organization_id, remove, False, expected_version)

    def _change_invariants(
        self,
        actor: Actor,
        organization_id: str,
        change_list: Callable[[OrganizationSettings], OrganizationSettings],
        enforce: bool,
        expected_version: int | None,
    ) -> InvariantsView:
        actor.require(organization_id, ORG_ADMIN)
        actor.require(organization_id, PROJECT_READ)

        def change(stored: Stored) -> Plan:
            before = stored.organization or OrganizationSettings(organization_id)
            check_version(expected_version, before.version, organization_id)
            return Plan(
                organization=change_list(before),
                expected_version=expected_version,
                enforce=enforce,
            )

        self._write(actor, organization_id, (), change)
        return self.get_invariants(actor, organization_id)


def _unprefixed(finding: Finding) -> Finding:
    path = finding.path
    if len(path) >= 2 and path[0] == "invariants" and isinstance(path[1], int):  # noqa: PLR2004
        return attrs.evolve(finding, path=path[2:])
    return finding
