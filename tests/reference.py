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
    now=None,
) -> dict:
    """Effective values as a dict {setting: value}, each rule stated once.

    org: {"scan_enabled", "fix_enabled", "stopping_point", "locked": set, "ceiling"} or None,
        with "lock_expires": {setting: instant} when locks expire.
    project: {"scan_enabled": override-or-None, ...} or None, with "expires": {setting: instant}.
    repository: {"stopping_point": override-or-None} or None, with "expires" as for a project.
    rule: the branch's rule, {"stopping_point": override-or-None}, or None (it never expires).
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
            for level in (project, repository, rule):  # 3. the innermost set override wins
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


def _covered(pattern: str, allowed: list[str]) -> bool:
    """A branch pattern merging may use: one of ``allowed`` as written, or a plain branch name
    one of them matches."""
    if pattern in allowed:
        return True
    return not set(pattern) & set("*?[") and any(fnmatch.fnmatchcase(pattern, a) for a in allowed)


def reference_violations(org, projects, invariants) -> set[tuple]:
    """Where ``invariants`` are broken, as ``(name, project_id, repository key, field, pattern)``.

    The semantics of docs/invariants.md, stated directly over :func:`reference_effective`: the
    organization's default counts as a place (``project_id`` ``None``), then every project and
    every repository.
    """
    o = org_dict(org)
    found: set[tuple] = set()
    for invariant in invariants:
        name, kind = invariant.name, invariant.kind.value
        places = [(None, None, reference_effective(o, None))]
        for project in projects:
            p = project_dict(project)
            places.append((project, None, reference_effective(o, p)))
            places += [
                (project, r, reference_effective(o, p, repository_dict(r)))
                for r in project.repositories
            ]
        for project, repository, effective in places:
            pid = None if project is None else project.project_id
            key = None if repository is None else repository.repository.key
            point = effective["stopping_point"]
            # A branch rule at its own stopping point: the repository's, unless it overrides it.
            rules = []
            for rule in [] if repository is None else _first_rules(repository):
                values = reference_effective(
                    o, project_dict(project), repository_dict(repository), rule_dict(rule)
                )
                rules.append((rule, values["stopping_point"]))
            if kind == "stopping_point_at_most":
                excepted = {ref.key for ref in invariant.except_repositories}
                limit = RANK[invariant.at_most.value]
                if key not in excepted and RANK[point] > limit:
                    field = "stopping_point" if project is None else "stopping_point_override"
                    found.add((name, pid, key, field, None))
                found.update(
                    (name, pid, key, "stopping_point_override", rule.pattern.text)
                    for rule, rule_point in rules
                    if key not in excepted
                    and rule.stopping_point_override is not None
                    and RANK[rule_point] > limit
                )
            elif kind == "merge_only_on_branches":
                allowed = [b.text for b in invariant.branches]
                found.update(
                    (name, pid, key, "branch_patterns", rule.pattern.text)
                    for rule, rule_point in rules
                    if rule_point == "merge" and not _covered(rule.pattern.text, allowed)
                )
            elif repository is None and effective["fix_enabled"] and not effective["scan_enabled"]:
                field = "fix_enabled" if project is None else "fix_enabled_override"
                found.add((name, pid, None, field, None))
    return found


def _first_rules(repository) -> list:
    """The rules that may apply: a pattern listed twice applies at its first place only."""
    texts = [rule.text for rule in repository.branch_patterns]
    return [rule for i, rule in enumerate(repository.branch_patterns) if rule.text not in texts[:i]]


def violation_key(violation) -> tuple:
    """A violation of the real code in :func:`reference_violations`' terms."""
    fields = [part for part in violation.path if isinstance(part, str)]
    return (
        violation.invariant,
        violation.project_id,
        None if violation.repository is None else violation.repository.key,
        fields[-1],
        None if violation.branch_pattern is None else violation.branch_pattern.text,
    )
