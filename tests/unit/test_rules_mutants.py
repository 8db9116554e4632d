"""Rules, the laws mutation testing found unchecked: each advice exactly when it applies,
each limit exactly at its bound, each rule on its own.

Every test here states a behaviour a reader can check against the rule's description; none
looks at how the rule is written. See docs/testing.md.
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
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
)
from ai_settings_core.domain.findings import Finding, Severity
from ai_settings_core.domain.resolve import resolve_project
from ai_settings_core.domain.rules import (
    Limits,
    check_bulk_size,
    project_warnings,
    validate_document_projects,
    validate_identifier,
    validate_organization,
    validate_project,
)
from ai_settings_core.invariants import FixRequiresScan, StoppingPointAtMost
from tests import strategies as s

REPO = RepositoryRef.parse("github:acme/api")
OTHER = RepositoryRef.parse("github:acme/web")


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


# --- invariants: named once, with valid names, no more than the limit ---------------------


def test_an_organizations_invariants_are_named_once_with_identifiers():
    org = OrganizationSettings(
        "acme",
        invariants=(
            FixRequiresScan("fix-needs-scan"),
            FixRequiresScan("bad name"),
            StoppingPointAtMost("fix-needs-scan", StoppingPoint.PULL_REQUEST),
            FixRequiresScan("bad name"),
            FixRequiresScan("pr-at-most"),
        ),
    )
    findings = validate_organization(org)
    assert all(finding.is_error for finding in findings)
    assert [(f.code, f.path, f.message) for f in findings] == [
        (
            "invalid_identifier",
            ("invariants", 1, "name"),
            "An invariant's name may not contain whitespace or control characters.",
        ),
        (
            "duplicate_invariant",
            ("invariants", 2, "name"),
            "An invariant named 'fix-needs-scan' is listed already.",
        ),
        (
            "invalid_identifier",
            ("invariants", 3, "name"),
            "An invariant's name may not contain whitespace or control characters.",
        ),
    ]


def test_an_invariants_name_is_held_to_the_identifier_limit():
    org = OrganizationSettings("acme", invariants=(FixRequiresScan("abcde"),))
    assert validate_organization(org, limits=Limits(max_identifier_length=5)) == ()
    assert codes(validate_organization(org, limits=Limits(max_identifier_length=4))) == [
        ("max_length", "invariants[0].name")
    ]


def test_the_number_of_invariants_is_limited_inclusively_and_not_checked_one_by_one():
    named = tuple(FixRequiresScan(name) for name in ("a", "b", "a"))
    at_limit = OrganizationSettings("acme", invariants=named)
    assert codes(validate_organization(at_limit, limits=Limits(max_invariants=3))) == [
        ("duplicate_invariant", "invariants[2].name")
    ]
    above = validate_organization(at_limit, limits=Limits(max_invariants=2))
    assert [(f.code, f.path, f.message) for f in above] == [
        ("max_length", ("invariants",), "Ensure this field has no more than 2 elements.")
    ]


# --- locks that expire, and branch rules under the lock and the ceiling --------------------

NOW = s.EPOCH
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(("lock_ends", "refused"), [(NOW, False), (NOW + HOUR, True)])
def test_a_lock_binds_a_write_until_its_expiry(lock_ends, refused):
    org = OrganizationSettings(
        "acme",
        locked=frozenset({Setting.FIX_ENABLED, Setting.STOPPING_POINT}),
        fix_enabled_lock_expires_at=lock_ends,
        stopping_point_lock_expires_at=lock_ends,
    )
    repository = RepositorySettings(REPO, stopping_point_override=StoppingPoint.MERGE)
    project = ProjectSettings("acme", "web", fix_enabled_override=True, repositories=(repository,))
    found = codes(validate_project(org, project, now=NOW))
    expected = [
        ("locked", "fix_enabled_override"),
        ("locked", "repositories[0].stopping_point_override"),
    ]
    assert found == (expected if refused else [])


def test_a_write_under_locks_that_expire_needs_now():
    org = OrganizationSettings(
        "acme", locked=frozenset({Setting.FIX_ENABLED}), fix_enabled_lock_expires_at=NOW
    )
    with pytest.raises(TypeError) as raised:
        validate_project(org, ProjectSettings("acme", "web"))
    assert str(raised.value) == (
        "the organization's locks carry expiries: pass now= to validate a write"
    )


def test_a_locked_stopping_point_refuses_a_new_branch_rules_point_at_its_path():
    org = OrganizationSettings(
        "acme", stopping_point=StoppingPoint.SUGGESTION, locked=frozenset({Setting.STOPPING_POINT})
    )
    project = ProjectSettings(
        "acme",
        "web",
        repositories=(
            RepositorySettings(
                REPO,
                branch_patterns=(BranchRule("main"), BranchRule("release/*", StoppingPoint.MERGE)),
            ),
        ),
    )
    findings = validate_project(org, project)
    assert [(f.code, f.path, f.message) for f in findings] == [
        (
            "locked",
            ("repositories", 0, "branch_patterns", 1, "stopping_point_override"),
            'The stopping point is locked by the organization to "suggestion".',
        )
    ]


def test_a_branch_rule_stored_before_the_lock_or_the_ceiling_is_kept_wherever_it_moves():
    rule = BranchRule("release/*", StoppingPoint.MERGE)
    for org in (
        OrganizationSettings("acme", locked=frozenset({Setting.STOPPING_POINT})),
        OrganizationSettings("acme", max_stopping_point=StoppingPoint.SUGGESTION),
    ):
        stored = ProjectSettings(
            "acme",
            "web",
            repositories=(RepositorySettings(REPO, branch_patterns=(BranchRule("main"), rule)),),
        )
        moved = attrs.evolve(
            stored,
            repositories=(RepositorySettings(REPO, branch_patterns=(rule, BranchRule("dev"))),),
        )
        assert validate_project(org, moved, previous=stored) == ()
        changed = attrs.evolve(
            stored,
            repositories=(
                RepositorySettings(
                    REPO, branch_patterns=(BranchRule("release/*", StoppingPoint.PULL_REQUEST),)
                ),
            ),
        )
        assert [f.path for f in validate_project(org, changed, previous=stored)] == [
            ("repositories", 0, "branch_patterns", 0, "stopping_point_override")
        ]
        elsewhere = attrs.evolve(
            stored, repositories=(RepositorySettings(OTHER, branch_patterns=(rule,)),)
        )
        assert len(validate_project(org, elsewhere, previous=stored)) == 1


@pytest.mark.parametrize("point", list(StoppingPoint))
@pytest.mark.parametrize("ceiling", list(StoppingPoint))
def test_a_branch_rules_point_is_refused_exactly_above_the_ceiling(point, ceiling):
    org = OrganizationSettings(
        "acme", stopping_point=StoppingPoint.SUGGESTION, max_stopping_point=ceiling
    )
    project = ProjectSettings(
        "acme",
        "web",
        repositories=(
            RepositorySettings(
                REPO, branch_patterns=(BranchRule("main"), BranchRule("r/*", point))
            ),
        ),
    )
    findings = validate_project(org, project)
    if point > ceiling:
        assert [(f.code, f.path, f.message) for f in findings] == [
            (
                "above_ceiling",
                ("repositories", 0, "branch_patterns", 1, "stopping_point_override"),
                f'"{point}" is above the organization\'s maximum stopping point "{ceiling}".',
            )
        ]
    else:
        assert findings == ()


# --- expiries a write sets -----------------------------------------------------------------


def test_a_project_write_judges_its_expiries_at_now():
    project = ProjectSettings(
        "acme", "web", scan_enabled_override=False, scan_enabled_override_expires_at=NOW
    )
    assert codes(validate_project(None, project, now=NOW)) == [
        ("expired", "scan_enabled_override_expires_at")
    ]
    assert validate_project(None, project, now=NOW - HOUR) == ()
    assert validate_project(None, project, previous=project, now=NOW) == ()


def test_an_organization_write_judges_its_lock_expiries_at_now_against_the_stored_ones():
    org = OrganizationSettings(
        "acme", locked=frozenset({Setting.SCAN_ENABLED}), scan_enabled_lock_expires_at=NOW
    )
    assert codes(validate_organization(org, now=NOW)) == [
        ("expired", "scan_enabled_lock_expires_at")
    ]
    assert validate_organization(org, now=NOW - HOUR) == ()
    assert validate_organization(org, previous=org, now=NOW) == ()


# --- a read's warnings reuse the resolution it passes ---------------------------------------


def test_a_read_that_passes_its_resolution_needs_no_now_for_its_warnings():
    org = OrganizationSettings(
        "acme",
        fix_enabled=True,
        locked=frozenset({Setting.FIX_ENABLED}),
        fix_enabled_lock_expires_at=NOW,
    )
    project = ProjectSettings("acme", "web")
    resolution = resolve_project(org, project, now=NOW - HOUR)
    warnings = project_warnings(org, project, resolution=resolution)
    assert [f.code for f in warnings] == ["no_repository_for_stopping_point"]
    with pytest.raises(TypeError):
        project_warnings(org, project)


def test_a_hosts_rule_sees_a_read_as_a_write_of_the_stored_project_at_now():
    seen = []

    def host_rule(context):
        seen.append((context.previous is context.project, context.limits, context.now))
        return [Finding("host_advice", Severity.WARNING, (), "advice")]

    limits = Limits(max_environments=3)
    project = ProjectSettings("acme", "web")
    warnings = project_warnings(None, project, limits=limits, rules=[host_rule], now=NOW)
    assert [f.code for f in warnings] == ["host_advice"]
    assert seen == [(True, limits, NOW)]
