"""The documents of the HTTP API beyond the codec's, and their schemas.

Built on the codec's dumps and on the use-case documents the command line prints too
(:mod:`ai_settings_core.codec._documents`: the explanation, the audit entry, the bulk result), so
every document has one shape wherever it appears. The JSON Schemas of those documents are
here, written against the OpenAPI document's component names.
"""

from __future__ import annotations

import itertools
from typing import Any, Final

from ai_settings_core import codec
from ai_settings_core.domain.audit import AuditEvent
from ai_settings_core.domain.settings import Setting
from ai_settings_core.domain.values import StoppingPoint
from ai_settings_core.domain.views import ProjectView, RepositoryView
from ai_settings_core.ports import Page

__all__ = [
    "dump_project_page",
    "dump_repository_view",
    "schemas",
]

JSON = dict[str, Any]


def _ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def dump_repository_view(view: RepositoryView) -> JSON:
    """One repository of a project: its item plus its ``effective`` values and ``sources``."""
    document = codec.dump_repository(view.settings)
    document["effective"] = codec.dump_effective(view.resolution)
    document["sources"] = codec.dump_resolution(view.resolution)
    return document


# Every set of overridden settings, as a listing writes it (sorted): there are eight.
OVERRIDDEN: Final = {
    frozenset(chosen): tuple(sorted(setting.value for setting in chosen))
    for size in range(len(Setting) + 1)
    for chosen in itertools.combinations(Setting, size)
}


def dump_project_page(page: Page[ProjectView]) -> JSON:
    """A page of projects: each project's read document plus ``overridden``, and the cursor.

    Encoded at once, so projects that share one resolution share its dumped traces.
    """
    results = []
    shared: dict[int, Any] = {}
    for view in page.items:
        document = codec.dump_project(view.project, view.resolution, view.warnings, shared=shared)
        document["overridden"] = list(OVERRIDDEN[view.project.overridden])
        results.append(document)
    return {"results": results, "next_cursor": page.next_cursor}


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
            "stopping_point": {"type": "string", "enum": list(StoppingPoint.choices())},
        },
        "required": ["scan_enabled", "fix_enabled", "stopping_point"],
        "additionalProperties": False,
    }
    repository_item: JSON = {
        "type": "object",
        "properties": {
            "repository": {"type": "string"},
            "ai_enabled": {"type": "boolean"},
            "branch_patterns": {
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, _ref("BranchRule")]},
            },
            "stopping_point_override": {
                "anyOf": [
                    {"type": "string", "enum": list(StoppingPoint.choices())},
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
                "change_id": nullable_string,
                "reverts": {"type": ["integer", "null"], "minimum": 1},
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
                "change_id",
                "reverts",
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
        "RevertRequest": {
            "type": "object",
            "description": "force: restore the values even if the records changed since.",
            "properties": {"force": {"type": "boolean"}},
            "additionalProperties": False,
        },
        "RevertResult": {
            "type": "object",
            "properties": {
                "reverted": {"type": "array", "items": {"type": "integer", "minimum": 1}},
                "changed": {"type": "array", "items": {"type": "string"}},
                "organization": {"anyOf": [_ref("OrganizationRead"), {"type": "null"}]},
                "projects": {"type": "array", "items": _ref("ProjectRead")},
                "warnings": _ref("Findings"),
            },
            "required": ["reverted", "changed", "organization", "projects", "warnings"],
            "additionalProperties": False,
        },
        "PlanRequest": {
            "type": "object",
            "description": "A desired-state document (an export) and whether to prune the "
            "projects it leaves out.",
            "properties": {"document": _ref("Export"), "prune": {"type": "boolean"}},
            "required": ["document"],
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
