"""Resolve-all: the effective settings, with traces, of every project of an organization.

A project's resolution depends only on the organization and the project's three overrides, so
an organization of any size has at most 36 distinct resolutions (three states for each flag,
four for the stopping point). They are computed once each and shared: a
:class:`~ai_settings_core.Resolution` is frozen, so sharing is safe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ai_settings_core.domain.resolve import Resolution, resolve_project
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings

__all__ = ["resolve_all"]


def resolve_all(
    organization: OrganizationSettings | None,
    projects: Iterable[ProjectSettings],
    *,
    now: dt.datetime | None = None,
) -> dict[str, Resolution]:
    """The resolution of every project, by project id, in the order the projects come.

    Each value equals ``resolve_project(organization, project)``; projects with the same
    overrides share one :class:`~ai_settings_core.Resolution` object. The dictionary is new
    and belongs to the caller. A later project with the same id replaces an earlier one.
    ``now`` as for :func:`~ai_settings_core.resolve_project` (needed when values expire).

        >>> from ai_settings_core import OrganizationSettings, ProjectSettings, Reason
        >>> org = OrganizationSettings("acme", fix_enabled=True)
        >>> projects = [
        ...     ProjectSettings("acme", "api"),
        ...     ProjectSettings("acme", "web", fix_enabled_override=False),
        ...     ProjectSettings("acme", "docs"),
        ... ]
        >>> resolved = resolve_all(org, projects)
        >>> [(pid, r.fix_enabled.value, str(r.fix_enabled.reason)) for pid, r in resolved.items()]
        [('api', True, 'INHERITED'), ('web', False, 'OVERRIDDEN'), ('docs', True, 'INHERITED')]
        >>> resolved["api"] is resolved["docs"]
        True
    """
    memo: dict[tuple[object, ...], Resolution] = {}
    resolved: dict[str, Resolution] = {}
    for project in projects:
        # A project's resolution depends on its three overrides and, when they expire, on
        # when (its repositories' expiries are not part of it): read as plain attributes,
        # the hot loop of a page of 100,000 projects.
        scan_until = project.scan_enabled_override_expires_at
        fix_until = project.fix_enabled_override_expires_at
        point_until = project.stopping_point_override_expires_at
        key: tuple[object, ...] = (
            project.scan_enabled_override,
            project.fix_enabled_override,
            project.stopping_point_override,
        )
        if scan_until is not None or fix_until is not None or point_until is not None:
            key = (*key, scan_until, fix_until, point_until)
        resolution = memo.get(key)
        if resolution is None:
            resolution = memo[key] = resolve_project(organization, project, now=now)
        resolved[project.project_id] = resolution
    return resolved
