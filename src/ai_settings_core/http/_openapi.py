"""The OpenAPI 3.1 document of the HTTP API, generated from the codec's JSON Schemas.

Request and response bodies are the codec's payload schemas (the ones the parser enforces),
moved under ``components/schemas``; the API's own documents (pages, the audit entry, the
explanation, bulk requests and results, error bodies) come from
:mod:`ai_settings_core.http._payloads`. Paths carry the prefix the API is mounted under.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.http._openapi_components import (
    component_schemas,
    error_responses,
    prefix_components,
)
from ai_settings_core.ports import DEFAULT_PAGE_SIZE

__all__ = ["DEFAULT_COMPONENT_PREFIX", "openapi_document"]

DEFAULT_COMPONENT_PREFIX: Final = "AISettings"
"""The prefix of every component name, so the document merges into a host's safely."""

JSON = dict[str, Any]


def _ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: JSON) -> JSON:
    return {"application/json": {"schema": schema}}


def _error_refs(*statuses: int) -> JSON:
    names = {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        409: "Conflict",
        411: "LengthRequired",
        412: "PreconditionFailed",
        413: "PayloadTooLarge",
        415: "UnsupportedMediaType",
    }
    return {str(status): {"$ref": f"#/components/responses/{names[status]}"} for status in statuses}


_IF_MATCH: Final = r'^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$'
_READ_ERRORS: Final = (400, 401, 403, 404)
_DELETE_ERRORS: Final = (400, 401, 403, 404, 409, 412, 413, 415)
_WRITE_ERRORS: Final = (400, 401, 403, 404, 409, 411, 412, 413, 415)
_BODY_ERRORS: Final = (400, 401, 403, 404, 409, 411, 413, 415)


def _ok(description: str, schema: str, *, etag: bool = False, status: int = 200) -> JSON:
    response: JSON = {"description": description, "content": _json(_ref(schema))}
    if etag:
        response["headers"] = {
            "ETag": {
                "description": 'The record\'s version, quoted ("3"); send it back in If-Match.',
                "required": True,
                "schema": {"type": "string"},
            }
        }
    return {str(status): response}


def _parameter(name: str, where: str, description: str, schema: JSON | None = None) -> JSON:
    parameter: JSON = {
        "name": name,
        "in": where,
        "description": description,
        "schema": schema or {"type": "string"},
    }
    if where == "path":
        parameter["required"] = True
        parameter["schema"] = schema or {"type": "string", "minLength": 1}
    return parameter


def _body(schema: str, description: str, *, required: bool = True) -> JSON:
    return {"description": description, "required": required, "content": _json(_ref(schema))}


def _bearer(component_prefix: str) -> dict[str, JSON]:
    return {
        f"{component_prefix}Bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "The host's authentication; pass your own securitySchemes and "
            "security to openapi_document when it is not a bearer token.",
        }
    }


def openapi_document(
    *,
    prefix: str = "",
    limits: Limits = DEFAULT_LIMITS,
    max_page_size: int = 1000,
    max_body_bytes: int = 1_048_576,
    component_prefix: str = DEFAULT_COMPONENT_PREFIX,
    security_schemes: Mapping[str, JSON] | None = None,
    security: Sequence[Mapping[str, Sequence[str]]] | None = None,
    servers: Sequence[Mapping[str, Any]] = ({"url": "/"},),
) -> JSON:
    """The OpenAPI 3.1 document of the API mounted at ``prefix``.

    >>> document = openapi_document(prefix="/api/0")
    >>> document["openapi"], "/api/0/organizations/{org}/ai-settings/" in document["paths"]
    ('3.1.0', True)
    >>> document["security"], sorted(document["components"]["securitySchemes"])
    ([{'AISettingsBearer': []}], ['AISettingsBearer'])
    >>> document["components"]["schemas"]["AISettingsStoppingPoint"]["enum"]
    ['suggestion', 'pull_request', 'merge']

    Args:
        prefix: Where the API is mounted; the paths start with it.
        limits: The limits the payload schemas state (sizes of lists and identifiers).
        max_page_size: The largest ``limit`` of a listing.
        max_body_bytes: The largest body, stated in the 413 response.
        component_prefix: Put before every component's name (``AISettingsProjectRead``), so
            the document merges into a host's without replacing its own (see
            :func:`~ai_settings_core.http.merge_openapi`); ``""`` for none.
        security_schemes: The host's ``components/securitySchemes`` (by default one HTTP
            bearer scheme, ``AISettingsBearer``).
        security: The security requirement of every operation but the document itself (by
            default: any one of ``security_schemes``).
        servers: The document's ``servers``; the paths already hold ``prefix``.
    """
    base = "/" + prefix.strip("/") if prefix.strip("/") else ""
    org = _parameter("org", "path", "The organization's id or slug.")
    project = _parameter("project", "path", "The project's id or slug.")
    repository = _parameter(
        "repository",
        "path",
        "The repository as provider:owner/name (github:acme/api). The slash may be sent as "
        "is or percent-encoded (%2F); GitLab group paths keep their slashes.",
    )
    if_match = _parameter(
        "If-Match",
        "header",
        'The ETag of the record as read ("3"): a write against another version is refused '
        'with 412 and changes nothing. The comparison is strong: a weak tag (W/"3") never '
        "matches.",
        {"type": "string", "pattern": _IF_MATCH},
    )
    enforce = _parameter(
        "enforce",
        "query",
        "Save invariants the change adds even where stored settings break them "
        "(docs/invariants.md).",
        {"type": "boolean", "default": False},
    )
    cursor = _parameter(
        "cursor", "query", "The next_cursor of the previous page; absent for the first page."
    )
    limit = _parameter(
        "limit",
        "query",
        f"Items per page (default {min(DEFAULT_PAGE_SIZE, max_page_size)}).",
        {"type": "integer", "minimum": 1, "maximum": max_page_size},
    )
    since = _parameter(
        "since",
        "query",
        "Entries at or after this time (ISO 8601 with a time zone).",
        {"type": "string", "format": "date-time"},
    )
    until = _parameter(
        "until",
        "query",
        "Entries before this time (ISO 8601 with a time zone).",
        {"type": "string", "format": "date-time"},
    )
    paths: JSON = {
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/organizations/{org}/ai-settings/": {
            "parameters": [org],
            "get": {
                "operationId": "getOrganizationSettings",
                "summary": "The organization's settings and policy, with their sources",
                "description": "The system defaults (version 0) when nothing is stored. "
                "Needs org:read.",
                "responses": {
                    **_ok("The organization's settings.", "OrganizationRead", etag=True),
                    **_error_refs(*_READ_ERRORS),
                },
            },
            "put": {
                "operationId": "updateOrganizationSettings",
                "summary": "Change the organization's settings and policy (a partial body)",
                "description": "Absent keys are unchanged. Invariants the body adds that the "
                "stored settings break are refused unless enforce=true. Needs org:admin.",
                "parameters": [if_match, enforce],
                "requestBody": _body("OrganizationPatch", "The fields to change.", required=False),
                "responses": {
                    **_ok("The organization after the change.", "OrganizationRead", etag=True),
                    **_error_refs(*_WRITE_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-settings/preview/": {
            "parameters": [org],
            "post": {
                "operationId": "previewOrganizationChange",
                "summary": "Which projects and repositories a change would affect (nothing "
                "is saved)",
                "description": "Needs org:read.",
                "requestBody": _body("OrganizationPatch", "The change to preview.", required=False),
                "responses": {
                    **_ok("The impact of the change.", "Impact"),
                    **_error_refs(*_BODY_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-settings/exposure/": {
            "parameters": [org],
            "get": {
                "operationId": "getExposure",
                "summary": "Where AI may fix, and how far: every project, repository and branch "
                "pattern",
                "description": "places lists every place where AI may fix, by stopping point "
                "(merge first); projects what AI may do in each stored project. Projects the "
                "user cannot reach are left out. Needs org:read.",
                "parameters": [
                    _parameter(
                        "at",
                        "query",
                        "Only the places that reach this stopping point or beyond, and the "
                        "projects that hold one.",
                        _ref("StoppingPoint"),
                    )
                ],
                "responses": {
                    **_ok("The exposure report.", "Exposure"),
                    **_error_refs(*_READ_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-settings/audit/": {
            "parameters": [org],
            "get": {
                "operationId": "getOrganizationAuditLog",
                "summary": "The organization's audit log, newest first",
                "description": "Needs org:admin; with ?project=, project:read on that project.",
                "parameters": [
                    _parameter("project", "query", "Only this project's entries."),
                    since,
                    until,
                    cursor,
                    limit,
                ],
                "responses": {
                    **_ok("A page of audit entries.", "AuditPage"),
                    **_error_refs(*_READ_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-settings/audit/{entry}/revert/": {
            "parameters": [
                org,
                _parameter(
                    "entry",
                    "path",
                    "The audit entry's id.",
                    {"type": "string", "pattern": "^[0-9]{1,18}$"},
                ),
            ],
            "post": {
                "operationId": "revertAuditEntry",
                "summary": "Undo the change an audit entry recorded, as a new audited change",
                "description": "Restores the stored values the change wrote to what they were "
                "before; every entry of the same change (a bulk change) is reverted with it, "
                "all or none. 409 when a record it touched changed since, unless force. "
                "Validated like any write. Needs the scopes of the write it undoes.",
                "requestBody": _body("RevertRequest", "Options.", required=False),
                "responses": {
                    **_ok("What the revert did.", "RevertResult"),
                    **_error_refs(*_BODY_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-settings/plan/": {
            "parameters": [org],
            "post": {
                "operationId": "planSettings",
                "summary": "What applying a desired-state document would change (nothing is saved)",
                "description": "Each record that changes, its stored fields and effective "
                "values before and after, and the versions the plan was computed on. Needs "
                "org:read and project:read.",
                "requestBody": _body("PlanRequest", "The document, and prune."),
                "responses": {
                    **_ok("The plan.", "Plan"),
                    **_error_refs(*_BODY_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-settings/apply/": {
            "parameters": [org],
            "post": {
                "operationId": "applySettingsPlan",
                "summary": "Apply a plan, all or none",
                "description": "409 when anything the plan was computed on changed since. "
                "Needs org:admin and project:admin.",
                "requestBody": _body("Plan", "A plan, as planSettings answered it."),
                "responses": {
                    **_ok("What changed.", "BulkResult"),
                    **_error_refs(*_BODY_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-settings/invariants/": {
            "parameters": [org],
            "get": {
                "operationId": "getOrganizationInvariants",
                "summary": "The organization's invariants, and where stored settings break them",
                "description": "Violations are those an invariant saved with enforce kept, in "
                "the projects the user reaches. ETag is the organization's version. Needs "
                "org:read and project:read.",
                "responses": {
                    **_ok("The invariants and their violations.", "InvariantsRead", etag=True),
                    **_error_refs(*_READ_ERRORS),
                },
            },
            "post": {
                "operationId": "addOrganizationInvariant",
                "summary": "Add an invariant that every later write must keep",
                "description": "Without enforce, an invariant the stored settings break is "
                "refused with 400: every violation, code invariant_violated, and nothing is "
                "saved. With enforce=true it is saved all the same; its violations stay and "
                "no write may add one. Needs org:admin and project:read.",
                "parameters": [if_match, enforce],
                "requestBody": _body("Invariant", "The invariant: name, kind, parameters."),
                "responses": {
                    **_ok(
                        "The invariants after the change.", "InvariantsRead", etag=True, status=201
                    ),
                    **_error_refs(*_WRITE_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-settings/invariants/{name}/": {
            "parameters": [org, _parameter("name", "path", "The invariant's name.")],
            "delete": {
                "operationId": "removeOrganizationInvariant",
                "summary": "Remove an invariant",
                "description": "Needs org:admin and project:read.",
                "parameters": [if_match],
                "responses": {
                    **_ok("The invariants after the change.", "InvariantsRead", etag=True),
                    **_error_refs(*_DELETE_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-projects/": {
            "parameters": [org],
            "get": {
                "operationId": "listOverridingProjects",
                "summary": "The projects that override a setting, and which ones",
                "description": "Ordered by project id; projects the user cannot reach are left "
                "out, so a page may hold fewer items than limit. Needs project:read.",
                "parameters": [cursor, limit],
                "responses": {
                    **_ok("A page of projects.", "ProjectPage"),
                    **_error_refs(*_READ_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-projects/bulk/": {
            "parameters": [org],
            "post": {
                "operationId": "bulkUpdateProjects",
                "summary": "One change, or a reset, to many projects: all or none",
                "description": "Errors name each failing project: "
                '{"projects": {"web": {"fix_enabled_override": [...]}}}. Needs project:admin.',
                "requestBody": _body("BulkRequest", "The projects and the change."),
                "responses": {
                    **_ok("What changed.", "BulkResult"),
                    **_error_refs(*_BODY_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-projects/bulk/preview/": {
            "parameters": [org],
            "post": {
                "operationId": "previewBulkUpdate",
                "summary": "Which projects a bulk change would affect, and how (nothing is saved)",
                "description": "Checked as the bulk change is, with the same error paths; "
                "lists the projects whose effective values would change. Needs project:read.",
                "requestBody": _body("BulkRequest", "The projects and the change to preview."),
                "responses": {
                    **_ok("The impact of the change.", "Impact"),
                    **_error_refs(*_BODY_ERRORS),
                },
            },
        },
        "/projects/{org}/{project}/ai-settings/": {
            "parameters": [org, project],
            "get": {
                "operationId": "getProjectSettings",
                "summary": "The project's overrides, repositories, effective values and sources",
                "description": "Needs project:read and access to the project.",
                "responses": {
                    **_ok("The project's settings.", "ProjectRead", etag=True),
                    **_error_refs(*_READ_ERRORS),
                },
            },
            "put": {
                "operationId": "updateProjectSettings",
                "summary": "Change the project's overrides (a partial body; null inherits)",
                "description": "Absent keys are unchanged; null on an override means inherit "
                "again; repositories and environments replace the whole list. Needs "
                "project:admin.",
                "parameters": [if_match],
                "requestBody": _body("ProjectPatch", "The fields to change.", required=False),
                "responses": {
                    **_ok("The project after the change.", "ProjectRead", etag=True),
                    **_error_refs(*_WRITE_ERRORS),
                },
            },
        },
        "/projects/{org}/{project}/ai-settings/reset/": {
            "parameters": [org, project],
            "post": {
                "operationId": "resetProjectSettings",
                "summary": "Clear every override of the project",
                "description": "Needs project:admin.",
                "parameters": [if_match],
                "responses": {
                    **_ok("The project after the reset.", "ProjectRead", etag=True),
                    **_error_refs(*_WRITE_ERRORS),
                },
            },
        },
        "/organizations/{org}/ai-decisions/": {
            "parameters": [org],
            "get": {
                "operationId": "decide",
                "summary": "What AI may do for one event, for services in other languages",
                "description": (
                    "Needs project:read and access to the project. Answered from a decision "
                    "cache: it reflects every change committed more than its maximum "
                    "staleness (1 s by default) before the request."
                ),
                "parameters": [
                    {
                        **_parameter(
                            "project",
                            "query",
                            "The event's project.",
                            {"type": "string", "minLength": 1},
                        ),
                        "required": True,
                    },
                    _parameter(
                        "repository", "query", "The event's repository, provider:owner/name."
                    ),
                    _parameter("branch", "query", "The event's branch."),
                    _parameter("environment", "query", "The event's environment."),
                ],
                "responses": {
                    **_ok("The decision.", "Decision"),
                    **_error_refs(*_READ_ERRORS),
                },
            },
        },
        "/projects/{org}/{project}/ai-settings/explain/": {
            "parameters": [org, project],
            "get": {
                "operationId": "explainProjectSettings",
                "summary": "Where each value comes from, and what AI may do for one event",
                "description": "Needs project:read.",
                "parameters": [
                    _parameter(
                        "repository", "query", "The event's repository, provider:owner/name."
                    ),
                    _parameter("branch", "query", "The event's branch."),
                    _parameter("environment", "query", "The event's environment."),
                ],
                "responses": {
                    **_ok("The explanation and the decision.", "Explanation"),
                    **_error_refs(*_READ_ERRORS),
                },
            },
        },
        "/projects/{org}/{project}/ai-settings/audit/": {
            "parameters": [org, project],
            "get": {
                "operationId": "getProjectAuditLog",
                "summary": "The project's audit log, newest first",
                "description": "Needs project:read and access to the project.",
                "parameters": [since, until, cursor, limit],
                "responses": {
                    **_ok("A page of audit entries.", "AuditPage"),
                    **_error_refs(*_READ_ERRORS),
                },
            },
        },
        "/projects/{org}/{project}/ai-settings/repositories/": {
            "parameters": [org, project],
            "post": {
                "operationId": "addRepository",
                "summary": "Add a repository to the project",
                "description": "Location names the new repository. Needs project:admin.",
                "parameters": [if_match],
                "requestBody": _body("Repository", "The repository and its settings."),
                "responses": {
                    **_ok("The project after the change.", "ProjectRead", etag=True, status=201),
                    **_error_refs(*_WRITE_ERRORS),
                },
            },
        },
        "/projects/{org}/{project}/ai-settings/repositories/{repository}/": {
            "parameters": [org, project, repository],
            "get": {
                "operationId": "getRepository",
                "summary": "One repository of the project, with its effective values",
                "description": "ETag is the project's version. Needs project:read.",
                "responses": {
                    **_ok("The repository.", "RepositoryRead", etag=True),
                    **_error_refs(*_READ_ERRORS),
                },
            },
            "put": {
                "operationId": "updateRepository",
                "summary": "Change a repository of the project (a partial body)",
                "description": "Same as PATCH. Needs project:admin.",
                "parameters": [if_match],
                "requestBody": _body("RepositoryPatch", "The fields to change.", required=False),
                "responses": {
                    **_ok("The project after the change.", "ProjectRead", etag=True),
                    **_error_refs(*_WRITE_ERRORS),
                },
            },
            "patch": {
                "operationId": "patchRepository",
                "summary": "Change a repository of the project (a partial body)",
                "description": "Needs project:admin.",
                "parameters": [if_match],
                "requestBody": _body("RepositoryPatch", "The fields to change.", required=False),
                "responses": {
                    **_ok("The project after the change.", "ProjectRead", etag=True),
                    **_error_refs(*_WRITE_ERRORS),
                },
            },
            "delete": {
                "operationId": "removeRepository",
                "summary": "Remove a repository from the project",
                "description": "Answers the project after the change (with its new ETag). "
                "Needs project:admin.",
                "parameters": [if_match],
                "responses": {
                    **_ok("The project after the change.", "ProjectRead", etag=True),
                    **_error_refs(*_DELETE_ERRORS),
                },
            },
        },
    }
    schemes = dict(_bearer(component_prefix) if security_schemes is None else security_schemes)
    requirements = [{name: []} for name in schemes] if security is None else security
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "AI settings",
            "version": "1",
            "description": "Organization defaults and policy for AI issue scanning, AI fixing "
            "and the stopping point of an automated fix; project and repository overrides that "
            "inherit at read time. Authentication is the host's. Errors other than validation "
            'answer Django REST Framework\'s {"detail": message}; validation errors its field '
            "dictionary. Every error carries its code in the AI-Settings-Error-Code header.",
        },
        "servers": [dict(server) for server in servers],
        "security": [
            {name: list(scopes) for name, scopes in item.items()} for item in requirements
        ],
        "paths": {base + path: item for path, item in paths.items()},
        "components": {
            "schemas": component_schemas(limits),
            "responses": error_responses(max_body_bytes),
            "securitySchemes": {name: dict(scheme) for name, scheme in schemes.items()},
        },
    }
    return prefix_components(document, component_prefix)
