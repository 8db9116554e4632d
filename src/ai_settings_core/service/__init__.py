"""The service layer: the use cases of the settings page, and what they return.

:class:`SettingsService` takes the acting user first in every method, checks permissions,
validates, writes in one unit of work with its audit entries, and sends analytics events after
the commit. The views it returns are plain immutable values, among them the values of
settings as code (:class:`SettingsDocument`, :class:`SettingsPlan`) and of a revert
(:class:`RevertResult`).
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
from ai_settings_core.domain.plans import PlanAction, RecordPlan, SettingsDocument, SettingsPlan
from ai_settings_core.domain.views import (
    BulkResult,
    Explanation,
    OrganizationView,
    ProjectView,
    RepositoryView,
    RevertResult,
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
    "PlanAction",
    "ProjectExposure",
    "ProjectView",
    "RecordPlan",
    "RepositoryExposure",
    "RepositoryView",
    "RevertResult",
    "SettingsDocument",
    "SettingsPlan",
    "SettingsService",
]


def __dir__() -> list[str]:
    return list(__all__)
