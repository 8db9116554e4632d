"""Resolution: every field of every trace, held to a reference written from the rules.

The reference below says, in the plainest words, what each trace holds (the setting, the
value, the level, the reason, and the values the policy shadowed, innermost first); the laws
hold the resolver to it for any organization, project and repository. Mutation testing found
traces whose ``setting``, shadowed reasons or inherited shadowed entries nothing asserted.
"""

from __future__ import annotations

import datetime as dt
import itertools

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    BranchRule,
    Level,
    OrganizationSettings,
    ProjectSettings,
    Reason,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
    resolve_branch,
    resolve_organization,
    resolve_project,
    resolve_repository,
)
from ai_settings_core.domain.resolve import Shadowed, Trace
from ai_settings_core.domain.settings import SYSTEM_DEFAULTS
from ai_settings_core.testing.strategies import branch_rules
from tests import strategies as s

REPO = RepositoryRef.parse("github:acme/api")


def expected_trace(org, project, repository, setting):
    """The trace of ``setting``, from the rules of ARCHITECTURE §1, written out."""
    stored = []  # (level, value) of the explicit values below the organization, outermost first
    if project is not None and project.override(setting) is not None:
        stored.append((Level.PROJECT, project.override(setting)))
    if (
        setting is Setting.STOPPING_POINT
        and repository is not None
        and repository.stopping_point_override is not None
    ):
        stored.append((Level.REPOSITORY, repository.stopping_point_override))
    if org is None:
        level, value = stored[-1] if stored else (Level.DEFAULT, SYSTEM_DEFAULTS.get(setting))
        reason = Reason.OVERRIDDEN if stored else Reason.DEFAULT
        return Trace(setting, value, level, reason)
    shadowed = []
    if setting in org.locked:
        value, level, reason = org.get(setting), Level.ORGANIZATION, Reason.LOCKED
        shadowed = [Shadowed(level_, value_, Reason.LOCKED) for level_, value_ in reversed(stored)]
    elif stored:
        (level, value), reason = stored[-1], Reason.OVERRIDDEN
    else:
        value, level, reason = org.get(setting), Level.ORGANIZATION, Reason.INHERITED
    ceiling = org.max_stopping_point
    if setting is Setting.STOPPING_POINT and ceiling is not None and value > ceiling:
        shadowed.insert(0, Shadowed(level, value, Reason.CAPPED))
        value, level, reason = ceiling, Level.ORGANIZATION, Reason.CAPPED
    return Trace(setting, value, level, reason, tuple(shadowed))


unbounded_organizations = st.none() | s.organization_settings("acme", respect_ceiling=False)


@given(unbounded_organizations, st.none() | s.project_settings())
def test_every_field_of_a_project_trace(org, project):
    resolution = resolve_project(org, project)
    for setting in Setting:
        assert resolution.trace(setting) == expected_trace(org, project, None, setting)


@given(unbounded_organizations, s.project_settings(), s.repository_settings())
def test_every_field_of_a_repository_trace(org, project, repository):
    resolution = resolve_repository(org, project, repository)
    for setting in Setting:
        assert resolution.trace(setting) == expected_trace(org, project, repository, setting)


@given(unbounded_organizations, s.project_settings())
def test_traces_are_in_the_order_scan_fix_stopping_point(org, project):
    resolution = resolve_project(org, project)
    assert [trace.setting for trace in resolution.traces] == list(Setting)
    assert resolution.traces == tuple(resolution.trace(setting) for setting in Setting)


def test_a_locked_setting_keeps_both_overrides_it_shadows_innermost_first():
    org = OrganizationSettings(
        "acme",
        stopping_point=StoppingPoint.SUGGESTION,
        locked=frozenset({Setting.STOPPING_POINT}),
    )
    project = ProjectSettings("acme", "web", stopping_point_override=StoppingPoint.PULL_REQUEST)
    repository = RepositorySettings(REPO, stopping_point_override=StoppingPoint.MERGE)
    trace = resolve_repository(org, project, repository).stopping_point
    assert trace == Trace(
        Setting.STOPPING_POINT,
        StoppingPoint.SUGGESTION,
        Level.ORGANIZATION,
        Reason.LOCKED,
        (
            Shadowed(Level.REPOSITORY, StoppingPoint.MERGE, Reason.LOCKED),
            Shadowed(Level.PROJECT, StoppingPoint.PULL_REQUEST, Reason.LOCKED),
        ),
    )


def test_a_capped_locked_value_keeps_what_the_lock_shadowed():
    org = OrganizationSettings(
        "acme",
        stopping_point=StoppingPoint.MERGE,
        max_stopping_point=StoppingPoint.SUGGESTION,
        locked=frozenset({Setting.STOPPING_POINT}),
    )
    project = ProjectSettings("acme", "web", stopping_point_override=StoppingPoint.PULL_REQUEST)
    trace = resolve_project(org, project).stopping_point
    assert trace.reason is Reason.CAPPED
    assert trace.shadowed == (
        Shadowed(Level.ORGANIZATION, StoppingPoint.MERGE, Reason.CAPPED),
        Shadowed(Level.PROJECT, StoppingPoint.PULL_REQUEST, Reason.LOCKED),
    )


@pytest.mark.parametrize("point", list(StoppingPoint))
def test_a_value_at_the_ceiling_is_not_capped(point):
    org = OrganizationSettings("acme", stopping_point=point, max_stopping_point=point)
    for resolution in (
        resolve_organization(org),
        resolve_project(org, ProjectSettings("acme", "web", stopping_point_override=point)),
    ):
        assert resolution.stopping_point.value is point
        assert resolution.stopping_point.reason is not Reason.CAPPED
        assert resolution.stopping_point.shadowed == ()


@given(s.organization_settings("acme", respect_ceiling=False))
def test_an_organizations_own_resolution(org):
    resolution = resolve_organization(org)
    for setting in (Setting.SCAN_ENABLED, Setting.FIX_ENABLED):
        assert resolution.trace(setting) == Trace(
            setting, org.get(setting), Level.ORGANIZATION, Reason.OVERRIDDEN
        )
    ceiling = org.max_stopping_point
    if ceiling is not None and org.stopping_point > ceiling:
        assert resolution.stopping_point == Trace(
            Setting.STOPPING_POINT,
            ceiling,
            Level.ORGANIZATION,
            Reason.CAPPED,
            (Shadowed(Level.ORGANIZATION, org.stopping_point, Reason.CAPPED),),
        )
    else:
        assert resolution.stopping_point == Trace(
            Setting.STOPPING_POINT, org.stopping_point, Level.ORGANIZATION, Reason.OVERRIDDEN
        )


def test_nothing_stored_resolves_to_the_system_defaults_with_their_settings():
    resolution = resolve_organization(None)
    for setting in Setting:
        assert resolution.trace(setting) == Trace(
            setting, SYSTEM_DEFAULTS.get(setting), Level.DEFAULT, Reason.DEFAULT
        )


def test_levels_and_reasons_read_as_their_values():
    assert [str(level) for level in Level] == [
        "default",
        "organization",
        "project",
        "repository",
        "branch",
    ]
    assert [str(reason) for reason in Reason] == [
        "DEFAULT",
        "INHERITED",
        "OVERRIDDEN",
        "LOCKED",
        "CAPPED",
        "EXPIRED",
    ]


@given(unbounded_organizations, s.repository_refs())
def test_a_repository_of_a_project_that_stored_nothing_inherits_everything(org, ref):
    assert resolve_repository(org, None, ref) == resolve_project(org, None)


# Expiry and branch rules (issues 14 and 15), every field of the trace -------------------------


def expected_trace_at(org, project, repository, rule, setting, now):
    """The trace of ``setting`` on a branch whose rule is ``rule``, at ``now``, written out.

    An override or a lock whose expiry has passed (``now >= expiry``) is absent and shadowed as
    ``EXPIRED``; a live lock enforces the organization's value over every override, which it
    shadows as ``LOCKED``; else the innermost live override is in force; the ceiling clamps.
    Shadowed values are innermost first; a value in force says when it ends.
    """
    stored = []  # (level, value, expiry) of the explicit values below the organization
    if project is not None:
        stored.append(
            (Level.PROJECT, project.override(setting), project.override_expires_at(setting))
        )
    if setting is Setting.STOPPING_POINT:
        if repository is not None:
            stored.append(
                (
                    Level.REPOSITORY,
                    repository.stopping_point_override,
                    repository.stopping_point_override_expires_at,
                )
            )
        if rule is not None:
            stored.append((Level.BRANCH, rule.stopping_point_override, None))
    shadowed = []
    lock_end = None if org is None else org.lock_expires_at(setting)
    lock_live = org is not None and setting in org.locked
    if lock_live and lock_end is not None and now >= lock_end:
        lock_live = False
        shadowed.insert(0, Shadowed(Level.ORGANIZATION, org.get(setting), Reason.EXPIRED, lock_end))
    in_force = None
    for level, value, end in stored:  # outermost first
        if value is None:
            continue
        if end is not None and now >= end:
            shadowed.insert(0, Shadowed(level, value, Reason.EXPIRED, end))
        elif lock_live:
            shadowed.insert(0, Shadowed(level, value, Reason.LOCKED, end))
        else:
            in_force = (level, value, end)
    if lock_live:
        value, level, reason, end = org.get(setting), Level.ORGANIZATION, Reason.LOCKED, lock_end
    elif in_force is not None:
        (level, value, end), reason = in_force, Reason.OVERRIDDEN
    elif org is None:
        value, level, reason, end = (
            SYSTEM_DEFAULTS.get(setting),
            Level.DEFAULT,
            Reason.DEFAULT,
            None,
        )
    else:
        value, level, reason, end = org.get(setting), Level.ORGANIZATION, Reason.INHERITED, None
    ceiling = None if org is None else org.max_stopping_point
    if setting is Setting.STOPPING_POINT and ceiling is not None and value > ceiling:
        shadowed.insert(0, Shadowed(level, value, Reason.CAPPED, end))
        value, level, reason = ceiling, Level.ORGANIZATION, Reason.CAPPED
    return Trace(setting, value, level, reason, tuple(shadowed), end)


@st.composite
def expiring_unbounded_organizations(draw):
    """An organization (its ceiling maybe below its own default) whose locks may expire."""
    org = draw(s.organization_settings("acme", respect_ceiling=False))
    return attrs.evolve(
        org, **{setting.lock_expires_field: draw(s.optional_moments) for setting in org.locked}
    )


@st.composite
def expiring_repositories(draw):
    repository = draw(s.repository_settings())
    if repository.stopping_point_override is None:
        return repository
    return attrs.evolve(repository, stopping_point_override_expires_at=draw(s.optional_moments))


@given(
    st.none() | expiring_unbounded_organizations(),
    st.none() | s.expiring_project_settings(),
    expiring_repositories(),
    branch_rules(),
    s.moments,
)
def test_every_field_of_a_branch_trace_at_any_moment(org, project, repository, rule, now):
    resolutions = {
        (None, None): resolve_project(org, project, now=now),
        (repository, None): resolve_repository(org, project, repository, now=now),
        (repository, rule): resolve_branch(org, project, repository, rule, now=now),
    }
    for (repository_, rule_), resolution in resolutions.items():
        for setting in Setting:
            expected = expected_trace_at(org, project, repository_, rule_, setting, now)
            assert resolution.trace(setting) == expected, (repository_, rule_, setting)


def test_an_expired_lock_stays_in_the_trace_of_what_it_locked():
    end = s.EPOCH
    org = OrganizationSettings(
        "acme",
        fix_enabled=True,
        locked=frozenset({Setting.FIX_ENABLED}),
        fix_enabled_lock_expires_at=end,
    )
    before = resolve_project(org, None, now=end - dt.timedelta(microseconds=1)).fix_enabled
    assert before == Trace(Setting.FIX_ENABLED, True, Level.ORGANIZATION, Reason.LOCKED, (), end)
    after = resolve_project(org, None, now=end).fix_enabled
    assert after == Trace(
        Setting.FIX_ENABLED,
        True,
        Level.ORGANIZATION,
        Reason.INHERITED,
        (Shadowed(Level.ORGANIZATION, True, Reason.EXPIRED, end),),
    )


def test_a_branch_rule_overrides_the_repositorys_stopping_point_on_its_branches_only():
    rule = BranchRule("release/*", StoppingPoint.MERGE)
    api = RepositorySettings(
        REPO,
        branch_patterns=(BranchRule("main"), rule),
        stopping_point_override=StoppingPoint.SUGGESTION,
    )
    project = ProjectSettings("acme", "api", repositories=(api,))
    org = OrganizationSettings("acme")
    on_release = resolve_branch(org, project, REPO, "release/2.0").stopping_point
    assert on_release == Trace(
        Setting.STOPPING_POINT, StoppingPoint.MERGE, Level.BRANCH, Reason.OVERRIDDEN
    )
    for branch in ("main", "feature/x"):  # a rule without a point, and no rule at all
        assert resolve_branch(org, project, REPO, branch) == resolve_repository(org, project, api)
    unlisted = RepositoryRef.parse("github:acme/other")
    assert resolve_branch(org, project, unlisted, "release/2.0") == resolve_project(org, project)
    # A rule passed itself applies, even for a repository no project lists.
    assert resolve_branch(org, None, REPO, rule).stopping_point.level is Level.BRANCH


def test_settings_that_expire_name_the_expiry_when_now_is_missing():
    end = s.EPOCH
    org = OrganizationSettings(
        "acme", locked=frozenset({Setting.SCAN_ENABLED}), scan_enabled_lock_expires_at=end
    )
    with pytest.raises(TypeError) as raised:
        resolve_project(org, None)
    assert str(raised.value) == (
        "these settings carry an expiry (2026-12-01T09:00:00+00:00): "
        "pass now= (an aware datetime) to say which moment to resolve for"
    )


# Every combination of live and expired values, on a small grid: the laws above draw few
# expired locks in their first examples, so each case is also checked here, exhaustively.
LATER, AT_NOW = s.EPOCH + dt.timedelta(hours=1), s.EPOCH
STATES = {"absent": None, "for good": None, "live": LATER, "expired": AT_NOW}


def _org(lock, ceiling):
    locked = frozenset() if lock == "absent" else frozenset(Setting)
    ends = {} if lock == "absent" else {s_.lock_expires_field: STATES[lock] for s_ in Setting}
    return OrganizationSettings(
        "acme",
        fix_enabled=True,
        stopping_point=StoppingPoint.MERGE,
        max_stopping_point=ceiling,
        locked=locked,
        **ends,
    )


def _project(state, repository):
    if state == "absent":
        return ProjectSettings("acme", "web", repositories=(repository,))
    end = STATES[state] and STATES[state] + dt.timedelta(minutes=1)  # not the repository's
    return ProjectSettings(
        "acme",
        "web",
        scan_enabled_override=False,
        fix_enabled_override=False,
        stopping_point_override=StoppingPoint.PULL_REQUEST,
        scan_enabled_override_expires_at=end,
        fix_enabled_override_expires_at=end,
        stopping_point_override_expires_at=end,
        repositories=(repository,),
    )


def _repository(state, rule):
    rules = (BranchRule("*") if rule is None else rule,)
    if state == "absent":
        return RepositorySettings(REPO, branch_patterns=rules)
    return RepositorySettings(
        REPO,
        branch_patterns=rules,
        stopping_point_override=StoppingPoint.MERGE,
        stopping_point_override_expires_at=STATES[state],
    )


@pytest.mark.parametrize("lock", list(STATES))
@pytest.mark.parametrize("ceiling", [None, StoppingPoint.SUGGESTION])
def test_every_field_of_every_trace_on_a_grid_of_live_and_expired_values(lock, ceiling):
    org = _org(lock, ceiling)
    for project_state, repository_state, rule in itertools.product(
        STATES, STATES, [None, BranchRule("*"), BranchRule("*", StoppingPoint.SUGGESTION)]
    ):
        repository = _repository(repository_state, rule)
        project = _project(project_state, repository)
        rule_ = repository.branch_patterns[0]
        for repository_, rule__, resolution in (
            (None, None, resolve_project(org, project, now=s.EPOCH)),
            (repository, None, resolve_repository(org, project, REPO, now=s.EPOCH)),
            (repository, rule_, resolve_branch(org, project, REPO, "main", now=s.EPOCH)),
        ):
            for setting in Setting:
                expected = expected_trace_at(org, project, repository_, rule__, setting, s.EPOCH)
                assert resolution.trace(setting) == expected, (project_state, repository_state)


def test_an_override_that_expires_needs_now_and_says_so():
    project = ProjectSettings(
        "acme", "web", fix_enabled_override=True, fix_enabled_override_expires_at=s.EPOCH
    )
    message = (
        "these settings carry an expiry (2026-12-01T09:00:00+00:00): "
        "pass now= (an aware datetime) to say which moment to resolve for"
    )
    with pytest.raises(TypeError) as raised:
        resolve_project(None, project)
    assert str(raised.value) == message
