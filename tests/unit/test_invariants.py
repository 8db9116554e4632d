"""Invariants as values: what they find (held to the reference model) and their payloads."""

from __future__ import annotations

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
    StoppingPoint,
    ValidationError,
)
from ai_settings_core.codec import (
    dump_invariant,
    dump_organization,
    format_path,
    json_schema,
    parse_invariant,
    parse_organization,
    parse_organization_patch,
)
from ai_settings_core.invariants import (
    FixRequiresScan,
    MergeOnlyOnBranches,
    StoppingPointAtMost,
    find_violations,
)
from ai_settings_core.rules import Limits, validate_organization
from tests import strategies as s
from tests.reference import reference_violations, violation_key

API = RepositoryRef.parse("github:acme/api")
INFRA = RepositoryRef.parse("github:acme/infra")


@given(s.optional_organizations, s.project_lists, s.invariant_lists)
def test_violations_are_the_reference_models(org, projects, invariants):
    found = find_violations(org, projects, invariants)
    assert {violation_key(v) for v in found} == reference_violations(org, projects, invariants)
    assert len({v.key for v in found}) == len(found)  # one violation per place


@given(s.organization_settings("acme"), s.project_lists, s.invariant_lists)
def test_an_organization_checks_its_own_invariants_by_default(org, projects, invariants):
    org = attrs.evolve(org, invariants=tuple(invariants))
    assert find_violations(org, projects) == find_violations(org, projects, invariants)


@given(s.optional_organizations, s.project_lists, s.invariant_lists, st.randoms())
def test_a_violations_key_does_not_depend_on_list_positions(org, projects, invariants, random):
    shuffled = []
    for project in projects:
        repositories = list(project.repositories)
        random.shuffle(repositories)
        shuffled.append(attrs.evolve(project, repositories=tuple(repositories)))
    keys = {v.key for v in find_violations(org, projects, invariants)}
    assert {v.key for v in find_violations(org, shuffled, invariants)} == keys


def test_the_issues_three_examples():
    org = OrganizationSettings("acme", fix_enabled=True)
    web = ProjectSettings(
        "acme",
        "web",
        scan_enabled_override=False,
        repositories=(
            RepositorySettings(API, branch_patterns=(BranchPattern("main"),)),
            RepositorySettings(
                INFRA,
                branch_patterns=(BranchPattern("main"), BranchPattern("release/*")),
                stopping_point_override=StoppingPoint.MERGE,
            ),
        ),
    )
    invariants = (
        StoppingPointAtMost("pr-at-most", StoppingPoint.PULL_REQUEST, (INFRA,)),
        MergeOnlyOnBranches("merge-on-main", (BranchPattern("main"),)),
        FixRequiresScan("fix-needs-scan"),
    )
    found = find_violations(org, [web], invariants)
    assert [(v.invariant, format_path(v.path)) for v in found] == [
        ("merge-on-main", "repositories[1].branch_patterns[1]"),
        ("fix-needs-scan", "fix_enabled_override"),
    ]


def test_merge_only_on_branches_takes_each_branch_rules_stopping_point():
    """A rule that raises the stopping point to merge on other branches breaks the invariant;
    one that lowers it below merge mends the branches it covers."""
    org = OrganizationSettings("acme")
    rules = (
        BranchRule("main"),
        BranchRule("feature/*", StoppingPoint.MERGE),
        BranchRule("hotfix-*", StoppingPoint.PULL_REQUEST),
    )
    api = RepositorySettings(API, branch_patterns=rules)
    infra = RepositorySettings(
        INFRA, branch_patterns=rules, stopping_point_override=StoppingPoint.MERGE
    )
    web = ProjectSettings("acme", "web", repositories=(api, infra))
    invariant = MergeOnlyOnBranches("merge-on-main", (BranchPattern("main"),))
    found = find_violations(org, [web], (invariant,))
    assert [(format_path(v.path), v.branch_pattern.text) for v in found] == [
        ("repositories[0].branch_patterns[1]", "feature/*"),
        ("repositories[1].branch_patterns[1]", "feature/*"),
    ]


@pytest.mark.parametrize(
    ("pattern", "covered"),
    [
        ("main", True),
        ("release/1.0", True),
        ("release/*", True),
        ("release/1.*", False),  # a narrower glob is not proved to be covered: refused
        ("*", False),
        ("ma*", False),
        ("master", False),
    ],
)
def test_which_branch_patterns_merge_may_use(pattern, covered):
    rule = MergeOnlyOnBranches("m", (BranchPattern("main"), BranchPattern("release/*")))
    assert rule.covers(BranchPattern(pattern)) is covered


# Payloads --------------------------------------------------------------------------------------


@given(s.invariants())
def test_an_invariant_round_trips_through_its_payload(invariant):
    assert parse_invariant(dump_invariant(invariant)) == invariant


@given(s.organization_settings("acme"), s.invariant_lists)
def test_an_organization_with_invariants_round_trips(org, invariants):
    org = attrs.evolve(org, invariants=tuple(invariants))
    assert parse_organization(dump_organization(org)) == org


def test_a_patch_replaces_the_list():
    patch = parse_organization_patch({"invariants": [{"name": "f", "kind": "fix_requires_scan"}]})
    org = OrganizationSettings("acme", invariants=(FixRequiresScan("old"),))
    assert patch.apply(org).invariants == (FixRequiresScan("f"),)


def _codes(data, *, limits=None):
    with pytest.raises(ValidationError) as caught:
        parse_invariant(data) if limits is None else parse_invariant(data, limits=limits)
    return caught.value.codes


@pytest.mark.parametrize(
    ("data", "codes"),
    [
        ([], {"non_field_errors": ["invalid"]}),
        ({"name": "x"}, {"kind": ["required"]}),
        ({"name": "x", "kind": "no_merge"}, {"kind": ["invalid_choice"]}),
        ({"name": "x", "kind": None}, {"kind": ["null"]}),
        ({"kind": "fix_requires_scan"}, {"name": ["required"]}),
        ({"name": "a\x00b", "kind": "fix_requires_scan"}, {"name": ["invalid_identifier"]}),
        ({"name": "", "kind": "fix_requires_scan"}, {"name": ["blank"]}),
        (
            {"name": "x", "kind": "fix_requires_scan", "at_most": "merge"},
            {"at_most": ["unknown_field"]},
        ),
        ({"name": "x", "kind": "stopping_point_at_most"}, {"at_most": ["required"]}),
        (
            {"name": "x", "kind": "stopping_point_at_most", "at_most": "false"},
            {"at_most": ["invalid_choice"]},
        ),
        (
            {
                "name": "x",
                "kind": "stopping_point_at_most",
                "at_most": "merge",
                "except_repositories": ["svn:a/b", "github:acme/api", 3],
            },
            {"except_repositories": {"0": ["invalid_provider"], "2": ["invalid"]}},
        ),
        (
            {"name": "x", "kind": "merge_only_on_branches", "branches": []},
            {"branches": ["empty"]},
        ),
        (
            {"name": "x", "kind": "merge_only_on_branches", "branches": "main"},
            {"branches": ["not_a_list"]},
        ),
    ],
)
def test_bad_invariants_are_refused_with_a_path_and_a_code(data, codes):
    assert _codes(data) == codes


def test_huge_lists_are_refused():
    repositories = [f"github:acme/r{i}" for i in range(3)]
    data = {
        "name": "x",
        "kind": "stopping_point_at_most",
        "at_most": "merge",
        "except_repositories": repositories,
    }
    assert _codes(data, limits=Limits(max_invariant_repositories=2)) == {
        "except_repositories": ["max_length"]
    }
    many = [{"name": f"i{i}", "kind": "fix_requires_scan"} for i in range(51)]
    with pytest.raises(ValidationError) as caught:
        parse_organization({"organization_id": "acme", "invariants": many})
    assert caught.value.codes == {"invariants": ["max_length"]}


def test_a_name_is_held_once_in_payloads_and_in_values():
    twice = [{"name": "x", "kind": "fix_requires_scan"}] * 2
    with pytest.raises(ValidationError) as caught:
        parse_organization_patch({"invariants": twice})
    assert caught.value.codes == {"invariants": [{}, {"name": ["duplicate_invariant"]}]}
    org = OrganizationSettings("acme", invariants=(FixRequiresScan("x"), FixRequiresScan("x")))
    assert [(f.code, f.field) for f in validate_organization(org)] == [
        ("duplicate_invariant", "invariants[1].name")
    ]


def test_the_schema_states_each_kinds_parameters():
    shapes = json_schema("invariant")["oneOf"]
    assert {shape["properties"]["kind"]["const"]: shape["required"] for shape in shapes} == {
        "stopping_point_at_most": ["name", "kind", "at_most"],
        "merge_only_on_branches": ["name", "kind", "branches"],
        "fix_requires_scan": ["name", "kind"],
    }
    assert all(shape["additionalProperties"] is False for shape in shapes)
