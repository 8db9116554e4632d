"""The service layer: the use cases of the settings page, and what they return.

:class:`SettingsService` takes the acting user first in every method, checks permissions,
validates, writes in one unit of work with its audit entries, and sends analytics events after
the commit. The views it returns are plain immutable values, among them the values of
settings as code (:class:`SettingsDocument`, :class:`SettingsPlan`) and of a revert
(:class:`RevertResult`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from ai_settings_core.domain.audit import AuditEntry, AuditEvent
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

if TYPE_CHECKING:
    from ai_settings_core.domain.exposure import (
        BranchExposure,
        Exposure,
        ExposurePlace,
        ProjectExposure,
        RepositoryExposure,
    )
    from ai_settings_core.domain.plans import (
        PlanAction,
        RecordPlan,
        SettingsDocument,
        SettingsPlan,
    )

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


# The values of the exposure report and of settings as code load on first use: the command
# line's reads (``org show``) start without them.
_LAZY: Final = {
    **dict.fromkeys(
        ("BranchExposure", "Exposure", "ExposurePlace", "ProjectExposure", "RepositoryExposure"),
        "ai_settings_core.domain.exposure",
    ),
    **dict.fromkeys(
        ("PlanAction", "RecordPlan", "SettingsDocument", "SettingsPlan"),
        "ai_settings_core.domain.plans",
    ),
}


def __getattr__(name: str) -> Any:  # noqa: ANN401 - whatever the named module holds
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # the next lookup is a plain module attribute
        return value
    raise AttributeError(f"module 'ai_settings_core.service' has no attribute {name!r}")


def __dir__() -> list[str]:
    return list(__all__)
