"""Settings as code in and out: the desired-state document, the plan, and a revert's result.

The desired-state document is the organization export (:func:`parse_export`). A plan's JSON
form is what ``ai-settings plan --out`` writes and ``apply --plan`` reads back: the document
it was made from, ``prune``, the versions it was computed on and the changes it shows.
"""

from __future__ import annotations

from typing import Any, Final

from ai_settings_core.codec._dump import (
    dump_export,
    dump_field_changes,
    dump_findings,
    dump_organization,
    dump_project_view,
)
from ai_settings_core.codec._errors import (
    ERROR,
    not_a_boolean,
    not_a_dict,
    not_a_list,
    prefixed,
    required,
    unknown_keys,
)
from ai_settings_core.codec._parse import parse_export
from ai_settings_core.domain.changes import FieldChange
from ai_settings_core.domain.findings import Finding, Path
from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.domain.plans import PlanAction, RecordPlan, SettingsDocument, SettingsPlan
from ai_settings_core.domain.views import RevertResult
from ai_settings_core.errors import InvalidValueError, ValidationError

__all__ = ["dump_plan", "dump_revert_result", "parse_document", "parse_plan"]

JSON = dict[str, Any]

_PLAN_KEYS: Final = (
    "organization_id",
    "prune",
    "organization_version",
    "project_versions",
    "changes",
    "document",
)
_CHANGE_KEYS: Final = ("project_id", "action", "stored", "effective")
_FIELD_KEYS: Final = ("field", "before", "after")
_MAX_VERSION: Final = 2**63 - 1
_MAX_PROJECTS: Final = 1_000_000


def parse_document(data: object, *, limits: Limits = DEFAULT_LIMITS) -> SettingsDocument:
    """A desired-state document: an organization export (:func:`parse_export`'s checks)."""
    organization, projects = parse_export(data, limits=limits)
    return SettingsDocument(organization, projects)


def dump_plan(plan: SettingsPlan) -> JSON:
    """A plan as JSON; :func:`parse_plan` reads it back equal."""
    return {
        "organization_id": plan.organization_id,
        "prune": plan.prune,
        "organization_version": plan.organization_version,
        "project_versions": dict(plan.project_versions),
        "changes": [
            {
                "project_id": change.project_id,
                "action": change.action.value,
                "stored": dump_field_changes(change.stored),
                "effective": dump_field_changes(change.effective),
            }
            for change in plan.changes
        ],
        "document": dump_export(plan.organization, plan.projects, versions=False),
    }


def _version(value: object, path: Path, findings: list[Finding]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_VERSION:
        findings.append(Finding("invalid_version", ERROR, path, "Not a valid version."))
        return 0
    return value


def _plain(value: object, path: Path, findings: list[Finding], depth: int = 0) -> object:
    """A recorded value: JSON scalars, and lists of them (as tuples), a few levels deep."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list) and depth < 4:  # noqa: PLR2004 - repositories, rules, a rule
        return tuple(_plain(item, (*path, i), findings, depth + 1) for i, item in enumerate(value))
    findings.append(Finding("invalid", ERROR, path, "Not a recorded value."))
    return None


def _object(
    value: object, keys: tuple[str, ...], path: Path, findings: list[Finding]
) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        findings.extend(prefixed(not_a_dict(value).findings, path))
        return None
    findings.extend(prefixed(unknown_keys(value, keys), path))
    missing = [key for key in keys if key not in value]
    findings.extend(required((*path, key)) for key in missing)
    return None if missing else value


def _list(value: object, path: Path, findings: list[Finding], limit: int) -> list[Any]:
    if not isinstance(value, list):
        findings.extend(prefixed(not_a_list(value).findings, path))
        return []
    if len(value) > limit:
        findings.append(Finding("too_many", ERROR, path, f"At most {limit} items."))
        return []
    return value


def _field_changes(value: object, path: Path, findings: list[Finding]) -> tuple[FieldChange, ...]:
    changes = []
    for index, item in enumerate(_list(value, path, findings, 16)):
        at = (*path, index)
        body = _object(item, _FIELD_KEYS, at, findings)
        if body is None:
            continue
        if not isinstance(body["field"], str):
            findings.append(Finding("invalid", ERROR, (*at, "field"), "Not a valid string."))
            continue
        changes.append(
            FieldChange(
                body["field"],
                _plain(body["before"], (*at, "before"), findings),
                _plain(body["after"], (*at, "after"), findings),
            )
        )
    return tuple(changes)


def _record_plan(value: object, path: Path, findings: list[Finding]) -> RecordPlan | None:
    body = _object(value, _CHANGE_KEYS, path, findings)
    if body is None:
        return None
    project_id = body["project_id"]
    if project_id is not None and not isinstance(project_id, str):
        findings.append(Finding("invalid", ERROR, (*path, "project_id"), "Not a valid string."))
    try:
        action = PlanAction(body["action"])
    except (ValueError, TypeError):
        findings.append(Finding("invalid_choice", ERROR, (*path, "action"), "Not a valid action."))
        return None
    return RecordPlan(
        project_id,
        action,
        _field_changes(body["stored"], (*path, "stored"), findings),
        _field_changes(body["effective"], (*path, "effective"), findings),
    )


def parse_plan(data: object, *, limits: Limits = DEFAULT_LIMITS) -> SettingsPlan:
    """A plan as :func:`dump_plan` wrote it, checked: every error at once, with its path.

    The plan must name the versions of every project its document names (code
    ``invalid_plan``), so applying it can tell whether anything changed since.
    """
    findings: list[Finding] = []
    body = _object(data, _PLAN_KEYS, (), findings)
    if body is None:
        raise ValidationError.from_findings(findings)
    document: SettingsDocument | None = None
    try:
        document = parse_document(body["document"], limits=limits)
    except ValidationError as error:
        findings.extend(prefixed(error.findings, ("document",)))
    prune = body["prune"]
    if not isinstance(prune, bool):
        findings.extend(prefixed(not_a_boolean().findings, ("prune",)))
    organization_version = _version(
        body["organization_version"], ("organization_version",), findings
    )
    versions: dict[str, int] = {}
    raw_versions = body["project_versions"]
    if not isinstance(raw_versions, dict):
        findings.extend(prefixed(not_a_dict(raw_versions).findings, ("project_versions",)))
    elif len(raw_versions) > _MAX_PROJECTS:
        findings.append(Finding("too_many", ERROR, ("project_versions",), "Too many projects."))
    else:
        for project_id, version in raw_versions.items():
            versions[project_id] = _version(version, ("project_versions", project_id), findings)
    changes = [
        _record_plan(item, ("changes", index), findings)
        for index, item in enumerate(
            _list(body["changes"], ("changes",), findings, _MAX_PROJECTS + 1)
        )
    ]
    if document is not None and body["organization_id"] != document.organization_id:
        findings.append(
            Finding(
                "organization_mismatch",
                ERROR,
                ("organization_id",),
                "The plan's organization is not its document's.",
            )
        )
    if findings or document is None:
        raise ValidationError.from_findings(findings)
    try:
        return SettingsPlan(
            document.organization,
            document.projects,
            bool(prune),
            organization_version,
            versions.items(),
            tuple(change for change in changes if change is not None),
        )
    except InvalidValueError as error:
        raise ValidationError.from_findings(
            [Finding(error.code, ERROR, ("project_versions",), str(error))]
        ) from None


def dump_revert_result(result: RevertResult) -> JSON:
    """A revert: the entries undone, what changed, the records after it, the warnings."""
    return {
        "reverted": list(result.reverted),
        "changed": list(result.changed),
        "organization": (
            None
            if result.organization is None
            else dump_organization(
                result.organization.settings,
                result.organization.resolution,
                result.organization.warnings,
            )
        ),
        "projects": [dump_project_view(view) for view in result.projects],
        "warnings": dump_findings(result.warnings),
    }
