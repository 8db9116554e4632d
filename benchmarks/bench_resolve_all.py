"""``resolve_all`` for an organization of 100,000 projects, beside a hand-written resolver.

Workload: 100,000 projects, two thirds inheriting everything and the rest with random
overrides; an organization with a lock and a ceiling, so that traces carry shadowed values.

Baselines: a hand-written resolver as a user would write it (plain dicts, effective values
only, no traces); ``resolve_project`` called for each project (the naive path); and building a
dictionary of the same 100,000 keys (the floor any resolve-all stands on).
"""

from __future__ import annotations

import random

from ai_settings_core import (
    OrganizationSettings,
    ProjectSettings,
    Setting,
    StoppingPoint,
    resolve_all,
    resolve_project,
)
from benchmarks import measure, row

PROJECTS = 100_000
MAX_NS = 50_000_000.0

_RANK = {StoppingPoint.SUGGESTION: 0, StoppingPoint.PULL_REQUEST: 1, StoppingPoint.MERGE: 2}


def _projects(rng: random.Random) -> list[ProjectSettings]:
    flags = (None, True, False)
    points = (None, *StoppingPoint)
    projects = []
    for i in range(PROJECTS):
        if rng.random() < 2 / 3:
            projects.append(ProjectSettings("acme", f"project-{i}"))
        else:
            projects.append(
                ProjectSettings(
                    "acme",
                    f"project-{i}",
                    scan_enabled_override=rng.choice(flags),
                    fix_enabled_override=rng.choice(flags),
                    stopping_point_override=rng.choice(points),
                )
            )
    return projects


def hand_written(
    organization: OrganizationSettings, projects: list[ProjectSettings]
) -> dict[str, dict[str, object]]:
    """Effective values as plain dicts, without traces: what a user would write by hand."""
    locked = organization.locked
    ceiling = organization.max_stopping_point
    result: dict[str, dict[str, object]] = {}
    for project in projects:
        scan = organization.scan_enabled
        if Setting.SCAN_ENABLED not in locked and project.scan_enabled_override is not None:
            scan = project.scan_enabled_override
        fix = organization.fix_enabled
        if Setting.FIX_ENABLED not in locked and project.fix_enabled_override is not None:
            fix = project.fix_enabled_override
        point = organization.stopping_point
        if Setting.STOPPING_POINT not in locked and project.stopping_point_override is not None:
            point = project.stopping_point_override
        if ceiling is not None and _RANK[point] > _RANK[ceiling]:
            point = ceiling
        result[project.project_id] = {
            "scan_enabled": scan,
            "fix_enabled": fix,
            "stopping_point": point,
        }
    return result


def run(repeats: int) -> list[dict[str, object]]:
    """Measure and return the rows (see ``benchmarks/run.py``)."""
    rng = random.Random(11)
    organization = OrganizationSettings(
        "acme",
        fix_enabled=True,
        locked=frozenset({Setting.SCAN_ENABLED}),
        max_stopping_point=StoppingPoint.PULL_REQUEST,
    )
    projects = _projects(rng)
    resolved = resolve_all(organization, projects)
    assert all(resolved[p.project_id] == resolve_project(organization, p) for p in projects[:2000])

    times = measure(
        {
            "floor": lambda: {project.project_id: project for project in projects},
            "hand": lambda: hand_written(organization, projects),
            "resolve_all": lambda: resolve_all(organization, projects),
        },
        repeats,
    )
    naive = measure(
        {"naive": lambda: {p.project_id: resolve_project(organization, p) for p in projects}},
        max(1, min(repeats, 3)),
        warmup=0,
    )["naive"]
    fast = times["resolve_all"]
    return [
        row(
            "resolve_all, 100k projects, with traces",
            fast,
            baseline_name="hand-written resolver (dicts, no traces)",
            baseline_median_ns=times["hand"],
            target=f"<= {MAX_NS / 1e6:.0f} ms",
            passed=fast <= MAX_NS,
        ),
        row(
            "resolve_project per project (naive)",
            naive,
            baseline_name="resolve_all",
            baseline_median_ns=fast,
        ),
        row(
            "resolve_all vs building the same dict",
            fast,
            baseline_name="{p.project_id: p for p in projects}",
            baseline_median_ns=times["floor"],
        ),
    ]
