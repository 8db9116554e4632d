"""Changes: the parts of diffs and of the impact preview mutation testing found unchecked.

A repository list reordered, any one field of a repository changed, the organization's own part
of a preview (with nothing stored before, too), and each repository's part, for any change.
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
    restore_fields,
    stale_fields,
)
from ai_settings_core.errors import InvalidValueError
from ai_settings_core.invariants import FixRequiresScan, MergeOnlyOnBranches, StoppingPointAtMost
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


# --- audit changes read back (revert), expiries, invariants -------------------------------


@st.composite
def expiring_organizations_with_invariants(draw):
    org = draw(s.expiring_organization_settings("acme"))
    return attrs.evolve(org, invariants=draw(s.invariant_lists))


def _read_back_into_either_side(before, after, diff) -> None:
    after = attrs.evolve(after, version=before.version)
    changes = diff(before, after)
    assert restore_fields(after, changes, side="before") == before
    assert restore_fields(before, changes, side="after") == after
    assert stale_fields(after, changes) == ()
    assert stale_fields(before, changes) == tuple(change.field for change in changes)


@given(expiring_organizations_with_invariants(), expiring_organizations_with_invariants())
def test_an_organizations_recorded_changes_read_back_into_either_side(before, after):
    _read_back_into_either_side(before, after, diff_organization)


@given(s.expiring_project_settings(project_id="web"), s.expiring_project_settings(project_id="web"))
def test_a_projects_recorded_changes_read_back_into_either_side(before, after):
    _read_back_into_either_side(before, after, diff_project)


def test_an_expiry_and_a_branch_rules_point_are_recorded_in_payload_form():
    end = s.EPOCH.replace(microsecond=5)
    repository = RepositorySettings(
        API,
        branch_patterns=(BranchRule("main"), BranchRule("release/*", StoppingPoint.MERGE)),
        stopping_point_override=StoppingPoint.SUGGESTION,
        stopping_point_override_expires_at=s.EPOCH,
    )
    before = ProjectSettings("acme", "web")
    after = ProjectSettings(
        "acme",
        "web",
        fix_enabled_override=True,
        fix_enabled_override_expires_at=end,
        repositories=(repository,),
    )
    assert diff_project(before, after) == (
        FieldChange("fix_enabled_override", None, True),
        FieldChange(
            "repositories",
            (),
            (
                (
                    "github:acme/api",
                    True,
                    ("main", ("release/*", "merge")),
                    "suggestion",
                    "2026-12-01T09:00:00Z",
                ),
            ),
        ),
        FieldChange("fix_enabled_override_expires_at", None, "2026-12-01T09:00:00.000005Z"),
    )


def test_an_invariant_is_recorded_as_its_compact_payload():
    before = OrganizationSettings("acme")
    after = OrganizationSettings(
        "acme",
        invariants=(
            StoppingPointAtMost("pr-at-most", StoppingPoint.PULL_REQUEST, (API,)),
            MergeOnlyOnBranches("merge-on-main", (BranchPattern("main"),)),
            FixRequiresScan("fix-needs-scan"),
        ),
    )
    assert diff_organization(before, after) == (
        FieldChange(
            "invariants",
            (),
            (
                (
                    '{"name":"pr-at-most","kind":"stopping_point_at_most","at_most":"pull_request",'
                    '"except_repositories":["github:acme/api"]}'
                ),
                '{"name":"merge-on-main","kind":"merge_only_on_branches","branches":["main"]}',
                '{"name":"fix-needs-scan","kind":"fix_requires_scan"}',
            ),
        ),
    )


ORG = OrganizationSettings("acme")
WEB_PROJECT = ProjectSettings("acme", "web")


@pytest.mark.parametrize(
    ("record", "field", "recorded", "message"),
    [
        (ORG, "colour", "red", "'colour' is not a stored field of OrganizationSettings."),
        (WEB_PROJECT, "locked", (), "'locked' is not a stored field of ProjectSettings."),
        (ORG, "scan_enabled", None, "'scan_enabled': A required value was recorded as null."),
        (ORG, "stopping_point", None, "'stopping_point': A required value was recorded as null."),
        (ORG, "scan_enabled", "yes", "'scan_enabled': Not a recorded boolean: 'yes'."),
        (
            WEB_PROJECT,
            "fix_enabled_override",
            1,
            "'fix_enabled_override': Not a recorded boolean: 1.",
        ),
        (ORG, "locked", "scan_enabled", "'locked': Not a recorded list: 'scan_enabled'."),
        (ORG, "locked", ("colour",), None),
        (ORG, "max_stopping_point", "fast", None),
        (
            ORG,
            "stopping_point_lock_expires_at",
            5,
            "'stopping_point_lock_expires_at': Not a recorded time: 5.",
        ),
        (ORG, "stopping_point_lock_expires_at", "monday", None),
        (ORG, "invariants", ("not json",), None),
        (ORG, "invariants", (5,), "'invariants': Not a recorded invariant: 5."),
        (ORG, "invariants", ("[]",), "'invariants': Not a recorded invariant: '[]'."),
        (ORG, "invariants", ('{"name":"x","kind":"colour"}',), None),
        (ORG, "invariants", ('{"name":"x","kind":"stopping_point_at_most"}',), None),
        (
            WEB_PROJECT,
            "repositories",
            "github:acme/api",
            "'repositories': Not a recorded list: 'github:acme/api'.",
        ),
        (
            WEB_PROJECT,
            "repositories",
            (("github:acme/api", True, ("main",)),),
            "'repositories': Not a recorded repository: ('github:acme/api', True, ('main',)).",
        ),
        (
            WEB_PROJECT,
            "repositories",
            (("github:acme/api", "yes", ("main",), None),),
            "'repositories': Not a recorded repository: ('github:acme/api', 'yes', ('main',), None).",
        ),
        (
            WEB_PROJECT,
            "repositories",
            (("github:acme/api", True, "main", None),),
            "'repositories': Not a recorded repository: ('github:acme/api', True, 'main', None).",
        ),
        (
            WEB_PROJECT,
            "repositories",
            (("github:acme/api", True, (("main", None),), None),),
            "'repositories': A required value was recorded as null.",
        ),
        (
            WEB_PROJECT,
            "repositories",
            (("github:acme/api", True, ("main",), None, "monday"),),
            None,
        ),
        (
            WEB_PROJECT,
            "environments",
            "production",
            "'environments': Not a recorded list: 'production'.",
        ),
    ],
)
def test_a_recorded_change_that_is_not_one_the_diffs_write_is_refused(
    record, field, recorded, message
):
    """Our own sentences are checked word for word; Python's parsers word theirs."""
    with pytest.raises(InvalidValueError) as raised:
        restore_fields(record, [FieldChange(field, recorded, None)], side="before")
    assert raised.value.code == "invalid_audit_changes"
    if message is not None:
        assert raised.value.message == message


def test_an_invariant_is_recorded_with_its_text_as_written():
    before = OrganizationSettings("acme")
    after = OrganizationSettings("acme", invariants=(FixRequiresScan("réparer"),))
    recorded = '{"name":"réparer","kind":"fix_requires_scan"}'
    assert diff_organization(before, after) == (FieldChange("invariants", (), (recorded,)),)


def test_a_field_the_record_does_not_hold_is_stale():
    changes = [FieldChange("locked", (), ("scan_enabled",))]
    assert stale_fields(ProjectSettings("acme", "web"), changes) == ("locked",)


def test_a_recorded_moment_is_read_in_utc():
    changes = [FieldChange("scan_enabled_override_expires_at", "2026-12-01T10:00:00+01:00", None)]
    project = ProjectSettings("acme", "web", scan_enabled_override=True)
    restored = restore_fields(project, changes, side="before")
    assert restored.scan_enabled_override_expires_at == s.EPOCH
    assert restored.scan_enabled_override_expires_at.utcoffset() == dt.timedelta(0)


def test_no_recorded_change_leaves_the_record_as_it_is():
    project = ProjectSettings("acme", "web")
    assert restore_fields(project, [], side="after") is project


@given(s.expiring_project_settings(), st.data())
def test_a_patch_writing_an_override_without_its_expiry_writes_it_for_good(project, data):
    setting = data.draw(s.settings_names)
    value = data.draw(st.booleans() if setting is not Setting.STOPPING_POINT else s.stopping_points)
    patched = ProjectPatch(**{setting.override_field: value}).apply(project)
    assert patched.override(setting) == value
    assert patched.override_expires_at(setting) is None
    for other in Setting:
        if other is not setting:
            assert patched.override_expires_at(other) == project.override_expires_at(other)
    ends = ProjectPatch(**{setting.override_field: value, setting.expires_field: s.EPOCH})
    assert ends.apply(project).override_expires_at(setting) == s.EPOCH


def test_a_repository_patch_writing_its_override_without_an_expiry_writes_it_for_good():
    repository = RepositorySettings(
        API, stopping_point_override=StoppingPoint.MERGE, stopping_point_override_expires_at=s.EPOCH
    )
    assert (
        RepositoryPatch(ai_enabled=False).apply(repository).stopping_point_override_expires_at
        == s.EPOCH
    )
    patched = RepositoryPatch(stopping_point_override=StoppingPoint.SUGGESTION).apply(repository)
    assert patched.stopping_point_override_expires_at is None


def test_a_lock_kept_keeps_its_expiry_and_a_new_or_removed_one_has_none():
    org = OrganizationSettings(
        "acme",
        locked=frozenset({Setting.SCAN_ENABLED, Setting.FIX_ENABLED}),
        scan_enabled_lock_expires_at=s.EPOCH,
        fix_enabled_lock_expires_at=s.EPOCH,
    )
    patched = OrganizationPatch(
        locked=frozenset({Setting.SCAN_ENABLED, Setting.STOPPING_POINT})
    ).apply(org)
    assert [patched.lock_expires_at(setting) for setting in Setting] == [s.EPOCH, None, None]
    named = OrganizationPatch(
        lock=frozenset({Setting.STOPPING_POINT}), stopping_point_lock_expires_at=s.EPOCH
    ).apply(org)
    assert [named.lock_expires_at(setting) for setting in Setting] == [s.EPOCH] * 3


@given(s.expiring_project_settings())
def test_reset_clears_every_expiry_too(project):
    reset = reset_project(project)
    assert all(reset.override_expires_at(setting) is None for setting in Setting)
    assert all(r.stopping_point_override_expires_at is None for r in reset.repositories)


def test_a_preview_compares_effective_values_at_now():
    """Under a lock that expires, a repository's own override counts only once it expired."""
    before = OrganizationSettings(
        "acme",
        stopping_point=StoppingPoint.SUGGESTION,
        locked=frozenset({Setting.STOPPING_POINT}),
        stopping_point_lock_expires_at=s.EPOCH,
    )
    after = attrs.evolve(before, stopping_point=StoppingPoint.PULL_REQUEST)
    repository = RepositorySettings(API, stopping_point_override=StoppingPoint.MERGE)
    project = ProjectSettings("acme", "web", repositories=(repository,))
    change = (FieldChange("stopping_point", "suggestion", "pull_request"),)
    locked = preview_impact(before, after, [project], now=s.EPOCH - dt.timedelta(hours=1))
    assert [(p.changes, [r.changes for r in p.repositories]) for p in locked.projects] == [
        (change, [change])
    ]
    expired = preview_impact(before, after, [project], now=s.EPOCH)
    assert [(p.changes, [r.changes for r in p.repositories]) for p in expired.projects] == [
        (change, [])
    ]
