"""``DecisionSnapshot.decide`` on the hot path, beside a plain dict lookup and plain ``decide``.

Workload: an organization of 10,000 projects (a third restricted to some environments, most
with one to three repositories whose branch patterns mix ``*``, exact names, prefixes and
other globs) and 20,000 events as an event stream carries them: repository as text (most of
them listed, some not, a few in another case), branch and environment, or none.

Each candidate runs the same loop over the same events, unpacking the same four values; the
figure is the median time of one loop divided by the number of events.
"""

from __future__ import annotations

import random
import time

from ai_settings_core import (
    BranchPattern,
    DecisionSnapshot,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    StoppingPoint,
    decide,
)
from ai_settings_core.domain.snapshot import _fold
from benchmarks import measure, row

PROJECTS = 10_000
EVENTS = 20_000
MAX_NS = 1_000.0
MAX_RATIO = 40.0

_PATTERN_SETS = (
    ("*",),
    ("*",),
    ("main",),
    ("main", "release/*"),
    ("main", "release/*", "v[0-9]*"),
    ("develop", "hotfix-?"),
)
_BRANCHES = ("main", "main", "release/1.2", "v3", "feature/login", "hotfix-1", None)
_ENVIRONMENT_SETS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset(),
    frozenset({"production"}),
)


def _organization() -> OrganizationSettings:
    return OrganizationSettings("acme", fix_enabled=True, max_stopping_point=StoppingPoint.MERGE)


def _projects(rng: random.Random) -> list[ProjectSettings]:
    projects = []
    for i in range(PROJECTS):
        repositories = tuple(
            RepositorySettings(
                RepositoryRef.parse(f"github:acme/service-{i}-{j}"),
                ai_enabled=rng.random() < 0.9,
                branch_patterns=tuple(BranchPattern(p) for p in rng.choice(_PATTERN_SETS)),
                stopping_point_override=rng.choice((None, None, StoppingPoint.SUGGESTION)),
            )
            for j in range(rng.choice((0, 1, 1, 2, 3)))
        )
        projects.append(
            ProjectSettings(
                "acme",
                f"project-{i}",
                scan_enabled_override=rng.choice((None, None, None, True, False)),
                fix_enabled_override=rng.choice((None, None, None, True, False)),
                stopping_point_override=rng.choice((None, None, StoppingPoint.SUGGESTION)),
                repositories=repositories,
                environments=rng.choice(_ENVIRONMENT_SETS),
            )
        )
    return projects


def _events(
    rng: random.Random, projects: list[ProjectSettings]
) -> list[tuple[str, str | None, str | None, str | None]]:
    events = []
    for _ in range(EVENTS):
        project = rng.choice(projects)
        project_id = project.project_id if rng.random() < 0.95 else "project-unknown"
        draw = rng.random()
        repository: str | None
        if project.repositories and draw < 0.7:
            repository = str(rng.choice(project.repositories).repository)
        elif project.repositories and draw < 0.75:
            repository = str(rng.choice(project.repositories).repository).upper()
            repository = "github" + repository[len("github") :]
        elif draw < 0.9:
            repository = f"github:acme/unlisted-{rng.randrange(100)}"
        else:
            repository = None
        environment = rng.choice(("production", "production", "staging", None))
        events.append((project_id, repository, rng.choice(_BRANCHES), environment))
    return events


def run(repeats: int) -> list[dict[str, object]]:
    """Measure and return the rows (see ``benchmarks/run.py``)."""
    rng = random.Random(7)
    organization = _organization()
    projects = _projects(rng)
    events = _events(rng, projects)

    start = time.perf_counter_ns()
    snapshot = DecisionSnapshot.prepare(organization, projects)
    prepare_ns = float(time.perf_counter_ns() - start)
    start = time.perf_counter_ns()
    snapshot.replace_project(projects[0])
    replace_ns = float(time.perf_counter_ns() - start)

    stored = {project.project_id: project for project in projects}
    parsed = [
        (stored.get(pid), None if repo is None else RepositoryRef.parse(repo), branch, env)
        for pid, repo, branch, env in events
    ]
    plain_dict = {project.project_id: project for project in projects}

    def dict_lookup() -> None:
        get = plain_dict.get
        for project_id, _repository, _branch, _environment in events:
            get(project_id)

    def snapshot_decide() -> None:
        answer = snapshot.decide
        for project_id, repository, branch, environment in events:
            answer(project_id, repository, branch, environment)

    def plain_decide() -> None:
        for project, ref, branch, environment in parsed:
            decide(organization, project, repository=ref, branch=branch, environment=environment)

    # What the pieces of the plain path cost, per event, beside what the snapshot does instead.
    texts = [repo for _pid, repo, _branch, _env in events if repo is not None]
    refs = [RepositoryRef.parse(text) for text in texts]
    listing = next(project for project in projects if len(project.repositories) == 3)
    mixed = RepositorySettings(
        refs[0], branch_patterns=tuple(BranchPattern(p) for p in ("main", "release/*", "v[0-9]*"))
    )
    alone = DecisionSnapshot.prepare(
        organization, [ProjectSettings("acme", "p", repositories=(mixed,))]
    )
    entry = alone._prepared["p"].by_fold[_fold(refs[0])]  # noqa: SLF001 - the entry alone
    branches = [branch or "" for _pid, _repo, branch, _env in events]

    def parse_text() -> None:
        parse = RepositoryRef.parse
        for text in texts:
            parse(text)

    def scan_repositories() -> None:
        find = listing.repository
        for ref in refs:
            find(ref)

    def any_pattern() -> None:
        matches = mixed.matches_branch
        for branch in branches:
            matches(branch)

    def sorted_patterns() -> None:
        names, prefixes, fullmatch = entry.names, entry.prefixes, entry.fullmatch
        for branch in branches:
            _ = (
                branch in names
                or (prefixes and branch.startswith(prefixes))
                or (fullmatch is not None and fullmatch(branch) is not None)
            )

    times = measure(
        {"dict": dict_lookup, "snapshot": snapshot_decide, "plain": plain_decide}, repeats
    )
    per_call = {name: total / len(events) for name, total in times.items()}
    pieces = measure(
        {
            "parse": parse_text,
            "scan": scan_repositories,
            "any": any_pattern,
            "sorted": sorted_patterns,
        },
        repeats,
    )
    piece = {
        "parse": pieces["parse"] / len(texts),
        "scan": pieces["scan"] / len(refs),
        "any": pieces["any"] / len(branches),
        "sorted": pieces["sorted"] / len(branches),
    }
    snapshot_ns = per_call["snapshot"]
    ratio = snapshot_ns / per_call["dict"]
    return [
        row(
            "DecisionSnapshot.decide (10k projects, text events)",
            snapshot_ns,
            baseline_name="dict.get(project_id), same loop",
            baseline_median_ns=per_call["dict"],
            target=f"<= {MAX_NS:.0f} ns and <= {MAX_RATIO:.0f}x dict lookup",
            passed=snapshot_ns <= MAX_NS and ratio <= MAX_RATIO,
        ),
        row(
            "plain decide() (refs parsed beforehand)",
            per_call["plain"],
            baseline_name="DecisionSnapshot.decide",
            baseline_median_ns=snapshot_ns,
        ),
        row(
            "RepositoryRef.parse(text), per event",
            piece["parse"],
            baseline_name="DecisionSnapshot.decide",
            baseline_median_ns=snapshot_ns,
        ),
        row(
            "ProjectSettings.repository(ref), 3 listed",
            piece["scan"],
            baseline_name="DecisionSnapshot.decide",
            baseline_median_ns=snapshot_ns,
        ),
        row(
            "matches_branch, 3 patterns, one by one",
            piece["any"],
            baseline_name="prepared patterns (names, prefixes, one regex)",
            baseline_median_ns=piece["sorted"],
        ),
        row("DecisionSnapshot.prepare, 10k projects (once)", prepare_ns),
        row("DecisionSnapshot.replace_project, 10k projects (once)", replace_ns),
    ]
