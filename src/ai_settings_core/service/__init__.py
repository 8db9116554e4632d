"""The service layer: the use cases of the settings page, and what they return.

:class:`SettingsService` takes the acting user first in every method, checks permissions,
validates, writes in one unit of work with its audit entries, and sends analytics events after
the commit. The views it returns are plain immutable values.
"""

from __future__ import annotations

from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.exposure import (
    BranchExposure,
    Exposure,
    ExposurePlace,
    ProjectExposure,
    RepositoryExposure,
)
from ai_settings_core.domain.views import (
    BulkResult,
    Explanation,
    OrganizationView,
    ProjectView,
    RepositoryView,
)
from ai_settings_core.ports import Clock, OrganizationState, Page
from ai_settings_core.service._service import SettingsService

__all__ = [
    "AuditEntry",
    "AuditEvent",
    "BranchExposure",
    "BulkResult",
    "Clock",
    "Explanation",
    "Exposure",
    "ExposurePlace",
    "OrganizationState",
    "OrganizationView",
    "Page",
    "ProjectExposure",
    "ProjectView",
    "RepositoryExposure",
    "RepositoryView",
    "SettingsService",
]


def __dir__() -> list[str]:
    return list(__all__)
