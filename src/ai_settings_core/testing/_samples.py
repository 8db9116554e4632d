"""Sample values for the contract suite and a host's own tests: every stored field in use."""

from __future__ import annotations

import datetime as dt
from typing import Final

from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.changes import FieldChange
from ai_settings_core.domain.invariants import (
    FixRequiresScan,
    Invariant,
    MergeOnlyOnBranches,
    StoppingPointAtMost,
)
from ai_settings_core.domain.settings import BranchRule, ProjectSettings, RepositorySettings
from ai_settings_core.domain.values import BranchPattern, RepositoryRef, StoppingPoint

__all__ = ["T0", "sample_audit_entry", "sample_invariants", "sample_project"]

T0: Final = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
"""The instant :func:`sample_audit_entry` counts its minutes from."""


def sample_project(organization_id: str = "acme", project_id: str = "web") -> ProjectSettings:
    """A project that uses every stored field: overrides, repositories, rules, environments.

    Its first repository's branch rules are one without and one with a stopping point.
    """
    return ProjectSettings(
        organization_id=organization_id,
        project_id=project_id,
        scan_enabled_override=False,
        fix_enabled_override=True,
        stopping_point_override=StoppingPoint.SUGGESTION,
        repositories=(
            RepositorySettings(
                RepositoryRef.parse("github:Acme/API"),
                ai_enabled=True,
                branch_patterns=(
                    BranchPattern("main"),
                    BranchRule(BranchPattern("release/*"), StoppingPoint.SUGGESTION),
                ),
                stopping_point_override=StoppingPoint.MERGE,
            ),
            RepositorySettings(
                RepositoryRef.parse("gitlab:group/sub/tools"),
                ai_enabled=False,
            ),
        ),
        environments=frozenset({"production", "staging"}),
    )


def sample_invariants() -> tuple[Invariant, ...]:
    """One invariant of every kind, with every parameter in use (and a non-ASCII name)."""
    return (
        StoppingPointAtMost(
            "pr-at-most",
            StoppingPoint.PULL_REQUEST,
            (RepositoryRef.parse("github:Acme/infra"), RepositoryRef.parse("gitlab:g/s/tools")),
        ),
        MergeOnlyOnBranches("merge-on-main", (BranchPattern("main"), BranchPattern("release/*"))),
        FixRequiresScan("fix-needs-scan-é"),
    )


def sample_audit_entry(
    organization_id: str = "acme",
    project_id: str | None = "web",
    *,
    minutes: int = 0,
    event: AuditEvent = AuditEvent.PROJECT_AI_SETTINGS_EDIT,
) -> AuditEntry:
    """An audit entry with stored and effective changes, ``minutes`` after a fixed instant."""
    return AuditEntry(
        organization_id=organization_id,
        project_id=project_id,
        actor="user:1",
        event=event,
        target=project_id if project_id is not None else organization_id,
        occurred_at=T0 + dt.timedelta(minutes=minutes),
        stored_changes=(
            FieldChange("fix_enabled_override", None, True),
            FieldChange(
                "repositories",
                (),
                (("github:acme/api", True, ("main", "release/*"), None),),
            ),
        ),
        effective_changes=(FieldChange("fix_enabled", False, True),),
    )
