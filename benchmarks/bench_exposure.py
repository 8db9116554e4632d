"""The exposure report of an organization of 100,000 projects, beside what it stands on.

Workload: 100,000 projects, two thirds inheriting everything and the rest with random
overrides; half of them list one or two repositories (AI on or off, one or two branch
patterns, a random stopping-point override); an organization that fixes, with a lock and a
ceiling.

Baselines: ``resolve_all`` alone (the report is computed from it, so this is its floor), and
the same report built naively, resolving every repository on its own
(``resolve_repository``, no sharing).
"""

from __future__ import annotations

import random

from ai_settings_core import (
    BranchPattern,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
    decide,
    exposure,
    resolve_all,
    resolve_repository,
)
from ai_settings_core.domain.decide import decision_for
from benchmarks import measure, row

PROJECTS = 100_000
MAX_NS = 500_000_000.0  # "well under a second"

_PATTERNS = (BranchPattern("*"), BranchPattern("main"), BranchPattern("release/*"))


def _projects(rng: random.Random) -> list[ProjectSettings]:
    flags = (None, True, False)
    points = (None, *StoppingPoint)
    projects = []
    for i in range(PROJECTS):
        repositories = tuple(
            RepositorySettings(
                RepositoryRef.parse(f"github:acme/repo-{i}-{n}"),
                ai_enabled=rng.random() < 0.9,
                branch_patterns=tuple(rng.sample(_PATTERNS, rng.randint(1, 2))),
                stopping_point_override=rng.choice(points),
            )
            for n in range(rng.choice((0, 0, 1, 2)))
        )
        overrides = {}
        if rng.random() >= 2 / 3:
            overrides = {
                "scan_enabled_override": rng.choice(flags),
                "fix_enabled_override": rng.choice(flags),
                "stopping_point_override": rng.choice(points),
            }
        projects.append(
            ProjectSettings("acme", f"project-{i:06d}", repositories=repositories, **overrides)
        )
    return projects


def naive(organization: OrganizationSettings, projects: list[ProjectSettings]) -> object:
    """Every repository resolved on its own, as without the report: the decisions by place."""
    decisions = {}
    for project in projects:
        for repository in project.repositories:
            effective = resolve_repository(organization, project, repository).effective
            decisions[project.project_id, repository.repository.key] = decision_for(effective, None)
    return decisions


def run(repeats: int) -> list[dict[str, object]]:
    """Measure and return the rows (see ``benchmarks/run.py``)."""
    rng = random.Random(16)
    organization = OrganizationSettings(
        "acme",
        fix_enabled=True,
        locked=frozenset({Setting.SCAN_ENABLED}),
        max_stopping_point=StoppingPoint.MERGE,
    )
    projects = _projects(rng)
    report = exposure("acme", organization, projects)
    # The figure is of a correct report: spot-check it against decide.
    for project, entry in zip(projects[:2000], report.projects, strict=False):
        for repository, listed in zip(project.repositories, entry.repositories, strict=True):
            answer = decide(
                organization,
                project,
                repository=repository.repository,
                branch=repository.branch_patterns[0].text.replace("*", "x"),
            )
            assert answer == listed.branches[0].decision

    times = measure(
        {
            "exposure": lambda: exposure("acme", organization, projects),
            "resolve_all": lambda: resolve_all(organization, projects),
        },
        repeats,
    )
    slow = measure(
        {"naive": lambda: naive(organization, projects)}, max(1, min(repeats, 3)), warmup=0
    )["naive"]
    places = measure({"places": lambda: report.places(StoppingPoint.PULL_REQUEST)}, repeats)
    fast = times["exposure"]
    return [
        row(
            "exposure, 100k projects (repositories and patterns)",
            fast,
            baseline_name="resolve_all (the floor it stands on)",
            baseline_median_ns=times["resolve_all"],
            target=f"<= {MAX_NS / 1e6:.0f} ms",
            passed=fast <= MAX_NS,
        ),
        row(
            "resolve_repository per repository (naive decisions only)",
            slow,
            baseline_name="exposure",
            baseline_median_ns=fast,
        ),
        row("exposure.places(pull_request), 100k projects", places["places"]),
    ]
