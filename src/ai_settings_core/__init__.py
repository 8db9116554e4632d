"""ai_settings_core: the settings of AI features, with inheritance that explains itself.

Organization defaults for AI issue scanning, AI fixing and the stopping point of an automated
fix; project and repository overrides that inherit from them at read time; organization policy
(locks, a ceiling); validation; decisions for the hot path.

This module is the front door: the names a user needs first. The rest lives in namespaces:
:mod:`ai_settings_core.codec` (parse and dump payloads, JSON Schema),
:mod:`ai_settings_core.rules` (validation and limits), :mod:`ai_settings_core.changes`
(patches, diffs, the impact preview), :mod:`ai_settings_core.events` (analytics events),
:mod:`ai_settings_core.service` (the use cases and what they return),
:mod:`ai_settings_core.errors`, :mod:`ai_settings_core.ports`, :mod:`ai_settings_core.http`,
:mod:`ai_settings_core.adapters` and :mod:`ai_settings_core.testing`.

Every name loads on first use (the module behind it is imported then), so ``import
ai_settings_core`` costs next to nothing and a program pays only for the names it uses.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ai_settings_core.adapters.memory import MemoryStore
    from ai_settings_core.adapters.sqlite import SqliteStore
    from ai_settings_core.cache import DecisionCache
    from ai_settings_core.domain.changes import OrganizationPatch, ProjectPatch, RepositoryPatch
    from ai_settings_core.domain.decide import Decision, DecisionReason, decide
    from ai_settings_core.domain.expiry import next_expiry
    from ai_settings_core.domain.exposure import Exposure, exposure
    from ai_settings_core.domain.findings import Finding, Severity
    from ai_settings_core.domain.permissions import (
        ALL_SCOPES,
        ORG_ADMIN,
        ORG_READ,
        PROJECT_ADMIN,
        PROJECT_READ,
        Actor,
    )
    from ai_settings_core.domain.resolve import (
        Level,
        Reason,
        Resolution,
        Shadowed,
        Trace,
        resolve_branch,
        resolve_organization,
        resolve_project,
        resolve_repository,
    )
    from ai_settings_core.domain.resolve_all import resolve_all
    from ai_settings_core.domain.settings import (
        SYSTEM_DEFAULTS,
        BranchRule,
        OrganizationSettings,
        ProjectSettings,
        RepositorySettings,
        Setting,
    )
    from ai_settings_core.domain.snapshot import DecisionSnapshot
    from ai_settings_core.domain.values import BranchPattern, Provider, RepositoryRef, StoppingPoint
    from ai_settings_core.domain.views import OrganizationView, ProjectView
    from ai_settings_core.errors import (
        AISettingsError,
        ConflictError,
        NotFoundError,
        PermissionDeniedError,
        StorageError,
        ValidationError,
    )
    from ai_settings_core.service import SettingsService

__all__ = [
    "ALL_SCOPES",
    "ORG_ADMIN",
    "ORG_READ",
    "PROJECT_ADMIN",
    "PROJECT_READ",
    "SYSTEM_DEFAULTS",
    "AISettingsError",
    "Actor",
    "BranchPattern",
    "BranchRule",
    "ConflictError",
    "Decision",
    "DecisionCache",
    "DecisionReason",
    "DecisionSnapshot",
    "Exposure",
    "Finding",
    "Level",
    "MemoryStore",
    "NotFoundError",
    "OrganizationPatch",
    "OrganizationSettings",
    "OrganizationView",
    "PermissionDeniedError",
    "ProjectPatch",
    "ProjectSettings",
    "ProjectView",
    "Provider",
    "Reason",
    "RepositoryPatch",
    "RepositoryRef",
    "RepositorySettings",
    "Resolution",
    "Setting",
    "SettingsService",
    "Severity",
    "Shadowed",
    "SqliteStore",
    "StoppingPoint",
    "StorageError",
    "Trace",
    "ValidationError",
    "decide",
    "exposure",
    "next_expiry",
    "resolve_all",
    "resolve_branch",
    "resolve_organization",
    "resolve_project",
    "resolve_repository",
]

# Every front-door name and the module that holds it, imported on first use: `import
# ai_settings_core` loads nothing but this table, so a command's `--help`, a worker that only
# decides and a host that only needs the errors pay for what they use and no more.
_LAZY: dict[str, str] = {
    "DecisionCache": "ai_settings_core.cache",
    **dict.fromkeys(
        ["OrganizationPatch", "ProjectPatch", "RepositoryPatch"], "ai_settings_core.domain.changes"
    ),
    **dict.fromkeys(["Decision", "DecisionReason", "decide"], "ai_settings_core.domain.decide"),
    **dict.fromkeys(["Exposure", "exposure"], "ai_settings_core.domain.exposure"),
    "next_expiry": "ai_settings_core.domain.expiry",
    **dict.fromkeys(["Finding", "Severity"], "ai_settings_core.domain.findings"),
    **dict.fromkeys(
        ["ALL_SCOPES", "Actor", "ORG_ADMIN", "ORG_READ", "PROJECT_ADMIN", "PROJECT_READ"],
        "ai_settings_core.domain.permissions",
    ),
    **dict.fromkeys(
        [
            "Level",
            "Reason",
            "Resolution",
            "Shadowed",
            "Trace",
            "resolve_branch",
            "resolve_organization",
            "resolve_project",
            "resolve_repository",
        ],
        "ai_settings_core.domain.resolve",
    ),
    "resolve_all": "ai_settings_core.domain.resolve_all",
    **dict.fromkeys(
        [
            "BranchRule",
            "OrganizationSettings",
            "ProjectSettings",
            "RepositorySettings",
            "SYSTEM_DEFAULTS",
            "Setting",
        ],
        "ai_settings_core.domain.settings",
    ),
    "DecisionSnapshot": "ai_settings_core.domain.snapshot",
    **dict.fromkeys(
        ["BranchPattern", "Provider", "RepositoryRef", "StoppingPoint"],
        "ai_settings_core.domain.values",
    ),
    **dict.fromkeys(["OrganizationView", "ProjectView"], "ai_settings_core.domain.views"),
    **dict.fromkeys(
        [
            "AISettingsError",
            "ConflictError",
            "NotFoundError",
            "PermissionDeniedError",
            "StorageError",
            "ValidationError",
        ],
        "ai_settings_core.errors",
    ),
    "MemoryStore": "ai_settings_core.adapters.memory",
    "SqliteStore": "ai_settings_core.adapters.sqlite",
    "SettingsService": "ai_settings_core.service",
}

# Names that left the front door in 0.2: still importable from here for one release, with a
# DeprecationWarning that names their new home.
_MOVED: dict[str, str] = {
    **dict.fromkeys(
        [
            "CONVERTER",
            "SCHEMA_NAMES",
            "build_detail",
            "dump_decision",
            "dump_export",
            "dump_field_changes",
            "dump_findings",
            "dump_impact",
            "dump_organization",
            "dump_project",
            "dump_project_view",
            "dump_repository",
            "dump_resolution",
            "dumps_export",
            "format_path",
            "json_schema",
            "load_json",
            "parse_export",
            "parse_organization",
            "parse_organization_patch",
            "parse_project",
            "parse_project_patch",
            "parse_repository",
            "parse_repository_patch",
        ],
        "ai_settings_core.codec",
    ),
    **dict.fromkeys(
        [
            "DEFAULT_LIMITS",
            "Limits",
            "OrganizationRule",
            "ProjectContext",
            "ProjectRule",
            "raise_for_errors",
            "validate_identifier",
            "validate_organization",
            "validate_project",
        ],
        "ai_settings_core.rules",
    ),
    **dict.fromkeys(
        [
            "KEEP",
            "FieldChange",
            "Impact",
            "Keep",
            "ProjectImpact",
            "RepositoryImpact",
            "diff_effective",
            "diff_organization",
            "diff_project",
            "diff_settings",
            "preview_impact",
            "reset_project",
        ],
        "ai_settings_core.changes",
    ),
    **dict.fromkeys(
        ["ORG_CHANGED", "PROJECT_OVERRIDE", "REPOSITORY_CONFIG", "Event", "EventSink"],
        "ai_settings_core.events",
    ),
    "RecordingSink": "ai_settings_core.events",
    **dict.fromkeys(
        [
            "AuditEntry",
            "AuditEvent",
            "BulkResult",
            "Explanation",
            "OrganizationState",
            "Page",
            "RepositoryView",
        ],
        "ai_settings_core.service",
    ),
    "ORG_WRITE": "ai_settings_core.domain.permissions",
    "PROJECT_WRITE": "ai_settings_core.domain.permissions",
    "EffectiveSettings": "ai_settings_core.domain.settings",
    "Path": "ai_settings_core.domain.findings",
    "InvalidValueError": "ai_settings_core.errors",
}


def __getattr__(name: str) -> Any:  # noqa: ANN401 - whatever the named module holds
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # the next lookup is a plain module attribute
        return value
    if name in _MOVED:
        home = _MOVED[name]
        warnings.warn(
            f"ai_settings_core.{name} moved to {home}.{name}; the old name goes away in 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(home), name)
    raise AttributeError(f"module 'ai_settings_core' has no attribute {name!r}")


def __dir__() -> list[str]:
    return list(__all__)
