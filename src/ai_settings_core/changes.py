"""Changes: patches, field-by-field diffs, reset to defaults and the impact preview.

>>> from ai_settings_core import OrganizationSettings
>>> from ai_settings_core.changes import diff_organization
>>> before = OrganizationSettings("acme")
>>> after = OrganizationSettings("acme", fix_enabled=True)
>>> [(c.field, c.before, c.after) for c in diff_organization(before, after)]
[('fix_enabled', False, True)]
"""

from __future__ import annotations

from ai_settings_core.domain.changes import (
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
    restore_fields,
    stale_fields,
)
from ai_settings_core.domain.plans import plan_settings

__all__ = [
    "KEEP",
    "FieldChange",
    "Impact",
    "Keep",
    "OrganizationPatch",
    "ProjectImpact",
    "ProjectPatch",
    "RepositoryImpact",
    "RepositoryPatch",
    "diff_effective",
    "diff_organization",
    "diff_project",
    "diff_settings",
    "plan_settings",
    "preview_impact",
    "reset_project",
    "restore_fields",
    "stale_fields",
]


def __dir__() -> list[str]:
    return list(__all__)
