"""The payload codec: error shapes as documentation, round trips, and the JSON Schemas."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    Finding,
    OrganizationPatch,
    OrganizationSettings,
    ProjectPatch,
    ProjectSettings,
    RepositoryPatch,
    RepositoryRef,
    RepositorySettings,
    Setting,
    Severity,
    StoppingPoint,
    ValidationError,
    decide,
    resolve_organization,
    resolve_project,
)
from ai_settings_core.changes import KEEP, preview_impact
from ai_settings_core.codec import (
    CONVERTER,
    SCHEMA_NAMES,
    dump_decision,
    dump_export,
    dump_findings,
    dump_impact,
    dump_organization,
    dump_project,
    dump_repository,
    dump_resolution,
    dumps_export,
    json_schema,
    load_json,
    parse_bulk,
    parse_export,
    parse_invariant,
    parse_organization,
    parse_organization_patch,
    parse_project,
    parse_project_patch,
    parse_repository,
    parse_repository_patch,
)
from ai_settings_core.errors import InvalidValueError
from ai_settings_core.rules import Limits
from tests import strategies as s


def errors(parse: Any, data: object, **kwargs: Any) -> tuple[Any, Any]:
    with pytest.raises(ValidationError) as caught:
        parse(data, **kwargs)
    return caught.value.detail, caught.value.codes


# --- error shapes, one example each -----------------------------------------------------------


def test_invalid_choice() -> None:
    detail, codes = errors(parse_organization_patch, {"stopping_point": "invalid"})
    assert detail == {"stopping_point": ['"invalid" is not a valid choice.']}
    assert codes == {"stopping_point": ["invalid_choice"]}


@pytest.mark.parametrize("value", ["false", "true", 0, 1, 1.0, [], {}])
def test_only_true_and_false_are_booleans(value: object) -> None:
    detail, codes = errors(parse_organization_patch, {"scan_enabled": value})
    assert detail == {"scan_enabled": ["Must be a valid boolean."]}
    assert codes == {"scan_enabled": ["invalid"]}


def test_a_number_is_not_a_string() -> None:
    detail, _ = errors(parse_organization, {"organization_id": 123})
    assert detail == {"organization_id": ["Not a valid string."]}


def test_null_where_no_null_is_allowed() -> None:
    detail, codes = errors(parse_organization_patch, {"fix_enabled": None})
    assert detail == {"fix_enabled": ["This field may not be null."]}
    assert codes == {"fix_enabled": ["null"]}


def test_null_on_an_override_inherits_again() -> None:
    patch = parse_project_patch({"stopping_point_override": None})
    assert patch == ProjectPatch(stopping_point_override=None)
    assert patch.scan_enabled_override is KEEP


def test_unknown_keys_are_errors() -> None:
    detail, codes = errors(parse_organization_patch, {"scan_enabld": True})
    assert detail == {"scan_enabld": ["Unknown field."]}
    assert codes == {"scan_enabld": ["unknown_field"]}


def test_read_only_keys_of_a_patch_are_refused() -> None:
    detail, codes = errors(parse_project_patch, {"version": 3, "project_id": "web"})
    assert detail == {
        "project_id": ["This field is read-only."],
        "version": ["This field is read-only."],
    }
    assert codes == {"project_id": ["read_only"], "version": ["read_only"]}
    detail, _ = errors(parse_repository_patch, {"repository": "github:acme/api"})
    assert detail == {"repository": ["This field is read-only."]}


def test_the_top_level_must_be_an_object() -> None:
    detail, codes = errors(parse_project_patch, [{"scan_enabled_override": True}])
    assert detail == {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    assert codes == {"non_field_errors": ["invalid"]}


def test_a_list_field_needs_a_list() -> None:
    detail, codes = errors(parse_project_patch, {"environments": "production"})
    assert detail == {"environments": ['Expected a list of items but got type "str".']}
    assert codes == {"environments": ["not_a_list"]}


def test_required_keys_of_full_documents() -> None:
    detail, codes = errors(parse_project, {"organization_id": "acme"})
    assert detail == {"project_id": ["This field is required."]}
    assert codes == {"project_id": ["required"]}


def test_every_error_is_reported_at_once() -> None:
    detail, _ = errors(
        parse_organization_patch,
        {"scan_enabled": "false", "stopping_point": "soon", "locked": ["scan_enabled", "x"]},
    )
    assert detail == {
        "scan_enabled": ["Must be a valid boolean."],
        "stopping_point": ['"soon" is not a valid choice.'],
        "locked": {"1": ['"x" is not a valid choice.']},
    }


def test_nested_repository_errors_are_aligned_with_the_items() -> None:
    detail, codes = errors(
        parse_project_patch,
        {
            "repositories": [
                {"repository": "github:acme/api"},
                {"repository": "github:acme/web", "ai_enabled": "yes"},
                "github:acme/cli",
                {"branch_patterns": ["main", "bad pattern"]},
            ]
        },
    )
    assert detail == {
        "repositories": [
            {},
            {"ai_enabled": ["Must be a valid boolean."]},
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]},
            {
                "repository": ["This field is required."],
                "branch_patterns": {
                    "1": [
                        (
                            "Invalid branch pattern 'bad pattern': may not contain whitespace or "
                            "control characters."
                        )
                    ]
                },
            },
        ]
    }
    assert codes["repositories"][3] == {
        "repository": ["required"],
        "branch_patterns": {"1": ["invalid_pattern"]},
    }


def test_duplicate_repositories_compare_case_insensitively() -> None:
    detail, codes = errors(
        parse_project_patch,
        {"repositories": [{"repository": "github:acme/api"}, {"repository": "github:ACME/Api"}]},
    )
    assert detail == {
        "repositories": [
            {},
            {
                "repository": [
                    'Repository "github:ACME/Api" is already configured for this project.'
                ]
            },
        ]
    }
    assert codes == {"repositories": [{}, {"repository": ["duplicate_repository"]}]}


def test_invalid_repository_reference() -> None:
    detail, codes = errors(parse_repository, {"repository": "svn:acme/api"})
    assert codes == {"repository": ["invalid_provider"]}
    detail, codes = errors(parse_repository, {"repository": "github:acme"})
    assert detail == {
        "repository": ["Invalid repository: 'github:acme' (expected provider:owner/name)."]
    }
    assert codes == {"repository": ["invalid_repository"]}


def test_sizes_are_bounded_by_the_limits() -> None:
    limits = Limits(max_repositories_per_project=2, max_patterns_per_repository=2)
    repositories = [{"repository": f"github:acme/r{i}"} for i in range(3)]
    detail, codes = errors(parse_project_patch, {"repositories": repositories}, limits=limits)
    assert detail == {"repositories": ["Ensure this field has no more than 2 elements."]}
    assert codes == {"repositories": ["max_length"]}
    detail, _ = errors(parse_repository_patch, {"branch_patterns": ["a", "b", "c"]}, limits=limits)
    assert detail == {"branch_patterns": ["Ensure this field has no more than 2 elements."]}
    # The same payload passes under the default limits.
    assert len(parse_project_patch({"repositories": repositories}).repositories) == 3


def test_empty_branch_patterns() -> None:
    detail, codes = errors(parse_repository_patch, {"branch_patterns": []})
    assert detail == {"branch_patterns": ['This list may not be empty (use "*" for all branches).']}
    assert codes == {"branch_patterns": ["empty"]}


@pytest.mark.parametrize(
    ("environment", "code"),
    [
        ("", "blank"),
        ("prod uction", "invalid_identifier"),
        ("prod\x00", "invalid_identifier"),
        ("e" * 201, "max_length"),
        (5, "invalid"),
    ],
)
def test_environment_names(environment: object, code: str) -> None:
    _, codes = errors(parse_project_patch, {"environments": ["production", environment]})
    assert codes == {"environments": {"1": [code]}}


def test_identifiers_may_not_hold_control_characters() -> None:
    detail, _ = errors(parse_project, {"organization_id": "acme", "project_id": "we\nb"})
    assert detail == {
        "project_id": ["This field may not contain whitespace or control characters."]
    }


@pytest.mark.parametrize(
    ("version", "code"),
    [(-1, "min_value"), (2**63, "max_value"), (True, "invalid"), (1.0, "invalid")],
)
def test_versions_are_non_negative_integers(version: object, code: str) -> None:
    _, codes = errors(parse_organization, {"organization_id": "acme", "version": version})
    assert codes == {"version": [code]}


def test_export_errors_point_into_the_projects() -> None:
    document = {
        "organization_id": "acme",
        "projects": [
            {"organization_id": "other", "project_id": "web"},
            {"organization_id": "acme", "project_id": "api", "scan_enabled_override": 1},
            {"organization_id": "acme", "project_id": "api"},
            7,
        ],
    }
    _, codes = errors(parse_export, document)
    assert codes == {
        "projects": [
            {"organization_id": ["organization_mismatch"]},
            {"scan_enabled_override": ["invalid"]},
            {},
            {"non_field_errors": ["invalid"]},
        ]
    }
    _detail, codes = errors(parse_export, {"organization_id": "acme"})
    assert codes == {"projects": ["required"]}


def test_the_error_carries_findings_with_paths() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_project_patch({"repositories": [{"repository": "github:a/b", "ai_enabled": 0}]})
    (finding,) = caught.value.findings
    assert finding == Finding(
        "invalid", Severity.ERROR, ("repositories", 0, "ai_enabled"), "Must be a valid boolean."
    )
    assert finding.field == "repositories[0].ai_enabled"
    assert caught.value.status == 400


# --- accepted input -------------------------------------------------------------------------


def test_repository_item_defaults() -> None:
    repository = parse_repository({"repository": "gitlab:acme/tools/cli"})
    assert repository == RepositorySettings(RepositoryRef.parse("gitlab:acme/tools/cli"))


def test_patches_parse_to_the_domain_patches() -> None:
    assert parse_organization_patch({}) == OrganizationPatch()
    assert parse_organization_patch(
        {"locked": ["fix_enabled", "scan_enabled"], "max_stopping_point": None}
    ) == OrganizationPatch(
        locked=frozenset({Setting.FIX_ENABLED, Setting.SCAN_ENABLED}), max_stopping_point=None
    )
    assert parse_repository_patch({"stopping_point_override": "merge"}) == RepositoryPatch(
        stopping_point_override=StoppingPoint.MERGE
    )


def test_the_converter_is_the_one_behind_the_parsers() -> None:
    data = {"organization_id": "acme", "project_id": "web", "fix_enabled_override": True}
    assert CONVERTER.structure(data, ProjectSettings) == parse_project(data)
    assert CONVERTER.unstructure(parse_project(data)) == dump_project(parse_project(data))


# --- round trips ----------------------------------------------------------------------------


def through_json(document: object) -> Any:
    return json.loads(json.dumps(document))


@given(s.organization_settings(respect_ceiling=False))
def test_organization_round_trip(organization: OrganizationSettings) -> None:
    assert parse_organization(through_json(dump_organization(organization))) == organization


@given(s.project_settings())
def test_project_round_trip(project: ProjectSettings) -> None:
    assert parse_project(through_json(dump_project(project))) == project


@given(s.repository_settings())
def test_repository_round_trip(repository: RepositorySettings) -> None:
    assert parse_repository(through_json(dump_repository(repository))) == repository


@given(s.organization_settings("acme"), st.lists(s.project_settings(), max_size=4))
def test_export_round_trip(
    organization: OrganizationSettings, projects: list[ProjectSettings]
) -> None:
    unique = {project.project_id: project for project in projects}
    expected = tuple(sorted(unique.values(), key=lambda project: project.project_id))
    document = through_json(dump_export(organization, expected))
    assert parse_export(document) == (organization, expected)


@given(s.project_settings())
def test_a_patch_of_every_field_rebuilds_the_project(project: ProjectSettings) -> None:
    document = dump_project(project)
    for key in ("organization_id", "project_id", "version"):
        del document[key]
    patch = parse_project_patch(through_json(document))
    assert (
        patch.apply(
            ProjectSettings(project.organization_id, project.project_id, version=project.version)
        )
        == project
    )


def test_dumps_export_without_a_stored_organization() -> None:
    text = dumps_export(None, [ProjectSettings("acme", "web")], "acme")
    organization, projects = parse_export(json.loads(text))
    assert organization == OrganizationSettings("acme")
    assert projects == (ProjectSettings("acme", "web"),)


# --- JSON Schema: a tiny validator for the keywords the schemas use --------------------------


def validate(
    instance: object, schema: dict[str, Any], root: dict[str, Any], path: str = "$"
) -> None:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        validate(instance, root["$defs"][name], root, path)
        return
    if "anyOf" in schema:
        failures = []
        for option in schema["anyOf"]:
            try:
                validate(instance, option, root, path)
            except AssertionError as failure:
                failures.append(str(failure))
            else:
                break
        else:
            raise AssertionError(f"{path}: no option of anyOf matches: {failures}")
    types = schema.get("type")
    if types is not None:
        allowed = types if isinstance(types, list) else [types]
        checks = {
            "null": lambda v: v is None,
            "boolean": lambda v: isinstance(v, bool),
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "string": lambda v: isinstance(v, str),
            "array": lambda v: isinstance(v, list),
            "object": lambda v: isinstance(v, dict),
        }
        assert any(checks[t](instance) for t in allowed), f"{path}: {instance!r} is not {types}"
    if "enum" in schema:
        assert instance in schema["enum"], f"{path}: {instance!r} not in {schema['enum']}"
    if isinstance(instance, str):
        assert len(instance) >= schema.get("minLength", 0), path
        assert len(instance) <= schema.get("maxLength", len(instance)), path
        if "pattern" in schema:
            assert re.search(schema["pattern"], instance), (
                f"{path}: {instance!r} !~ {schema['pattern']}"
            )
    if isinstance(instance, int) and not isinstance(instance, bool):
        assert instance >= schema.get("minimum", instance), path
        assert instance <= schema.get("maximum", instance), path
    if isinstance(instance, list):
        assert len(instance) >= schema.get("minItems", 0), path
        assert len(instance) <= schema.get("maxItems", len(instance)), path
        if "items" in schema:
            for index, item in enumerate(instance):
                validate(item, schema["items"], root, f"{path}[{index}]")
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", ()):
            assert key in instance, f"{path}: missing {key}"
        for key, value in instance.items():
            if key in properties:
                validate(value, properties[key], root, f"{path}.{key}")
            else:
                assert schema.get("additionalProperties", True) is not False, f"{path}: extra {key}"


def check(document: object, name: str) -> None:
    schema = json_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    validate(through_json(document), schema, schema)


@given(s.optional_organizations, s.project_settings())
def test_every_dumped_document_validates_against_its_schema(
    organization: OrganizationSettings | None, project: ProjectSettings
) -> None:
    stored = organization or OrganizationSettings("acme")
    check(dump_organization(stored), "organization")
    check(dump_organization(stored, resolve_organization(organization), ()), "organization_read")
    check(dump_project(project), "project")
    resolution = resolve_project(organization, project)
    warnings = [Finding("fix_without_scan", Severity.WARNING, ("fix_enabled_override",), "!")]
    check(dump_project(project, resolution, warnings), "project_read")
    check(dump_resolution(resolution), "resolution")
    for repository in project.repositories:
        check(dump_repository(repository), "repository")
        decision = decide(organization, project, repository=repository.repository, branch="main")
        check(dump_decision(decision), "decision")
    check(dump_decision(decide(organization, project)), "decision")
    check(dump_export(stored, [project]), "export")
    check(dump_impact(preview_impact(organization, stored, [project])), "impact")
    check(dump_findings(warnings), "findings")


def test_schemas_follow_the_parser_rules() -> None:
    patch = json_schema("project_patch")
    assert "required" not in patch
    assert patch["additionalProperties"] is False
    assert "version" not in patch["properties"]
    project = json_schema("project")
    assert project["required"] == ["organization_id", "project_id"]
    assert project["properties"]["environments"]["maxItems"] == 50
    repository = json_schema("repository")
    assert repository["properties"]["branch_patterns"]["default"] == ["*"]
    assert (
        json_schema("project", limits=Limits(max_environments=3))["properties"]["environments"][
            "maxItems"
        ]
        == 3
    )


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_is_json(name: str) -> None:
    schema = json_schema(name)
    assert json.loads(json.dumps(schema)) == schema


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_is_titled_with_its_name_and_defines_what_it_references(name: str) -> None:
    schema = json_schema(name)
    assert schema["title"] == name
    references = set(re.findall(r'"\$ref": "#/\$defs/(\w+)"', json.dumps(schema)))
    assert references <= set(schema["$defs"])
    assert all(isinstance(schema["$defs"][reference], dict) for reference in references)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_defines_a_repository_and_a_project_as_their_own_schemas_do(
    name: str,
) -> None:
    defs = json_schema(name)["$defs"]
    for payload in ("repository", "project"):
        own = json_schema(payload)
        del own["$schema"], own["title"], own["$defs"]
        assert defs[payload] == own


def test_a_schema_is_the_callers_to_change() -> None:
    schema = json_schema("project_read")
    schema["$defs"]["trace"]["properties"].clear()
    schema["properties"]["effective"]["required"].clear()
    assert json_schema("project_read")["$defs"]["trace"]["properties"]
    assert json_schema("project_read")["properties"]["effective"]["required"]


def test_unknown_schema_name() -> None:
    expected = "Unknown payload 'nope'; expected one of organization, organization_patch, project,"
    with pytest.raises(KeyError, match=expected):
        json_schema("nope")


def test_a_repository_item_with_a_non_string_key_is_an_error_not_dropped() -> None:
    """Python callers (and YAML, msgpack) can send keys JSON cannot; nothing vanishes."""
    with pytest.raises(ValidationError) as info:
        parse_project_patch({"repositories": [{"repository": "github:a/b", 5: 1}]})
    assert info.value.codes == {"repositories": [{"non_field_errors": ["unknown_field"]}]}


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "\\ud800"}',
        '{"b\\ud800": 1}',
        "[NaN]",
        '{"a": Infinity}',
        "[" * 50_000 + "]" * 50_000,
    ],
)
def test_load_json_refuses_what_no_edge_can_handle(text: str) -> None:
    with pytest.raises(ValueError, match=r"^JSON parse error - "):
        load_json(text)


def test_load_json_keeps_proper_surrogate_pairs() -> None:
    assert load_json('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


# The bulk request (moved from the HTTP kit: the same inputs, bodies and codes) ---------------


def test_a_bulk_request_is_project_ids_and_a_patch_or_a_reset() -> None:
    assert parse_bulk({"projects": ["a", "a", ""], "reset": True}) == (["a", "a", ""], None)
    projects, patch = parse_bulk({"projects": ["a"], "changes": {"fix_enabled_override": True}})
    assert projects == ["a"]
    assert patch == ProjectPatch(fix_enabled_override=True)


def test_a_bulk_request_names_at_least_one_project_as_the_service_requires() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_bulk({"projects": [], "changes": {"fix_enabled_override": True}})
    assert caught.value.detail == {"projects": ["This list may not be empty."]}
    assert caught.value.codes == {"projects": ["empty"]}


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (["a"], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        (
            {},
            {
                "projects": ["This field is required."],
                "non_field_errors": ['Give "changes" (a project patch) or "reset": true.'],
            },
        ),
        (
            {"projects": ["a"], "reset": False},
            {"changes": ['This field is required unless "reset" is true.']},
        ),
        ({"projects": ["a"], "reset": None}, {"reset": ["Must be a valid boolean."]}),
        ({"projects": None, "reset": True}, {"projects": ["This field may not be null."]}),
        (
            {"projects": ("a",), "reset": True},
            {"projects": ['Expected a list of items but got type "tuple".']},
        ),
        (
            {"projects": ["a", 1, None], "reset": True},
            {"projects": {"1": ["Not a valid string: 1."], "2": ["Not a valid string: None."]}},
        ),
        (
            {"projects": ["a"], "reset": True, "changes": {"x": 1}, "zz": 1, 5: 2},
            {
                "zz": ["Unknown field."],
                "non_field_errors": [
                    "Unknown field 5.",
                    'Give either "changes" or "reset": true, not both.',
                ],
                "changes": {"x": ["Unknown field."]},
            },
        ),
    ],
    ids=["list", "empty", "no-changes", "null-reset", "null-projects", "tuple", "items", "all"],
)
def test_bulk_request_errors(data: object, detail: object) -> None:
    with pytest.raises(ValidationError) as info:
        parse_bulk(data)
    assert info.value.detail == detail


def test_the_bulk_size_is_bounded_before_the_items_are_read() -> None:
    small = Limits(max_bulk_projects=2)
    with pytest.raises(ValidationError) as info:
        parse_bulk({"projects": [1, 2, 3], "reset": True}, limits=small)
    assert info.value.codes == {"projects": ["max_length"]}
    assert parse_bulk({"projects": ["a", "b"], "reset": True}, limits=small) == (["a", "b"], None)


@given(st.text() | st.binary() | st.none() | st.integers())
def test_load_json_returns_a_value_or_raises_value_error(data: Any) -> None:
    try:
        load_json(data)
    except ValueError as error:
        assert str(error).startswith("JSON parse error - ")  # noqa: PT017 - any input at all


# --- what the parsers accept at the edges (issue 20: the parse hooks' own examples) ----------

EXPIRY = "scan_enabled_override_expires_at"


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-12-01T10:00+01:00", "2026-12-01T09:00:00+00:00"),
        ("2026-12-01t09:00:00Z", "2026-12-01T09:00:00+00:00"),
        ("2026-12-01T09:00:00.5-02:30", "2026-12-01T11:30:00.500000+00:00"),
    ],
)
def test_an_expiry_is_an_aware_iso_date_and_time_read_as_utc(text: str, utc: str) -> None:
    expires_at = parse_project_patch({EXPIRY: text}).scan_enabled_override_expires_at
    assert expires_at.isoformat() == utc  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text", ["2026-12-01 09:00Z", "2026-12-01X09:00Z", "2026-12-01T", "2026-12-01Tnine", "2026"]
)
def test_an_expiry_separates_its_date_and_time_with_t(text: str) -> None:
    _, codes = errors(parse_project_patch, {EXPIRY: text})
    assert codes == {EXPIRY: ["invalid_datetime"]}


def test_a_null_branch_rule_is_refused_as_null() -> None:
    _, codes = errors(
        parse_repository, {"repository": "github:acme/api", "branch_patterns": [None]}
    )
    assert codes == {"branch_patterns": {"0": ["null"]}}


def test_a_rule_object_without_an_override_is_the_plain_pattern() -> None:
    text = "rule-object-without-override"
    parsed = parse_repository(
        {"repository": "github:acme/api", "branch_patterns": [{"pattern": text}]}
    )
    plain = parse_repository({"repository": "github:acme/api", "branch_patterns": [text]})
    assert parsed == plain
    assert parsed.branch_patterns[0].stopping_point_override is None


@given(s.branch_patterns)
def test_a_pattern_parses_to_the_same_rule_every_time(pattern: Any) -> None:
    """Parsed texts are shared between parses; the second answer is the first's."""
    data = {"repository": "github:acme/api", "branch_patterns": [pattern.text, pattern.text]}
    first = parse_repository(data)
    assert parse_repository(data) == first
    assert [rule.pattern for rule in first.branch_patterns] == [pattern, pattern]
    invariant = {"name": "m", "kind": "merge_only_on_branches", "branches": [pattern.text]}
    assert parse_invariant(invariant) == parse_invariant(invariant)
    assert parse_invariant(invariant).branches == (pattern,)  # type: ignore[attr-defined]


def test_the_parsed_text_caches_start_over_when_full_and_still_answer() -> None:
    texts = [f"cache-fill-{index}" for index in range(4097)]
    for text in texts:
        parse_repository({"repository": f"github:acme/{text}", "branch_patterns": [text]})
        parse_invariant({"name": "m", "kind": "merge_only_on_branches", "branches": [text]})
    for text in ["*", texts[-1]]:
        rules = parse_repository({"repository": "github:acme/api", "branch_patterns": [text]})
        assert rules.branch_patterns[0].pattern.text == text


@pytest.mark.parametrize(
    "text",
    [
        "github:acme/api",
        "gitlab:group/sub/api",
        "github:group/sub/api",
        "bitbucket:a/b/c",
        "github:acme/.",
        "github:acme/..",
        "gitlab:group/sub/..",
        "github:acme/." + "a" * 240,
        "github:acme/" + "a" * 300,
        "gitlab:" + "/".join(["g" * 40] * 6) + "/api",  # each part valid, too long in all
    ],
)
def test_the_parser_reads_a_repository_as_repository_ref_parse_does(text: str) -> None:
    expected = _parse_ref(text)
    if isinstance(expected, InvalidValueError):
        detail, codes = errors(parse_repository, {"repository": text})
        assert (detail, codes) == (
            {"repository": [expected.message]},
            {"repository": [expected.code]},
        )
    else:
        parsed = parse_repository({"repository": text}).repository
        assert parse_repository({"repository": text}).repository == parsed  # parsed twice
        assert (parsed.provider, parsed.owner, parsed.name) == (
            expected.provider,
            expected.owner,
            expected.name,
        )


def _parse_ref(text: str) -> RepositoryRef | InvalidValueError:
    try:
        return RepositoryRef.parse(text)
    except InvalidValueError as error:
        return error


@given(st.one_of(s.repository_refs().map(str), s.unparsable_repository_texts))
def test_every_repository_text_reads_as_repository_ref_parse_reads_it(text: str) -> None:
    test_the_parser_reads_a_repository_as_repository_ref_parse_does(text)


def test_a_document_at_each_limit_is_accepted() -> None:
    limits = Limits(
        max_repositories_per_project=1,
        max_patterns_per_repository=2,
        max_identifier_length=4,
    )
    document = {
        "organization_id": "acme",
        "project_id": "webx",
        "repositories": [
            {
                "repository": "github:acme/api",
                "branch_patterns": [{"pattern": "a"}, {"pattern": "b"}],
            }
        ],
    }
    assert parse_project(document, limits=limits).project_id == "webx"
    version = parse_organization({"organization_id": "acme", "version": 2**63 - 1}).version
    assert version == 2**63 - 1


def test_the_callers_limits_reach_every_part_of_an_export() -> None:
    limits = Limits(max_identifier_length=3)
    _, codes = errors(parse_export, {"organization_id": "acme", "projects": []}, limits=limits)
    assert codes == {"organization_id": ["max_length"]}
    project = {"organization_id": "acm", "project_id": "webx"}
    _, codes = errors(
        parse_export, {"organization_id": "acm", "projects": [project]}, limits=limits
    )
    assert codes == {"projects": [{0: {"project_id": ["max_length"]}}]} or "projects" in codes
    _, codes = errors(
        parse_bulk,
        {"projects": ["web"], "changes": {"environments": ["a", "b"]}},
        limits=Limits(max_environments=1),
    )
    assert "changes" in codes


@pytest.mark.parametrize(
    ("parse", "data", "message"),
    [
        (parse_export, [], "Invalid data. Expected a dictionary, but got list."),
        (parse_invariant, [], "Invalid data. Expected a dictionary, but got list."),
        (
            parse_project,
            {"organization_id": "acme", "project_id": "web", "repositories": 5},
            'Expected a list of items but got type "int".',
        ),
    ],
)
def test_what_a_parser_says_of_a_document_of_the_wrong_shape(
    parse: Any, data: object, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(data)
    assert message in str(caught.value)


def test_a_bulk_reset_carries_no_patch() -> None:
    assert parse_bulk({"projects": ["web", "api"], "reset": True}) == (["web", "api"], None)
    projects, patch = parse_bulk({"projects": ["web"], "changes": {"fix_enabled_override": True}})
    assert projects == ["web"]
    assert patch is not None
    assert patch.fix_enabled_override is True


def test_json_that_is_not_unicode_text_is_refused_wherever_it_is() -> None:
    for text in ['{"a": [["\\ud800"]]}', '["\ud800"]', '{"\\udfff": 1}']:
        with pytest.raises(ValueError, match=r"is not Unicode text \(a lone surrogate\)"):
            load_json(text)
    with pytest.raises(ValueError, match=r"^JSON parse error - '\\ud800' is not Unicode text"):
        load_json('["\\ud800"]')
    with pytest.raises(ValueError, match=r"^JSON parse error - 'x{39} is not Unicode text"):
        load_json('["' + "x" * 60 + '\\ud800"]')
    with pytest.raises(ValueError, match=r"^JSON parse error - expected text or bytes, not int$"):
        load_json(5)  # type: ignore[arg-type]


MERGE_ONLY = {"name": "m", "kind": "merge_only_on_branches"}


@pytest.mark.parametrize(
    ("parse", "data", "codes", "detail"),
    [
        (parse_invariant, {**MERGE_ONLY, "branches": []}, ["empty"], None),
        (parse_invariant, {**MERGE_ONLY, "branches": [None]}, {"0": ["null"]}, None),
        (
            parse_invariant,
            {**MERGE_ONLY, "branches": [5]},
            {"0": ["invalid"]},
            {"0": ["Not a valid string."]},
        ),
        (parse_repository, {"repository": 5}, ["invalid"], ["Not a valid string."]),
        (
            parse_repository,
            {"repository": "github:acme/api", "branch_patterns": [{"pattern": 5}]},
            [{"pattern": ["invalid"]}],
            [{"pattern": ["Not a valid string."]}],
        ),
    ],
)
def test_what_the_parser_says_of_a_missing_or_mistyped_pattern_or_repository(
    parse: Any, data: dict[str, Any], codes: object, detail: object
) -> None:
    found_detail, found_codes = errors(parse, data)
    (field,) = set(found_codes) & {"branches", "repository", "branch_patterns"}
    assert found_codes[field] == codes
    if detail is not None:
        assert found_detail[field] == detail


def test_a_text_where_a_list_of_branches_belongs_is_refused_even_if_made_of_known_patterns() -> (
    None
):
    assert parse_invariant({**MERGE_ONLY, "branches": ["a", "b"]})  # "a" and "b" are known now
    _, codes = errors(parse_invariant, {**MERGE_ONLY, "branches": "ab"})
    assert codes == {"branches": ["not_a_list"]}


def test_only_the_documents_own_errors_are_reported_at_the_largest_version() -> None:
    document = {"organization_id": "acme", "version": 2**63 - 1, "fix_enabled": "no"}
    _, codes = errors(parse_organization, document)
    assert codes == {"fix_enabled": ["invalid"]}
