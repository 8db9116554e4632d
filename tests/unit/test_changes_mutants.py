"""Changes: the parts of diffs and of the impact preview mutation testing found unchecked.

A repository list reordered, any one field of a repository changed, the organization's own part
of a preview (with nothing stored before, too), and each repository's part, for any change.
"""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    BranchPattern,
    OrganizationPatch,
    OrganizationSettings,
    ProjectPatch,
    ProjectSettings,
    RepositoryPatch,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
    resolve_repository,
)
from ai_settings_core.changes import (
    KEEP,
    FieldChange,
    diff_organization,
    diff_project,
    diff_settings,
    preview_impact,
    reset_project,
)
from tests import strategies as s

API = RepositoryRef.parse("github:acme/api")
WEB = RepositoryRef.parse("github:acme/web")


def plain_repository(repository):
    """A repository in the payload form diffs use: text, flag, rules, override text.

    A rule is its pattern's text, or ``(text, stopping point's text)`` when it has one.
    """
    point = repository.stopping_point_override
    return (
        str(repository.repository),
        repository.ai_enabled,
        tuple(
            rule.text
            if rule.stopping_point_override is None
            else (rule.text, rule.stopping_point_override.value)
            for rule in repository.branch_patterns
        ),
        None if point is None else point.value,
    )


def test_swapping_two_repositories_is_a_change_of_the_list():
    before = ProjectSettings(
        "acme", "web", repositories=(RepositorySettings(API), RepositorySettings(WEB))
    )
    after = attrs.evolve(before, repositories=before.repositories[::-1])
    assert diff_project(before, after) == (
        FieldChange(
            "repositories",
            tuple(plain_repository(r) for r in before.repositories),
            tuple(plain_repository(r) for r in after.repositories),
        ),
    )


@given(
    s.repository_settings(API),
    st.sampled_from(["ai_enabled", "branch_patterns", "stopping_point_override"]),
    st.data(),
)
def test_any_field_of_a_repository_changed_shows_in_the_diff(repository, field, data):
    values = {
        "ai_enabled": st.booleans(),
        "branch_patterns": st.lists(s.branch_patterns, min_size=1, max_size=3).map(tuple),
        "stopping_point_override": s.optional_stopping_points,
    }
    changed = attrs.evolve(repository, **{field: data.draw(values[field])})
    before = ProjectSettings("acme", "web", repositories=(repository,))
    after = attrs.evolve(before, repositories=(changed,))
    found = diff_project(before, after)
    if plain_repository(changed) == plain_repository(repository):
        assert found == ()
    else:
        assert found == (
            FieldChange(
                "repositories", (plain_repository(repository),), (plain_repository(changed),)
            ),
        )


def test_environments_diff_as_sorted_lists():
    before = ProjectSettings("acme", "web", environments=frozenset({"staging"}))
    after = attrs.evolve(before, environments=frozenset({"staging", "canary"}))
    assert diff_project(before, after) == (
        FieldChange("environments", ("staging",), ("canary", "staging")),
    )


def test_every_organization_field_is_diffed_in_payload_form():
    before = OrganizationSettings("acme")
    after = OrganizationSettings(
        "acme",
        scan_enabled=False,
        fix_enabled=True,
        stopping_point=StoppingPoint.SUGGESTION,
        locked=frozenset({Setting.STOPPING_POINT, Setting.FIX_ENABLED}),
        max_stopping_point=StoppingPoint.MERGE,
        version=7,
    )
    assert diff_organization(before, after) == (
        FieldChange("scan_enabled", True, False),
        FieldChange("fix_enabled", False, True),
        FieldChange("stopping_point", "pull_request", "suggestion"),
        FieldChange("locked", (), ("fix_enabled", "stopping_point")),
        FieldChange("max_stopping_point", None, "merge"),
    )


def test_a_preview_from_nothing_stored_shows_the_change_from_the_defaults():
    after = OrganizationSettings("acme", fix_enabled=True, max_stopping_point=StoppingPoint.MERGE)
    impact = preview_impact(None, after, [ProjectSettings("acme", "web")])
    assert impact.organization == (
        FieldChange("fix_enabled", False, True),
        FieldChange("max_stopping_point", None, "merge"),
    )
    assert [(p.project_id, p.changes) for p in impact.projects] == [
        ("web", (FieldChange("fix_enabled", False, True),))
    ]


@given(
    st.none() | s.organization_settings("acme", respect_ceiling=False),
    s.organization_settings("acme", respect_ceiling=False),
    st.lists(s.project_settings(), max_size=4, unique_by=lambda p: p.project_id),
)
def test_preview_lists_each_repository_whose_stopping_point_changes(before, after, projects):
    impact = preview_impact(before, after, projects)
    by_id = {p.project_id: p for p in impact.projects}
    baseline = before if before is not None else OrganizationSettings("acme")
    assert impact.organization == diff_organization(baseline, after)
    assert impact.projects_considered == len(projects)
    assert [p.project_id for p in impact.projects] == [
        p.project_id for p in projects if p.project_id in by_id
    ]
    for project in projects:
        expected = []
        for repository in project.repositories:
            old = resolve_repository(before, project, repository).stopping_point.value
            new = resolve_repository(after, project, repository).stopping_point.value
            if old != new:
                expected.append(
                    (repository.repository, (FieldChange("stopping_point", old.value, new.value),))
                )
        listed = by_id.get(project.project_id)
        found = [] if listed is None else [(r.repository, r.changes) for r in listed.repositories]
        assert found == expected
        if listed is not None:
            assert listed.changes or listed.repositories


def test_a_project_whose_only_change_is_a_repositorys_is_listed():
    project = ProjectSettings(
        "acme",
        "web",
        stopping_point_override=StoppingPoint.SUGGESTION,
        repositories=(
            RepositorySettings(API, stopping_point_override=StoppingPoint.MERGE),
            RepositorySettings(WEB),
        ),
    )
    before = OrganizationSettings("acme")
    after = attrs.evolve(before, max_stopping_point=StoppingPoint.PULL_REQUEST)
    impact = preview_impact(before, after, [project, ProjectSettings("acme", "other")])
    assert impact.projects_considered == 2
    assert [(p.project_id, p.changes) for p in impact.projects] == [("web", ())]
    assert [(r.repository, r.changes) for r in impact.projects[0].repositories] == [
        (API, (FieldChange("stopping_point", "merge", "pull_request"),))
    ]


def test_diff_settings_names_each_changed_value():
    before = resolve_repository(None, None, RepositorySettings(API)).effective
    after = attrs.evolve(before, scan_enabled=False, stopping_point=StoppingPoint.MERGE)
    assert diff_settings(before, after) == (
        FieldChange("scan_enabled", True, False),
        FieldChange("stopping_point", "pull_request", "merge"),
    )


def test_patches_say_whether_they_change_anything():
    assert OrganizationPatch().is_empty
    assert not OrganizationPatch(unlock=frozenset()).is_empty
    assert ProjectPatch().is_empty
    assert not ProjectPatch(scan_enabled_override=None).is_empty
    assert RepositoryPatch().is_empty
    assert not RepositoryPatch(stopping_point_override=None).is_empty
    assert repr(KEEP) == "KEEP"


def test_a_repository_patch_changes_only_what_it_names():
    repository = RepositorySettings(API, stopping_point_override=StoppingPoint.MERGE)
    patch = RepositoryPatch(ai_enabled=False, branch_patterns=(BranchPattern("main"),))
    assert patch.apply(repository) == RepositorySettings(
        API, False, (BranchPattern("main"),), StoppingPoint.MERGE
    )
    assert RepositoryPatch().apply(repository) is repository
    assert RepositoryPatch(stopping_point_override=None).apply(repository) == RepositorySettings(
        API
    )


def test_lock_alone_adds_to_and_unlock_alone_removes_from_what_is_stored():
    org = OrganizationSettings("acme", locked=frozenset({Setting.FIX_ENABLED}))
    assert OrganizationPatch(lock=frozenset({Setting.SCAN_ENABLED})).apply(org).locked == {
        Setting.FIX_ENABLED,
        Setting.SCAN_ENABLED,
    }
    assert OrganizationPatch(unlock=frozenset({Setting.FIX_ENABLED})).apply(org).locked == set()
    assert OrganizationPatch(lock=frozenset()).apply(org) == org


@given(s.project_settings())
def test_reset_keeps_the_configuration_and_clears_every_override(project):
    reset = reset_project(project)
    assert reset.project_id == project.project_id
    assert [r.repository for r in reset.repositories] == [
        r.repository for r in project.repositories
    ]
    assert [(r.ai_enabled, [b.pattern for b in r.branch_patterns]) for r in reset.repositories] == [
        (r.ai_enabled, [b.pattern for b in r.branch_patterns]) for r in project.repositories
    ]
    assert all(r.stopping_point_override is None for r in reset.repositories)
    assert all(
        b.stopping_point_override is None for r in reset.repositories for b in r.branch_patterns
    )
    assert (
        reset.scan_enabled_override,
        reset.fix_enabled_override,
        reset.stopping_point_override,
    ) == (None, None, None)
