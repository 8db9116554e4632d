"""The route functions: one request's parts to a use case, its result to a response."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

import attrs

from ai_settings_core import codec
from ai_settings_core.codec import _documents as documents
from ai_settings_core.domain.findings import Finding, Path, Severity
from ai_settings_core.domain.permissions import PROJECT_READ
from ai_settings_core.domain.rules import raise_for_errors, validate_identifier
from ai_settings_core.domain.values import RepositoryRef
from ai_settings_core.domain.views import ProjectView
from ai_settings_core.errors import NotFoundError, ValidationError
from ai_settings_core.http import _payloads as payloads
from ai_settings_core.http._call import (
    Call,
    cursor,
    flag,
    limit,
    repository,
    stopping_point,
    time,
)
from ai_settings_core.http._conditional import etag
from ai_settings_core.http._messages import (
    JSON_TYPE,
    Response,
    json_response,
    json_text_response,
)
from ai_settings_core.http._project_json import project_page_json, project_view_json

__all__ = [
    "add_invariant",
    "add_repository",
    "apply_plan",
    "bulk",
    "bulk_preview",
    "change_repository",
    "explain",
    "exposure",
    "get_invariants",
    "get_organization",
    "get_project",
    "get_repository",
    "list_projects",
    "openapi",
    "organization_audit",
    "plan",
    "preview",
    "project_audit",
    "put_organization",
    "put_project",
    "remove_invariant",
    "remove_repository",
    "reset_project",
    "revert",
]


def openapi(call: Call) -> Response:
    """``GET openapi.json``: the API's OpenAPI document."""
    return Response(200, (("Content-Type", JSON_TYPE),), call.mount.openapi())


def _organization_view(view: Any, status: int = 200) -> Response:  # noqa: ANN401
    document = codec.dump_organization(view.settings, view.resolution, view.warnings)
    return json_response(status, document, (etag(view.version),))


def _project_view(view: ProjectView, status: int = 200, *headers: tuple[str, str]) -> Response:
    return json_text_response(
        status,
        project_view_json(view),
        lambda: codec.dump_project_view(view),
        (etag(view.version), *headers),
    )


def get_organization(call: Call) -> Response:
    """``GET`` an organization's settings."""
    org = call.params["org"]
    return _organization_view(call.service.get_organization(call.actor, org))


def put_organization(call: Call) -> Response:
    """``PUT`` a change of an organization's settings."""
    org = call.params["org"]
    patch = codec.parse_organization_patch(call.document(), limits=call.service.limits)
    enforce = flag(call, "enforce")
    expected = call.expected_version(lambda: call.service.get_organization(call.actor, org).version)
    view = call.service.update_organization(
        call.actor, org, patch, expected_version=expected, enforce=enforce
    )
    return _organization_view(view)


def _invariants_view(view: Any, status: int = 200) -> Response:  # noqa: ANN401
    return json_response(status, documents.dump_invariants_view(view), (etag(view.version),))


def _organization_version(call: Call) -> Callable[[], int]:
    return lambda: call.service.get_organization(call.actor, call.params["org"]).version


def get_invariants(call: Call) -> Response:
    """``GET`` an organization's invariants and the violations stored settings hold."""
    return _invariants_view(call.service.get_invariants(call.actor, call.params["org"]))


def add_invariant(call: Call) -> Response:
    """``POST`` an invariant (``?enforce=true`` saves it despite existing violations)."""
    org = call.params["org"]
    invariant = codec.parse_invariant(call.document(), limits=call.service.limits)
    enforce = flag(call, "enforce")
    expected = call.expected_version(_organization_version(call))
    view = call.service.add_invariant(
        call.actor, org, invariant, enforce=enforce, expected_version=expected
    )
    return _invariants_view(view, 201)


def remove_invariant(call: Call) -> Response:
    """``DELETE`` one invariant, by name."""
    org = call.params["org"]
    expected = call.expected_version(_organization_version(call))
    view = call.service.remove_invariant(
        call.actor, org, call.params["name"], expected_version=expected
    )
    return _invariants_view(view)


def preview(call: Call) -> Response:
    """``POST`` an organization change to see what it would change."""
    org = call.params["org"]
    patch = codec.parse_organization_patch(call.document(), limits=call.service.limits)
    impact = call.service.preview_organization_change(call.actor, org, patch)
    return json_response(200, codec.dump_impact(impact))


def list_projects(call: Call) -> Response:
    """``GET`` a page of the projects that override something."""
    page = call.service.list_projects(
        call.actor,
        call.params["org"],
        cursor=cursor(call),
        limit=limit(call),
        overriding_only=True,
        resolve_repositories=False,  # the page shows each project's own values only
    )
    return json_text_response(
        200, project_page_json(page), lambda: payloads.dump_project_page(page)
    )


def bulk(call: Call) -> Response:
    """``POST`` one change, or a reset, to many projects."""
    projects, patch = codec.parse_bulk(call.document(), limits=call.service.limits)
    org = call.params["org"]
    result = call.service.bulk_update(call.actor, org, projects, patch, reset=patch is None)
    return json_response(200, codec.dump_bulk_result(result))


def bulk_preview(call: Call) -> Response:
    """``POST`` a bulk change to see what it would change (nothing is saved)."""
    projects, patch = codec.parse_bulk(call.document(), limits=call.service.limits)
    org = call.params["org"]
    impact = call.service.preview_bulk_update(call.actor, org, projects, patch, reset=patch is None)
    return json_response(200, codec.dump_impact(impact))


def exposure(call: Call) -> Response:
    """``GET`` what AI may do in every project, repository and branch pattern."""
    at = stopping_point(call, "at")
    report = call.service.exposure(call.actor, call.params["org"])
    return json_response(200, documents.dump_exposure(report, at))


def organization_audit(call: Call) -> Response:
    """``GET`` a page of an organization's audit log."""
    project = call.query.get("project") or None
    page = call.service.audit_log(
        call.actor,
        call.params["org"],
        project_id=project,
        since=time(call, "since"),
        until=time(call, "until"),
        cursor=cursor(call),
        limit=limit(call),
    )
    return json_response(200, codec.dump_audit_page(page))


def _object_body(call: Call, keys: tuple[str, ...]) -> dict[str, Any]:
    """The JSON body as an object of ``keys`` only (an error for anything else)."""
    body = call.document()
    findings = []
    if not isinstance(body, dict):
        findings.append(Finding("invalid", Severity.ERROR, (), "Expected a JSON object."))
    else:
        findings.extend(
            Finding("unknown_field", Severity.ERROR, (str(key),), "Unknown field.")
            for key in body
            if key not in keys
        )
    raise_for_errors(findings)
    return body  # type: ignore[return-value]


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise_for_errors([Finding("invalid", Severity.ERROR, (name,), "Must be a valid boolean.")])
    return bool(value)


def revert(call: Call) -> Response:
    """``POST`` to revert the change an audit entry recorded."""
    text = call.params["entry"]
    if not (text.isascii() and text.isdigit() and len(text) <= 18):  # noqa: PLR2004 - int64
        raise_for_errors(
            [Finding("invalid", Severity.ERROR, ("entry",), "Not a valid audit entry id.")]
        )
    force = _flag(_object_body(call, ("force",)), "force")
    result = call.service.revert(call.actor, call.params["org"], int(text), force=force)
    return json_response(200, codec.dump_revert_result(result))


def _same_organization(call: Call, organization_id: str, path: Path) -> None:
    if organization_id != call.params["org"]:
        raise_for_errors(
            [
                Finding(
                    "organization_mismatch",
                    Severity.ERROR,
                    path,
                    "The document is for another organization than the path names.",
                )
            ]
        )


def plan(call: Call) -> Response:
    """``POST`` a desired-state document to see what applying it would change."""
    body = _object_body(call, ("document", "prune"))
    prune = _flag(body, "prune")
    try:
        document = codec.parse_document(body.get("document"), limits=call.service.limits)
    except ValidationError as error:
        raise ValidationError.from_findings(
            [attrs.evolve(f, path=("document", *f.path)) for f in error.findings]
        ) from None
    _same_organization(call, document.organization_id, ("document", "organization_id"))
    planned = call.service.plan(call.actor, document, prune=prune)
    return json_response(200, codec.dump_plan(planned))


def apply_plan(call: Call) -> Response:
    """``POST`` a plan to apply it (409 if anything changed since it was made)."""
    planned = codec.parse_plan(call.document(), limits=call.service.limits)
    _same_organization(call, planned.organization_id, ("organization_id",))
    result = call.service.apply(call.actor, planned)
    return json_response(200, codec.dump_bulk_result(result))


def _project_version(call: Call) -> Callable[[], int]:
    return lambda: (
        call.service.get_project(
            call.actor, call.params["org"], call.params["project"], resolve_repositories=False
        ).version
    )


def get_project(call: Call) -> Response:
    """``GET`` a project's settings (the document shows the project's own values only)."""
    view = call.service.get_project(
        call.actor, call.params["org"], call.params["project"], resolve_repositories=False
    )
    return _project_view(view)


def put_project(call: Call) -> Response:
    """``PUT`` a change of a project's overrides."""
    org, project = call.params["org"], call.params["project"]
    patch = codec.parse_project_patch(call.document(), limits=call.service.limits)
    expected = call.expected_version(_project_version(call))
    view = call.service.update_project(call.actor, org, project, patch, expected_version=expected)
    return _project_view(view)


def reset_project(call: Call) -> Response:
    """``POST`` to clear every override of a project."""
    org, project = call.params["org"], call.params["project"]
    expected = call.expected_version(_project_version(call))
    view = call.service.reset_project(call.actor, org, project, expected_version=expected)
    return _project_view(view)


def explain(call: Call) -> Response:
    """``GET`` where a project's values come from, and a decision."""
    text = call.query.get("repository")
    explanation = call.service.explain(
        call.actor,
        call.params["org"],
        call.params["project"],
        repository=repository(text, "repository") if text else None,
        branch=call.query.get("branch") or None,
        environment=call.query.get("environment") or None,
    )
    return json_response(200, documents.dump_explanation(explanation))


def project_audit(call: Call) -> Response:
    """``GET`` a page of a project's audit log."""
    page = call.service.audit_log(
        call.actor,
        call.params["org"],
        project_id=call.params["project"],
        since=time(call, "since"),
        until=time(call, "until"),
        cursor=cursor(call),
        limit=limit(call),
    )
    return json_response(200, codec.dump_audit_page(page))


def _repository_location(call: Call, ref: RepositoryRef) -> str:
    path = (
        f"{call.mount.prefix}/projects/{call.params['org']}/{call.params['project']}"
        f"/ai-settings/repositories/{ref}/"
    )
    return urllib.parse.quote(path, safe="/:@")


def add_repository(call: Call) -> Response:
    """``POST`` a repository to a project (201 with its ``Location``)."""
    org, project = call.params["org"], call.params["project"]
    settings = codec.parse_repository(call.document(), limits=call.service.limits)
    expected = call.expected_version(_project_version(call))
    view = call.service.add_repository(
        call.actor, org, project, settings, expected_version=expected
    )
    location = _repository_location(call, settings.repository)
    return _project_view(view, 201, ("Location", location))


def _path_repository(call: Call) -> RepositoryRef:
    return repository(call.params["repository"], "repository")


def get_repository(call: Call) -> Response:
    """``GET`` one repository of a project."""
    ref = _path_repository(call)
    view = call.service.get_project(call.actor, call.params["org"], call.params["project"])
    for item in view.repositories:
        if item.settings.repository.key == ref.key:
            return json_response(200, payloads.dump_repository_view(item), (etag(view.version),))
    raise NotFoundError(
        f"Repository {str(ref)!r} is not configured for project {call.params['project']!r}."
    )


def change_repository(call: Call) -> Response:
    """``PUT`` / ``PATCH`` a change of one repository of a project."""
    org, project = call.params["org"], call.params["project"]
    ref = _path_repository(call)
    patch = codec.parse_repository_patch(call.document(), limits=call.service.limits)
    expected = call.expected_version(_project_version(call))
    view = call.service.update_repository(
        call.actor, org, project, ref, patch, expected_version=expected
    )
    return _project_view(view)


def remove_repository(call: Call) -> Response:
    """``DELETE`` one repository of a project."""
    org, project = call.params["org"], call.params["project"]
    ref = _path_repository(call)
    expected = call.expected_version(_project_version(call))
    view = call.service.remove_repository(call.actor, org, project, ref, expected_version=expected)
    return _project_view(view)


def decision(call: Call) -> Response:
    """``GET`` what AI may do for one event, from the decision cache (bounded staleness)."""
    organization_id = call.params["org"]
    project_id = call.query.get("project", "")
    if not project_id:
        raise ValidationError.from_findings(
            [Finding("required", Severity.ERROR, ("project",), "This field is required.")]
        )
    finding = validate_identifier(project_id, ("project",), "Project id", call.service.limits)
    if finding is not None:
        raise ValidationError.from_findings([finding])
    call.actor.require_project(organization_id, project_id, PROJECT_READ)
    answer = call.mount.decisions().decide(
        organization_id,
        project_id,
        call.query.get("repository") or None,
        call.query.get("branch") or None,
        call.query.get("environment") or None,
    )
    return json_response(200, codec.dump_decision(answer))
