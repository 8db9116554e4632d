"""Decision snapshots: the prepared hot path answers exactly what plain ``decide`` answers."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    BranchPattern,
    BranchRule,
    Decision,
    DecisionReason,
    DecisionSnapshot,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    StoppingPoint,
    decide,
)
from ai_settings_core.errors import InvalidValueError
from tests import strategies as s

UNLISTED = RepositoryRef.parse("gitlab:nobody/nothing")
ORG = OrganizationSettings("acme", fix_enabled=True, stopping_point=StoppingPoint.MERGE)
API = RepositoryRef.parse("github:Acme/API")


def expected(org, stored, project_id, repository, branch, environment):
    """The plain answer; text that does not parse is a repository the project does not list."""
    project = stored.get(project_id)
    if isinstance(repository, str):
        try:
            repository = RepositoryRef.parse(repository)
        except InvalidValueError:
            repository = UNLISTED
            if project is not None:
                project = attrs.evolve(project, repositories=())
    return decide(org, project, repository=repository, branch=branch, environment=environment)


def swapped_case(text):
    provider, _, path = text.partition(":")
    return f"{provider}:{path.swapcase()}"


def swapped_case_text(ref):
    return swapped_case(str(ref))


@st.composite
def events(draw, projects):
    """An event for one of ``projects`` (or an unknown project), often one that configures."""
    ids = [project.project_id for project in projects]
    ids += [project.project_id for project in projects if project.repositories] * 3
    project_id = draw(st.sampled_from([*ids, "unknown-project"]))
    project = next((p for p in projects if p.project_id == project_id), None)
    listed = [] if project is None else list(project.repositories)
    choices = [st.none(), s.repository_refs(), s.unparsable_repository_texts]
    if listed:
        listed_refs = st.sampled_from([r.repository for r in listed])
        choices += [listed_refs, listed_refs.map(swapped_case_text)] + [listed_refs.map(str)] * 4
    repository = draw(st.one_of(choices))
    branch_choices = [st.none(), s.branches]
    patterns = [pattern.text for r in listed for pattern in r.branch_patterns]
    if patterns:
        branch_choices.append(st.sampled_from(patterns))
        branch_choices.append(
            st.tuples(st.sampled_from(patterns), s.branches).map(
                lambda pair: pair[0].replace("*", pair[1]).replace("?", "x")
            )
        )
    branch = draw(st.one_of(branch_choices))
    environments = sorted(project.environments) if project is not None else []
    allowed = st.sampled_from(environments) if environments else st.none()
    environment = draw(st.one_of(allowed, allowed, allowed, st.none(), s.environments))
    return project_id, repository, branch, environment


@given(s.optional_organizations, s.project_lists, st.data())
def test_snapshot_decides_like_decide(org, projects, data):
    snapshot = DecisionSnapshot.prepare(org, projects)
    stored = {project.project_id: project for project in projects}
    for _ in range(10):
        event = data.draw(events(projects))
        assert snapshot.decide(*event) == expected(org, stored, *event)


@given(
    s.optional_organizations,
    s.project_settings().filter(lambda project: project.repositories),
    st.data(),
)
def test_listed_repositories_decide_like_decide(org, project, data):
    snapshot = DecisionSnapshot.prepare(org, [project])
    stored = {project.project_id: project}
    for _ in range(10):
        event = data.draw(events([project]).filter(lambda e: e[0] == project.project_id))
        assert snapshot.decide(*event) == expected(org, stored, *event)


@given(s.optional_organizations, s.project_settings(), st.data())
def test_text_and_reference_give_the_same_answer(org, project, data):
    snapshot = DecisionSnapshot.prepare(org, [project])
    ref = data.draw(
        st.sampled_from([r.repository for r in project.repositories])
        if project.repositories
        else s.repository_refs()
    )
    branch = data.draw(st.none() | s.branches)
    environment = data.draw(st.none() | s.environments)
    by_ref = snapshot.decide(project.project_id, ref, branch, environment)
    assert by_ref == snapshot.decide(project.project_id, str(ref), branch, environment)
    assert by_ref == snapshot.decide(
        project.project_id, swapped_case(str(ref)), branch, environment
    )


@given(s.optional_organizations, s.project_lists, s.project_settings(), st.data())
def test_derived_snapshots_equal_fresh_ones(org, projects, changed, data):
    snapshot = DecisionSnapshot.prepare(org, projects)
    if projects and data.draw(st.booleans()):
        changed = attrs.evolve(changed, project_id=data.draw(st.sampled_from(projects)).project_id)
    other_org = data.draw(s.optional_organizations)
    stored = {project.project_id: project for project in projects}
    replaced = {**stored, changed.project_id: changed}
    removed = {pid: p for pid, p in stored.items() if pid != changed.project_id}
    derived = [
        (snapshot.replace_project(changed), org, replaced),
        (snapshot.remove_project(changed.project_id), org, removed),
        (snapshot.with_organization(other_org), other_org, stored),
    ]
    for new, new_org, new_stored in derived:
        assert new.organization == new_org
        assert dict(new.projects) == new_stored
        for _ in range(5):
            event = data.draw(events([*new_stored.values()]))
            assert new.decide(*event) == expected(new_org, new_stored, *event)
    # The snapshot derived from is untouched.
    assert dict(snapshot.projects) == stored
    for _ in range(5):
        event = data.draw(events(projects))
        assert snapshot.decide(*event) == expected(org, stored, *event)


def api_project(*patterns, project_id="api", **kwargs):
    return ProjectSettings(
        "acme",
        project_id,
        repositories=(
            RepositorySettings(API, branch_patterns=tuple(BranchPattern(p) for p in patterns)),
        ),
        **kwargs,
    )


@pytest.mark.parametrize(
    ("patterns", "branch", "matched"),
    [
        (("*",), None, True),
        (("**",), "any/thing", True),
        (("main",), "main", True),
        (("main",), "Main", False),
        (("main",), None, False),
        (("release/*",), "release/", True),
        (("release/*",), "release/1.2/hotfix", True),
        (("release/*",), "releases/1", False),
        (("hotfix-?",), "hotfix-1", True),
        (("hotfix-?",), "hotfix-12", False),
        (("v[0-9]*",), "v2.0", True),
        (("v[0-9]*",), "vx", False),
        (("v[!0-9]*",), "vx", True),
        (("*-rc",), "1.0-rc", True),
        (("main", "release/*", "v[0-9]*", "*-rc"), "v3", True),
        (("main", "release/*", "v[0-9]*", "*-rc"), "feature", False),
        (("main", "release/*", "v[0-9]*", "*-rc"), "release/x", True),
    ],
)
def test_branch_patterns(patterns, branch, matched):
    project = api_project(*patterns)
    snapshot = DecisionSnapshot.prepare(ORG, [project])
    decision = snapshot.decide("api", "github:acme/api", branch)
    assert decision == decide(ORG, project, repository=API, branch=branch)
    assert decision.fix is matched
    if not matched:
        assert decision.reasons == (DecisionReason.BRANCH_NOT_MATCHED,)


@pytest.mark.parametrize(
    "text",
    [
        "github:Acme/API",
        "github:acme/api",
        "github:ACME/api",
    ],
)
def test_repository_text_in_any_case_is_the_listed_repository(text):
    snapshot = DecisionSnapshot.prepare(ORG, [api_project("main")])
    decision = snapshot.decide("api", text, "main")
    assert (decision.fix, decision.stopping_point) == (True, StoppingPoint.MERGE)


@pytest.mark.parametrize(
    "text",
    ["GITHUB:acme/api", "github:acme/\u212api", "github:acme", "", "gitlab:acme/api", 5],
)
def test_other_or_unparsable_repository_is_not_listed(text):
    snapshot = DecisionSnapshot.prepare(ORG, [api_project("main")])
    decision = snapshot.decide("api", text, "main")
    assert decision == Decision(True, False, None, (DecisionReason.REPOSITORY_NOT_CONFIGURED,))


def test_unknown_project_inherits_everything():
    snapshot = DecisionSnapshot.prepare(ORG, [api_project("main")])
    assert snapshot.decide("other", "github:acme/api", "x") == decide(
        ORG, None, repository=API, branch="x"
    )
    assert snapshot.decide("other") == decide(ORG, None)
    assert DecisionSnapshot.prepare(None, []).decide("p", None, None, "production") == decide(
        None, None, environment="production"
    )


def test_environments():
    project = api_project("*", environments=frozenset({"production"}))
    snapshot = DecisionSnapshot.prepare(ORG, [project])
    assert snapshot.decide("api", "github:acme/api", "main", "production").fix is True
    for environment in (None, "staging", "Production"):
        assert snapshot.decide("api", "github:acme/api", "main", environment).reasons == (
            DecisionReason.ENVIRONMENT_NOT_ALLOWED,
        )


def test_first_listed_entry_of_a_repository_wins():
    first = RepositorySettings(API, ai_enabled=False)
    second = RepositorySettings(RepositoryRef.parse("github:acme/api"))
    project = ProjectSettings("acme", "api", repositories=(first, second))
    snapshot = DecisionSnapshot.prepare(ORG, [project])
    for text in ("github:Acme/API", "github:acme/api", "github:ACME/API"):
        assert snapshot.decide("api", text, "main") == decide(
            ORG, project, repository=RepositoryRef.parse(text), branch="main"
        )
        assert snapshot.decide("api", text).reasons == (DecisionReason.REPOSITORY_AI_DISABLED,)


def test_a_later_project_with_the_same_id_replaces_an_earlier_one():
    snapshot = DecisionSnapshot.prepare(
        ORG, [api_project("main"), ProjectSettings("acme", "api", scan_enabled_override=False)]
    )
    assert snapshot.decide("api", "github:acme/api", "main").scan is False


def test_answers_are_shared_not_allocated():
    projects = [
        ProjectSettings("acme", f"p{i}", repositories=(RepositorySettings(API),)) for i in range(50)
    ]
    snapshot = DecisionSnapshot.prepare(ORG, projects)
    answers = {id(snapshot.decide(f"p{i}", "github:acme/api", "main")) for i in range(50)}
    answers |= {id(snapshot.decide(f"p{i}", "github:acme/api", "dev")) for i in range(50)}
    assert len(answers) == 1


def test_snapshot_is_immutable():
    snapshot = DecisionSnapshot.prepare(ORG, [api_project("main")])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        snapshot.organization = None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        snapshot.projects = {}
    with pytest.raises(TypeError):
        snapshot.projects["api"] = ProjectSettings("acme", "api")
    with pytest.raises(AttributeError):
        snapshot.extra = 1
    assert repr(snapshot) == "<DecisionSnapshot organization='acme' projects=1>"


def test_threads_share_a_snapshot_while_the_reference_is_swapped():
    on = DecisionSnapshot.prepare(ORG, [api_project("*")])
    off = on.replace_project(api_project("*", scan_enabled_override=False))
    allowed = {on.decide("api", "github:acme/api", "main"), off.decide("api", "github:acme/api")}
    assert len(allowed) == 2
    current = [on]
    seen: set[Decision] = set()
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            seen.add(current[0].decide("api", "github:acme/api", "main"))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for i in range(2000):
        current[0] = off if i % 2 else on
    stop.set()
    for thread in threads:
        thread.join()
    assert seen <= allowed
    assert seen


# Changes: a snapshot derived by any sequence of changes answers like a fresh one.

_IDS = st.sampled_from([f"p{i}" for i in range(12)])


@st.composite
def changes(draw):
    """A change as a host's cache applies it: a project replaced or removed, or the org."""
    kind = draw(st.sampled_from(["replace", "replace", "remove", "organization"]))
    if kind == "replace":
        return kind, draw(s.project_settings(project_id=draw(_IDS)))
    if kind == "remove":
        return kind, draw(_IDS)
    return kind, draw(s.optional_organizations)


def apply(snapshot, org, stored, change):
    kind, value = change
    if kind == "replace":
        return snapshot.replace_project(value), org, {**stored, value.project_id: value}
    if kind == "remove":
        rest = {pid: p for pid, p in stored.items() if pid != value}
        return snapshot.remove_project(value), org, rest
    return snapshot.with_organization(value), value, stored


def assert_answers_like(snapshot, org, stored, data):
    fresh = DecisionSnapshot.prepare(org, stored.values())
    assert snapshot.organization == org
    assert snapshot.projects == stored
    assert stored == snapshot.projects
    for _ in range(5):
        event = data.draw(events([*stored.values()]))
        assert snapshot.decide(*event) == fresh.decide(*event) == expected(org, stored, *event)


@given(
    s.optional_organizations,
    st.lists(s.project_settings(project_id=None), max_size=3, unique_by=lambda p: p.project_id),
    st.lists(changes(), max_size=80),
    st.data(),
)
def test_any_sequence_of_changes_answers_like_a_fresh_snapshot(org, projects, steps, data):
    # Eighty changes of twelve projects fold the recent changes into new flat dictionaries
    # more than once (after 32 changes at most), removals included.
    snapshot = DecisionSnapshot.prepare(org, projects)
    stored = {project.project_id: project for project in projects}
    kept = []
    for step in steps:
        before = (snapshot, org, dict(stored))
        snapshot, org, stored = apply(snapshot, org, stored, step)
        kept.append(before)
    assert_answers_like(snapshot, org, stored, data)
    # Every snapshot derived along the way still answers as it did.
    for old, old_org, old_stored in kept[:: max(1, len(kept) // 3)]:
        assert_answers_like(old, old_org, old_stored, data)


@given(s.optional_organizations, s.project_lists.filter(bool), st.data())
def test_a_removed_project_answers_as_one_that_stored_nothing(org, projects, data):
    removed = data.draw(st.sampled_from(projects))
    snapshot = DecisionSnapshot.prepare(org, projects).remove_project(removed.project_id)
    assert removed.project_id not in snapshot.projects
    stored = {p.project_id: p for p in projects if p.project_id != removed.project_id}
    for _ in range(5):
        _, repository, branch, environment = data.draw(events([removed]))
        assert snapshot.decide(removed.project_id, repository, branch, environment) == expected(
            org, stored, removed.project_id, repository, branch, environment
        )


def test_a_removed_project_stops_answering_with_its_settings():
    snapshot = DecisionSnapshot.prepare(ORG, [api_project("main", scan_enabled_override=False)])
    assert snapshot.decide("api", "github:acme/api", "main").scan is False
    removed = snapshot.remove_project("api")
    assert removed.decide("api", "github:acme/api", "main") == decide(
        ORG, None, repository=API, branch="main"
    )
    assert removed.decide("api", "github:acme/api", "main").scan is True
    assert removed.remove_project("api") is removed  # nothing left to remove
    assert snapshot.decide("api", "github:acme/api", "main").scan is False


@given(s.project_lists, st.lists(changes(), max_size=60), st.data())
def test_projects_is_a_read_only_mapping_of_every_stored_project(projects, steps, data):
    snapshot = DecisionSnapshot.prepare(None, projects)
    stored = {project.project_id: project for project in projects}
    org = None
    for step in steps:
        snapshot, org, stored = apply(snapshot, org, stored, step)
    mapping = snapshot.projects
    assert isinstance(mapping, Mapping)
    assert len(mapping) == len(stored)
    assert sorted(mapping) == sorted(stored)
    assert dict(mapping) == stored
    assert mapping == stored
    assert dict(mapping.items()) == stored
    assert sorted(mapping.keys()) == sorted(stored.keys())
    for project_id in [*stored, "unknown", data.draw(_IDS)]:
        assert (project_id in mapping) is (project_id in stored)
        assert mapping.get(project_id) == stored.get(project_id)
        if project_id in stored:
            assert mapping[project_id] == stored[project_id]
        else:
            with pytest.raises(KeyError):
                mapping[project_id]
    assert mapping != {**stored, "unknown": ProjectSettings("acme", "unknown")}
    with pytest.raises(TypeError):
        mapping["x"] = ProjectSettings("acme", "x")
    with pytest.raises(TypeError):
        mapping[[]]


def test_with_organization_keeps_the_projects():
    snapshot = DecisionSnapshot.prepare(ORG, [api_project("main")])
    changed = snapshot.with_organization(OrganizationSettings("acme", scan_enabled=False))
    assert changed.projects is snapshot.projects
    assert changed.decide("api", "github:acme/api", "main").scan is False
    assert snapshot.decide("api", "github:acme/api", "main").scan is True


def test_many_changes_fold_into_a_snapshot_that_answers_like_a_fresh_one():
    # Two hundred changes of fifty projects: the recent changes are folded several times.
    projects = {f"p{i}": api_project("main", project_id=f"p{i}") for i in range(50)}
    snapshot = DecisionSnapshot.prepare(ORG, projects.values())
    for i in range(200):
        project_id = f"p{(i * 7) % 50}"
        if i % 5 == 4:
            snapshot = snapshot.remove_project(project_id)
            projects.pop(project_id, None)
        else:
            project = api_project("main", project_id=project_id, scan_enabled_override=i % 2 == 0)
            snapshot = snapshot.replace_project(project)
            projects[project_id] = project
    assert snapshot.projects == projects
    fresh = DecisionSnapshot.prepare(ORG, projects.values())
    for i in range(52):
        for branch in ("main", "dev"):
            event = (f"p{i}", "github:acme/api", branch)
            assert snapshot.decide(*event) == fresh.decide(*event)


def test_a_project_added_and_removed_after_the_snapshot_was_built_stays_removed():
    # Added and removed again since the snapshot was built, then more changes than are kept
    # apart (the changes are folded into new flat dictionaries): it is still removed.
    snapshot = DecisionSnapshot.prepare(ORG, [])
    snapshot = snapshot.replace_project(api_project("main", scan_enabled_override=False))
    snapshot = snapshot.remove_project("api")
    with pytest.raises(KeyError, match="'api'"):
        snapshot.projects["api"]
    for i in range(40):
        snapshot = snapshot.replace_project(api_project("main", project_id=f"p{i}"))
    assert "api" not in snapshot.projects
    assert len(snapshot.projects) == 40
    assert snapshot.decide("api", "github:acme/api", "main") == decide(
        ORG, None, repository=API, branch="main"
    )


def test_the_snapshot_of_an_organization_that_stored_nothing():
    snapshot = DecisionSnapshot.prepare(None, [])
    assert repr(snapshot) == "<DecisionSnapshot organization=None projects=0>"
    assert repr(snapshot.projects) == "<projects of a DecisionSnapshot: 0>"


def test_a_repository_answers_every_branch_alike_before_and_after_it_remembers_them():
    # A snapshot remembers the answer of each branch it was asked about, up to a bound; the
    # answers are those of decide() whether remembered, asked again, or past the bound.
    organization = OrganizationSettings("acme", fix_enabled=True)
    rules = (
        BranchRule(BranchPattern("main"), StoppingPoint.MERGE),
        BranchRule(BranchPattern("release/*"), StoppingPoint.SUGGESTION),
        BranchRule(BranchPattern("v[0-9]*")),
    )
    alike = (BranchPattern("main"), BranchPattern("hotfix-?"))
    project = ProjectSettings(
        "acme",
        "web",
        repositories=(
            RepositorySettings(RepositoryRef.parse("github:acme/ruled"), branch_patterns=rules),
            RepositorySettings(RepositoryRef.parse("github:acme/alike"), branch_patterns=alike),
        ),
    )
    snapshot = DecisionSnapshot.prepare(organization, [project])
    named = ["main", "release/1", "v2", "hotfix-1", "feature/x", ""]
    branches = named + [f"{prefix}{i}" for i in range(100) for prefix in ("release/", "x")]
    for _ in range(2):
        for repository in ("github:acme/ruled", "github:acme/alike"):
            ref = RepositoryRef.parse(repository)
            for branch in branches:
                expected = decide(organization, project, repository=ref, branch=branch)
                assert snapshot.decide("web", repository, branch) == expected, (repository, branch)
