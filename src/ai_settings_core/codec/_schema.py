"""JSON Schema (draft 2020-12) of every payload, generated from the codec's definitions.

Input schemas are derived from the same two sources the parser uses: the attrs classes (which
fields exist, which are required, their defaults, which may be ``null``) and the codec's table
of leaf types (each type's schema sits next to its parsing hook). Output schemas extend them
with the read-only parts (``sources``, ``effective``, ``warnings``) and describe the other
dumped documents (resolution, decision, impact, findings).
"""

from __future__ import annotations

import enum
import types
import typing
from typing import Any, Final

import attrs

from ai_settings_core.codec._converter import LEAVES, has_keep, without_keep
from ai_settings_core.codec._dump import dump_rule
from ai_settings_core.codec._hooks import rule_object_schema
from ai_settings_core.codec._invariants import invariant_schema
from ai_settings_core.domain.changes import OrganizationPatch, ProjectPatch, RepositoryPatch
from ai_settings_core.domain.decide import DecisionReason
from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.domain.plans import PlanAction
from ai_settings_core.domain.resolve import Level, Reason
from ai_settings_core.domain.settings import (
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import BranchPattern, RepositoryRef, StoppingPoint

__all__ = ["SCHEMA_NAMES", "json_schema"]

JSON = dict[str, Any]
DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"


def _default(value: object) -> object:
    """An attrs default as JSON."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, frozenset | tuple):
        return sorted(_default(item) for item in value)  # type: ignore[type-var]
    if isinstance(value, BranchRule):
        return dump_rule(value)
    return value


def _field_schema(type_: object, limits: Limits) -> JSON:
    if has_keep(type_):
        type_ = without_keep(type_)
    args = typing.get_args(type_)
    if isinstance(type_, types.UnionType) and type(None) in args:
        (inner,) = [arg for arg in args if arg is not type(None)]
        return {"anyOf": [LEAVES[inner].schema(limits), {"type": "null"}]}
    return LEAVES[type_].schema(limits)


def _object_schema(cls: type, limits: Limits, *, patch: bool) -> JSON:
    """The schema of an input document, from the attrs class the converter structures."""
    hints = typing.get_type_hints(cls)
    properties: JSON = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        schema = _field_schema(hints[field.name], limits)
        if field.default is attrs.NOTHING:
            required.append(field.name)
        elif not patch:
            schema["default"] = _default(field.default)
        properties[field.name] = schema
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _enum(values: type[enum.Enum]) -> JSON:
    return {"type": "string", "enum": [member.value for member in values]}


_SETTING_VALUE: Final = {"anyOf": [{"type": "boolean"}, _enum(StoppingPoint)]}
_EXPIRES_AT: Final = {
    "type": "string",
    "format": "date-time",
    "description": "When the override or lock ends (absent: it does not), in UTC.",
}
_TRACE: Final = {
    "type": "object",
    "properties": {
        "value": _SETTING_VALUE,
        "level": _enum(Level),
        "reason": _enum(Reason),
        "shadowed": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "level": _enum(Level),
                    "value": _SETTING_VALUE,
                    "reason": _enum(Reason),
                    "expires_at": _EXPIRES_AT,
                },
                "required": ["level", "value", "reason"],
                "additionalProperties": False,
            },
        },
        "expires_at": _EXPIRES_AT,
    },
    "required": ["value", "level", "reason", "shadowed"],
    "additionalProperties": False,
}
_RESOLUTION: Final = {
    "type": "object",
    "properties": {setting.value: {"$ref": "#/$defs/trace"} for setting in Setting},
    "required": [setting.value for setting in Setting],
    "additionalProperties": False,
}
_EFFECTIVE: Final = {
    "type": "object",
    "properties": {
        "scan_enabled": {"type": "boolean"},
        "fix_enabled": {"type": "boolean"},
        "stopping_point": _enum(StoppingPoint),
    },
    "required": ["scan_enabled", "fix_enabled", "stopping_point"],
    "additionalProperties": False,
}
_FINDINGS: Final = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "severity": {"type": "string", "enum": ["error", "warning"]},
            "path": {"type": "array", "items": {"type": ["string", "integer"]}},
            "field": {"type": "string"},
            "message": {"type": "string"},
        },
        "required": ["code", "severity", "path", "field", "message"],
        "additionalProperties": False,
    },
}
_CHANGES: Final = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"field": {"type": "string"}, "before": {}, "after": {}},
        "required": ["field", "before", "after"],
        "additionalProperties": False,
    },
}
_DECISION: Final = {
    "type": "object",
    "properties": {
        "scan": {"type": "boolean"},
        "fix": {"type": "boolean"},
        "stopping_point": {"anyOf": [_enum(StoppingPoint), {"type": "null"}]},
        "reasons": {"type": "array", "items": _enum(DecisionReason)},
    },
    "required": ["scan", "fix", "stopping_point", "reasons"],
    "additionalProperties": False,
}
_IMPACT: Final = {
    "type": "object",
    "properties": {
        "organization": {"$ref": "#/$defs/changes"},
        "projects": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "project_id": {"type": "string"},
                    "changes": {"$ref": "#/$defs/changes"},
                    "repositories": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "repository": {"type": "string"},
                                "changes": {"$ref": "#/$defs/changes"},
                            },
                            "required": ["repository", "changes"],
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["project_id", "changes", "repositories"],
                "additionalProperties": False,
            },
        },
        "projects_considered": {"type": "integer", "minimum": 0},
    },
    "required": ["organization", "projects", "projects_considered"],
    "additionalProperties": False,
}


def _plan(document: JSON) -> JSON:
    """A plan (``ai-settings plan --out``): the document it was made from, and what it shows."""
    changes = {"$ref": "#/$defs/changes"}
    change = {
        "project_id": {"type": ["string", "null"]},
        "action": _enum(PlanAction),
        "stored": changes,
        "effective": changes,
    }
    plan = {
        "organization_id": {"type": "string"},
        "prune": {"type": "boolean"},
        "organization_version": {"type": "integer", "minimum": 0},
        "project_versions": {
            "type": "object",
            "additionalProperties": {"type": "integer", "minimum": 0},
        },
        "changes": {"type": "array", "items": _stored(_object(change))},
        "document": document,
    }
    return _stored(_object(plan))


def _object(properties: JSON) -> JSON:
    """An object with these properties and no others (each optional)."""
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _closed(**properties: JSON) -> JSON:
    """An object with exactly these properties, every one present."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _array(items: JSON) -> JSON:
    return {"type": "array", "items": items}


_TEXT: Final = {"type": "string"}
_DECISION_REF: Final = {"$ref": "#/$defs/decision"}
_PLACE: Final = _closed(
    project_id=_TEXT,
    repository=_TEXT,
    branch_pattern=_TEXT,
    environments=_array(_TEXT),
    stopping_point=_enum(StoppingPoint),
)
_EXPOSURE: Final = {
    **_closed(
        organization_id=_TEXT,
        at={"anyOf": [_enum(StoppingPoint), {"type": "null"}]},
        unstored=_DECISION_REF,
        places={
            "type": "object",
            "properties": {point.value: _array(_PLACE) for point in StoppingPoint},
            "additionalProperties": False,
        },
        projects=_array(
            _closed(
                project_id=_TEXT,
                environments=_array(_TEXT),
                effective=_EFFECTIVE,
                unlisted=_DECISION_REF,
                repositories=_array(
                    _closed(
                        repository=_TEXT,
                        ai_enabled={"type": "boolean"},
                        branches=_array(_closed(pattern=_TEXT, decision=_DECISION_REF)),
                    )
                ),
            )
        ),
    ),
    "description": "What AI may do in every stored project, repository and branch pattern: "
    "places maps each stopping point to the places where AI may fix up to it (with at, only "
    "those at or beyond it); decisions hold for events in the project's environments.",
}


def _stored(schema: JSON) -> JSON:
    """A stored document as dumped: every key present but the expiries (written when set)."""
    return {
        **schema,
        "required": [name for name in schema["properties"] if not name.endswith("_expires_at")],
    }


def _with(schema: JSON, required: dict[str, JSON], optional: dict[str, JSON]) -> JSON:
    properties = {**schema["properties"], **required, **optional}
    return {
        **schema,
        "properties": properties,
        "required": [*schema.get("required", ()), *required],
    }


def _invariant(limits: Limits) -> JSON:
    return invariant_schema(
        limits,
        LEAVES[str].schema(limits),
        LEAVES[RepositoryRef].schema(limits),
        LEAVES[tuple[BranchPattern, ...]].schema(limits),
    )


def _invariants_read(limits: Limits) -> JSON:
    text = {"type": "string"}
    nullable = {"type": ["string", "null"]}
    violation = {
        "type": "object",
        "properties": {
            "invariant": text,
            "project_id": nullable,
            "repository": nullable,
            "path": {"type": "array", "items": {"type": ["string", "integer"]}},
            "field": text,
            "message": text,
        },
        "required": ["invariant", "project_id", "repository", "path", "field", "message"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "organization_id": text,
            "invariants": {"type": "array", "items": {"$ref": "#/$defs/invariant"}},
            "violations": {"type": "array", "items": violation},
            "version": LEAVES[int].schema(limits),
        },
        "required": ["organization_id", "invariants", "violations", "version"],
        "additionalProperties": False,
    }


def _build(name: str, limits: Limits) -> JSON:
    organization = _object_schema(OrganizationSettings, limits, patch=False)
    project = _object_schema(ProjectSettings, limits, patch=False)
    warnings = {"warnings": {"$ref": "#/$defs/findings"}}
    if name == "organization":
        return organization
    if name == "organization_patch":
        return _object_schema(OrganizationPatch, limits, patch=True)
    if name == "project":
        return project
    if name == "project_patch":
        return _object_schema(ProjectPatch, limits, patch=True)
    if name == "repository":
        return _object_schema(RepositorySettings, limits, patch=False)
    if name == "repository_patch":
        return _object_schema(RepositoryPatch, limits, patch=True)
    if name == "invariant":
        return _invariant(limits)
    export = _with(
        organization, {"projects": {"type": "array", "items": {"$ref": "#/$defs/project"}}}, {}
    )
    if name == "export":
        return export
    if name == "plan":
        return _plan(export)
    if name == "organization_read":
        return _with(_stored(organization), {"sources": {"$ref": "#/$defs/resolution"}}, warnings)
    if name == "project_read":
        return _with(
            _stored(project),
            {"effective": _EFFECTIVE, "sources": {"$ref": "#/$defs/resolution"}},
            warnings,
        )
    if name == "resolution":
        return _RESOLUTION
    if name == "decision":
        return _DECISION
    if name == "impact":
        return _IMPACT
    if name == "invariants_read":
        return _invariants_read(limits)
    if name == "exposure":
        return _EXPOSURE
    return _FINDINGS


SCHEMA_NAMES: Final = (
    "organization",
    "organization_patch",
    "project",
    "project_patch",
    "repository",
    "repository_patch",
    "invariant",
    "export",
    "plan",
    "organization_read",
    "project_read",
    "resolution",
    "decision",
    "impact",
    "invariants_read",
    "exposure",
    "findings",
)
"""The payloads :func:`json_schema` describes: inputs first, then outputs."""


def json_schema(name: str, *, limits: Limits = DEFAULT_LIMITS) -> JSON:
    """The JSON Schema (draft 2020-12) of one payload, a fresh dict the caller may change.

    ``name`` is one of :data:`SCHEMA_NAMES`; sizes come from ``limits``.

    >>> schema = json_schema("organization_patch")
    >>> schema["properties"]["stopping_point"]["enum"]
    ['suggestion', 'pull_request', 'merge']
    >>> schema["additionalProperties"]
    False
    """
    if name not in SCHEMA_NAMES:
        message = f"Unknown payload {name!r}; expected one of {', '.join(SCHEMA_NAMES)}."
        raise KeyError(message)
    document = _build(name, limits)
    defs = {
        "repository": _object_schema(RepositorySettings, limits, patch=False),
        "branch_rule": rule_object_schema(limits),
        "project": _object_schema(ProjectSettings, limits, patch=False),
        "trace": _TRACE,
        "resolution": _RESOLUTION,
        "findings": _FINDINGS,
        "changes": _CHANGES,
        "invariant": _invariant(limits),
    }
    if name == "exposure":
        defs["decision"] = _DECISION
    schema: JSON = _copy({"$schema": DRAFT, "title": name, **document, "$defs": defs})
    return schema


def _copy(value: Any) -> Any:  # noqa: ANN401 - JSON in, JSON out
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value
