"""Resolve-all: every project's resolution, equal to resolving each one alone, and shared."""

from __future__ import annotations

from hypothesis import given

from ai_settings_core import (
    OrganizationSettings,
    ProjectSettings,
    Reason,
    Setting,
    StoppingPoint,
    resolve_all,
    resolve_project,
)
from tests import strategies as s


@given(s.optional_organizations, s.project_lists)
def test_resolve_all_equals_resolve_project_for_every_project(org, projects):
    resolved = resolve_all(org, projects)
    assert list(resolved) == [project.project_id for project in projects]
    for project in projects:
        assert resolved[project.project_id] == resolve_project(org, project)


@given(s.optional_organizations, s.project_lists)
def test_projects_with_the_same_overrides_share_one_resolution(org, projects):
    resolved = resolve_all(org, (project for project in projects))
    by_overrides = {}
    for project in projects:
        key = (
            project.scan_enabled_override,
            project.fix_enabled_override,
            project.stopping_point_override,
        )
        resolution = resolved[project.project_id]
        assert by_overrides.setdefault(key, resolution) is resolution


def test_a_large_organization_has_few_distinct_resolutions():
    org = OrganizationSettings(
        "acme",
        fix_enabled=True,
        locked=frozenset({Setting.SCAN_ENABLED}),
        max_stopping_point=StoppingPoint.PULL_REQUEST,
    )
    overrides = [None, True, False]
    points = [None, *StoppingPoint]
    projects = [
        ProjectSettings(
            "acme",
            f"p{i}",
            scan_enabled_override=overrides[i % 3],
            fix_enabled_override=overrides[i // 3 % 3],
            stopping_point_override=points[i // 9 % 4],
        )
        for i in range(1000)
    ]
    resolved = resolve_all(org, projects)
    assert len(resolved) == 1000
    assert len({id(resolution) for resolution in resolved.values()}) == 36
    merge = resolved["p27"]  # scan and fix inherit, stopping point merge: capped
    assert merge.stopping_point.value is StoppingPoint.PULL_REQUEST
    assert merge.stopping_point.reason is Reason.CAPPED
    assert resolved["p2"].scan_enabled.reason is Reason.LOCKED
    assert resolved["p2"].scan_enabled.shadowed[0].value is False


def test_a_later_project_with_the_same_id_replaces_an_earlier_one():
    projects = [
        ProjectSettings("acme", "api", fix_enabled_override=True),
        ProjectSettings("acme", "web"),
        ProjectSettings("acme", "api", fix_enabled_override=False),
    ]
    resolved = resolve_all(None, projects)
    assert list(resolved) == ["api", "web"]
    assert resolved["api"].fix_enabled.value is False


def test_no_projects():
    assert resolve_all(OrganizationSettings("acme"), []) == {}
