"""The documents of the HTTP API beyond the codec's, their schemas, and the bulk parser.

Built on the codec's dumps and on the use-case documents the command line prints too
(:mod:`ai_settings_core.codec._documents`: the explanation, the audit entry, the bulk result), so
every document has one shape wherever it appears. The JSON Schemas of those documents are
here, written against the OpenAPI document's component names.
"""

from __future__ import annotations

from typing import Any, Final

from ai_settings_core.codec import _codec as codec
from ai_settings_core.codec import _documents as documents
from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.changes import ProjectPatch
from ai_settings_core.domain.findings import Finding, Severity, build_detail
from ai_settings_core.domain.limits import Limits
from ai_settings_core.domain.settings import Setting
from ai_settings_core.domain.values import _quote
from ai_settings_core.domain.views import BulkResult, ProjectView, RepositoryView
from ai_settings_core.errors import ValidationError
from ai_settings_core.ports import Page

__all__ = [
    "dump_audit_page",
    "dump_bulk_result",
    "dump_project_page",
    "dump_repository_view",
    "parse_bulk",
    "schemas",
]

JSON = dict[str, Any]
_ERROR: Final = Severity.ERROR


def _ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def _effective(view: RepositoryView | ProjectView) -> JSON:
    resolution = view.resolution
    return {
        "scan_enabled": resolution.scan_enabled.value,
        "fix_enabled": resolution.fix_enabled.value,
        "stopping_point": resolution.stopping_point.value.value,
    }


def dump_repository_view(view: RepositoryView) -> JSON:
    """One repository of a project: its item plus its ``effective`` values and ``sources``."""
    document = codec.dump_repository(view.settings)
    document["effective"] = _effective(view)
    document["sources"] = codec.dump_resolution(view.resolution)
    return document


def dump_project_page(page: Page[ProjectView]) -> JSON:
    """A page of projects: each project's read document plus ``overridden``, and the cursor."""
    results = []
    for view in page.items:
        document = codec.dump_project_view(view)
        document["overridden"] = sorted(setting.value for setting in view.project.overridden)
        results.append(document)
    return {"results": results, "next_cursor": page.next_cursor}


def dump_audit_page(page: Page[AuditEntry]) -> JSON:
    """A page of the audit log, newest first, and the cursor of the next page."""
    return {
        "results": [documents.dump_audit_entry(entry) for entry in page.items],
        "next_cursor": page.next_cursor,
    }


def dump_bulk_result(result: BulkResult) -> JSON:
    """What a bulk change did (the command line's document) plus its ``warnings``."""
    document = documents.dump_bulk_result(result)
    document["warnings"] = codec.dump_findings(result.warnings)
    return document


_BULK_KEYS: Final = frozenset({"projects", "changes", "reset"})


def parse_bulk(data: object, limits: Limits) -> tuple[list[str], ProjectPatch | None]:
    """Parse a bulk request: ``{"projects": [...], "changes": {...}}`` or ``"reset": true``.

    Returns the project ids and the patch (``None`` for a reset). The list may hold at most
    ``limits.max_bulk_projects`` items, repeats included; the ids themselves (empty,
    malformed) are checked by the service, with the same paths.

    Raises:
        ValidationError: With DRF's detail, every error of the document at once.
    """
    if not isinstance(data, dict):
        message = f"Invalid data. Expected a dictionary, but got {type(data).__name__}."
        raise _invalid([Finding("invalid", _ERROR, (), message)])
    findings: list[Finding] = [
        Finding("unknown_field", _ERROR, (key,), "Unknown field.")
        for key in sorted(data)
        if key not in _BULK_KEYS
    ]
    projects: list[str] = []
    raw = data.get("projects")
    if "projects" not in data:
        findings.append(Finding("required", _ERROR, ("projects",), "This field is required."))
    elif not isinstance(raw, list):
        findings.append(
            Finding(
                "null" if raw is None else "not_a_list",
                _ERROR,
                ("projects",),
                "This field may not be null."
                if raw is None
                else f'Expected a list of items but got type "{type(raw).__name__}".',
            )
        )
    elif len(raw) > limits.max_bulk_projects:
        findings.append(
            Finding(
                "max_length",
                _ERROR,
                ("projects",),
                f"Ensure this field has no more than {limits.max_bulk_projects} elements.",
            )
        )
    else:
        for index, item in enumerate(raw):
            if isinstance(item, str):
                projects.append(item)
            else:
                findings.append(
                    Finding(
                        "invalid",
                        _ERROR,
                        ("projects", index),
                        f"Not a valid string: {_quote(item)}.",
                    )
                )
    reset = data.get("reset", False)
    if not isinstance(reset, bool):
        findings.append(Finding("invalid", _ERROR, ("reset",), "Must be a valid boolean."))
    patch: ProjectPatch | None = None
    if "changes" in data:
        try:
            patch = codec.parse_project_patch(data["changes"], limits=limits)
        except ValidationError as error:
            findings.extend(
                Finding(f.code, f.severity, ("changes", *f.path), f.message) for f in error.findings
            )
    if reset is True and "changes" in data:
        findings.append(
            Finding("invalid", _ERROR, (), 'Give either "changes" or "reset": true, not both.')
        )
    elif reset is False and "changes" not in data and "reset" not in data:
        findings.append(
            Finding(
                "required",
                _ERROR,
                (),
                'Give "changes" (a project patch) or "reset": true.',
            )
        )
    elif reset is False and "changes" not in data:
        findings.append(
            Finding(
                "required",
                _ERROR,
                ("changes",),
                'This field is required unless "reset" is true.',
            )
        )
    if findings:
        raise _invalid(findings)
    return projects, None if reset else patch


def _invalid(findings: list[Finding]) -> ValidationError:
    detail, codes = build_detail(findings)
    return ValidationError(detail, codes, findings)


# --- schemas ---------------------------------------------------------------------------------


def schemas(
    project_read: JSON, *, max_bulk_projects: int, max_identifier_length: int
) -> dict[str, JSON]:
    """The JSON Schemas of the documents above, by their OpenAPI component name.

    ``project_read`` is the codec's schema of a project read document (with component
    references), which a project of a listing extends with ``overridden``.
    """
    effective = {
        "type": "object",
        "properties": {
            "scan_enabled": {"type": "boolean"},
            "fix_enabled": {"type": "boolean"},
            "stopping_point": {"type": "string", "enum": ["suggestion", "pull_request", "merge"]},
        },
        "required": ["scan_enabled", "fix_enabled", "stopping_point"],
        "additionalProperties": False,
    }
    repository_item: JSON = {
        "type": "object",
        "properties": {
            "repository": {"type": "string"},
            "ai_enabled": {"type": "boolean"},
            "branch_patterns": {"type": "array", "items": {"type": "string"}},
            "stopping_point_override": {
                "anyOf": [
                    {"type": "string", "enum": ["suggestion", "pull_request", "merge"]},
                    {"type": "null"},
                ]
            },
        },
        "required": ["repository", "ai_enabled", "branch_patterns", "stopping_point_override"],
    }
    changes = _ref("Changes")
    nullable_string = {"type": ["string", "null"]}
    overview = dict(project_read)
    overview["properties"] = {
        **project_read["properties"],
        "overridden": {
            "type": "array",
            "items": {"type": "string", "enum": [setting.value for setting in Setting]},
        },
    }
    overview["required"] = [*project_read["required"], "overridden"]
    overview["title"] = "project_overview"
    return {
        "ProjectOverview": overview,
        "RepositoryRead": {
            **repository_item,
            "properties": {
                **repository_item["properties"],
                "effective": effective,
                "sources": _ref("Resolution"),
            },
            "required": [*repository_item["required"], "effective", "sources"],
            "additionalProperties": False,
        },
        "ProjectPage": {
            "type": "object",
            "properties": {
                "results": {"type": "array", "items": _ref("ProjectOverview")},
                "next_cursor": nullable_string,
            },
            "required": ["results", "next_cursor"],
            "additionalProperties": False,
        },
        "AuditEntry": {
            "type": "object",
            "properties": {
                "id": {"type": "integer", "minimum": 0},
                "organization_id": {"type": "string"},
                "project_id": nullable_string,
                "actor": {"type": "string"},
                "event": {"type": "string", "enum": [event.value for event in AuditEvent]},
                "target": {"type": "string"},
                "occurred_at": {"type": "string", "format": "date-time"},
                "stored_changes": changes,
                "effective_changes": changes,
            },
            "required": [
                "id",
                "organization_id",
                "project_id",
                "actor",
                "event",
                "target",
                "occurred_at",
                "stored_changes",
                "effective_changes",
            ],
            "additionalProperties": False,
        },
        "AuditPage": {
            "type": "object",
            "properties": {
                "results": {"type": "array", "items": _ref("AuditEntry")},
                "next_cursor": nullable_string,
            },
            "required": ["results", "next_cursor"],
            "additionalProperties": False,
        },
        "Explanation": {
            "type": "object",
            "properties": {
                "project": _ref("ProjectRead"),
                "repository": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {
                                "repository": {"type": "string"},
                                "configured": {"type": "boolean"},
                                "settings": {"anyOf": [repository_item, {"type": "null"}]},
                                "sources": {"anyOf": [_ref("Resolution"), {"type": "null"}]},
                            },
                            "required": ["repository", "configured", "settings", "sources"],
                            "additionalProperties": False,
                        },
                        {"type": "null"},
                    ]
                },
                "decision": _ref("Decision"),
            },
            "required": ["project", "repository", "decision"],
            "additionalProperties": False,
        },
        "BulkRequest": {
            "type": "object",
            "description": 'One project patch ("changes") or a reset ("reset": true) for '
            "every project named, all or none.",
            "properties": {
                "projects": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": max_identifier_length,
                    },
                    "minItems": 1,
                    "maxItems": max_bulk_projects,
                },
                "changes": _ref("ProjectPatch"),
                "reset": {"type": "boolean"},
            },
            "required": ["projects"],
            "additionalProperties": False,
        },
        "BulkResult": {
            "type": "object",
            "properties": {
                "changed": {"type": "array", "items": {"type": "string"}},
                "projects": {"type": "array", "items": _ref("ProjectRead")},
                "warnings": _ref("Findings"),
            },
            "required": ["changed", "projects", "warnings"],
            "additionalProperties": False,
        },
        "ErrorDetail": {
            "type": "object",
            "description": "Django REST Framework's body for an error that is not about fields.",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
            "additionalProperties": False,
        },
        "ValidationErrorDetail": {
            "description": "The body of a 400: Django REST Framework's validation error body "
            '(FieldErrors: {"field": ["message", ...], "non_field_errors": [...]}, nested for '
            'nested fields), or its parse error body (ErrorDetail: {"detail": "JSON parse '
            'error - ..."}) for a body that is not JSON or a malformed header. The stable '
            "machine codes, in the same shape, are in the AI-Settings-Error-Codes header.",
            "oneOf": [_ref("ErrorDetail"), _ref("FieldErrors")],
        },
        "FieldErrors": {
            "type": "object",
            "description": "The messages of each invalid field, by field name.",
            "additionalProperties": _ref("FieldError"),
        },
        "FieldError": {
            "description": "A field's messages; the fields of a nested object; or, for a "
            "list, one entry per item (the item's messages or fields, {} when it is valid).",
            "anyOf": [
                {"type": "array", "items": {"anyOf": [{"type": "string"}, _ref("FieldErrors")]}},
                _ref("FieldErrors"),
            ],
        },
    }
