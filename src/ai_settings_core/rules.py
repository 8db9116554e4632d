"""Validation rules: the built-in ones, the limits they enforce, and the types of a host's own.

A rule returns findings (code, severity, field path, message); errors block a write, warnings
go back to the UI. A host adds its own rules to
:class:`~ai_settings_core.SettingsService` (``organization_rules=``, ``project_rules=``).

>>> from ai_settings_core import OrganizationSettings, StoppingPoint
>>> from ai_settings_core.rules import validate_organization
>>> org = OrganizationSettings("acme", stopping_point=StoppingPoint.MERGE,
...                            max_stopping_point=StoppingPoint.PULL_REQUEST)
>>> [finding.code for finding in validate_organization(org)]
['above_ceiling']
"""

from __future__ import annotations

from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.domain.rules import (
    OrganizationRule,
    ProjectContext,
    ProjectRule,
    project_warnings,
    raise_for_errors,
    validate_identifier,
    validate_organization,
    validate_project,
)

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "OrganizationRule",
    "ProjectContext",
    "ProjectRule",
    "project_warnings",
    "raise_for_errors",
    "validate_identifier",
    "validate_organization",
    "validate_project",
]


def __dir__() -> list[str]:
    return list(__all__)
