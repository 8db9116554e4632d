"""The sample organization ``demo``: every kind of project, for trying the library out.

- ``checkout`` inherits everything and has a repository with branch patterns;
- ``billing`` pins fixing off (a pin: it stays off whatever the organization decides);
- ``search`` stops fixes at a suggestion;
- ``payments`` chose ``merge`` before the organization set a maximum: it is capped;
- ``legacy`` turned scanning off before the organization locked it on: its override is kept
  but shadowed;
- ``mobile`` is restricted to production and has a repository with AI switched off.
"""

from __future__ import annotations

from ai_settings_core.domain.changes import OrganizationPatch, ProjectPatch
from ai_settings_core.domain.permissions import Actor
from ai_settings_core.domain.settings import RepositorySettings, Setting
from ai_settings_core.domain.values import BranchPattern, RepositoryRef, StoppingPoint
from ai_settings_core.service import SettingsService

__all__ = ["DEMO_ORGANIZATION", "build_demo"]

DEMO_ORGANIZATION = "demo"


def build_demo(service: SettingsService, actor: Actor) -> bool:
    """Create the sample organization; ``False`` (and nothing written) if it exists already."""
    org = DEMO_ORGANIZATION
    if service.get_organization(actor, org).stored:
        return False
    # Overrides first: the lock and the maximum come later, so the old choices stay stored.
    service.update_project(actor, org, "checkout", ProjectPatch())
    service.add_repository(
        actor,
        org,
        "checkout",
        RepositorySettings(
            RepositoryRef.parse("github:demo/checkout-web"),
            branch_patterns=(BranchPattern("main"), BranchPattern("release/*")),
        ),
    )
    service.update_project(actor, org, "billing", ProjectPatch(fix_enabled_override=False))
    service.add_repository(
        actor,
        org,
        "billing",
        RepositorySettings(RepositoryRef.parse("gitlab:demo/finance/billing")),
    )
    service.update_project(
        actor, org, "search", ProjectPatch(stopping_point_override=StoppingPoint.SUGGESTION)
    )
    service.update_project(
        actor, org, "payments", ProjectPatch(stopping_point_override=StoppingPoint.MERGE)
    )
    service.add_repository(
        actor,
        org,
        "payments",
        RepositorySettings(
            RepositoryRef.parse("github:demo/payments"),
            stopping_point_override=StoppingPoint.MERGE,
        ),
    )
    service.update_project(actor, org, "legacy", ProjectPatch(scan_enabled_override=False))
    service.update_project(
        actor, org, "mobile", ProjectPatch(environments=frozenset({"production"}))
    )
    service.add_repository(
        actor,
        org,
        "mobile",
        RepositorySettings(RepositoryRef.parse("bitbucket:demo/mobile-app"), ai_enabled=False),
    )
    service.update_organization(
        actor,
        org,
        OrganizationPatch(
            fix_enabled=True,
            locked=frozenset({Setting.SCAN_ENABLED}),
            max_stopping_point=StoppingPoint.PULL_REQUEST,
        ),
    )
    return True
