"""ai_settings_core: the settings of AI features, with inheritance that explains itself.

Organization defaults for AI issue scanning, AI fixing and the stopping point of an automated
fix; project and repository overrides that inherit from them at read time; organization policy
(locks, a ceiling); validation; decisions for the hot path. Everything public is importable
from here; the modules behind it are private.
"""

from __future__ import annotations

from ai_settings_core._audit import AuditEntry, AuditEvent
from ai_settings_core._changes import (
    KEEP,
    FieldChange,
    Impact,
    Keep,
    OrganizationPatch,
    ProjectImpact,
    ProjectPatch,
    RepositoryImpact,
    RepositoryPatch,
    diff_effective,
    diff_organization,
    diff_project,
    diff_settings,
    preview_impact,
    reset_project,
)
from ai_settings_core._codec import (
    CONVERTER,
    dump_decision,
    dump_export,
    dump_field_changes,
    dump_findings,
    dump_impact,
    dump_organization,
    dump_project,
    dump_project_view,
    dump_repository,
    dump_resolution,
    dumps_export,
    parse_export,
    parse_organization,
    parse_organization_patch,
    parse_project,
    parse_project_patch,
    parse_repository,
    parse_repository_patch,
)
from ai_settings_core._decide import Decision, DecisionReason, decide
from ai_settings_core._events import (
    ORG_CHANGED,
    PROJECT_OVERRIDE,
    REPOSITORY_CONFIG,
    Event,
    EventSink,
    RecordingSink,
)
from ai_settings_core._findings import Finding, Path, Severity, build_detail, format_path
from ai_settings_core._limits import DEFAULT_LIMITS, Limits
from ai_settings_core._permissions import (
    ALL_SCOPES,
    ORG_ADMIN,
    ORG_READ,
    ORG_WRITE,
    PROJECT_ADMIN,
    PROJECT_READ,
    PROJECT_WRITE,
    Actor,
)
from ai_settings_core._resolve import (
    Level,
    Reason,
    Resolution,
    Shadowed,
    Trace,
    resolve_organization,
    resolve_project,
    resolve_repository,
)
from ai_settings_core._resolve_all import resolve_all
from ai_settings_core._rules import (
    OrganizationRule,
    ProjectContext,
    ProjectRule,
    raise_for_errors,
    validate_identifier,
    validate_organization,
    validate_project,
)
from ai_settings_core._schema import SCHEMA_NAMES, json_schema
from ai_settings_core._service import (
    BulkResult,
    Explanation,
    OrganizationView,
    ProjectView,
    RepositoryView,
    SettingsService,
)
from ai_settings_core._settings import (
    SYSTEM_DEFAULTS,
    EffectiveSettings,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core._snapshot import DecisionSnapshot
from ai_settings_core._values import BranchPattern, Provider, RepositoryRef, StoppingPoint
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.errors import (
    AISettingsError,
    ConflictError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    ValidationError,
)
from ai_settings_core.ports import OrganizationState, Page

__all__ = [
    "ALL_SCOPES",
    "CONVERTER",
    "DEFAULT_LIMITS",
    "KEEP",
    "ORG_ADMIN",
    "ORG_CHANGED",
    "ORG_READ",
    "ORG_WRITE",
    "PROJECT_ADMIN",
    "PROJECT_OVERRIDE",
    "PROJECT_READ",
    "PROJECT_WRITE",
    "REPOSITORY_CONFIG",
    "SCHEMA_NAMES",
    "SYSTEM_DEFAULTS",
    "AISettingsError",
    "Actor",
    "AuditEntry",
    "AuditEvent",
    "BranchPattern",
    "BulkResult",
    "ConflictError",
    "Decision",
    "DecisionReason",
    "DecisionSnapshot",
    "EffectiveSettings",
    "Event",
    "EventSink",
    "Explanation",
    "FieldChange",
    "Finding",
    "Impact",
    "InvalidValueError",
    "Keep",
    "Level",
    "Limits",
    "MemoryStore",
    "NotFoundError",
    "OrganizationPatch",
    "OrganizationRule",
    "OrganizationSettings",
    "OrganizationState",
    "OrganizationView",
    "Page",
    "Path",
    "PermissionDeniedError",
    "ProjectContext",
    "ProjectImpact",
    "ProjectPatch",
    "ProjectRule",
    "ProjectSettings",
    "ProjectView",
    "Provider",
    "Reason",
    "RecordingSink",
    "RepositoryImpact",
    "RepositoryPatch",
    "RepositoryRef",
    "RepositorySettings",
    "RepositoryView",
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
    "build_detail",
    "decide",
    "diff_effective",
    "diff_organization",
    "diff_project",
    "diff_settings",
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
    "parse_export",
    "parse_organization",
    "parse_organization_patch",
    "parse_project",
    "parse_project_patch",
    "parse_repository",
    "parse_repository_patch",
    "preview_impact",
    "raise_for_errors",
    "reset_project",
    "resolve_all",
    "resolve_organization",
    "resolve_project",
    "resolve_repository",
    "validate_identifier",
    "validate_organization",
    "validate_project",
]


def __dir__() -> list[str]:
    return list(__all__)
