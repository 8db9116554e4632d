"""Branch rules: the branch level of resolution, decisions and snapshots, against the reference."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    BranchPattern,
    BranchRule,
    DecisionReason,
    DecisionSnapshot,
    Level,
    OrganizationSettings,
    ProjectSettings,
    Reason,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
    ValidationError,
    codec,
    decide,
    resolve_branch,
    resolve_repository,
)
from ai_settings_core.changes import plan_settings, reset_project
from ai_settings_core.rules import validate_project
from tests import strategies as s
from tests.reference import (
    org_dict,
    plain,
    project_dict,
    reference_decide,
    reference_effective,
    reference_rule,
    repository_dict,
    rule_dict,
)

MERGE, PR, SUGGESTION = StoppingPoint.MERGE, StoppingPoint.PULL_REQUEST, StoppingPoint.SUGGESTION
API = RepositoryRef.parse("github:acme/api")
RULES = (
    BranchRule("release/1.*", MERGE),
    BranchRule("release/*", SUGGESTION),
    BranchRule("main"),
    BranchRule("*", PR),
)


def api(*rules, point=None, **kwargs):
    return ProjectSettings(
        "acme",
        "api",
        repositories=(
            RepositorySettings(API, branch_patterns=rules, stopping_point_override=point),
        ),
        **kwargs,
    )


@st.composite
def branches_of(draw, project):
    """A branch name: often one a rule of ``project`` names or matches, sometimes any."""
    texts = [rule.text for r in project.repositories for rule in r.branch_patterns]
    choices = [st.none(), s.branches]
    if texts:
        choices.append(st.sampled_from(texts))
        choices.append(
            st.tuples(st.sampled_from(texts), s.branches).map(
                lambda pair: pair[0].replace("*", pair[1]).replace("?", "x")
            )
        )
    return draw(st.one_of(choices))


# --- laws, against the reference model ---------------------------------------------------------


@given(s.optional_organizations, s.project_settings(), st.data())
def test_resolve_branch_agrees_with_reference(org, project, data):
    for repository in project.repositories:
        branch = data.draw(branches_of(project)) or ""
        rule = reference_rule(repository, branch)
        expected = reference_effective(
            org_dict(org), project_dict(project), repository_dict(repository), rule_dict(rule)
        )
        resolution = resolve_branch(org, project, repository, branch)
        assert plain(resolution.effective) == expected
        assert resolution == resolve_branch(org, project, repository.repository, branch)
        if rule is not None:
            assert resolution == resolve_branch(org, project, repository, rule)
        else:
            assert resolution == resolve_repository(org, project, repository)


@given(s.optional_organizations, s.project_settings(), st.data())
def test_a_rule_override_in_force_is_traced_to_the_branch_level(org, project, data):
    for repository in project.repositories:
        for rule in repository.branch_patterns:
            trace = resolve_branch(org, project, repository, rule).stopping_point
            point = rule.stopping_point_override
            locked = org is not None and Setting.STOPPING_POINT in org.locked
            ceiling = None if org is None else org.max_stopping_point
            if point is None:
                assert trace == resolve_repository(org, project, repository).stopping_point
            elif locked:
                assert trace.reason is Reason.LOCKED
                assert trace.shadowed[0].level is Level.BRANCH
            elif ceiling is not None and point > ceiling:
                assert (trace.value, trace.reason) == (ceiling, Reason.CAPPED)
                assert trace.shadowed[0].level is Level.BRANCH
            else:
                assert (trace.value, trace.level, trace.reason) == (
                    point,
                    Level.BRANCH,
                    Reason.OVERRIDDEN,
                )


@given(
    s.optional_organizations,
    s.project_settings(),
    st.none() | s.repository_refs(),
    st.none() | s.environments,
    st.data(),
)
def test_decide_agrees_with_reference(org, project, ref, environment, data):
    if project.repositories and data.draw(st.booleans()):
        ref = data.draw(st.sampled_from(project.repositories)).repository
    branch = data.draw(branches_of(project))
    decision = decide(org, project, repository=ref, branch=branch, environment=environment)
    answer = {"scan": decision.scan, "fix": decision.fix, "stopping_point": decision.stopping_point}
    if answer["stopping_point"] is not None:
        answer["stopping_point"] = answer["stopping_point"].value
    assert answer == reference_decide(org, project, ref, branch, environment)


@given(s.optional_organizations, s.project_lists.filter(bool), st.data())
def test_snapshot_agrees_with_reference_on_every_rule(org, projects, data):
    snapshot = DecisionSnapshot.prepare(org, projects)
    stored = {project.project_id: project for project in projects}
    for project in stored.values():
        for repository in project.repositories:
            for _ in range(3):
                branch = data.draw(branches_of(project))
                environment = data.draw(st.sampled_from(sorted(project.environments) or [None]))
                decision = snapshot.decide(
                    project.project_id, str(repository.repository), branch, environment
                )
                expected = reference_decide(
                    org, project, repository.repository, branch, environment
                )
                point = decision.stopping_point
                assert (decision.scan, decision.fix, None if point is None else point.value) == (
                    expected["scan"],
                    expected["fix"],
                    expected["stopping_point"],
                )
                assert decision == decide(
                    org,
                    project,
                    repository=repository.repository,
                    branch=branch,
                    environment=environment,
                )


@given(s.organization_settings("acme"), s.project_settings())
def test_reset_clears_every_rule_override_and_keeps_the_patterns(org, project):
    reset = reset_project(project)
    for before, after in zip(project.repositories, reset.repositories, strict=True):
        assert [rule.pattern for rule in after.branch_patterns] == [
            rule.pattern for rule in before.branch_patterns
        ]
        assert all(rule.stopping_point_override is None for rule in after.branch_patterns)
        for rule in before.branch_patterns:
            assert resolve_branch(org, reset, after, rule.text) == resolve_repository(
                org, reset, after
            )


# --- examples ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("branch", "point"),
    [
        ("release/1.4", MERGE),  # the first rule, though the second matches too
        ("release/2.0", SUGGESTION),
        ("main", PR),  # no override: the repository's (here the organization's)
        ("feature/x", PR),  # the catch-all rule's own
    ],
)
def test_the_first_matching_rule_gives_the_stopping_point(branch, point):
    org = OrganizationSettings("acme", fix_enabled=True)
    project = api(*RULES)
    decision = decide(org, project, repository=API, branch=branch)
    assert (decision.fix, decision.stopping_point) == (True, point)
    assert DecisionSnapshot.prepare(org, [project]).decide("api", "github:acme/api", branch) == (
        decision
    )


def test_a_branch_no_rule_matches_is_refused():
    org = OrganizationSettings("acme", fix_enabled=True)
    project = api(BranchRule("release/*", MERGE), BranchRule("main"))
    snapshot = DecisionSnapshot.prepare(org, [project])
    assert snapshot.decide("api", "github:acme/api", "feature/x").reasons == (
        DecisionReason.BRANCH_NOT_MATCHED,
    )
    assert snapshot.decide("api", "github:acme/api", None).reasons == (
        DecisionReason.BRANCH_NOT_MATCHED,
    )


def test_an_exact_name_after_a_glob_that_matches_it_gets_the_globs_answer():
    org = OrganizationSettings("acme", fix_enabled=True)
    project = api(BranchRule("release/*", SUGGESTION), BranchRule("release/9", MERGE))
    snapshot = DecisionSnapshot.prepare(org, [project])
    assert snapshot.decide("api", "github:acme/api", "release/9").stopping_point is SUGGESTION


def test_rules_after_a_catch_all_never_apply():
    org = OrganizationSettings("acme", fix_enabled=True)
    project = api(BranchRule("*", SUGGESTION), BranchRule("main", MERGE))
    assert decide(org, project, repository=API, branch="main").stopping_point is SUGGESTION
    snapshot = DecisionSnapshot.prepare(org, [project])
    assert snapshot.decide("api", "github:acme/api", "main").stopping_point is SUGGESTION


def test_a_branch_override_above_a_lowered_ceiling_is_clamped_and_shown():
    org = OrganizationSettings("acme", max_stopping_point=PR)
    trace = resolve_branch(org, api(*RULES), API, "release/1.0").stopping_point
    assert (trace.value, trace.level, trace.reason) == (PR, Level.ORGANIZATION, Reason.CAPPED)
    assert [(sh.level, sh.value, sh.reason) for sh in trace.shadowed] == [
        (Level.BRANCH, MERGE, Reason.CAPPED)
    ]


def test_a_locked_stopping_point_shadows_the_branch_and_repository_overrides():
    org = OrganizationSettings(
        "acme", stopping_point=PR, locked=frozenset({Setting.STOPPING_POINT})
    )
    trace = resolve_branch(org, api(*RULES, point=SUGGESTION), API, "release/1.0").stopping_point
    assert (trace.value, trace.level, trace.reason) == (PR, Level.ORGANIZATION, Reason.LOCKED)
    assert [(sh.level, sh.value) for sh in trace.shadowed] == [
        (Level.BRANCH, MERGE),
        (Level.REPOSITORY, SUGGESTION),
    ]


def test_a_rule_without_override_leaves_the_repository_in_force():
    project = api(BranchRule("main"), point=SUGGESTION)
    trace = resolve_branch(None, project, API, "main").stopping_point
    assert (trace.value, trace.level) == (SUGGESTION, Level.REPOSITORY)


def test_patterns_and_their_texts_are_rules_without_overrides():
    repository = RepositorySettings(API, branch_patterns=[BranchPattern("main"), "dev"])
    assert repository.branch_patterns == (BranchRule("main"), BranchRule(BranchPattern("dev")))
    assert repository.rule_for("dev") == BranchRule("dev")
    assert RepositorySettings(API).branch_patterns == (BranchRule("*"),)


def codes(findings):
    return sorted((finding.code, finding.field) for finding in findings if finding.is_error)


def test_writing_a_rule_override_above_the_ceiling_is_refused_with_its_path():
    org = OrganizationSettings("acme", max_stopping_point=PR)
    assert codes(validate_project(org, api(*RULES))) == [
        ("above_ceiling", "repositories[0].branch_patterns[0].stopping_point_override")
    ]


def test_writing_a_rule_override_of_a_locked_stopping_point_is_refused_with_its_path():
    org = OrganizationSettings("acme", locked=frozenset({Setting.STOPPING_POINT}))
    assert codes(validate_project(org, api(*RULES))) == [
        ("locked", f"repositories[0].branch_patterns[{index}].stopping_point_override")
        for index in (0, 1, 3)
    ]


def test_rule_overrides_stored_before_the_policy_do_not_block_other_writes():
    org = OrganizationSettings(
        "acme", max_stopping_point=SUGGESTION, locked=frozenset({Setting.STOPPING_POINT})
    )
    stored = api(*RULES)
    moved = api(BranchRule("hotfix/*"), *RULES)  # same rules, at new positions
    assert codes(validate_project(org, moved, previous=stored)) == []
    changed = api(BranchRule("release/1.*", PR), *RULES[1:])
    assert codes(validate_project(org, changed, previous=stored)) == [
        ("above_ceiling", "repositories[0].branch_patterns[0].stopping_point_override"),
        ("locked", "repositories[0].branch_patterns[0].stopping_point_override"),
    ]


# --- payloads ----------------------------------------------------------------------------------


def repository_document(*rules):
    return {"repository": "github:acme/api", "branch_patterns": list(rules)}


def test_a_rule_is_a_pattern_or_an_object_and_dumps_as_given():
    document = repository_document(
        "main",
        {"pattern": "release/*", "stopping_point_override": "suggestion"},
        {"pattern": "hotfix/*"},
        {"pattern": "dev", "stopping_point_override": None},
    )
    repository = codec.parse_repository(document)
    assert repository.branch_patterns == (
        BranchRule("main"),
        BranchRule("release/*", SUGGESTION),
        BranchRule("hotfix/*"),
        BranchRule("dev"),
    )
    # A rule without an override dumps as the plain pattern: documents without overrides
    # read exactly as they did before rules had stopping points.
    assert codec.dump_repository(repository)["branch_patterns"] == [
        "main",
        {"pattern": "release/*", "stopping_point_override": "suggestion"},
        "hotfix/*",
        "dev",
    ]


@given(s.project_settings())
def test_projects_with_rules_round_trip_through_their_payload(project):
    assert codec.parse_project(codec.dump_project(project)) == project


HOSTILE_RULES = [
    ({"pattern": "main", "stopping": "merge"}, "stopping", "unknown_field"),
    (
        {"pattern": "main", "stopping_point_override": "deploy"},
        "stopping_point_override",
        "invalid_choice",
    ),
    (
        {"pattern": "main", "stopping_point_override": False},
        "stopping_point_override",
        "invalid_choice",
    ),
    (
        {"pattern": "main", "stopping_point_override": ["merge"]},
        "stopping_point_override",
        "invalid_choice",
    ),
    ({"pattern": 7}, "pattern", "invalid"),
    ({"pattern": None}, "pattern", "null"),
    ({"pattern": "ma\x00in"}, "pattern", "invalid_pattern"),
    ({"pattern": "ma\u202ein"}, "pattern", "invalid_pattern"),
    ({"pattern": "release:1"}, "pattern", "invalid_pattern"),
    ({"stopping_point_override": "merge"}, "pattern", "required"),
]


@pytest.mark.parametrize(("rule", "field", "code"), HOSTILE_RULES)
def test_a_hostile_rule_is_refused_with_its_field_path(rule, field, code):
    document = {
        "organization_id": "acme",
        "project_id": "web",
        "repositories": [repository_document("main", "dev", rule)],
    }
    with pytest.raises(ValidationError) as caught:
        codec.parse_project(document)
    assert [(f.field, f.code) for f in caught.value.findings] == [
        (f"repositories[0].branch_patterns[2].{field}", code)
    ]


@pytest.mark.parametrize(
    ("rule", "code"),
    [(5, "invalid"), (None, "null"), (["main"], "invalid"), ("", "invalid_pattern")],
)
def test_an_item_that_is_neither_a_pattern_nor_a_rule_is_refused_at_its_index(rule, code):
    with pytest.raises(ValidationError) as caught:
        codec.parse_repository(repository_document("main", rule))
    assert [(f.field, f.code) for f in caught.value.findings] == [("branch_patterns[1]", code)]


def test_a_rule_with_a_key_that_is_not_text_is_refused():
    with pytest.raises(ValidationError) as caught:
        codec.parse_repository(repository_document({"pattern": "main", 1: "merge"}))
    assert [(f.field, f.code) for f in caught.value.findings] == [
        ("branch_patterns[0].non_field_errors", "unknown_field")
    ]


def test_too_many_rules_are_refused_before_any_is_parsed():
    rules = [{"pattern": f"b{i}", "stopping_point_override": "merge"} for i in range(51)]
    with pytest.raises(ValidationError) as caught:
        codec.parse_repository(repository_document(*rules))
    assert caught.value.codes == {"branch_patterns": ["max_length"]}


def test_the_schema_describes_both_forms_of_a_rule():
    schema = codec.json_schema("repository")
    items = schema["properties"]["branch_patterns"]["items"]
    assert items["anyOf"][0]["type"] == "string"
    assert items["anyOf"][1] == {"$ref": "#/$defs/branch_rule"}
    rule = schema["$defs"]["branch_rule"]
    assert (rule["required"], rule["additionalProperties"]) == (["pattern"], False)


def test_a_plan_that_adds_a_branch_rule_round_trips_through_its_payload():
    """The plan records each rule as ``[pattern, stopping point]`` in its stored changes."""
    rule = BranchRule("release/*", StoppingPoint.SUGGESTION)
    api = RepositorySettings(RepositoryRef.parse("github:acme/api"), branch_patterns=(rule,))
    web = ProjectSettings("acme", "web", repositories=(api,))
    plan = plan_settings(None, {}, OrganizationSettings("acme"), [web])
    assert codec.parse_plan(codec.dump_plan(plan)) == plan
