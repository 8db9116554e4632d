"""Decisions: what AI may do for one event, and why."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    BranchPattern,
    DecisionReason,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    StoppingPoint,
    decide,
    resolve_branch,
    resolve_project,
)
from tests import strategies as s

REPO = RepositoryRef.parse("github:acme/api")
OTHER = RepositoryRef.parse("github:acme/web")
ORG = OrganizationSettings("acme", fix_enabled=True)


def project(**kwargs):
    kwargs.setdefault(
        "repositories", (RepositorySettings(REPO, branch_patterns=(BranchPattern("main"),)),)
    )
    return ProjectSettings("acme", "api", **kwargs)


@given(
    s.optional_organizations,
    s.project_settings(),
    st.none() | s.repository_refs(),
    st.none() | s.branches,
    st.none() | s.environments,
    st.data(),
)
def test_decide_agrees_with_resolve(org, proj, ref, branch, environment, data):
    if proj.repositories and data.draw(st.booleans()):
        ref = data.draw(st.sampled_from(proj.repositories)).repository
    decision = decide(org, proj, repository=ref, branch=branch, environment=environment)
    configured = None if ref is None else proj.repository(ref)
    env_ok = not proj.environments or environment in proj.environments
    repo_ok = configured is None or (
        configured.ai_enabled and configured.matches_branch(branch or "")
    )
    if configured is not None:
        # The branch level: the first rule the branch matches may set its own stopping point.
        effective = resolve_branch(org, proj, configured, branch or "").effective
    else:
        effective = resolve_project(org, proj).effective
    assert decision.scan == (env_ok and repo_ok and effective.scan_enabled)
    assert decision.fix == (decision.scan and effective.fix_enabled and configured is not None)
    if decision.fix:
        assert decision.stopping_point == effective.stopping_point
    else:
        assert decision.stopping_point is None
    assert bool(decision.reasons) == (not decision.scan or not decision.fix)


@pytest.mark.parametrize(
    ("kwargs", "event", "scan", "fix", "reasons"),
    [
        ({}, {"repository": REPO, "branch": "main"}, True, True, ()),
        ({}, {"branch": "main"}, True, False, (DecisionReason.NO_REPOSITORY,)),
        (
            {},
            {"repository": OTHER, "branch": "main"},
            True,
            False,
            (DecisionReason.REPOSITORY_NOT_CONFIGURED,),
        ),
        (
            {},
            {"repository": REPO, "branch": "feature/x"},
            False,
            False,
            (DecisionReason.BRANCH_NOT_MATCHED,),
        ),
        ({}, {"repository": REPO}, False, False, (DecisionReason.BRANCH_NOT_MATCHED,)),
        (
            {"repositories": (RepositorySettings(REPO, ai_enabled=False),)},
            {"repository": REPO, "branch": "main"},
            False,
            False,
            (DecisionReason.REPOSITORY_AI_DISABLED,),
        ),
        (
            {"environments": frozenset({"production"})},
            {"repository": REPO, "branch": "main", "environment": "staging"},
            False,
            False,
            (DecisionReason.ENVIRONMENT_NOT_ALLOWED,),
        ),
        (
            {"environments": frozenset({"production"})},
            {"repository": REPO, "branch": "main"},
            False,
            False,
            (DecisionReason.ENVIRONMENT_NOT_ALLOWED,),
        ),
        (
            {"environments": frozenset({"production"})},
            {"repository": REPO, "branch": "main", "environment": "production"},
            True,
            True,
            (),
        ),
        (
            {"scan_enabled_override": False},
            {"repository": REPO, "branch": "main"},
            False,
            False,
            (DecisionReason.SCAN_DISABLED, DecisionReason.FIX_REQUIRES_SCAN),
        ),
        (
            {"fix_enabled_override": False},
            {"repository": REPO, "branch": "main"},
            True,
            False,
            (DecisionReason.FIX_DISABLED,),
        ),
    ],
)
def test_decision_examples(kwargs, event, scan, fix, reasons):
    decision = decide(ORG, project(**kwargs), **event)
    assert (decision.scan, decision.fix, decision.reasons) == (scan, fix, reasons)


def test_decision_gives_the_repository_stopping_point():
    proj = project(
        stopping_point_override=StoppingPoint.SUGGESTION,
        repositories=(RepositorySettings(REPO, stopping_point_override=StoppingPoint.MERGE),),
    )
    assert decide(ORG, proj, repository=REPO, branch="x").stopping_point is StoppingPoint.MERGE


def test_decision_without_stored_anything_scans_only():
    decision = decide(None, None, repository=REPO, branch="main")
    assert (decision.scan, decision.fix) == (True, False)
    assert decision.reasons == (DecisionReason.FIX_DISABLED,)


def test_repository_lookup_is_case_insensitive():
    upper = RepositoryRef.parse("github:ACME/Api")
    assert decide(ORG, project(), repository=upper, branch="main").fix is True
