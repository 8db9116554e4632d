"""Rules: one example per rule, readable as documentation, and the laws of lock and ceiling."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given

from ai_settings_core import (
    BranchPattern,
    Finding,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    Setting,
    Severity,
    StoppingPoint,
    ValidationError,
    resolve_project,
)
from ai_settings_core.rules import (
    Limits,
    ProjectContext,
    project_warnings,
    raise_for_errors,
    validate_identifier,
    validate_organization,
    validate_project,
)
from tests import strategies as s

REPO = RepositoryRef.parse("github:acme/api")
MERGE, PR, SUGGESTION = StoppingPoint.MERGE, StoppingPoint.PULL_REQUEST, StoppingPoint.SUGGESTION


def codes(findings):
    return [(f.code, f.field, f.severity.value) for f in findings]


def test_organization_default_must_respect_its_ceiling():
    org = OrganizationSettings("acme", stopping_point=MERGE, max_stopping_point=PR)
    assert codes(validate_organization(org)) == [("above_ceiling", "stopping_point", "error")]


def test_organization_fix_without_scan_is_a_warning():
    org = OrganizationSettings("acme", scan_enabled=False, fix_enabled=True)
    assert codes(validate_organization(org)) == [("fix_without_scan", "fix_enabled", "warning")]


def test_writing_a_locked_override_is_an_error():
    org = OrganizationSettings("acme", locked=frozenset({Setting.FIX_ENABLED}))
    project = ProjectSettings("acme", "web", fix_enabled_override=False)
    findings = validate_project(org, project)
    assert codes(findings) == [("locked", "fix_enabled_override", "error")]
    assert findings[0].message == "Fixing is locked by the organization to off."


def test_override_stored_before_the_lock_does_not_block_other_writes():
    org = OrganizationSettings("acme", locked=frozenset({Setting.FIX_ENABLED}))
    stored = ProjectSettings("acme", "web", fix_enabled_override=True)
    changed = attrs.evolve(stored, scan_enabled_override=False)
    assert [f for f in validate_project(org, changed, previous=stored) if f.is_error] == []
    # Clearing an inert override is always allowed.
    cleared = attrs.evolve(stored, fix_enabled_override=None)
    assert validate_project(org, cleared, previous=stored) == ()


def test_locked_stopping_point_blocks_repository_overrides():
    org = OrganizationSettings("acme", locked=frozenset({Setting.STOPPING_POINT}))
    project = ProjectSettings(
        "acme", "web", repositories=(RepositorySettings(REPO, stopping_point_override=MERGE),)
    )
    assert codes(validate_project(org, project)) == [
        ("locked", "repositories[0].stopping_point_override", "error")
    ]


def test_writes_above_the_ceiling_are_errors():
    org = OrganizationSettings("acme", stopping_point=SUGGESTION, max_stopping_point=PR)
    project = ProjectSettings(
        "acme",
        "web",
        stopping_point_override=MERGE,
        repositories=(RepositorySettings(REPO, stopping_point_override=MERGE),),
    )
    assert codes(validate_project(org, project)) == [
        ("above_ceiling", "stopping_point_override", "error"),
        ("above_ceiling", "repositories[0].stopping_point_override", "error"),
    ]


def test_value_stored_before_the_ceiling_was_lowered_is_kept():
    org = OrganizationSettings("acme", stopping_point=SUGGESTION, max_stopping_point=PR)
    stored = ProjectSettings("acme", "web", stopping_point_override=MERGE)
    changed = attrs.evolve(stored, scan_enabled_override=True)
    assert [f for f in validate_project(org, changed, previous=stored) if f.is_error] == []


def test_duplicate_repositories_compare_case_insensitively():
    project = ProjectSettings(
        "acme",
        "web",
        repositories=(
            RepositorySettings(REPO),
            RepositorySettings(RepositoryRef.parse("github:ACME/api")),
        ),
    )
    assert codes(validate_project(None, project)) == [
        ("duplicate_repository", "repositories[1].repository", "error")
    ]


def test_repository_needs_a_branch_pattern():
    project = ProjectSettings(
        "acme", "web", repositories=(RepositorySettings(REPO, branch_patterns=()),)
    )
    assert codes(validate_project(None, project)) == [
        ("empty", "repositories[0].branch_patterns", "error")
    ]


def test_limits_are_enforced_and_overridable():
    limits = Limits(
        max_repositories_per_project=1, max_patterns_per_repository=1, max_environments=1
    )
    project = ProjectSettings(
        "acme",
        "web",
        repositories=(
            RepositorySettings(REPO, branch_patterns=(BranchPattern("a"), BranchPattern("b"))),
            RepositorySettings(RepositoryRef.parse("github:acme/web")),
        ),
        environments=frozenset({"production", "staging"}),
    )
    assert codes(validate_project(None, project, limits=limits)) == [
        ("max_length", "repositories", "error"),
        ("max_length", "repositories[0].branch_patterns", "error"),
        ("max_length", "environments", "error"),
    ]
    assert [f for f in validate_project(None, project) if f.is_error] == []


@pytest.mark.parametrize(
    ("project_id", "code"),
    [
        ("", "blank"),
        ("a b", "invalid_identifier"),
        ("x\x07", "invalid_identifier"),
        ("p" * 201, "max_length"),
    ],
)
def test_identifiers(project_id, code):
    assert codes(validate_project(None, ProjectSettings("acme", project_id))) == [
        (code, "project_id", "error")
    ]


def test_environment_names_are_identifiers():
    project = ProjectSettings("acme", "web", environments=frozenset({"prod uction"}))
    assert codes(validate_project(None, project)) == [
        ("invalid_identifier", "environments", "error")
    ]


def test_warnings_for_the_ui():
    org = OrganizationSettings("acme", fix_enabled=True)
    project = ProjectSettings("acme", "web", scan_enabled_override=False)
    assert codes(validate_project(org, project)) == [
        ("fix_without_scan", "fix_enabled_override", "warning"),
        ("no_repository_for_stopping_point", "repositories", "warning"),
    ]
    with_repo = attrs.evolve(
        project, scan_enabled_override=None, repositories=(RepositorySettings(REPO),)
    )
    assert validate_project(org, with_repo) == ()


def test_a_host_adds_its_own_rule():
    def no_merge(context: ProjectContext):
        if context.project.stopping_point_override is MERGE:
            yield Finding("no_merge", Severity.ERROR, ("stopping_point_override",), "Not here.")

    project = ProjectSettings("acme", "web", stopping_point_override=MERGE)
    assert codes(validate_project(None, project, rules=[no_merge])) == [
        ("no_merge", "stopping_point_override", "error")
    ]


def test_raise_for_errors_builds_the_drf_body():
    org = OrganizationSettings("acme", locked=frozenset({Setting.SCAN_ENABLED}))
    project = ProjectSettings("acme", "web", scan_enabled_override=False)
    with pytest.raises(ValidationError) as info:
        raise_for_errors(validate_project(org, project))
    assert info.value.detail == {
        "scan_enabled_override": ["Scanning is locked by the organization to on."]
    }
    assert info.value.codes == {"scan_enabled_override": ["locked"]}
    assert info.value.status == 400


@given(s.organization_settings("acme"), s.project_settings())
def test_unchanged_write_never_trips_lock_or_ceiling(org, project):
    """Re-saving what is stored is always allowed by locks and the ceiling."""
    findings = validate_project(org, project, previous=project)
    assert not [f for f in findings if f.code in {"locked", "above_ceiling"}]


@given(s.organization_settings("acme"), s.project_settings())
def test_new_project_with_locked_overrides_is_refused(org, project):
    findings = validate_project(org, project)
    for setting in org.locked:
        if project.override(setting) is not None:
            assert ("locked", setting.override_field, "error") in codes(findings)


# --- what a read shows: the warnings of a stored project ------------------------------------


@given(s.optional_organizations, s.project_settings("acme"))
def test_a_read_shows_the_warnings_a_write_of_the_same_project_would(
    organization: OrganizationSettings | None, project: ProjectSettings
) -> None:
    written = validate_project(organization, project, previous=project)
    assert project_warnings(organization, project) == tuple(f for f in written if not f.is_error)


@given(s.optional_organizations, s.project_settings("acme"))
def test_a_read_that_passes_its_resolution_gets_the_warnings_it_would_get_without(
    organization: OrganizationSettings | None, project: ProjectSettings
) -> None:
    # A read resolves the project for its view and hands that to the rules (resolved once).
    resolution = resolve_project(organization, project)
    seen: list[ProjectContext] = []

    def host_rule(context: ProjectContext) -> list[Finding]:
        seen.append(context)
        return []

    passed = project_warnings(organization, project, resolution=resolution, rules=[host_rule])
    assert passed == project_warnings(organization, project, rules=[host_rule])
    assert seen[0].resolution is resolution
    assert seen[1].resolution == resolution


def test_a_read_keeps_the_warnings_of_the_hosts_rules_and_drops_their_errors() -> None:
    def host_rule(context: ProjectContext) -> list[Finding]:
        return [
            Finding("host_advice", Severity.WARNING, ("project_id",), "Advice."),
            Finding("host_error", Severity.ERROR, ("project_id",), "An error."),
        ]

    found = project_warnings(None, ProjectSettings("acme", "web"), rules=[host_rule])
    assert [f.code for f in found] == ["host_advice"]


def test_an_identifier_check_refuses_exactly_the_whitespace_and_unprintable_characters() -> None:
    # validate_identifier scans the whole string with str.isprintable and looks for a space:
    # that refuses a character exactly when it is unprintable or whitespace, for every code
    # point (the space is the one printable whitespace character).
    for code in range(0x110000):
        char = chr(code)
        expected = not char.isprintable() or char.isspace()
        refused = validate_identifier(f"a{char}b", ("project_id",), "Project id") is not None
        assert refused == expected, hex(code)
