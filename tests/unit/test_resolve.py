"""Resolution: the laws of inheritance, locks and the ceiling, against the reference model."""

from __future__ import annotations

import attrs
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
from tests import strategies as s
from tests.reference import org_dict, plain, project_dict, reference_effective, repository_dict

MERGE, PR, SUGGESTION = StoppingPoint.MERGE, StoppingPoint.PULL_REQUEST, StoppingPoint.SUGGESTION


@given(s.optional_organizations, st.none() | s.project_settings())
def test_resolve_project_agrees_with_reference(org, project):
    expected = reference_effective(org_dict(org), project_dict(project))
    assert plain(resolve_project(org, project).effective) == expected


@given(s.optional_organizations, s.project_settings())
def test_resolve_repository_agrees_with_reference(org, project):
    for repository in project.repositories:
        expected = reference_effective(
            org_dict(org), project_dict(project), repository_dict(repository)
        )
        assert plain(resolve_repository(org, project, repository).effective) == expected
        by_ref = resolve_repository(org, project, repository.repository)
        assert by_ref == resolve_repository(org, project, repository)


@given(s.organization_settings("acme"), s.repository_refs())
def test_unlisted_repository_inherits_from_project(org, ref):
    project = ProjectSettings("acme", "web", stopping_point_override=SUGGESTION)
    assert resolve_repository(org, project, ref) == resolve_project(org, project)


@given(s.organization_settings("acme"))
def test_unset_override_inherits(org):
    resolution = resolve_project(org, ProjectSettings("acme", "web"))
    for setting in Setting:
        trace = resolution.trace(setting)
        expected = org.get(setting)
        if setting is Setting.STOPPING_POINT and org.max_stopping_point is not None:
            expected = min(org.stopping_point, org.max_stopping_point)
        assert trace.value == expected
        assert trace.level is Level.ORGANIZATION
        assert trace.reason in {Reason.INHERITED, Reason.LOCKED, Reason.CAPPED}


@given(s.organization_settings("acme"), s.organization_settings("acme"), s.project_settings())
def test_pin_survives_an_organization_change(before, after, project):
    """An explicit override keeps its value whatever the organization's defaults become."""
    after = attrs.evolve(after, locked=before.locked, max_stopping_point=before.max_stopping_point)
    old = resolve_project(before, project)
    new = resolve_project(after, project)
    for setting in Setting:
        if project.override(setting) is not None and setting not in before.locked:
            assert old.trace(setting).value == new.trace(setting).value
            assert new.trace(setting).reason in {Reason.OVERRIDDEN, Reason.CAPPED}


def test_pin_equal_to_inherited_value_stays_put_example():
    org = OrganizationSettings("acme", scan_enabled=True)
    pinned = ProjectSettings("acme", "pinned", scan_enabled_override=True)
    inheriting = ProjectSettings("acme", "inheriting")
    assert resolve_project(org, pinned).scan_enabled.value is True
    changed = attrs.evolve(org, scan_enabled=False)
    assert resolve_project(changed, pinned).scan_enabled.value is True
    assert resolve_project(changed, pinned).scan_enabled.reason is Reason.OVERRIDDEN
    assert resolve_project(changed, inheriting).scan_enabled.value is False
    assert resolve_project(changed, inheriting).scan_enabled.reason is Reason.INHERITED


@given(s.organization_settings("acme"), s.project_settings())
def test_lock_makes_the_effective_value_the_organizations(org, project):
    for setting in org.locked:
        for resolution in (
            resolve_project(org, project),
            *(resolve_repository(org, project, r) for r in project.repositories),
        ):
            trace = resolution.trace(setting)
            expected = org.get(setting)
            if setting is Setting.STOPPING_POINT and org.max_stopping_point is not None:
                expected = min(org.stopping_point, org.max_stopping_point)
            assert trace.value == expected
            assert trace.reason in {Reason.LOCKED, Reason.CAPPED}
            if project.override(setting) is not None:
                assert any(
                    sh.level is Level.PROJECT and sh.reason is Reason.LOCKED
                    for sh in trace.shadowed
                )


@given(s.organization_settings("acme", respect_ceiling=False), s.project_settings())
def test_nothing_exceeds_the_ceiling(org, project):
    ceiling = org.max_stopping_point
    resolutions = [resolve_organization(org), resolve_project(org, project)]
    resolutions += [resolve_repository(org, project, r) for r in project.repositories]
    for resolution in resolutions:
        if ceiling is not None:
            assert resolution.stopping_point.value <= ceiling
        if resolution.stopping_point.reason is Reason.CAPPED:
            assert resolution.stopping_point.value == ceiling
            assert resolution.stopping_point.shadowed[0].value > ceiling


@given(s.organization_settings("acme", respect_ceiling=False), s.project_settings())
def test_lifting_locks_and_ceiling_restores_shadowed_overrides(org, project):
    free = attrs.evolve(org, locked=frozenset(), max_stopping_point=None)
    for repository in (None, *project.repositories):
        if repository is None:
            policed, lifted = resolve_project(org, project), resolve_project(free, project)
        else:
            policed = resolve_repository(org, project, repository)
            lifted = resolve_repository(free, project, repository)
        for setting in Setting:
            shadowed = policed.trace(setting).shadowed
            if shadowed:
                # The innermost shadowed value is what comes back into force.
                innermost = max(shadowed, key=lambda sh: list(Level).index(sh.level))
                assert lifted.trace(setting).value == innermost.value
                assert lifted.trace(setting).level is innermost.level


@given(st.none() | s.project_settings())
def test_no_stored_organization_gives_system_defaults(project):
    resolution = resolve_project(None, project)
    for setting in Setting:
        trace = resolution.trace(setting)
        if project is None or project.override(setting) is None:
            assert trace.reason is Reason.DEFAULT
            assert trace.level is Level.DEFAULT
    if project is None:
        assert plain(resolution.effective) == {
            "scan_enabled": True,
            "fix_enabled": False,
            "stopping_point": "pull_request",
        }


# Examples a reader should see spelled out.

REPO = RepositoryRef.parse("github:acme/api")


@pytest.mark.parametrize(
    ("org", "project", "setting", "value", "level", "reason"),
    [
        (None, None, Setting.SCAN_ENABLED, True, Level.DEFAULT, Reason.DEFAULT),
        (
            OrganizationSettings("acme", fix_enabled=True),
            None,
            Setting.FIX_ENABLED,
            True,
            Level.ORGANIZATION,
            Reason.INHERITED,
        ),
        (
            OrganizationSettings("acme"),
            ProjectSettings("acme", "web", stopping_point_override=MERGE),
            Setting.STOPPING_POINT,
            MERGE,
            Level.PROJECT,
            Reason.OVERRIDDEN,
        ),
        (
            OrganizationSettings("acme", locked=frozenset({Setting.FIX_ENABLED})),
            ProjectSettings("acme", "web", fix_enabled_override=True),
            Setting.FIX_ENABLED,
            False,
            Level.ORGANIZATION,
            Reason.LOCKED,
        ),
        (
            OrganizationSettings("acme", stopping_point=SUGGESTION, max_stopping_point=PR),
            ProjectSettings("acme", "web", stopping_point_override=MERGE),
            Setting.STOPPING_POINT,
            PR,
            Level.ORGANIZATION,
            Reason.CAPPED,
        ),
    ],
)
def test_trace_examples(org, project, setting, value, level, reason):
    trace = resolve_project(org, project).trace(setting)
    assert (trace.value, trace.level, trace.reason) == (value, level, reason)


def test_locked_and_capped_override_shows_both_shadows():
    org = OrganizationSettings(
        "acme", stopping_point=MERGE, locked=frozenset({Setting.STOPPING_POINT})
    )
    project = ProjectSettings(
        "acme",
        "web",
        stopping_point_override=SUGGESTION,
        repositories=(RepositorySettings(REPO, stopping_point_override=PR),),
    )
    trace = resolve_repository(org, project, REPO).stopping_point
    assert trace.value is MERGE
    assert trace.reason is Reason.LOCKED
    assert [(sh.level, sh.value) for sh in trace.shadowed] == [
        (Level.REPOSITORY, PR),
        (Level.PROJECT, SUGGESTION),
    ]


def test_repository_override_wins_over_project():
    org = OrganizationSettings("acme")
    project = ProjectSettings(
        "acme",
        "web",
        stopping_point_override=SUGGESTION,
        repositories=(RepositorySettings(REPO, stopping_point_override=MERGE),),
    )
    trace = resolve_repository(org, project, REPO).stopping_point
    assert (trace.value, trace.level, trace.reason) == (MERGE, Level.REPOSITORY, Reason.OVERRIDDEN)


def test_organization_resolution_sources():
    stored = resolve_organization(OrganizationSettings("acme", scan_enabled=False))
    assert stored.scan_enabled.level is Level.ORGANIZATION
    assert stored.scan_enabled.reason is Reason.OVERRIDDEN
    assert resolve_organization(None).stopping_point.reason is Reason.DEFAULT
