"""Decisions: an event without a branch, the case mutation testing found unchecked."""

from __future__ import annotations

import pytest

from ai_settings_core import (
    BranchPattern,
    DecisionReason,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    decide,
)
from ai_settings_core.domain.snapshot import DecisionSnapshot

REPO = RepositoryRef.parse("github:acme/api")
ORG = OrganizationSettings("acme", fix_enabled=True)


def project_with(*patterns: str) -> ProjectSettings:
    branch_patterns = tuple(BranchPattern(pattern) for pattern in patterns)
    return ProjectSettings(
        "acme", "api", repositories=(RepositorySettings(REPO, branch_patterns=branch_patterns),)
    )


@pytest.mark.parametrize("patterns", [("main",), ("X*",), ("*X",), ("release/*", "v?")])
def test_an_event_without_a_branch_matches_no_named_branch(patterns):
    """Without a branch the event is matched as the empty name: only ``*`` matches it."""
    project = project_with(*patterns)
    decision = decide(ORG, project, repository=REPO)
    assert decision.reasons == (DecisionReason.BRANCH_NOT_MATCHED,)
    assert DecisionSnapshot.prepare(ORG, [project]).decide("api", str(REPO)) == decision


def test_an_event_without_a_branch_matches_any_branch():
    project = project_with("*")
    decision = decide(ORG, project, repository=REPO)
    assert (decision.scan, decision.fix, decision.reasons) == (True, True, ())
    assert DecisionSnapshot.prepare(ORG, [project]).decide("api", str(REPO)) == decision
