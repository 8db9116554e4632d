"""A tiny reference resolver, written for the tests: plain dicts, obviously correct.

It states the semantics of ARCHITECTURE §1 in the most direct way, and the property tests hold
the real resolver to it.
"""

from __future__ import annotations

RANK = {"suggestion": 0, "pull_request": 1, "merge": 2}
DEFAULTS = {"scan_enabled": True, "fix_enabled": False, "stopping_point": "pull_request"}


def reference_effective(
    org: dict | None, project: dict | None, repository: dict | None = None, now=None
) -> dict:
    """Effective values as a dict {setting: value}, each rule stated once.

    org: {"scan_enabled", "fix_enabled", "stopping_point", "locked": set, "ceiling"} or None,
        with "lock_expires": {setting: instant} when locks expire.
    project: {"scan_enabled": override-or-None, ...} or None, with "expires": {setting: instant}.
    repository: {"stopping_point": override-or-None} or None, with "expires" as for a project.
    now: the instant asked about; an override or lock expires at its instant (0. below).
    """
    org, project, repository = (live(level, now) for level in (org, project, repository))
    inherited = DEFAULTS if org is None else org  # 1. the organization, else the system
    locked = set() if org is None else org["locked"]
    ceiling = None if org is None else org["ceiling"]
    result = {}
    for setting in DEFAULTS:
        value = inherited[setting]
        if setting not in locked:  # 2. a lock wins over every override
            for level in (project, repository):  # 3. the innermost override that is set wins
                if level is not None and level.get(setting) is not None:
                    value = level[setting]
        if setting == "stopping_point" and ceiling is not None and RANK[value] > RANK[ceiling]:
            value = ceiling  # 4. the ceiling caps the stopping point
        result[setting] = value
    return result


def live(level: dict | None, now) -> dict | None:
    """0. A level as it stands at ``now``: what expired (``expires <= now``) is gone."""
    if level is None:
        return None
    level = dict(level)
    for setting, instant in level.pop("expires", {}).items():
        if now is None:
            raise TypeError("an expiry needs now")
        if instant <= now:
            level[setting] = None
    if "lock_expires" in level:
        ends = level.pop("lock_expires")
        if ends and now is None:
            raise TypeError("an expiry needs now")
        level["locked"] = {s for s in level["locked"] if s not in ends or now < ends[s]}
    return level


def org_dict(org) -> dict | None:
    if org is None:
        return None
    return {
        "scan_enabled": org.scan_enabled,
        "fix_enabled": org.fix_enabled,
        "stopping_point": org.stopping_point.value,
        "locked": {setting.value for setting in org.locked},
        "ceiling": None if org.max_stopping_point is None else org.max_stopping_point.value,
        "lock_expires": {
            s: instant
            for s in DEFAULTS
            if (instant := getattr(org, f"{s}_lock_expires_at")) is not None
        },
    }


def project_dict(project) -> dict | None:
    if project is None:
        return None
    point = project.stopping_point_override
    return {
        "scan_enabled": project.scan_enabled_override,
        "fix_enabled": project.fix_enabled_override,
        "stopping_point": None if point is None else point.value,
        "expires": {
            s: instant
            for s in DEFAULTS
            if (instant := getattr(project, f"{s}_override_expires_at")) is not None
        },
    }


def repository_dict(repository) -> dict | None:
    if repository is None:
        return None
    point = repository.stopping_point_override
    instant = repository.stopping_point_override_expires_at
    return {
        "stopping_point": None if point is None else point.value,
        "expires": {} if instant is None else {"stopping_point": instant},
    }


def plain(effective) -> dict:
    return {
        "scan_enabled": effective.scan_enabled,
        "fix_enabled": effective.fix_enabled,
        "stopping_point": effective.stopping_point.value,
    }
