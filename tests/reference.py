"""A tiny reference resolver, written for the tests: plain dicts, obviously correct.

It states the semantics of ARCHITECTURE §1 in the most direct way, and the property tests hold
the real resolver to it.
"""

from __future__ import annotations

import fnmatch

RANK = {"suggestion": 0, "pull_request": 1, "merge": 2}
DEFAULTS = {"scan_enabled": True, "fix_enabled": False, "stopping_point": "pull_request"}


def reference_effective(
    org: dict | None,
    project: dict | None,
    repository: dict | None = None,
    rule: dict | None = None,
) -> dict:
    """Effective values as a dict {setting: value}, each rule stated once.

    org: {"scan_enabled", "fix_enabled", "stopping_point", "locked": set, "ceiling"} or None.
    project: {"scan_enabled": override-or-None, ...} or None.
    repository: {"stopping_point": override-or-None} or None.
    rule: the branch's rule, {"stopping_point": override-or-None}, or None.
    """
    inherited = DEFAULTS if org is None else org  # 1. the organization, else the system
    locked = set() if org is None else org["locked"]
    ceiling = None if org is None else org["ceiling"]
    result = {}
    for setting in DEFAULTS:
        value = inherited[setting]
        if setting not in locked:  # 2. a lock wins over every override
            for level in (project, repository, rule):  # 3. the innermost set override wins
                if level is not None and level.get(setting) is not None:
                    value = level[setting]
        if setting == "stopping_point" and ceiling is not None and RANK[value] > RANK[ceiling]:
            value = ceiling  # 4. the ceiling caps the stopping point
        result[setting] = value
    return result


def org_dict(org) -> dict | None:
    if org is None:
        return None
    return {
        "scan_enabled": org.scan_enabled,
        "fix_enabled": org.fix_enabled,
        "stopping_point": org.stopping_point.value,
        "locked": {setting.value for setting in org.locked},
        "ceiling": None if org.max_stopping_point is None else org.max_stopping_point.value,
    }


def project_dict(project) -> dict | None:
    if project is None:
        return None
    point = project.stopping_point_override
    return {
        "scan_enabled": project.scan_enabled_override,
        "fix_enabled": project.fix_enabled_override,
        "stopping_point": None if point is None else point.value,
    }


def repository_dict(repository) -> dict | None:
    if repository is None:
        return None
    point = repository.stopping_point_override
    return {"stopping_point": None if point is None else point.value}


def rule_dict(rule) -> dict | None:
    if rule is None:
        return None
    point = rule.stopping_point_override
    return {"stopping_point": None if point is None else point.value}


def reference_rule(repository, branch: str):
    """The branch's rule: the first, in order, whose glob matches the whole branch name."""
    for rule in repository.branch_patterns:
        if fnmatch.fnmatchcase(branch, rule.pattern.text):
            return rule
    return None


def reference_decide(org, project, repository_ref, branch, environment) -> dict:
    """The decision as a dict {scan, fix, stopping_point}, from the rules of decide stated
    directly over the reference resolver (reasons are left to the example tests)."""
    if project is not None and project.environments and environment not in project.environments:
        return {"scan": False, "fix": False, "stopping_point": None}
    configured = None
    if project is not None and repository_ref is not None:
        configured = next(
            (r for r in project.repositories if r.repository.key == repository_ref.key), None
        )
    rule = None
    if configured is not None:
        rule = reference_rule(configured, branch or "")
        if not configured.ai_enabled or rule is None:
            return {"scan": False, "fix": False, "stopping_point": None}
    effective = reference_effective(
        org_dict(org), project_dict(project), repository_dict(configured), rule_dict(rule)
    )
    scan = effective["scan_enabled"]
    fix = scan and effective["fix_enabled"] and configured is not None
    return {
        "scan": scan,
        "fix": fix,
        "stopping_point": effective["stopping_point"] if fix else None,
    }


def plain(effective) -> dict:
    return {
        "scan_enabled": effective.scan_enabled,
        "fix_enabled": effective.fix_enabled,
        "stopping_point": effective.stopping_point.value,
    }
