"""The service layer: every use case of the settings page, behind permissions.

One object, built with a unit-of-work factory (the storage), an optional event sink and a
clock, whose methods are the use cases. Each takes the acting user first. Every write runs in
one unit of work: read, patch, validate, save with compare-and-set, append the audit entries,
commit; analytics events go to the sink after the commit.

The use cases live in one module per concern (``_organization``, ``_projects``, ``_bulk``,
``_reads``), every write goes through the one pipeline of ``_pipeline``, and the analytics
events are sent by ``_analytics``; :class:`SettingsService` puts them together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.domain.rules import OrganizationRule, ProjectRule
from ai_settings_core.ports import Clock, EventSink, UnitOfWorkFactory
from ai_settings_core.service._bulk import BulkUseCases
from ai_settings_core.service._invariants import InvariantUseCases
from ai_settings_core.service._organization import OrganizationUseCases
from ai_settings_core.service._projects import ProjectUseCases
from ai_settings_core.service._reads import ReadUseCases
from ai_settings_core.service._revert import RevertUseCases
from ai_settings_core.service._settings_as_code import SettingsAsCodeUseCases

__all__ = ["SettingsService"]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SettingsService(
    OrganizationUseCases,
    ProjectUseCases,
    BulkUseCases,
    InvariantUseCases,
    RevertUseCases,
    SettingsAsCodeUseCases,
    ReadUseCases,
):
    """The use cases of the AI settings page.

    >>> from ai_settings_core import Actor, ALL_SCOPES, OrganizationPatch, SettingsService
    >>> from ai_settings_core.adapters.memory import MemoryStore
    >>> service = SettingsService(MemoryStore())
    >>> admin = Actor("user:1", "acme", ALL_SCOPES)
    >>> service.get_organization(admin, "acme").settings.fix_enabled
    False
    >>> view = service.update_organization(admin, "acme", OrganizationPatch(fix_enabled=True))
    >>> view.settings.fix_enabled, view.version
    (True, 1)

    Args:
        uow_factory: Makes units of work over the store (an adapter, or the host's own).
        events: Where analytics events go after each commit; ``None`` for nowhere.
        clock: Gives the time of audit entries (timezone-aware).
        limits: Size limits; ``limits.max_bulk_projects`` bounds bulk changes.
        organization_rules: Extra rules for organization writes, after the built-in ones.
        project_rules: Extra rules for project writes, after the built-in ones.
        project_exists: Tells whether the host knows a project. When given, a known project
            that stored nothing reads as inheriting everything, and an unknown one is "not
            found" even for writes. When ``None``, a project exists once something is stored
            for it, and a write stores it.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        events: EventSink | None = None,
        clock: Clock = _utc_now,
        limits: Limits = DEFAULT_LIMITS,
        organization_rules: Sequence[OrganizationRule] = (),
        project_rules: Sequence[ProjectRule] = (),
        project_exists: Callable[[str, str], bool] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._events = events
        self._clock = clock
        self._limits = limits
        self._organization_rules = tuple(organization_rules)
        self._project_rules = tuple(project_rules)
        self._project_exists = project_exists

    @property
    def limits(self) -> Limits:
        """The limits in force."""
        return self._limits

    @property
    def store(self) -> UnitOfWorkFactory:
        """The store the service reads and writes (its unit-of-work factory)."""
        return self._uow
