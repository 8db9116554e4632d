"""Changes: patches, reset, diffs and the impact preview."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    OrganizationPatch,
    OrganizationSettings,
    ProjectPatch,
    ProjectSettings,
    RepositoryPatch,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
    resolve_project,
)
from ai_settings_core.changes import (
    KEEP,
    FieldChange,
    diff_effective,
    diff_organization,
    diff_project,
    preview_impact,
    reset_project,
)
from tests import strategies as s


def keep_or(strategy):
    return st.just(KEEP) | strategy


organization_patches = st.builds(
    OrganizationPatch,
    scan_enabled=keep_or(st.booleans()),
    fix_enabled=keep_or(st.booleans()),
    stopping_point=keep_or(s.stopping_points),
    locked=keep_or(st.frozensets(s.settings_names)),
    max_stopping_point=keep_or(s.optional_stopping_points),
)
project_patches = st.builds(
    ProjectPatch,
    scan_enabled_override=keep_or(s.optional_bools),
    fix_enabled_override=keep_or(s.optional_bools),
    stopping_point_override=keep_or(s.optional_stopping_points),
    environments=keep_or(st.frozensets(s.environments)),
)


@given(s.organization_settings())
def test_organization_patch_of_nothing_changes_nothing(org):
    assert OrganizationPatch().is_empty
    assert OrganizationPatch().apply(org) == org


@given(s.project_settings())
def test_project_patch_of_nothing_changes_nothing(project):
    assert ProjectPatch().apply(project) == project
    assert RepositoryPatch().apply(RepositorySettings(RepositoryRef.parse("github:a/b"))) == (
        RepositorySettings(RepositoryRef.parse("github:a/b"))
    )


@given(s.organization_settings(), organization_patches)
def test_organization_patch_is_idempotent(org, patch):
    once = patch.apply(org)
    assert patch.apply(once) == once


@given(s.project_settings(), project_patches)
def test_project_patch_is_idempotent(project, patch):
    once = patch.apply(project)
    assert patch.apply(once) == once


@given(s.project_settings(), project_patches)
def test_absent_fields_are_unchanged_and_none_inherits(project, patch):
    after = patch.apply(project)
    for setting in Setting:
        value = getattr(patch, setting.override_field)
        if value is KEEP:
            assert after.override(setting) == project.override(setting)
        else:
            assert after.override(setting) == value


@given(s.optional_organizations, s.project_settings())
def test_reset_makes_a_project_inherit_everything(org, project):
    reset = reset_project(project)
    assert not reset.has_overrides
    assert resolve_project(org, reset) == resolve_project(org, None)
    assert all(r.stopping_point_override is None for r in reset.repositories)
    assert [r.repository for r in reset.repositories] == [
        r.repository for r in project.repositories
    ]
    assert reset.environments == project.environments


def test_diffs_name_only_what_changed():
    before = ProjectSettings("acme", "web")
    after = attrs.evolve(before, scan_enabled_override=False)
    assert diff_project(before, after) == (FieldChange("scan_enabled_override", None, False),)
    org = OrganizationSettings("acme")
    assert diff_effective(org, before, org, after) == (FieldChange("scan_enabled", True, False),)
    locked = attrs.evolve(org, locked=frozenset({Setting.FIX_ENABLED, Setting.SCAN_ENABLED}))
    assert diff_organization(org, locked) == (
        FieldChange("locked", (), ("fix_enabled", "scan_enabled")),
    )


@given(
    s.organization_settings("acme"),
    s.organization_settings("acme"),
    st.lists(s.project_settings(), max_size=5, unique_by=lambda p: p.project_id),
)
def test_preview_lists_exactly_the_projects_whose_effective_values_change(before, after, projects):
    impact = preview_impact(before, after, projects)
    changed = {
        p.project_id
        for p in projects
        if resolve_project(before, p).effective != resolve_project(after, p).effective
    }
    listed = {p.project_id for p in impact.projects if p.changes}
    assert listed == changed
    assert impact.projects_considered == len(projects)
    for project_impact in impact.projects:
        for change in project_impact.changes:
            assert change.before != change.after


def test_preview_example_org_change_reaches_inheriting_projects_only():
    before = OrganizationSettings("acme")
    after = attrs.evolve(before, fix_enabled=True, max_stopping_point=StoppingPoint.SUGGESTION)
    inheriting = ProjectSettings("acme", "inheriting")
    pinned = ProjectSettings(
        "acme",
        "pinned",
        fix_enabled_override=False,
        stopping_point_override=StoppingPoint.SUGGESTION,
    )
    impact = preview_impact(before, after, [inheriting, pinned])
    assert [(p.project_id, p.changes) for p in impact.projects] == [
        (
            "inheriting",
            (
                FieldChange("fix_enabled", False, True),
                FieldChange("stopping_point", "pull_request", "suggestion"),
            ),
        )
    ]
    assert impact.organization == (
        FieldChange("fix_enabled", False, True),
        FieldChange("max_stopping_point", None, "suggestion"),
    )


def test_preview_shows_repository_changes():
    repo = RepositoryRef.parse("github:acme/api")
    project = ProjectSettings(
        "acme",
        "web",
        stopping_point_override=StoppingPoint.SUGGESTION,
        repositories=(RepositorySettings(repo, stopping_point_override=StoppingPoint.MERGE),),
    )
    before = OrganizationSettings("acme")
    after = attrs.evolve(before, max_stopping_point=StoppingPoint.PULL_REQUEST)
    impact = preview_impact(before, after, [project])
    assert impact.projects[0].changes == ()
    assert impact.projects[0].repositories[0].repository == repo
    assert impact.projects[0].repositories[0].changes == (
        FieldChange("stopping_point", "merge", "pull_request"),
    )


def test_lock_and_unlock_apply_to_what_is_stored_when_the_patch_runs():
    stale_read = OrganizationSettings("acme")
    current = attrs.evolve(stale_read, locked=frozenset({Setting.FIX_ENABLED}))
    patch = OrganizationPatch(lock=frozenset({Setting.SCAN_ENABLED}))
    # Built from a read that did not see the fix lock, applied to the current state:
    assert patch.apply(current).locked == {Setting.FIX_ENABLED, Setting.SCAN_ENABLED}
    both = OrganizationPatch(
        locked=frozenset({Setting.STOPPING_POINT}),
        lock=frozenset({Setting.SCAN_ENABLED}),
        unlock=frozenset({Setting.STOPPING_POINT, Setting.SCAN_ENABLED}),
    )
    assert both.apply(current).locked == frozenset()  # locked, then lock, then unlock
