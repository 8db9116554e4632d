"""Expiry: when stored overrides and locks end, and what a write of an expiry must respect.

An override or a lock with ``expires_at`` is in force strictly before that instant and absent
from it on (:func:`~ai_settings_core.domain.settings.is_live`). Nothing is deleted when it
expires. This module finds the next instant at which stored settings change by themselves
(:func:`next_expiry`, what a decision snapshot waits for) and checks the expiries a write sets:
an expiry must be in the future when it is written (code ``expired``) and must end something
(codes ``not_overridden`` and ``not_locked``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Final

from ai_settings_core.domain.findings import Finding, Path, Severity
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import format_timestamp

__all__ = ["next_expiry", "organization_expiry_findings", "project_expiry_findings"]

_ERROR: Final = Severity.ERROR


def next_expiry(
    organization: OrganizationSettings | None,
    projects: Iterable[ProjectSettings],
    now: dt.datetime,
) -> dt.datetime | None:
    """The earliest expiry after ``now`` of the organization's locks and projects' overrides.

    ``None`` when nothing stored will change by itself.

    >>> import datetime as dt
    >>> from ai_settings_core import OrganizationSettings, Setting
    >>> monday = dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)
    >>> org = OrganizationSettings(
    ...     "acme", locked=frozenset({Setting.FIX_ENABLED}), fix_enabled_lock_expires_at=monday)
    >>> next_expiry(org, [], dt.datetime(2026, 12, 1, tzinfo=dt.UTC)) == monday
    True
    >>> next_expiry(org, [], monday) is None
    True
    """
    earliest: dt.datetime | None = None
    found = [] if organization is None else list(organization.expiries())
    for project in projects:
        found.extend(project.expiries())
    for expires_at in found:
        if expires_at > now and (earliest is None or expires_at < earliest):
            earliest = expires_at
    return earliest


def _expired(path: Path, expires_at: dt.datetime) -> Finding:
    return Finding(
        "expired",
        _ERROR,
        path,
        f"This moment ({format_timestamp(expires_at, timespec='auto')}) has already passed: "
        "an expiry must be in the future.",
    )


def _written(
    path: Path,
    expires_at: dt.datetime | None,
    before: tuple[object, dt.datetime | None],
    value: object,
    now: dt.datetime | None,
) -> Iterator[Finding]:
    """An ``expired`` finding when a write sets an expiry that is not in the future.

    ``before`` is the stored value and expiry: a write that keeps both is not judged again.
    """
    if (
        expires_at is not None
        and now is not None
        and expires_at <= now
        and (value, expires_at) != before
    ):
        yield _expired(path, expires_at)


def _repository_findings(
    index: int,
    repository: RepositorySettings,
    previous: RepositorySettings | None,
    now: dt.datetime | None,
) -> Iterator[Finding]:
    expires_at = repository.stopping_point_override_expires_at
    if expires_at is None:
        return
    path: Path = ("repositories", index, "stopping_point_override_expires_at")
    if repository.stopping_point_override is None:
        yield Finding(
            "not_overridden",
            _ERROR,
            path,
            "An expiry ends an override: this repository does not override its stopping point.",
        )
    before: tuple[object, dt.datetime | None] = (
        (None, None)
        if previous is None
        else (previous.stopping_point_override, previous.stopping_point_override_expires_at)
    )
    yield from _written(path, expires_at, before, repository.stopping_point_override, now)


def project_expiry_findings(
    project: ProjectSettings, previous: ProjectSettings | None, now: dt.datetime | None
) -> list[Finding]:
    """The errors of the expiries of a project write.

    Each expiry must end an override (code ``not_overridden``), and an expiry the write sets
    or changes, or sets again with a new value, must be after ``now`` (code ``expired``); one
    stored before and kept with its value is not judged again, so an expired override does not
    block unrelated writes.
    """
    findings: list[Finding] = []
    for setting in Setting:
        expires_at = project.override_expires_at(setting)
        if expires_at is None:
            continue
        path: Path = (setting.expires_field,)
        if project.override(setting) is None:
            findings.append(
                Finding(
                    "not_overridden",
                    _ERROR,
                    path,
                    f"An expiry ends an override: {setting.override_field} is not set.",
                )
            )
        before: tuple[object, dt.datetime | None] = (
            (None, None)
            if previous is None
            else (previous.override(setting), previous.override_expires_at(setting))
        )
        findings.extend(_written(path, expires_at, before, project.override(setting), now))
    for index, repository in enumerate(project.repositories):
        stored = None if previous is None else previous.repository(repository.repository)
        findings.extend(_repository_findings(index, repository, stored, now))
    return findings


def organization_expiry_findings(
    organization: OrganizationSettings,
    previous: OrganizationSettings | None,
    now: dt.datetime | None,
) -> list[Finding]:
    """The errors of the lock expiries of an organization write.

    Each expiry must end a lock (code ``not_locked``); one the write sets or changes must be
    after ``now`` (code ``expired``).
    """
    findings: list[Finding] = []
    for setting in Setting:
        expires_at = organization.lock_expires_at(setting)
        if expires_at is None:
            continue
        path: Path = (setting.lock_expires_field,)
        if setting not in organization.locked:
            findings.append(
                Finding(
                    "not_locked",
                    _ERROR,
                    path,
                    f"An expiry ends a lock: {setting.value} is not locked.",
                )
            )
        before: tuple[object, dt.datetime | None] = (
            (False, None)
            if previous is None
            else (setting in previous.locked, previous.lock_expires_at(setting))
        )
        findings.extend(_written(path, expires_at, before, setting in organization.locked, now))
    return findings
