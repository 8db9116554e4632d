"""Every write scopes its unit of work to the organization it writes; reads take none.

A store that can run writers of different organizations side by side (PostgreSQL) locks per
organization, so the service must name the organization of every writing unit of work. The
factory here wraps a real :class:`MemoryStore` and records how each unit was asked for.
"""

from __future__ import annotations

import attrs
import pytest

from ai_settings_core import (
    ALL_SCOPES,
    Actor,
    OrganizationPatch,
    OrganizationSettings,
    ProjectPatch,
    RepositoryPatch,
    RepositoryRef,
    RepositorySettings,
    SettingsService,
)
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.invariants import FixRequiresScan
from ai_settings_core.ports import UnitOfWork
from ai_settings_core.service import SettingsDocument

REPO = RepositoryRef.parse("github:acme/api")


@attrs.define
class RecordingFactory:
    """A unit-of-work factory over a real store that remembers each request."""

    store: MemoryStore
    calls: list[tuple[bool, str | None]] = attrs.field(factory=list)

    def __call__(
        self, *, read_only: bool = False, organization_id: str | None = None
    ) -> UnitOfWork:
        self.calls.append((read_only, organization_id))
        return self.store(read_only=read_only, organization_id=organization_id)

    def writes(self) -> list[str | None]:
        return [organization for read_only, organization in self.calls if not read_only]


# Each write use case, for the organization ``org``; "web" is stored and lists REPO beforehand.
WRITES = {
    "update_organization": lambda s, a, org: s.update_organization(
        a, org, OrganizationPatch(fix_enabled=True)
    ),
    "update_project": lambda s, a, org: s.update_project(
        a, org, "web", ProjectPatch(scan_enabled_override=False)
    ),
    "reset_project": lambda s, a, org: s.reset_project(a, org, "web"),
    "add_repository": lambda s, a, org: s.add_repository(
        a, org, "web", RepositorySettings(RepositoryRef.parse("gitlab:acme/other"))
    ),
    "update_repository": lambda s, a, org: s.update_repository(
        a, org, "web", REPO, RepositoryPatch(ai_enabled=False)
    ),
    "remove_repository": lambda s, a, org: s.remove_repository(a, org, "web", REPO),
    "bulk_update": lambda s, a, org: s.bulk_update(
        a, org, ["web", "api"], ProjectPatch(fix_enabled_override=True)
    ),
    "bulk_reset": lambda s, a, org: s.bulk_update(a, org, ["web"], reset=True),
    "import_organization": lambda s, a, org: s.import_organization(
        a, OrganizationSettings(org, fix_enabled=True), []
    ),
    "revert": lambda s, a, org: s.revert(
        a, org, s.audit_log(a, org, limit=1).items[0].id, force=True
    ),
    "apply": lambda s, a, org: s.apply(
        a,
        s.plan(a, SettingsDocument(OrganizationSettings(org, fix_enabled=True)), prune=True),
    ),
    "add_invariant": lambda s, a, org: s.add_invariant(a, org, FixRequiresScan("fix-needs-scan")),
    "remove_invariant": lambda s, a, org: (
        s.add_invariant(a, org, FixRequiresScan("fix-needs-scan")),
        s.remove_invariant(a, org, "fix-needs-scan"),
    ),
}


def _public_writes() -> set[str]:
    names = {name for name in dir(SettingsService) if not name.startswith("_")}
    reads = {
        "get_organization",
        "get_project",
        "list_projects",
        "explain",
        "exposure",
        "audit_log",
        "get_invariants",
    }
    return (
        names
        - reads
        - {
            "limits",
            "store",
            "preview_organization_change",
            "preview_bulk_update",
            "plan",
        }
    )


def test_the_table_names_every_write_use_case():
    covered = {"bulk_update" if name == "bulk_reset" else name for name in WRITES}
    assert covered == _public_writes()


@pytest.mark.parametrize("organization", ["acme", "globex"])
@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_scopes_its_unit_of_work_to_its_organization(name, organization):
    factory = RecordingFactory(MemoryStore())
    service = SettingsService(factory)
    actor = Actor(f"user:{organization}", organization, ALL_SCOPES)
    service.update_project(
        actor,
        organization,
        "web",
        ProjectPatch(fix_enabled_override=False),
    )
    service.add_repository(actor, organization, "web", RepositorySettings(REPO))
    factory.calls.clear()

    WRITES[name](service, actor, organization)

    assert factory.writes(), f"{name} opened no writing unit of work"
    assert factory.writes() == [organization] * len(factory.writes())


def test_reads_open_read_only_units_only():
    factory = RecordingFactory(MemoryStore())
    service = SettingsService(factory)
    actor = Actor("user:1", "acme", ALL_SCOPES)
    service.update_project(actor, "acme", "web", ProjectPatch(fix_enabled_override=False))
    factory.calls.clear()
    service.get_organization(actor, "acme")
    service.get_project(actor, "acme", "web")
    service.list_projects(actor, "acme")
    service.explain(actor, "acme", "web")
    service.audit_log(actor, "acme")
    service.get_invariants(actor, "acme")
    service.exposure(actor, "acme")
    service.preview_organization_change(actor, "acme", OrganizationPatch(fix_enabled=True))
    service.plan(actor, SettingsDocument(OrganizationSettings("acme")), prune=True)
    assert factory.calls
    assert all(read_only for read_only, _ in factory.calls)
