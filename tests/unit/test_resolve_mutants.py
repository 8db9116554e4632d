"""Resolution: every field of every trace, held to a reference written from the rules.

The reference below says, in the plainest words, what each trace holds (the setting, the
value, the level, the reason, and the values the policy shadowed, innermost first); the laws
hold the resolver to it for any organization, project and repository. Mutation testing found
traces whose ``setting``, shadowed reasons or inherited shadowed entries nothing asserted.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    Level,
    OrganizationSettings,
    ProjectSettings,
    Reason,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
    resolve_organization,
    resolve_project,
    resolve_repository,
)
from ai_settings_core.domain.resolve import Shadowed, Trace
from ai_settings_core.domain.settings import SYSTEM_DEFAULTS
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
