"""Decisions: an event without a branch, the case mutation testing found unchecked."""

from __future__ import annotations

import datetime as dt

import pytest

from ai_settings_core import (
    BranchPattern,
    BranchRule,
    Decision,
    DecisionReason,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    StoppingPoint,
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


def test_the_first_matching_branch_rule_gives_the_stopping_point():
    repository = RepositorySettings(
        REPO,
        branch_patterns=(
            BranchRule("release/*", StoppingPoint.MERGE),
            BranchRule("*", StoppingPoint.SUGGESTION),
        ),
        stopping_point_override=StoppingPoint.PULL_REQUEST,
    )
    project = ProjectSettings("acme", "api", repositories=(repository,))
    for branch, point in (("release/2.0", StoppingPoint.MERGE), ("main", StoppingPoint.SUGGESTION)):
        assert decide(ORG, project, repository=REPO, branch=branch) == Decision(True, True, point)


def test_a_decision_answers_for_the_moment_of_the_event():
    """An override in force before its expiry is absent from that instant on."""
    end = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    repository = RepositorySettings(
        REPO, stopping_point_override=StoppingPoint.MERGE, stopping_point_override_expires_at=end
    )
    project = ProjectSettings(
        "acme",
        "api",
        fix_enabled_override=False,
        fix_enabled_override_expires_at=end,
        repositories=(repository,),
    )
    before = end - dt.timedelta(seconds=1)
    assert decide(ORG, project, repository=REPO, branch="main", now=before) == Decision(
        True, False, None, (DecisionReason.FIX_DISABLED,)
    )
    assert decide(ORG, project, now=before).reasons == (DecisionReason.FIX_DISABLED,)
    assert decide(ORG, project, repository=REPO, branch="main", now=end) == Decision(
        True, True, StoppingPoint.PULL_REQUEST
    )
    assert decide(ORG, project, now=end).reasons == (DecisionReason.NO_REPOSITORY,)
