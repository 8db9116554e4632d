"""What makes the OpenAPI document friendly to generators and to a host's own document.

Every enumeration of the domain becomes one named schema that the document references
(:func:`share_enums`), so a client generator makes one ``StoppingPoint`` class, not one per
field; every component name takes a prefix (:func:`prefix_components`, ``AISettings`` by
default), so the document merges into a host's without replacing its ``Project``; and
:func:`merge_openapi` merges it, refusing any path or component the two documents define
differently.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Mapping
from typing import Any, Final

from ai_settings_core.codec import _schema
from ai_settings_core.domain.audit import AuditEvent
from ai_settings_core.domain.decide import DecisionReason
from ai_settings_core.domain.findings import Severity
from ai_settings_core.domain.limits import Limits
from ai_settings_core.domain.plans import PlanAction
from ai_settings_core.domain.resolve import Level, Reason
from ai_settings_core.domain.settings import Setting
from ai_settings_core.domain.values import StoppingPoint
from ai_settings_core.http import ERROR_CODE_HEADER, ERROR_CODES_HEADER
from ai_settings_core.http import _payloads as payloads

__all__ = [
    "SHARED_ENUMS",
    "component_schemas",
    "error_responses",
    "merge_openapi",
    "prefix_components",
    "share_enums",
]

JSON = dict[str, Any]

SHARED_ENUMS: Final[Mapping[str, type[enum.Enum]]] = {
    "StoppingPoint": StoppingPoint,
    "Setting": Setting,
    "Level": Level,
    "Reason": Reason,
    "DecisionReason": DecisionReason,
    "AuditEvent": AuditEvent,
    "Severity": Severity,
    "PlanAction": PlanAction,
}
"""The domain's enumerations, by the component name the document gives each."""

_SCHEMAS: Final = "#/components/schemas/"
_COMPONENTS: Final = "#/components/"


_CODEC_SCHEMAS: Final = {
    "organization_patch": "OrganizationPatch",
    "project_patch": "ProjectPatch",
    "repository": "Repository",
    "repository_patch": "RepositoryPatch",
    "organization_read": "OrganizationRead",
    "project_read": "ProjectRead",
    "resolution": "Resolution",
    "decision": "Decision",
    "impact": "Impact",
    "invariant": "Invariant",
    "invariants_read": "InvariantsRead",
    "exposure": "Exposure",
    "findings": "Findings",
    "export": "Export",
    "plan": "Plan",
}
_DEFS: Final = {
    "repository": "Repository",
    "branch_rule": "BranchRule",
    "project": "Project",
    "trace": "Trace",
    "resolution": "Resolution",
    "findings": "Findings",
    "changes": "Changes",
    "invariant": "Invariant",
    "decision": "Decision",
}


def _rewrite(value: Any) -> Any:  # noqa: ANN401 - JSON in, JSON out
    """Point ``#/$defs/x`` references at ``#/components/schemas/X``."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str) and item.startswith("#/$defs/"):
                result[key] = _SCHEMAS + _DEFS[item.removeprefix("#/$defs/")]
            else:
                result[key] = _rewrite(item)
        return result
    if isinstance(value, list):
        return [_rewrite(item) for item in value]
    return value


def component_schemas(limits: Limits) -> dict[str, JSON]:
    """The schemas of the document: the codec's, the payloads', the shared enumerations."""
    components: dict[str, JSON] = {}
    for name, component in _CODEC_SCHEMAS.items():
        schema = _schema.json_schema(name, limits=limits)
        defs = schema.pop("$defs", {})
        schema.pop("$schema", None)
        for def_name, def_schema in defs.items():
            components.setdefault(_DEFS[def_name], _rewrite(def_schema))
        components[component] = _rewrite(schema)
    components.update(
        payloads.schemas(
            components["ProjectRead"],
            max_bulk_projects=limits.max_bulk_projects,
            max_identifier_length=limits.max_identifier_length,
        )
    )
    return share_enums(components)


def _ref(name: str) -> JSON:
    return {"$ref": _SCHEMAS + name}


def _json(schema: JSON) -> JSON:
    return {"application/json": {"schema": schema}}


def _error_headers() -> JSON:
    return {
        ERROR_CODE_HEADER: {
            "description": "The error's stable code: invalid, parse_error, not_authenticated, "
            "permission_denied, not_found, version_conflict, length_required, "
            "precondition_failed, payload_too_large, unsupported_media_type.",
            "required": True,
            "schema": {"type": "string"},
        }
    }


def error_responses(max_body_bytes: int) -> JSON:
    """The error responses of the document, by their component name."""

    def error(description: str, extra: JSON | None = None) -> JSON:
        return {
            "description": description,
            "headers": {**_error_headers(), **(extra or {})},
            "content": _json(_ref("ErrorDetail")),
        }

    return {
        "BadRequest": {
            "description": "Invalid input: Django REST Framework's validation error body "
            "(or its parse error body for a body that is not JSON). Nothing was written.",
            "headers": {
                **_error_headers(),
                ERROR_CODES_HEADER: {
                    "description": "The stable codes in the shape of the body, as JSON "
                    "(left out when longer than 4096 characters).",
                    "required": False,
                    "schema": {"type": "string"},
                },
            },
            "content": _json(_ref("ValidationErrorDetail")),
        },
        "Unauthorized": error(
            "The host's authentication refused the request.",
            {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
        ),
        "Forbidden": error("The user lacks the scope, or cannot reach the project."),
        "NotFound": error(
            "No such route, organization (another organization is always not found), "
            "project or repository."
        ),
        "Conflict": error("The record changed during the write; nothing was written."),
        "PreconditionFailed": error(
            "If-Match names no strong tag of the stored version; nothing was written."
        ),
        "LengthRequired": error(
            "A body sent with Transfer-Encoding to a WSGI server that cannot read it to its "
            "end (no wsgi.input_terminated): send a Content-Length."
        ),
        "PayloadTooLarge": error(f"The body is larger than {max_body_bytes} bytes."),
        "UnsupportedMediaType": error("A body that is not application/json."),
    }


def _enum_schema(values: type[enum.Enum]) -> JSON:
    return {"type": "string", "enum": [member.value for member in values]}


def _shared(value: Any, by_values: Mapping[tuple[object, ...], str]) -> Any:  # noqa: ANN401
    if isinstance(value, list):
        return [_shared(item, by_values) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("type") == "string" and isinstance(value.get("enum"), list):
        name = by_values.get(tuple(value["enum"]))
        if name is not None:
            rest = {key: item for key, item in value.items() if key not in {"type", "enum"}}
            return {"$ref": _SCHEMAS + name, **rest}
    return {key: _shared(item, by_values) for key, item in value.items()}


def share_enums(schemas: Mapping[str, JSON]) -> dict[str, JSON]:
    """``schemas`` with every inline domain enumeration replaced by a reference to its own.

    >>> shared = share_enums({"A": {"type": "string", "enum": ["suggestion", "pull_request",
    ...     "merge"], "default": "merge"}})
    >>> shared["A"], shared["StoppingPoint"]["enum"]
    ({'$ref': '#/components/schemas/StoppingPoint', 'default': 'merge'}, ['suggestion', \
'pull_request', 'merge'])
    """
    by_values = {
        tuple(member.value for member in values): name for name, values in SHARED_ENUMS.items()
    }
    result = {name: _shared(schema, by_values) for name, schema in schemas.items()}
    for name, values in SHARED_ENUMS.items():
        result[name] = {
            **_enum_schema(values),
            "description": (values.__doc__ or name).strip().splitlines()[0],
        }
    return dict(sorted(result.items()))


def _renamed(value: Any, prefix: str) -> Any:  # noqa: ANN401 - JSON in, JSON out
    if isinstance(value, list):
        return [_renamed(item, prefix) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key == "$ref" and isinstance(item, str) and item.startswith(_COMPONENTS):
            section, _, name = item.removeprefix(_COMPONENTS).partition("/")
            result[key] = f"{_COMPONENTS}{section}/{prefix}{name}"
        else:
            result[key] = _renamed(item, prefix)
    return result


def prefix_components(document: JSON, prefix: str) -> JSON:
    """``document`` with every component (schemas, responses...) named ``prefix + name``.

    Security schemes keep their names: they are the host's, which the document uses as given.
    Each schema's ``title`` becomes its component name, which generators name classes by.

    >>> document = {"paths": {"/a": {"$ref": "#/components/schemas/A"}},
    ...             "components": {"schemas": {"A": {"type": "string"}}}}
    >>> prefix_components(document, "X")
    {'paths': {'/a': {'$ref': '#/components/schemas/XA'}}, 'components': {'schemas': \
{'XA': {'type': 'string', 'title': 'XA'}}}}
    """
    result: JSON = _renamed(document, prefix) if prefix else copy.deepcopy(document)
    components = result.get("components", {})
    for section, items in components.items():
        if section != "securitySchemes":
            components[section] = {prefix + name: item for name, item in items.items()}
    for name, schema in components.get("schemas", {}).items():
        schema["title"] = name  # generators name their classes by the title
    return result


def _merge_section(
    target: JSON, section: Mapping[str, Any], where: str, collisions: list[str]
) -> None:
    for name, item in section.items():
        if name in target and target[name] != item:
            collisions.append(f"{where}/{name}")
        else:
            target[name] = copy.deepcopy(item)


def merge_openapi(host: Mapping[str, Any], ours: Mapping[str, Any]) -> JSON:
    """The host's OpenAPI document with the paths and components of ``ours`` added.

    The host's document is not changed: a new one is returned. A path, or a component of the
    same section and name, that both define differently is a collision: nothing is merged and
    :class:`ValueError` names every one (the same definition twice is not a collision, so a
    host can pass its own security scheme to :func:`~ai_settings_core.http.openapi_document`).
    ``info``, ``servers`` and ``security`` stay the host's.

    >>> host = {"openapi": "3.1.0", "info": {"title": "Shop", "version": "2"}, "paths": {},
    ...         "components": {"schemas": {"Project": {"type": "object"}}}}
    >>> from ai_settings_core.http import openapi_document
    >>> merged = merge_openapi(host, openapi_document(prefix="/api/0"))
    >>> "Project" in merged["components"]["schemas"], merged["info"]["title"]
    (True, 'Shop')
    >>> "AISettingsProject" in merged["components"]["schemas"]
    True
    >>> merge_openapi(host, openapi_document(component_prefix=""))
    Traceback (most recent call last):
    ...
    ValueError: The documents both define, differently: components/schemas/Project.
    """
    merged: JSON = copy.deepcopy(dict(host))
    collisions: list[str] = []
    paths = merged.setdefault("paths", {})
    _merge_section(paths, ours.get("paths", {}), "paths", collisions)
    components = merged.setdefault("components", {})
    for section, items in ours.get("components", {}).items():
        _merge_section(
            components.setdefault(section, {}), items, f"components/{section}", collisions
        )
    if collisions:
        raise ValueError(f"The documents both define, differently: {', '.join(collisions)}.")
    return merged
