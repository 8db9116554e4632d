"""The product's voice: every user-facing message, once, in one table.

The codes are the contract; the messages are what people read, and must not change by
accident. Each row is an input that draws one finding through the public parsers, rules or
values (the messages stay where they are built; this table pins them). Changing a message on
purpose means changing its row here, and a changelog line.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ai_settings_core import (
    BranchPattern,
    OrganizationSettings,
    ProjectSettings,
    Provider,
    RepositoryRef,
    RepositorySettings,
    Setting,
    Severity,
    StoppingPoint,
    codec,
)
from ai_settings_core.changes import FieldChange
from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.limits import Limits
from ai_settings_core.domain.rules import (
    check_bulk_size,
    duplicate_repository,
    validate_document_projects,
    validate_organization,
    validate_project,
)
from ai_settings_core.errors import InvalidValueError, ValidationError

REPO = RepositoryRef.parse("github:acme/api")
MERGE = StoppingPoint.MERGE
CAPPED_ORG = OrganizationSettings("acme", max_stopping_point=StoppingPoint.PULL_REQUEST)
ONE = Limits(max_repositories_per_project=1, max_patterns_per_repository=1, max_environments=1)
TOO_MANY = ProjectSettings(
    "acme",
    "web",
    repositories=(
        RepositorySettings(REPO, True, (BranchPattern("a"), BranchPattern("b"))),
        RepositorySettings(RepositoryRef.parse("github:acme/web")),
    ),
    environments=frozenset({"dev", "prod"}),
)
NAIVE = dt.datetime(2026, 1, 1)  # noqa: DTZ001 - the naive time an audit entry refuses
ORG = {"organization_id": "acme"}
PROJECT = {"organization_id": "acme", "project_id": "web"}


# The advice for the settings page; every other finding is an error that blocks a write.
WARNINGS = {"fix_without_scan", "no_repository_for_stopping_point"}


def parsed(parse, data):
    """The findings of a payload a parser refuses."""
    with pytest.raises(ValidationError) as info:
        getattr(codec, parse)(data)
    return info.value.findings


def value_error(make, *arguments):
    with pytest.raises(InvalidValueError) as info:
        make(*arguments)
    return info.value


def repository(data):
    return {**PROJECT, "repositories": [{"repository": "github:acme/api", **data}]}


# (code, field, message, how to draw it): one row per message.
MESSAGES = [
    # --- the codec: types, choices, shapes ----------------------------------------------------
    (
        "invalid",
        "fix_enabled",
        "Must be a valid boolean.",
        lambda: parsed("parse_organization", {**ORG, "fix_enabled": "no"}),
    ),
    (
        "null",
        "fix_enabled",
        "This field may not be null.",
        lambda: parsed("parse_organization", {**ORG, "fix_enabled": None}),
    ),
    (
        "invalid_choice",
        "stopping_point",
        '"far" is not a valid choice.',
        lambda: parsed("parse_organization", {**ORG, "stopping_point": "far"}),
    ),
    (
        "invalid_choice",
        "locked[0]",
        '"x" is not a valid choice.',
        lambda: parsed("parse_organization", {**ORG, "locked": ["x"]}),
    ),
    (
        "min_value",
        "version",
        "Ensure this value is greater than or equal to 0.",
        lambda: parsed("parse_organization", {**ORG, "version": -1}),
    ),
    (
        "max_value",
        "version",
        "Ensure this value is less than or equal to 9223372036854775807.",
        lambda: parsed("parse_organization", {**ORG, "version": 2**63}),
    ),
    (
        "invalid",
        "version",
        "A valid integer is required.",
        lambda: parsed("parse_organization", {**ORG, "version": "1"}),
    ),
    (
        "invalid",
        "organization_id",
        "Not a valid string.",
        lambda: parsed("parse_organization", {"organization_id": 5}),
    ),
    (
        "required",
        "organization_id",
        "This field is required.",
        lambda: parsed("parse_organization", {}),
    ),
    (
        "unknown_field",
        "colour",
        "Unknown field.",
        lambda: parsed("parse_organization", {**ORG, "colour": 1}),
    ),
    (
        "unknown_field",
        "non_field_errors",
        "Unknown field 1.",
        lambda: parsed("parse_organization", {**ORG, 1: 1}),
    ),
    (
        "invalid",
        "scan_enabled_override_expires_at",
        "A date and time is required, as ISO 8601 text like 2026-12-01T09:00:00Z.",
        lambda: parsed("parse_project_patch", {"scan_enabled_override_expires_at": 5}),
    ),
    (
        "invalid_datetime",
        "scan_enabled_override_expires_at",
        '"2026-12-01" is not a date and time in ISO 8601 form (like 2026-12-01T09:00:00Z).',
        lambda: parsed("parse_project_patch", {"scan_enabled_override_expires_at": "2026-12-01"}),
    ),
    (
        "naive_datetime",
        "scan_enabled_override_expires_at",
        '"2026-12-01T09:00" has no time zone: add Z (UTC) or an offset, like 2026-12-01T09:00:00Z.',
        lambda: parsed(
            "parse_project_patch", {"scan_enabled_override_expires_at": "2026-12-01T09:00"}
        ),
    ),
    (
        "invalid_datetime",
        "scan_enabled_override_expires_at",
        '"0001-01-01T00:00+01:00" is outside the range of dates.',
        lambda: parsed(
            "parse_project_patch", {"scan_enabled_override_expires_at": "0001-01-01T00:00+01:00"}
        ),
    ),
    (
        "invalid",
        "repositories[0].branch_patterns[0]",
        'Expected a branch pattern or a rule {"pattern", "stopping_point_override"}, but got int.',
        lambda: parsed("parse_project", repository({"branch_patterns": [5]})),
    ),
    (
        "unknown_field",
        "repositories[0].branch_patterns[0].colour",
        "Unknown field.",
        lambda: parsed(
            "parse_project", repository({"branch_patterns": [{"pattern": "main", "colour": 1}]})
        ),
    ),
    (
        "unknown_field",
        "repositories[0].branch_patterns[0].non_field_errors",
        "Unknown field 1.",
        lambda: parsed("parse_project", repository({"branch_patterns": [{"pattern": "a", 1: 1}]})),
    ),
    (
        "required",
        "repositories[0].branch_patterns[0].pattern",
        "This field is required.",
        lambda: parsed("parse_project", repository({"branch_patterns": [{}]})),
    ),
    (
        "invalid_pattern",
        "repositories[0].branch_patterns[0].pattern",
        "Invalid branch pattern '': may not be empty.",
        lambda: parsed("parse_project", repository({"branch_patterns": [{"pattern": ""}]})),
    ),
    (
        "invalid_choice",
        "repositories[0].branch_patterns[0].stopping_point_override",
        '"far" is not a valid choice.',
        lambda: parsed(
            "parse_project",
            repository({"branch_patterns": [{"pattern": "a", "stopping_point_override": "far"}]}),
        ),
    ),
    (
        "not_a_list",
        "projects",
        'Expected a list of items but got type "int".',
        lambda: parsed("parse_export", {**ORG, "projects": 5}),
    ),
    (
        "read_only",
        "sources",
        "This field is read-only.",
        lambda: parsed("parse_organization", {**ORG, "sources": {}}),
    ),
    (
        "invalid",
        "",
        "Invalid data. Expected a dictionary, but got list.",
        lambda: parsed("parse_organization", []),
    ),
    (
        "not_a_list",
        "locked",
        'Expected a list of items but got type "str".',
        lambda: parsed("parse_organization", {**ORG, "locked": "x"}),
    ),
    (
        "blank",
        "organization_id",
        "This field may not be blank.",
        lambda: parsed("parse_organization", {"organization_id": ""}),
    ),
    (
        "max_length",
        "organization_id",
        "Ensure this field has no more than 200 characters.",
        lambda: parsed("parse_organization", {"organization_id": "a" * 201}),
    ),
    (
        "invalid_identifier",
        "organization_id",
        "This field may not contain whitespace or control characters.",
        lambda: parsed("parse_organization", {"organization_id": "a b"}),
    ),
    (
        "invalid_repository",
        "repositories[0].repository",
        "Invalid repository: 'nope' (expected provider:owner/name).",
        lambda: parsed("parse_project", repository({"repository": "nope"})),
    ),
    (
        "invalid_provider",
        "repositories[0].repository",
        '"svn" is not a valid provider (github, gitlab or bitbucket).',
        lambda: parsed("parse_project", repository({"repository": "svn:a/b"})),
    ),
    (
        "empty",
        "repositories[0].branch_patterns",
        'This list may not be empty (use "*" for all branches).',
        lambda: parsed("parse_project", repository({"branch_patterns": []})),
    ),
    (
        "invalid_pattern",
        "repositories[0].branch_patterns[0]",
        "Invalid branch pattern 'a b': may not contain whitespace or control characters.",
        lambda: parsed("parse_project", repository({"branch_patterns": ["a b"]})),
    ),
    (
        "duplicate_repository",
        "repositories[1].repository",
        'Repository "github:ACME/api" is already configured for this project.',
        lambda: parsed(
            "parse_project",
            {
                **PROJECT,
                "repositories": [
                    {"repository": "github:acme/api"},
                    {"repository": "github:ACME/api"},
                ],
            },
        ),
    ),
    (
        "invalid",
        "repositories[0].non_field_errors",
        "Invalid data. Expected a dictionary, but got int.",
        lambda: parsed("parse_project", {**PROJECT, "repositories": [5]}),
    ),
    (
        "max_length",
        "environments",
        "Ensure this field has no more than 50 elements.",
        lambda: parsed("parse_project", {**PROJECT, "environments": ["a"] * 51}),
    ),
    (
        "invalid",
        "environments[0]",
        "Not a valid string.",
        lambda: parsed("parse_project", {**PROJECT, "environments": [1]}),
    ),
    (
        "empty",
        "projects",
        "This list may not be empty.",
        lambda: parsed("parse_bulk", {"projects": [], "changes": {}}),
    ),
    (
        "invalid",
        "projects[0]",
        "Not a valid string: 1.",
        lambda: parsed("parse_bulk", {"projects": [1], "changes": {}}),
    ),
    (
        "invalid",
        "",
        'Give either "changes" or "reset": true, not both.',
        lambda: parsed("parse_bulk", {"projects": ["a"], "reset": True, "changes": {}}),
    ),
    (
        "required",
        "",
        'Give "changes" (a project patch) or "reset": true.',
        lambda: parsed("parse_bulk", {"projects": ["a"]}),
    ),
    (
        "required",
        "changes",
        'This field is required unless "reset" is true.',
        lambda: parsed("parse_bulk", {"projects": ["a"], "reset": False}),
    ),
    # --- the rules ------------------------------------------------------------------------------
    (
        "locked",
        "scan_enabled_override",
        "Scanning is locked by the organization to on.",
        lambda: validate_project(
            OrganizationSettings("acme", locked=frozenset({Setting.SCAN_ENABLED})),
            ProjectSettings("acme", "web", scan_enabled_override=False),
        ),
    ),
    (
        "locked",
        "fix_enabled_override",
        "Fixing is locked by the organization to off.",
        lambda: validate_project(
            OrganizationSettings("acme", locked=frozenset({Setting.FIX_ENABLED})),
            ProjectSettings("acme", "web", fix_enabled_override=True),
        ),
    ),
    (
        "locked",
        "stopping_point_override",
        'The stopping point is locked by the organization to "pull_request".',
        lambda: validate_project(
            OrganizationSettings("acme", locked=frozenset({Setting.STOPPING_POINT})),
            ProjectSettings("acme", "web", stopping_point_override=StoppingPoint.MERGE),
        ),
    ),
    (
        "locked",
        "repositories[0].stopping_point_override",
        'The stopping point is locked by the organization to "pull_request".',
        lambda: validate_project(
            OrganizationSettings("acme", locked=frozenset({Setting.STOPPING_POINT})),
            ProjectSettings(
                "acme",
                "web",
                repositories=(
                    RepositorySettings(REPO, stopping_point_override=StoppingPoint.MERGE),
                ),
            ),
        ),
    ),
    (
        "above_ceiling",
        "stopping_point",
        '"merge" is above the organization\'s maximum stopping point "suggestion".',
        lambda: validate_organization(
            OrganizationSettings(
                "acme",
                stopping_point=StoppingPoint.MERGE,
                max_stopping_point=StoppingPoint.SUGGESTION,
            )
        ),
    ),
    (
        "fix_without_scan",
        "fix_enabled",
        "Fixing is enabled while scanning is off: no fix will run, as fixes start from a scan.",
        lambda: validate_organization(
            OrganizationSettings("acme", scan_enabled=False, fix_enabled=True)
        ),
    ),
    (
        "no_repository_for_stopping_point",
        "repositories",
        (
            'The stopping point "pull_request" needs a repository, and no repository with AI '
            "enabled is configured for this project."
        ),
        lambda: validate_project(
            OrganizationSettings("acme", fix_enabled=True), ProjectSettings("acme", "web")
        ),
    ),
    (
        "invalid_identifier",
        "organization_id",
        "Organization id may not contain whitespace or control characters.",
        lambda: validate_organization(OrganizationSettings("a b")),
    ),
    (
        "max_length",
        "project_id",
        "Ensure this field has no more than 200 characters.",
        lambda: validate_project(None, ProjectSettings("acme", "p" * 201)),
    ),
    (
        "empty",
        "repositories[0].branch_patterns",
        'This list may not be empty (use "*" for all branches).',
        lambda: validate_project(
            None, ProjectSettings("acme", "web", repositories=(RepositorySettings(REPO, True, ()),))
        ),
    ),
    (
        "empty",
        "projects",
        "This list may not be empty.",
        lambda: check_bulk_size(0),
    ),
    (
        "invalid_identifier",
        "organization_id",
        "Organization id may not contain whitespace or control characters.",
        lambda: validate_project(None, ProjectSettings("a b", "web")),
    ),
    (
        "above_ceiling",
        "stopping_point_override",
        '"merge" is above the organization\'s maximum stopping point "pull_request".',
        lambda: validate_project(
            CAPPED_ORG, ProjectSettings("acme", "web", stopping_point_override=MERGE)
        ),
    ),
    (
        "above_ceiling",
        "repositories[0].stopping_point_override",
        '"merge" is above the organization\'s maximum stopping point "pull_request".',
        lambda: validate_project(
            CAPPED_ORG,
            ProjectSettings(
                "acme",
                "web",
                repositories=(RepositorySettings(REPO, stopping_point_override=MERGE),),
            ),
        ),
    ),
    (
        "duplicate_repository",
        "repositories[1].repository",
        'Repository "github:acme/api" is already configured for this project.',
        lambda: validate_project(
            None, ProjectSettings("acme", "web", repositories=(RepositorySettings(REPO),) * 2)
        ),
    ),
    (
        "max_length",
        "repositories",
        "Ensure this field has no more than 1 elements.",
        lambda: validate_project(None, TOO_MANY, limits=ONE),
    ),
    (
        "max_length",
        "repositories[0].branch_patterns",
        "Ensure this field has no more than 1 elements.",
        lambda: validate_project(None, TOO_MANY, limits=ONE),
    ),
    (
        "max_length",
        "environments",
        "Ensure this field has no more than 1 elements.",
        lambda: validate_project(None, TOO_MANY, limits=ONE),
    ),
    (
        "invalid_identifier",
        "project_id",
        "Project id may not contain whitespace or control characters.",
        lambda: validate_project(None, ProjectSettings("acme", "a b")),
    ),
    (
        "invalid_identifier",
        "environments",
        "Environment may not contain whitespace or control characters.",
        lambda: validate_project(None, ProjectSettings("acme", "web", environments=["a b"])),
    ),
    (
        "duplicate_repository",
        "repository",
        'Repository "github:acme/api" is already configured for this project.',
        lambda: [duplicate_repository(("repository",), REPO)],
    ),
    (
        "max_length",
        "projects",
        "Ensure this field has no more than 10000 elements.",
        lambda: check_bulk_size(10_001),
    ),
    (
        "organization_mismatch",
        "projects[0].organization_id",
        'The project belongs to "other", not to "acme".',
        lambda: validate_document_projects("acme", [(0, ProjectSettings("other", "web"))]),
    ),
    (
        "duplicate_project",
        "projects[1].project_id",
        'Project "web" is listed more than once.',
        lambda: validate_document_projects("acme", enumerate([ProjectSettings("acme", "web")] * 2)),
    ),
]

# (code, message, how to raise it): the values' own errors, raised where they are built.
VALUE_MESSAGES = [
    ("invalid_choice", '"far" is not a valid choice.', lambda: StoppingPoint.parse("far")),
    (
        "invalid_provider",
        "5 is not a valid provider (github, gitlab or bitbucket).",
        lambda: Provider.parse(5),
    ),
    (
        "invalid_repository",
        "Invalid repository: 5 (expected provider:owner/name).",
        lambda: RepositoryRef.parse(5),
    ),
    (
        "invalid_repository",
        "Invalid repository: 'github:a/b/c' (expected provider:owner/name).",
        lambda: RepositoryRef.parse("github:a/b/c"),
    ),
    (
        "invalid_repository",
        "Invalid repository: the owner and name must be text.",
        lambda: RepositoryRef(Provider.GITHUB, 1, "api"),
    ),
    ("invalid_pattern", "Invalid branch pattern: 5.", lambda: BranchPattern(5)),
    ("invalid_pattern", "Invalid branch pattern '': may not be empty.", lambda: BranchPattern("")),
    (
        "invalid_audit_entry",
        "Audit entry actor must be a non-empty string, not ''.",
        lambda: AuditEntry(
            "acme",
            None,
            "",
            AuditEvent.ORG_AI_SETTINGS_EDIT,
            "acme",
            dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        ),
    ),
    (
        "invalid_timestamp",
        (
            "Audit entry occurred_at must be a timezone-aware datetime, not "
            "datetime.datetime(2026, 1, 1, 0, 0)."
        ),
        lambda: AuditEntry("acme", None, "user:1", AuditEvent.ORG_AI_SETTINGS_EDIT, "acme", NAIVE),
    ),
    (
        "invalid_audit_changes",
        "Audit entry stored_changes must be a tuple of FieldChange, not [].",
        lambda: AuditEntry(
            "acme",
            None,
            "user:1",
            AuditEvent.ORG_AI_SETTINGS_EDIT,
            "acme",
            dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            [],
        ),
    ),
    (
        "invalid_audit_changes",
        (
            "Audit entry stored_changes['x']: {1} is not a plain value "
            "(bool, str, int, None or a tuple of those)."
        ),
        lambda: AuditEntry(
            "acme",
            None,
            "user:1",
            AuditEvent.ORG_AI_SETTINGS_EDIT,
            "acme",
            dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            (FieldChange("x", {1}, 2),),
        ),
    ),
]


@pytest.mark.parametrize(
    ("code", "field", "message", "draw"),
    MESSAGES,
    ids=[f"{code}:{field}" for code, field, _, _ in MESSAGES],
)
def test_each_finding_says_what_the_table_says(code, field, message, draw):
    found = [(f.code, f.field, f.message, f.severity) for f in draw()]
    severity = Severity.WARNING if code in WARNINGS else Severity.ERROR
    assert (code, field, message, severity) in found


@pytest.mark.parametrize(
    ("code", "message", "raise_it"),
    VALUE_MESSAGES,
    ids=[f"{code}:{index}" for index, (code, _, _) in enumerate(VALUE_MESSAGES)],
)
def test_each_value_error_says_what_the_table_says(code, message, raise_it):
    error = value_error(raise_it)
    assert (error.code, error.message, str(error)) == (code, message, message)


def test_every_code_the_domain_and_codec_emit_has_a_row():
    codes = {row[0] for row in MESSAGES} | {row[0] for row in VALUE_MESSAGES}
    assert codes == {
        "above_ceiling",
        "blank",
        "duplicate_project",
        "duplicate_repository",
        "empty",
        "fix_without_scan",
        "invalid",
        "invalid_audit_changes",
        "invalid_audit_entry",
        "invalid_choice",
        "invalid_datetime",
        "invalid_identifier",
        "invalid_pattern",
        "invalid_provider",
        "invalid_repository",
        "invalid_timestamp",
        "locked",
        "max_length",
        "max_value",
        "min_value",
        "naive_datetime",
        "no_repository_for_stopping_point",
        "not_a_list",
        "null",
        "organization_mismatch",
        "read_only",
        "required",
        "unknown_field",
    }
