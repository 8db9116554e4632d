"""Rules, the laws mutation testing found unchecked: each advice exactly when it applies,
each limit exactly at its bound, each rule on its own.

Every test here states a behaviour a reader can check against the rule's description; none
looks at how the rule is written. See docs/testing.md.
"""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    BranchPattern,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
)
from ai_settings_core.domain.resolve import resolve_project
from ai_settings_core.domain.rules import (
    Limits,
    check_bulk_size,
    validate_document_projects,
    validate_identifier,
    validate_organization,
    validate_project,
)
from tests import strategies as s

REPO = RepositoryRef.parse("github:acme/api")


def codes(findings):
    return [(f.code, f.field) for f in findings]


# --- advice: exactly when it applies -------------------------------------------------------


@given(s.organization_settings("acme"))
def test_organization_warns_fix_without_scan_exactly_when_fixing_is_on_and_scanning_off(org):
    warned = ("fix_without_scan", "fix_enabled") in codes(validate_organization(org))
    assert warned == (org.fix_enabled and not org.scan_enabled)


@given(s.optional_organizations, s.project_settings())
def test_project_warns_fix_without_scan_exactly_when_its_effective_values_say_so(org, project):
    effective = resolve_project(org, project).effective
    findings = validate_project(org, project, previous=project)
    warned = ("fix_without_scan", "fix_enabled_override") in codes(findings)
    assert warned == (effective.fix_enabled and not effective.scan_enabled)


@given(s.optional_organizations, s.project_settings())
def test_project_warns_of_a_missing_repository_exactly_when_fixing_needs_one(org, project):
    """Fixing up to a pull request or a merge needs a repository with AI enabled."""
    effective = resolve_project(org, project).effective
    findings = validate_project(org, project, previous=project)
    warned = ("no_repository_for_stopping_point", "repositories") in codes(findings)
    assert warned == (
        effective.fix_enabled
        and effective.stopping_point >= StoppingPoint.PULL_REQUEST
        and not any(repository.ai_enabled for repository in project.repositories)
    )


def test_fixing_up_to_a_suggestion_needs_no_repository():
    org = OrganizationSettings("acme", fix_enabled=True, stopping_point=StoppingPoint.SUGGESTION)
    assert validate_project(org, ProjectSettings("acme", "web")) == ()


def test_a_repository_with_ai_off_does_not_count_for_the_stopping_point():
    org = OrganizationSettings("acme", fix_enabled=True)
    project = ProjectSettings("acme", "web", repositories=(RepositorySettings(REPO, False),))
    assert codes(validate_project(org, project)) == [
        ("no_repository_for_stopping_point", "repositories")
    ]


# --- the ceiling: a value at the ceiling is within it --------------------------------------


@given(s.stopping_points, s.stopping_points)
def test_organization_default_is_refused_exactly_above_its_ceiling(point, ceiling):
    org = OrganizationSettings("acme", stopping_point=point, max_stopping_point=ceiling)
    refused = ("above_ceiling", "stopping_point") in codes(validate_organization(org))
    assert refused == (point > ceiling)


@given(s.stopping_points, s.stopping_points)
def test_project_and_repository_overrides_are_refused_exactly_above_the_ceiling(point, ceiling):
    org = OrganizationSettings(
        "acme", stopping_point=StoppingPoint.SUGGESTION, max_stopping_point=ceiling
    )
    project = ProjectSettings(
        "acme",
        "web",
        stopping_point_override=point,
        repositories=(RepositorySettings(REPO, stopping_point_override=point),),
    )
    found = codes(validate_project(org, project))
    expected = point > ceiling
    assert (("above_ceiling", "stopping_point_override") in found) == expected
    assert (("above_ceiling", "repositories[0].stopping_point_override") in found) == expected


def test_a_repository_override_stored_above_a_lowered_ceiling_does_not_block_other_writes():
    org = OrganizationSettings(
        "acme", stopping_point=StoppingPoint.SUGGESTION, max_stopping_point=StoppingPoint.SUGGESTION
    )
    stored = ProjectSettings(
        "acme",
        "web",
        repositories=(RepositorySettings(REPO, stopping_point_override=StoppingPoint.MERGE),),
    )
    changed = attrs.evolve(stored, scan_enabled_override=False)
    assert [f for f in validate_project(org, changed, previous=stored) if f.is_error] == []
    # Raising it further, or writing it for a new repository, is refused.
    other = RepositorySettings(
        RepositoryRef.parse("github:acme/web"), stopping_point_override=StoppingPoint.MERGE
    )
    grown = attrs.evolve(stored, repositories=(*stored.repositories, other))
    assert codes(e for e in validate_project(org, grown, previous=stored) if e.is_error) == [
        ("above_ceiling", "repositories[1].stopping_point_override")
    ]


# --- locks: a repository override changed under a lock -------------------------------------


def test_a_repository_override_kept_under_a_stopping_point_lock_is_allowed():
    org = OrganizationSettings("acme", locked=frozenset({Setting.STOPPING_POINT}))
    repository = RepositorySettings(REPO, stopping_point_override=StoppingPoint.MERGE)
    stored = ProjectSettings("acme", "web", repositories=(repository,))
    changed = attrs.evolve(stored, scan_enabled_override=True)
    assert [f for f in validate_project(org, changed, previous=stored) if f.is_error] == []
    moved = attrs.evolve(
        stored,
        repositories=(attrs.evolve(repository, stopping_point_override=StoppingPoint.SUGGESTION),),
    )
    locked = [f for f in validate_project(org, moved, previous=stored) if f.is_error]
    assert codes(locked) == [("locked", "repositories[0].stopping_point_override")]
    assert (
        locked[0].message == 'The stopping point is locked by the organization to "pull_request".'
    )


# --- identifiers and limits: a value at a limit is accepted, one past it is refused ---------


@pytest.mark.parametrize("length", [1, 2, 7])
def test_identifier_length_limit_is_inclusive(length):
    limits = Limits(max_identifier_length=length)
    assert validate_identifier("x" * length, ("project_id",), "Project id", limits) is None
    refused = validate_identifier("x" * (length + 1), ("project_id",), "Project id", limits)
    assert refused is not None
    assert (refused.code, refused.path) == ("max_length", ("project_id",))


def test_default_identifier_limit_is_200_characters():
    assert validate_identifier("x" * 200, ("id",), "Id") is None
    assert validate_identifier("x" * 201, ("id",), "Id") is not None


def test_organization_id_is_checked_by_the_organization_rule():
    for organization_id, code in (("", "blank"), ("a b", "invalid_identifier")):
        org = OrganizationSettings(organization_id)
        assert codes(validate_organization(org)) == [(code, "organization_id")]
    limits = Limits(max_identifier_length=4)
    assert validate_organization(OrganizationSettings("acme"), limits=limits) == ()
    assert codes(validate_organization(OrganizationSettings("acmes"), limits=limits)) == [
        ("max_length", "organization_id")
    ]


def test_project_organization_id_is_an_identifier():
    assert codes(validate_project(None, ProjectSettings("a b", "web"))) == [
        ("invalid_identifier", "organization_id")
    ]


def test_custom_limits_reach_every_identifier_of_a_project():
    limits = Limits(max_identifier_length=3)
    fits = ProjectSettings("abc", "web", environments=frozenset({"dev"}))
    assert validate_project(None, fits, limits=limits) == ()
    too_long = ProjectSettings("abcd", "webs", environments=frozenset({"prod"}))
    assert codes(validate_project(None, too_long, limits=limits)) == [
        ("max_length", "organization_id"),
        ("max_length", "project_id"),
        ("max_length", "environments"),
    ]


def test_list_limits_are_inclusive():
    limits = Limits(
        max_repositories_per_project=2, max_patterns_per_repository=2, max_environments=2
    )
    patterns = (BranchPattern("a"), BranchPattern("b"))
    at_limit = ProjectSettings(
        "acme",
        "web",
        repositories=(
            RepositorySettings(REPO, branch_patterns=patterns),
            RepositorySettings(RepositoryRef.parse("github:acme/web")),
        ),
        environments=frozenset({"dev", "prod"}),
    )
    assert validate_project(None, at_limit, limits=limits) == ()
    one_past = attrs.evolve(
        at_limit,
        repositories=(
            RepositorySettings(REPO, branch_patterns=(*patterns, BranchPattern("c"))),
            *at_limit.repositories[1:],
            RepositorySettings(RepositoryRef.parse("github:acme/ops")),
        ),
        environments=frozenset({"dev", "prod", "qa"}),
    )
    assert codes(validate_project(None, one_past, limits=limits)) == [
        ("max_length", "repositories"),
        ("max_length", "repositories[0].branch_patterns"),
        ("max_length", "environments"),
    ]


def test_environment_names_are_checked_in_order_and_each_reported():
    project = ProjectSettings("acme", "web", environments=frozenset({"b c", "a b", "ok"}))
    found = validate_project(None, project)
    assert codes(found) == [("invalid_identifier", "environments")] * 2
    assert [f.message for f in found] == [
        "Environment may not contain whitespace or control characters."
    ] * 2


def test_too_many_environments_are_not_checked_one_by_one():
    limits = Limits(max_environments=1)
    project = ProjectSettings("acme", "web", environments=frozenset({"a b", "c d"}))
    assert codes(validate_project(None, project, limits=limits)) == [("max_length", "environments")]


def test_each_duplicate_repository_is_reported_at_its_own_index():
    project = ProjectSettings(
        "acme",
        "web",
        repositories=(
            RepositorySettings(REPO),
            RepositorySettings(REPO),
            RepositorySettings(RepositoryRef.parse("github:acme/web")),
            RepositorySettings(REPO),
        ),
    )
    assert codes(validate_project(None, project)) == [
        ("duplicate_repository", "repositories[1].repository"),
        ("duplicate_repository", "repositories[3].repository"),
    ]


@given(st.integers(0, 30), st.integers(1, 10))
def test_bulk_size_is_refused_when_empty_or_above_the_limit(count, limit):
    found = check_bulk_size(count, Limits(max_bulk_projects=limit), ("items",))
    if count == 0:
        assert codes(found) == [("empty", "items")]
    elif count > limit:
        assert codes(found) == [("max_length", "items")]
        assert found[0].message == f"Ensure this field has no more than {limit} elements."
    else:
        assert found == []


# --- an organization document: every project its own, each once ----------------------------


def test_an_export_lists_each_project_once():
    projects = [
        ProjectSettings("acme", "web"),
        ProjectSettings("acme", "api"),
        ProjectSettings("acme", "web"),
        ProjectSettings("acme", "web"),
    ]
    found = validate_document_projects("acme", enumerate(projects))
    assert codes(found) == [
        ("duplicate_project", "projects[2].project_id"),
        ("duplicate_project", "projects[3].project_id"),
    ]
    assert found[0].message == 'Project "web" is listed more than once.'


def test_an_export_reports_a_foreign_project_and_a_duplicate_together():
    projects = [ProjectSettings("acme", "web"), ProjectSettings("other", "web")]
    assert codes(validate_document_projects("acme", enumerate(projects))) == [
        ("organization_mismatch", "projects[1].organization_id"),
        ("duplicate_project", "projects[1].project_id"),
    ]


@given(st.lists(st.sampled_from(["web", "api", "ops"]), max_size=6))
def test_an_export_refuses_exactly_the_repeated_project_ids(ids):
    projects = [ProjectSettings("acme", project_id) for project_id in ids]
    found = validate_document_projects("acme", enumerate(projects))
    repeated = [index for index, project_id in enumerate(ids) if project_id in ids[:index]]
    assert [f.path for f in found] == [("projects", index, "project_id") for index in repeated]


def test_every_repository_is_checked_against_the_ceiling_whatever_comes_before_it():
    org = OrganizationSettings(
        "acme",
        stopping_point=StoppingPoint.SUGGESTION,
        max_stopping_point=StoppingPoint.PULL_REQUEST,
    )
    project = ProjectSettings(
        "acme",
        "web",
        repositories=(
            RepositorySettings(REPO),
            RepositorySettings(
                RepositoryRef.parse("github:acme/web"),
                stopping_point_override=StoppingPoint.SUGGESTION,
            ),
            RepositorySettings(
                RepositoryRef.parse("github:acme/ops"), stopping_point_override=StoppingPoint.MERGE
            ),
        ),
    )
    assert codes(validate_project(org, project)) == [
        ("above_ceiling", "repositories[2].stopping_point_override")
    ]
