"""``DecisionSnapshot.decide`` on the hot path, beside a plain dict lookup and plain ``decide``.

Workload: an organization of 10,000 projects (a third restricted to some environments, most
with one to three repositories whose branch patterns mix ``*``, exact names, prefixes and
other globs) and 20,000 events as an event stream carries them: repository as text (most of
them listed, some not, a few in another case), branch and environment, or none.

Each candidate runs the same loop over the same events, unpacking the same four values; the
figure is the median time of one loop divided by the number of events.

Branch rules (issue 16): the same organization and events again, the same repositories with the
same patterns, some of them carrying their own stopping points (``_RULE_SETS``: some
repositories answer alike on every branch, others differently by rule), beside the rows
without: ``decide`` and ``DecisionSnapshot.decide`` must answer the branch's stopping point at
the same speed.

Then the snapshot's own costs: preparing 10,000 projects; the preparation curve from 1,000 to
1,000,000 projects (time and memory per project, measured with ``tracemalloc`` in a separate
pass; a run with 3 repeats or fewer stops the curve at 100,000); ``replace_project`` and
``remove_project`` at 100,000 and 1,000,000 projects, one change at a time beside a plain copy
of a dictionary of that size (what a snapshot that copies costs at least), and a chain of
changes with its worst one; ``with_organization`` for a change of few answers and of all.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable

import attrs

from ai_settings_core import (
    BranchPattern,
    BranchRule,
    DecisionSnapshot,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    StoppingPoint,
    decide,
)
from ai_settings_core.domain._prepare import fold as _fold
from benchmarks import measure, row

PROJECTS = 10_000
EVENTS = 20_000
MAX_NS = 500.0
MAX_RATIO = 4.0
MAX_PREPARE_NS = 30e6
MAX_CHANGE_NS = 1e6
CURVE = (1_000, 10_000, 100_000, 1_000_000)
CHANGES = 200
CHAIN = 2_000

_PATTERN_SETS = (
    ("*",),
    ("*",),
    ("main",),
    ("main", "release/*"),
    ("main", "release/*", "v[0-9]*"),
    ("develop", "hotfix-?"),
)
# ``_PATTERN_SETS`` again, rule for rule (same count, so the same seed draws the same projects),
# some rules with their own stopping point (written ``pattern:stopping point``): repositories
# whose rules answer alike on every branch, and repositories whose rules answer differently.
_RULE_SETS = (
    ("*:suggestion",),
    ("*",),
    ("main:merge",),
    ("main", "release/*:suggestion"),
    ("main:merge", "release/*:suggestion", "v[0-9]*"),
    ("develop", "hotfix-?:suggestion"),
)
_BRANCHES = ("main", "main", "release/1.2", "v3", "feature/login", "hotfix-1", None)
_ENVIRONMENT_SETS: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset(),
    frozenset({"production"}),
)


def _organization() -> OrganizationSettings:
    return OrganizationSettings("acme", fix_enabled=True, max_stopping_point=StoppingPoint.MERGE)


def _rule(text: str) -> BranchRule:
    pattern, _, point = text.partition(":")
    return BranchRule(BranchPattern(pattern), StoppingPoint(point) if point else None)


def _projects(
    rng: random.Random, count: int = PROJECTS, sets: tuple[tuple[str, ...], ...] = _PATTERN_SETS
) -> list[ProjectSettings]:
    # Patterns are built once: compiling them is what building a million projects costs most.
    pattern_sets = [tuple(_rule(text) for text in texts) for texts in sets]
    projects = []
    for i in range(count):
        repositories = tuple(
            RepositorySettings(
                RepositoryRef.parse(f"github:acme/service-{i}-{j}"),
                ai_enabled=rng.random() < 0.9,
                branch_patterns=rng.choice(pattern_sets),
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


Loop = Callable[[], None]


def _decide_loops(
    organization: OrganizationSettings,
    snapshot: DecisionSnapshot,
    projects: list[ProjectSettings],
    events: list[tuple[str, str | None, str | None, str | None]],
) -> tuple[Loop, Loop]:
    """The snapshot answering ``events``, and plain ``decide`` answering the same (parsed)."""
    stored = {project.project_id: project for project in projects}
    parsed = [
        (stored.get(pid), None if repo is None else RepositoryRef.parse(repo), branch, env)
        for pid, repo, branch, env in events
    ]

    def snapshot_decide() -> None:
        answer = snapshot.decide
        for project_id, repository, branch, environment in events:
            answer(project_id, repository, branch, environment)

    def plain_decide() -> None:
        for project, ref, branch, environment in parsed:
            decide(organization, project, repository=ref, branch=branch, environment=environment)

    return snapshot_decide, plain_decide


def run(repeats: int) -> list[dict[str, object]]:
    """Measure and return the rows (see ``benchmarks/run.py``)."""
    rng = random.Random(7)
    organization = _organization()
    projects = _projects(rng)
    events = _events(rng, projects)

    snapshot = DecisionSnapshot.prepare(organization, projects)
    # The same settings with one override that expires in the future: the snapshot then reads
    # the system clock on each call (issue 15).
    far = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    expiring = DecisionSnapshot.prepare(
        organization,
        [attrs.evolve(projects[0], fix_enabled_override_expires_at=far, fix_enabled_override=False)]
        + projects[1:],
        clock=lambda: dt.datetime.now(dt.UTC),
    )
    changed = snapshot
    for project in projects[:1_000]:
        changed = changed.replace_project(attrs.evolve(project, version=1))

    plain_dict = {project.project_id: project for project in projects}

    def dict_lookup() -> None:
        get = plain_dict.get
        for project_id, _repository, _branch, _environment in events:
            get(project_id)

    snapshot_decide, plain_decide = _decide_loops(organization, snapshot, projects, events)
    expiring_decide = _decide_loops(organization, expiring, projects, events)[0]
    changed_decide = _decide_loops(organization, changed, projects, events)[0]

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
    prepared = alone._prepared["p"]  # noqa: SLF001 - the entry alone
    assert prepared.by_text is not None
    entry = prepared.by_text[_fold(refs[0])]
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

    # The same draws as above, so the same projects (but for their rules) and the same events.
    ruled_rng = random.Random(7)
    ruled_projects = _projects(ruled_rng, sets=_RULE_SETS)
    ruled_events = _events(ruled_rng, ruled_projects)
    assert ruled_events == events
    ruled = DecisionSnapshot.prepare(organization, ruled_projects)
    ruled_snapshot_decide, ruled_plain_decide = _decide_loops(
        organization, ruled, ruled_projects, events
    )

    times = measure(
        {
            "dict": dict_lookup,
            "snapshot": snapshot_decide,
            "changed": changed_decide,
            "expiring": expiring_decide,
            "plain": plain_decide,
            "ruled": ruled_snapshot_decide,
            "ruled plain": ruled_plain_decide,
        },
        repeats,
    )
    prepare_times = measure(
        {
            "patterns": lambda: DecisionSnapshot.prepare(organization, projects),
            "rules": lambda: DecisionSnapshot.prepare(organization, ruled_projects),
        },
        max(repeats, 3),
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
            "DecisionSnapshot.decide, branch rules with stopping points (10k projects)",
            per_call["ruled"],
            baseline_name="DecisionSnapshot.decide, the same without overrides",
            baseline_median_ns=snapshot_ns,
            target=f"<= {MAX_NS:.0f} ns and <= {MAX_RATIO:.0f}x dict lookup",
            passed=per_call["ruled"] <= MAX_NS
            and per_call["ruled"] / per_call["dict"] <= MAX_RATIO,
        ),
        row(
            "plain decide(), branch rules with stopping points",
            per_call["ruled plain"],
            baseline_name="plain decide(), the same without overrides",
            baseline_median_ns=per_call["plain"],
        ),
        row(
            f"DecisionSnapshot.prepare, {PROJECTS:,} projects with branch rules",
            prepare_times["rules"],
            baseline_name="the same projects without overrides",
            baseline_median_ns=prepare_times["patterns"],
        ),
        row(
            "DecisionSnapshot.decide, 1,000 projects changed since prepared",
            per_call["changed"],
            baseline_name="DecisionSnapshot.decide, as prepared",
            baseline_median_ns=snapshot_ns,
        ),
        row(
            "DecisionSnapshot.decide, settings that expire later (reads the clock)",
            per_call["expiring"],
            baseline_name="DecisionSnapshot.decide, no expiry",
            baseline_median_ns=snapshot_ns,
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
        *_snapshot_rows(rng, organization, projects, repeats),
    ]


def _each(
    operations: list[tuple[str, object]],
    candidates: dict[str, object],
) -> dict[str, float]:
    """Median of each candidate applied to each operand, interleaved, collector off."""
    samples: dict[str, list[int]] = {name: [] for name in candidates}
    gc.collect()
    gc.disable()
    try:
        for _name, operand in operations:
            for name, candidate in candidates.items():
                start = time.perf_counter_ns()
                candidate(operand)  # type: ignore[operator]
                samples[name].append(time.perf_counter_ns() - start)
    finally:
        gc.enable()
    return {name: float(statistics.median(times)) for name, times in samples.items()}


def _curve(
    organization: OrganizationSettings, everything: list[ProjectSettings], repeats: int
) -> tuple[list[dict[str, object]], dict[int, DecisionSnapshot]]:
    rows = []
    prepared: dict[int, DecisionSnapshot] = {}
    first_ns: float | None = None
    for size in CURVE:
        if size > len(everything):
            break
        projects = everything[:size]
        runs = max(1, min(repeats, 5) if size <= 100_000 else 1)
        times = []
        for _ in range(runs):
            start = time.perf_counter_ns()
            prepared[size] = DecisionSnapshot.prepare(organization, projects)
            times.append(time.perf_counter_ns() - start)
        per_project = statistics.median(times) / size
        first_ns = first_ns or per_project
        del prepared[size]
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        prepared[size] = DecisionSnapshot.prepare(organization, projects)
        held = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        rows.append(
            row(
                f"prepare curve: {size:,} projects, per project "
                f"({held / size:,.0f} bytes a project held)",
                per_project,
                baseline_name=f"per project at {CURVE[0]:,}",
                baseline_median_ns=first_ns,
            )
        )
    return rows, prepared


def _changes(
    snapshot: DecisionSnapshot, projects: list[ProjectSettings], rng: random.Random
) -> list[dict[str, object]]:
    size = len(projects)
    plain = {project.project_id: project for project in projects}
    chosen = rng.sample(projects, CHANGES)
    replacements = [
        ("", attrs.evolve(project, scan_enabled_override=project.scan_enabled_override is None))
        for project in chosen
    ]
    replaced = _each(
        replacements,
        {"replace": snapshot.replace_project, "copy": lambda _project: plain.copy()},
    )
    removed = _each(
        [("", project.project_id) for project in chosen],
        {"remove": snapshot.remove_project, "copy": lambda _project_id: plain.copy()},
    )
    chain: list[int] = []
    current = snapshot
    for project in rng.sample(projects, CHAIN):
        start = time.perf_counter_ns()
        current = current.replace_project(attrs.evolve(project, version=project.version + 1))
        chain.append(time.perf_counter_ns() - start)
    target = f"<= {MAX_CHANGE_NS / 1e6:.0f} ms"
    return [
        row(
            f"replace_project, {size:,} projects (median of {CHANGES})",
            replaced["replace"],
            baseline_name=f"dict.copy() of {size:,} projects",
            baseline_median_ns=replaced["copy"],
            target=target,
            passed=replaced["replace"] <= MAX_CHANGE_NS,
        ),
        row(
            f"remove_project, {size:,} projects (median of {CHANGES})",
            removed["remove"],
            baseline_name=f"dict.copy() of {size:,} projects",
            baseline_median_ns=removed["copy"],
            target=target,
            passed=removed["remove"] <= MAX_CHANGE_NS,
        ),
        row(
            f"replace_project, {size:,} projects, {CHAIN:,} in a chain: mean (folding included)",
            statistics.fmean(chain),
            baseline_name="the slowest of the chain",
            baseline_median_ns=float(max(chain)),
        ),
    ]


def _snapshot_rows(
    rng: random.Random,
    organization: OrganizationSettings,
    projects: list[ProjectSettings],
    repeats: int,
) -> list[dict[str, object]]:
    plain = lambda: {project.project_id: project for project in projects}  # noqa: E731
    prepare = lambda: DecisionSnapshot.prepare(organization, projects)  # noqa: E731
    times = measure({"prepare": prepare, "dict": plain}, max(repeats, 3))
    rows = [
        row(
            f"DecisionSnapshot.prepare, {len(projects):,} projects",
            times["prepare"],
            baseline_name="a dict of the same projects by id",
            baseline_median_ns=times["dict"],
            target=f"<= {MAX_PREPARE_NS / 1e6:.0f} ms",
            passed=times["prepare"] <= MAX_PREPARE_NS,
        )
    ]
    largest = CURVE[-1] if repeats > 3 else 100_000
    everything = _projects(random.Random(11), largest)
    curve, prepared = _curve(organization, everything, repeats)
    rows += curve
    for size in (100_000, 1_000_000):
        if size in prepared:
            rows += _changes(prepared[size], everything[:size], rng)
    snapshot = prepared[100_000]
    few = attrs.evolve(organization, max_stopping_point=StoppingPoint.PULL_REQUEST)
    every = attrs.evolve(organization, scan_enabled=False)
    times = measure(
        {
            "few": lambda: snapshot.with_organization(few),
            "all": lambda: snapshot.with_organization(every),
        },
        max(repeats, 3),
    )
    prepare_100k = 100_000 * next(
        float(item["median_ns"])  # type: ignore[arg-type]
        for item in curve
        if str(item["name"]).startswith("prepare curve: 100,000 ")
    )
    for name, label in (("few", "few answers change"), ("all", "every answer changes")):
        rows.append(
            row(
                f"with_organization, 100,000 projects, {label}",
                times[name],
                baseline_name="prepare, 100,000 projects (what it did before)",
                baseline_median_ns=prepare_100k,
            )
        )
    return rows
