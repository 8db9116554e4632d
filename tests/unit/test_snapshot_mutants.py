"""Decision snapshots: the behaviours mutation testing found unchecked by test_snapshot.py.

Snapshots whose overrides and locks expire, derived across the instant of an expiry; the
preparation's corner cases (rules matching every branch, prefixes, rules with their own
stopping points, several repositories alike); what a snapshot says when it needs a clock.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    BranchPattern,
    BranchRule,
    DecisionSnapshot,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
    decide,
)
from tests import strategies as s

EPOCH = s.EPOCH
HOUR = dt.timedelta(hours=1)
API = RepositoryRef.parse("github:acme/api")
UNLISTED = RepositoryRef.parse("gitlab:nobody/nothing")
ORG = OrganizationSettings("acme", fix_enabled=True, stopping_point=StoppingPoint.MERGE)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def paused(project_id: str = "payments", until: dt.datetime = EPOCH) -> ProjectSettings:
    """ "No automated fixes on this project until ``until``"."""
    return ProjectSettings(
        "acme",
        project_id,
        fix_enabled_override=False,
        fix_enabled_override_expires_at=until,
        repositories=(RepositorySettings(API, branch_patterns=(BranchPattern("main"),)),),
    )


def scan_locked_off(until: dt.datetime | None) -> OrganizationSettings:
    """An organization that locks scanning off until ``until`` (for good with ``None``)."""
    return attrs.evolve(
        ORG,
        scan_enabled=False,
        locked=frozenset({Setting.SCAN_ENABLED}),
        scan_enabled_lock_expires_at=until,
    )


# The law: derived snapshots across expiries -------------------------------------------------

_IDS = st.sampled_from(["p0", "p1", "p2"])


@st.composite
def expiring_changes(draw):
    """A step: the clock moves on, or a project is replaced or removed, or the org changes."""
    kind = draw(st.sampled_from(["tick", "tick", "replace", "replace", "remove", "organization"]))
    if kind == "tick":
        return kind, draw(st.integers(0, 3))
    if kind == "replace":
        return kind, draw(s.expiring_project_settings(project_id=draw(_IDS)))
    if kind == "remove":
        return kind, draw(_IDS)
    return kind, draw(s.optional_expiring_organizations)


def assert_answers_like_decide_now(snapshot, org, stored, now):
    for project_id in [*stored, "p0", "unknown"]:
        project = stored.get(project_id)
        listed = [] if project is None else [r.repository for r in project.repositories]
        environments = [] if project is None else sorted(project.environments)[:1]
        for ref in [None, UNLISTED, *listed]:
            for branch in ("main", "release/1"):
                for environment in [None, *environments]:
                    assert snapshot.decide(project_id, ref, branch, environment) == decide(
                        org,
                        project,
                        repository=ref,
                        branch=branch,
                        environment=environment,
                        now=now,
                    ), (project_id, ref, branch, environment, now)


@given(
    s.optional_expiring_organizations,
    st.lists(
        s.expiring_project_settings(project_id=None), max_size=2, unique_by=lambda p: p.project_id
    ),
    st.lists(expiring_changes(), max_size=8),
)
def test_snapshots_derived_across_expiries_answer_like_decide_at_each_moment(org, projects, steps):
    clock = Clock(EPOCH - 6 * HOUR)
    snapshot = DecisionSnapshot.prepare(org, projects, clock=clock)
    stored = {project.project_id: project for project in projects}
    assert_answers_like_decide_now(snapshot, org, stored, clock.now)
    for kind, value in steps:
        if kind == "tick":
            clock.now += value * HOUR
        elif kind == "replace":
            snapshot = snapshot.replace_project(value)
            stored = {**stored, value.project_id: value}
        elif kind == "remove":
            snapshot = snapshot.remove_project(value)
            stored = {pid: p for pid, p in stored.items() if pid != value}
        else:
            snapshot, org = snapshot.with_organization(value), value
        assert snapshot.organization == org
        assert dict(snapshot.projects) == stored
        assert_answers_like_decide_now(snapshot, org, stored, clock.now)


# Expiry: examples ----------------------------------------------------------------------------

CLOCK_NEEDED = "these settings carry an expiry: pass clock= (a callable returning the time)"


def test_settings_that_expire_need_a_clock_and_the_error_says_so():
    with pytest.raises(TypeError) as raised:
        DecisionSnapshot.prepare(ORG, [paused()])
    assert str(raised.value) == CLOCK_NEEDED
    without_clock = DecisionSnapshot.prepare(ORG, [])
    with pytest.raises(TypeError) as raised:
        without_clock.replace_project(paused())
    assert str(raised.value) == CLOCK_NEEDED
    with pytest.raises(TypeError) as raised:
        without_clock.with_organization(scan_locked_off(EPOCH))
    assert str(raised.value) == CLOCK_NEEDED


def _api_with(rules, **overrides):
    """The project ``api`` listing the one repository ``API`` with these branch rules."""
    return ProjectSettings(
        "acme", "api", repositories=(RepositorySettings(API, branch_patterns=rules),), **overrides
    )


# Branches: an event without a branch --------------------------------------------------------


# Only a pattern of stars alone matches every branch, the empty name included; a pattern with
# anything else, even a letter before its star (`X*`), does not.
@pytest.mark.parametrize(
    ("pattern", "matched"),
    [("*", True), ("?*", False), ("X*", False), ("release/*", False), ("main", False)],
)
def test_an_event_without_a_branch_is_matched_only_by_a_rule_matching_the_empty_name(
    pattern, matched
):
    project = _api_with((BranchPattern(pattern),))
    snapshot = DecisionSnapshot.prepare(ORG, [project])
    for branch in (None, ""):
        decision = snapshot.decide("api", API, branch)
        assert decision == decide(ORG, project, repository=API, branch=branch)
        assert decision.fix is matched


# Branch rules: globs, prefixes, and rules with their own stopping points --------------------


@pytest.mark.parametrize(
    ("pattern", "branch", "matched"),
    [
        ("hotfix-?*", "hotfix-12", True),
        ("hotfix-?*", "hotfix-", False),
        ("release/**", "release/1", True),
        ("release/**", "releases", False),
        ("v[0-9]*", "v2", True),
        ("v[0-9]*", "v[0-9]", False),
    ],
)
def test_a_pattern_ending_in_a_star_after_other_glob_characters_is_no_plain_prefix(
    pattern, branch, matched
):
    project = _api_with((BranchPattern(pattern),))
    decision = DecisionSnapshot.prepare(ORG, [project]).decide("api", API, branch)
    assert decision == decide(ORG, project, repository=API, branch=branch)
    assert decision.fix is matched


# The rules answer differently: a named branch at MERGE, then one more rule without an override.
@pytest.mark.parametrize(
    ("pattern", "branch", "matched"),
    [
        ("release/*", "release/1", True),
        ("release/*", "releases/1", False),
        ("release/**", "release/1", True),
        ("hotfix-?", "hotfix-1", True),
        ("hotfix-?", "hotfix-12", False),
        ("v[0-9]*", "v2", True),
        ("v[0-9]*", "v[0-9]", False),
        ("*", "anything", True),
    ],
)
def test_rules_with_their_own_stopping_points_match_each_pattern_as_written(
    pattern, branch, matched
):
    rules = (
        BranchRule(BranchPattern("main"), StoppingPoint.MERGE),
        BranchRule(BranchPattern(pattern)),
    )
    project = _api_with(rules, stopping_point_override=StoppingPoint.SUGGESTION)
    snapshot = DecisionSnapshot.prepare(ORG, [project])
    for asked, fix, point in (
        ("main", True, StoppingPoint.MERGE),
        (branch, matched, StoppingPoint.SUGGESTION if matched else None),
    ):
        decision = snapshot.decide("api", API, asked)
        assert decision == decide(ORG, project, repository=API, branch=asked)
        assert (decision.fix, decision.stopping_point) == (fix, point)


def test_a_rule_matching_every_branch_hides_the_rules_after_it():
    rules = (
        BranchRule(BranchPattern("release/*"), StoppingPoint.MERGE),
        BranchRule(BranchPattern("*")),
        BranchRule(BranchPattern("main"), StoppingPoint.MERGE),
    )
    project = _api_with(rules, stopping_point_override=StoppingPoint.SUGGESTION)
    snapshot = DecisionSnapshot.prepare(ORG, [project])
    for branch, point in (
        ("release/1", StoppingPoint.MERGE),
        ("main", StoppingPoint.SUGGESTION),
        ("", StoppingPoint.SUGGESTION),
    ):
        decision = snapshot.decide("api", API, branch)
        assert decision == decide(ORG, project, repository=API, branch=branch)
        assert decision.stopping_point is point


# Projects prepared together --------------------------------------------------------------------


def test_projects_alike_but_for_their_stopping_point_each_answer_with_their_own():
    projects = [
        ProjectSettings(
            "acme",
            f"p-{point}",
            stopping_point_override=point,
            repositories=(RepositorySettings(API),),
        )
        for point in (None, *StoppingPoint)
    ]
    snapshot = DecisionSnapshot.prepare(ORG, projects)
    for project in projects:
        decision = snapshot.decide(project.project_id, API, "main")
        assert decision == decide(ORG, project, repository=API, branch="main")
        assert decision.stopping_point is (project.stopping_point_override or ORG.stopping_point)


def test_a_repository_reference_in_any_case_is_the_listed_repository():
    project = ProjectSettings(
        "acme",
        "api",
        repositories=(RepositorySettings(RepositoryRef.parse("github:Acme/API")),),
    )
    snapshot = DecisionSnapshot.prepare(ORG, [project])
    for text in ("github:Acme/API", "github:acme/api", "github:ACME/api"):
        ref = RepositoryRef.parse(text)
        decision = snapshot.decide("api", ref, "main")
        assert decision == decide(ORG, project, repository=ref, branch="main")
        assert decision.fix is True


# Expiry: deriving snapshots ------------------------------------------------------------------


def assert_answers_at(snapshot, org, projects, now):
    for project in [*projects, ProjectSettings("acme", "unknown")]:
        for ref in (None, API):
            for branch in ("main", "dev"):
                assert snapshot.decide(project.project_id, ref, branch) == decide(
                    org, project, repository=ref, branch=branch, now=now
                ), (project.project_id, ref, branch, now)


def test_a_snapshot_without_expiries_derives_ones_that_expire():
    clock = Clock(EPOCH - HOUR)
    # A project that scans when the organization's lock lets it.
    web = ProjectSettings(
        "acme", "web", scan_enabled_override=True, repositories=(RepositorySettings(API),)
    )
    snapshot = DecisionSnapshot.prepare(ORG, [web], clock=clock)
    with_paused = snapshot.replace_project(paused())
    locked = snapshot.with_organization(scan_locked_off(EPOCH))
    for now in (EPOCH - HOUR, EPOCH, EPOCH + HOUR):
        clock.now = now
        assert_answers_at(with_paused, ORG, [web, paused()], now)
        assert_answers_at(locked, scan_locked_off(EPOCH), [web], now)
        assert_answers_at(snapshot, ORG, [web], now)
    clock.now = EPOCH - HOUR
    assert with_paused.decide("payments", API, "main").fix is False
    assert locked.decide("web", API, "main").scan is False
    clock.now = EPOCH
    assert with_paused.decide("payments", API, "main").fix is True
    assert locked.decide("web", API, "main").scan is True


def test_snapshots_derived_between_two_expiries_answer_at_each_later_moment():
    # Fixes paused until EPOCH on one project and until two hours later on another: derived
    # an hour after the first expiry, from a snapshot that has already answered since then.
    clock = Clock(EPOCH - HOUR)
    first, second = paused("payments", EPOCH), paused("web", EPOCH + 2 * HOUR)
    org = scan_locked_off(EPOCH + 3 * HOUR)
    snapshot = DecisionSnapshot.prepare(org, [first, second], clock=clock)
    assert_answers_at(snapshot, org, [first, second], clock.now)
    clock.now = EPOCH + HOUR
    assert_answers_at(snapshot, org, [first, second], clock.now)
    other = ProjectSettings(
        "acme", "other", scan_enabled_override=True, repositories=(RepositorySettings(API),)
    )
    later = paused("later", EPOCH + 4 * HOUR)
    derived = [
        (snapshot.replace_project(other), org, [first, second, other]),
        (snapshot.replace_project(later), org, [first, second, later]),
        (snapshot.remove_project("web"), org, [first]),
        (snapshot.with_organization(ORG), ORG, [first, second]),
        (snapshot.with_organization(ORG).replace_project(other), ORG, [first, second, other]),
        (snapshot.with_organization(scan_locked_off(None)), scan_locked_off(None), [first, second]),
    ]
    for hours in (1, 2, 3, 4, 5):
        clock.now = EPOCH + hours * HOUR
        for new, new_org, projects in derived:
            assert_answers_at(new, new_org, projects, clock.now)
            assert dict(new.projects) == {p.project_id: p for p in projects}
            assert_answers_at(new, new_org, projects, clock.now)


def test_a_repository_stopping_point_that_expires_falls_back_to_the_projects():
    clock = Clock(EPOCH - HOUR)
    repository = RepositorySettings(
        API,
        stopping_point_override=StoppingPoint.SUGGESTION,
        stopping_point_override_expires_at=EPOCH,
    )
    project = ProjectSettings(
        "acme",
        "api",
        stopping_point_override=StoppingPoint.PULL_REQUEST,
        repositories=(repository,),
    )
    snapshot = DecisionSnapshot.prepare(ORG, [project], clock=clock)
    for now, point in (
        (EPOCH - HOUR, StoppingPoint.SUGGESTION),
        (EPOCH, StoppingPoint.PULL_REQUEST),
    ):
        clock.now = now
        decision = snapshot.decide("api", API, "main")
        assert decision == decide(ORG, project, repository=API, branch="main", now=now)
        assert decision.stopping_point is point
