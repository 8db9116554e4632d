"""The exposure report: what AI may do at every place equals what ``decide`` answers there."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    ALL_SCOPES,
    ORG_READ,
    PROJECT_READ,
    Actor,
    BranchPattern,
    Decision,
    DecisionReason,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    SettingsService,
    StoppingPoint,
    decide,
    exposure,
    resolve_project,
)
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.errors import NotFoundError, PermissionDeniedError
from ai_settings_core.service import Exposure, ProjectExposure
from ai_settings_core.testing import strategies as public
from tests import strategies as s

pytestmark = pytest.mark.unit

UNLISTED = RepositoryRef.parse("github:nobody/unlisted")


def _expected(project: ProjectExposure, ref: RepositoryRef, branch: str) -> Decision:
    """What the report says an event gets, read the way an admin reads it."""
    for repository in project.repositories:
        if repository.repository.key != ref.key:
            continue
        if not repository.ai_enabled:
            return Decision(False, False, None, (DecisionReason.REPOSITORY_AI_DISABLED,))
        for entry in repository.branches:  # the first pattern that matches
            if entry.pattern.matches(branch):
                return entry.decision
        return Decision(False, False, None, (DecisionReason.BRANCH_NOT_MATCHED,))
    return project.unlisted


def _events(state):
    """Events aimed at the organization's places: listed repositories, their own patterns."""
    refs = [r.repository for p in state.projects for r in p.repositories] + [UNLISTED]
    patterns = [b.text for p in state.projects for r in p.repositories for b in r.branch_patterns]
    return st.tuples(
        st.sampled_from(refs),
        public.branch_names() | (st.sampled_from(patterns) if patterns else st.nothing()),
        st.none() | public.environment_names(),
    )


@given(st.data(), public.organizations())
def test_every_place_answers_what_decide_answers(data, state):
    report = exposure("acme", state.organization, state.projects)
    assert [p.project_id for p in report.projects] == [p.project_id for p in state.projects]
    for project, entry in zip(state.projects, report.projects, strict=True):
        ref, branch, environment = data.draw(_events(state))
        answer = decide(
            state.organization, project, repository=ref, branch=branch, environment=environment
        )
        if project.environments and environment not in project.environments:
            assert answer.reasons == (DecisionReason.ENVIRONMENT_NOT_ALLOWED,)
            assert entry.environments == project.environments
        else:
            assert answer == _expected(entry, ref, branch)
        # Every listed repository and pattern, on a branch the pattern itself names.
        for repository in project.repositories:
            for position, pattern in enumerate(repository.branch_patterns):
                if any(p.matches(pattern.text) for p in repository.branch_patterns[:position]):
                    continue  # an earlier pattern answers for this branch
                decided = decide(
                    state.organization,
                    project,
                    repository=repository.repository,
                    branch=pattern.text,
                    environment=min(project.environments, default=None),
                )
                if pattern.matches(pattern.text):
                    assert decided == _expected(entry, repository.repository, pattern.text)


@given(public.organizations(), public.repository_refs(), public.branch_names())
def test_a_project_with_nothing_stored_gets_the_unstored_decision(state, ref, branch):
    report = exposure("acme", state.organization, state.projects)
    assert report.unstored == decide(state.organization, None, repository=ref, branch=branch)


@given(public.organizations())
def test_the_report_is_computed_from_the_projects_resolutions(state):
    report = exposure("acme", state.organization, state.projects)
    for project, entry in zip(state.projects, report.projects, strict=True):
        assert entry.resolution == resolve_project(state.organization, project)
        assert [r.repository for r in entry.repositories] == [
            r.repository for r in project.repositories
        ]
        assert [[b.pattern for b in r.branches] for r in entry.repositories] == [
            [rule.pattern for rule in r.branch_patterns] for r in project.repositories
        ]


@given(public.organizations(), public.stopping_points())
def test_places_are_every_fixing_branch_at_or_beyond_the_floor(state, at):
    report = exposure("acme", state.organization, state.projects)
    groups = report.places(at)
    assert list(groups) == sorted((p for p in StoppingPoint if p >= at), reverse=True)
    listed = {
        (p.project_id, str(p.repository), p.pattern.text, p.stopping_point)
        for places in groups.values()
        for p in places
    }
    expected = {
        (project.project_id, str(r.repository), b.pattern.text, b.decision.stopping_point)
        for project in report.projects
        for r in project.repositories
        for b in r.branches
        if b.decision.fix and b.decision.stopping_point >= at
    }
    assert listed == expected
    for point, places in groups.items():
        assert all(place.stopping_point is point for place in places)
    reaching = report.reaching(at)
    assert {p.project_id for p in reaching.projects} == {p[0] for p in listed}
    assert reaching.places(at) == groups


def test_an_admin_sees_where_ai_may_merge():
    org = OrganizationSettings("acme", fix_enabled=True, stopping_point=StoppingPoint.MERGE)
    api = RepositorySettings(
        RepositoryRef.parse("github:acme/api"),
        branch_patterns=(BranchPattern("main"), BranchPattern("release/*")),
    )
    docs = RepositorySettings(RepositoryRef.parse("github:acme/docs"), ai_enabled=False)
    web = ProjectSettings(
        "acme", "web", repositories=(api, docs), environments=frozenset({"production"})
    )
    careful = ProjectSettings(
        "acme",
        "billing",
        stopping_point_override=StoppingPoint.SUGGESTION,
        repositories=(RepositorySettings(RepositoryRef.parse("gitlab:acme/finance/billing")),),
    )
    quiet = ProjectSettings("acme", "search", scan_enabled_override=False)
    report = exposure("acme", org, [careful, quiet, web])

    merge = report.places()[StoppingPoint.MERGE]
    assert [(p.project_id, str(p.repository), p.pattern.text) for p in merge] == [
        ("web", "github:acme/api", "main"),
        ("web", "github:acme/api", "release/*"),
    ]
    assert merge[0].environments == frozenset({"production"})
    assert report.places()[StoppingPoint.PULL_REQUEST] == ()
    suggestion = report.places()[StoppingPoint.SUGGESTION]
    assert [(p.project_id, p.stopping_point) for p in suggestion] == [
        ("billing", StoppingPoint.SUGGESTION)
    ]
    assert [p.project_id for p in report.reaching(StoppingPoint.MERGE).projects] == ["web"]
    search = report.projects[1]
    assert (search.unlisted.scan, search.unlisted.fix) == (False, False)
    assert report.projects[2].repositories[1].branches[0].decision.reasons == (
        DecisionReason.REPOSITORY_AI_DISABLED,
    )


# The service: permissions and the unit of work ---------------------------------------------


@pytest.fixture
def service():
    service = SettingsService(MemoryStore())
    admin = Actor("user:1", "acme", ALL_SCOPES)
    for project_id in ("api", "web", "docs"):
        service.add_repository(
            admin,
            "acme",
            project_id,
            RepositorySettings(RepositoryRef.parse(f"github:a/{project_id}")),
        )
    return service


def test_the_service_reports_the_stored_organization(service):
    report = service.exposure(Actor("user:2", "acme", frozenset({ORG_READ})), "acme")
    assert isinstance(report, Exposure)
    assert [p.project_id for p in report.projects] == ["api", "docs", "web"]


def test_an_actor_limited_to_some_projects_sees_only_those(service):
    actor = Actor("user:3", "acme", frozenset({ORG_READ}), projects=frozenset({"web", "gone"}))
    assert [p.project_id for p in service.exposure(actor, "acme").projects] == ["web"]


def test_the_report_needs_org_read_and_the_actor_s_organization(service):
    with pytest.raises(PermissionDeniedError):
        service.exposure(Actor("user:4", "acme", frozenset({PROJECT_READ})), "acme")
    with pytest.raises(NotFoundError):
        service.exposure(Actor("user:5", "other", ALL_SCOPES), "acme")


@given(
    s.optional_expiring_organizations,
    s.expiring_project_lists,
    s.moments,
    st.data(),
)
def test_expired_overrides_and_locks_are_out_of_force_in_the_report(org, projects, now, data):
    report = exposure("acme", org, projects, now=now)
    for project, entry in zip(projects, report.projects, strict=True):
        for repository in project.repositories:
            branch = data.draw(
                s.branches | st.sampled_from([p.text for p in repository.branch_patterns])
            )
            answer = decide(
                org,
                project,
                repository=repository.repository,
                branch=branch,
                environment=min(project.environments, default=None),
                now=now,
            )
            assert answer == _expected(entry, repository.repository, branch)
