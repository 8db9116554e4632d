"""ai_settings_core: the settings of AI features, with inheritance that explains itself.

Organization defaults for AI issue scanning, AI fixing and the stopping point of an automated
fix; project and repository overrides that inherit from them at read time; organization policy
(locks, a ceiling); validation; decisions for the hot path. Everything public is importable
from here; the modules behind it are private.
"""

from __future__ import annotations

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
    preview_impact,
    reset_project,
)
from ai_settings_core._decide import Decision, DecisionReason, decide
from ai_settings_core._findings import Finding, Path, Severity, build_detail, format_path
from ai_settings_core._limits import DEFAULT_LIMITS, Limits
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
from ai_settings_core._rules import (
    OrganizationRule,
    ProjectContext,
    ProjectRule,
    raise_for_errors,
    validate_identifier,
    validate_organization,
    validate_project,
)
from ai_settings_core._settings import (
    SYSTEM_DEFAULTS,
    EffectiveSettings,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core._values import BranchPattern, Provider, RepositoryRef, StoppingPoint
from ai_settings_core.errors import (
    AISettingsError,
    ConflictError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    ValidationError,
)

__all__ = [
    "DEFAULT_LIMITS",
    "KEEP",
    "SYSTEM_DEFAULTS",
    "AISettingsError",
    "BranchPattern",
    "ConflictError",
    "Decision",
    "DecisionReason",
    "EffectiveSettings",
    "FieldChange",
    "Finding",
    "Impact",
    "InvalidValueError",
    "Keep",
    "Level",
    "Limits",
    "NotFoundError",
    "OrganizationPatch",
    "OrganizationRule",
    "OrganizationSettings",
    "Path",
    "PermissionDeniedError",
    "ProjectContext",
    "ProjectImpact",
    "ProjectPatch",
    "ProjectRule",
    "ProjectSettings",
    "Provider",
    "Reason",
    "RepositoryImpact",
    "RepositoryPatch",
    "RepositoryRef",
    "RepositorySettings",
    "Resolution",
    "Setting",
    "Severity",
    "Shadowed",
    "StoppingPoint",
    "StorageError",
    "Trace",
    "ValidationError",
    "build_detail",
    "decide",
    "diff_effective",
    "diff_organization",
    "diff_project",
    "format_path",
    "preview_impact",
    "raise_for_errors",
    "reset_project",
    "resolve_organization",
    "resolve_project",
    "resolve_repository",
    "validate_identifier",
    "validate_organization",
    "validate_project",
]


def __dir__() -> list[str]:
    return list(__all__)
