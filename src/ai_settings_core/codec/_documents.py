"""Output documents of the service's results, built on the codec's dumps.

The codec knows the domain's documents; this module composes them into the documents of the
use cases (an explanation, an audit entry and a page of them, a bulk result, the exposure
report), shared by the command line and the HTTP kit, so a document has one shape wherever it
appears.
"""

from __future__ import annotations

from typing import Any

from ai_settings_core.codec._dump import (
    dump_decision,
    dump_field_changes,
    dump_findings,
    dump_project_view,
    dump_repository,
    dump_resolution,
)
from ai_settings_core.codec._invariants import dump_invariant
from ai_settings_core.domain.audit import AuditEntry
from ai_settings_core.domain.exposure import Exposure, ExposurePlace, ProjectExposure
from ai_settings_core.domain.findings import format_path
from ai_settings_core.domain.values import StoppingPoint, format_timestamp
from ai_settings_core.domain.views import BulkResult, Explanation, InvariantsView
from ai_settings_core.domain.violations import Violation
from ai_settings_core.ports import Page

__all__ = [
    "dump_audit_entry",
    "dump_audit_page",
    "dump_bulk_result",
    "dump_explanation",
    "dump_exposure",
    "dump_invariants_view",
    "dump_violation",
]

JSON = dict[str, Any]


def dump_explanation(explanation: Explanation) -> JSON:
    """An explanation: the project read document, the repository asked about, the decision."""
    repository: JSON | None = None
    if explanation.repository is not None:
        repository = {
            "repository": str(explanation.repository),
            "configured": explanation.repository_settings is not None,
            "settings": (
                None
                if explanation.repository_settings is None
                else dump_repository(explanation.repository_settings)
            ),
            "sources": (
                None
                if explanation.repository_resolution is None
                else dump_resolution(explanation.repository_resolution)
            ),
        }
    return {
        "project": dump_project_view(explanation.view),
        "repository": repository,
        "decision": dump_decision(explanation.decision),
    }


def dump_audit_entry(entry: AuditEntry) -> JSON:
    """One audit entry: its UTC time (to the microsecond) and its changes.

    The time is :func:`~ai_settings_core.domain.values.format_timestamp`'s, as stores keep it.
    """
    return {
        "id": entry.id,
        "organization_id": entry.organization_id,
        "project_id": entry.project_id,
        "actor": entry.actor,
        "event": entry.event.value,
        "target": entry.target,
        "occurred_at": format_timestamp(entry.occurred_at),
        "stored_changes": dump_field_changes(entry.stored_changes),
        "effective_changes": dump_field_changes(entry.effective_changes),
        "change_id": entry.change_id,
        "reverts": entry.reverts,
    }


def dump_audit_page(page: Page[AuditEntry]) -> JSON:
    """A page of the audit log, newest first, and the cursor of the next page."""
    return {
        "results": [dump_audit_entry(entry) for entry in page.items],
        "next_cursor": page.next_cursor,
    }


def dump_bulk_result(result: BulkResult) -> JSON:
    """A bulk change: which projects changed, every project named (after it), the warnings."""
    return {
        "changed": list(result.changed),
        "projects": [dump_project_view(view) for view in result.projects],
        "warnings": dump_findings(result.warnings),
    }


def dump_violation(violation: Violation) -> JSON:
    """One violation: the invariant, the place (project, repository, field) and a message.

    ``path`` is in the organization document when ``project_id`` is ``null``, else in the
    project document; ``field`` is the same path as text.
    """
    return {
        "invariant": violation.invariant,
        "project_id": violation.project_id,
        "repository": None if violation.repository is None else str(violation.repository),
        "path": list(violation.path),
        "field": format_path(violation.path),
        "message": violation.message,
    }


def dump_invariants_view(view: InvariantsView) -> JSON:
    """An organization's invariants, the violations stored settings hold, and its version."""
    return {
        "organization_id": view.organization_id,
        "invariants": [dump_invariant(invariant) for invariant in view.invariants],
        "violations": [dump_violation(violation) for violation in view.violations],
        "version": view.version,
    }


def _dump_place(place: ExposurePlace) -> JSON:
    return {
        "project_id": place.project_id,
        "repository": str(place.repository),
        "branch_pattern": place.pattern.text,
        "environments": sorted(place.environments),
        "stopping_point": place.stopping_point.value,
    }


def _dump_project_exposure(project: ProjectExposure) -> JSON:
    effective = project.resolution.effective
    return {
        "project_id": project.project_id,
        "environments": sorted(project.environments),
        "effective": {
            "scan_enabled": effective.scan_enabled,
            "fix_enabled": effective.fix_enabled,
            "stopping_point": effective.stopping_point.value,
        },
        "unlisted": dump_decision(project.unlisted),
        "repositories": [
            {
                "repository": str(repository.repository),
                "ai_enabled": repository.ai_enabled,
                "branches": [
                    {"pattern": branch.pattern.text, "decision": dump_decision(branch.decision)}
                    for branch in repository.branches
                ],
            }
            for repository in project.repositories
        ],
    }


def dump_exposure(report: Exposure, at: StoppingPoint | None = None) -> JSON:
    """The exposure report: every place where AI may fix, by stopping point, and every project.

    ``places`` maps each stopping point (``merge`` first) to the places AI may fix up to it;
    ``projects`` holds each project's repositories and branch patterns with their decisions.
    With ``at``, only the places that reach it and the projects that hold one.
    """
    if at is not None:
        report = report.reaching(at)
    places = report.places(StoppingPoint.SUGGESTION if at is None else at)
    return {
        "organization_id": report.organization_id,
        "at": None if at is None else at.value,
        "unstored": dump_decision(report.unstored),
        "places": {
            point.value: [_dump_place(place) for place in group] for point, group in places.items()
        },
        "projects": [_dump_project_exposure(project) for project in report.projects],
    }
