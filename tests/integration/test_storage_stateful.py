"""SQLite is held to the in-memory reference: the same operations give the same observable state.

A Hypothesis state machine runs random sequences of saves (with no, current and stale expected
versions), deletes, audit appends, multi-operation and rolled-back units of work against both
adapters, compares every result (or error), and after every step compares everything each
organization holds: its settings, every project, every page of every listing, the audit log.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ai_settings_core import (
    AISettingsError,
    ConflictError,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    ValidationError,
)
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.changes import FieldChange
from ai_settings_core.ports import Page, UnitOfWork, UnitOfWorkFactory
from ai_settings_core.service import AuditEntry, AuditEvent
from tests import strategies as s

ORGANIZATIONS = ("acme", "beta")
PROJECTS = ("a", "B", "c", "é", "web-1")
T0 = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)

plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["x", "merge", "é"]),
    lambda inner: st.lists(inner, max_size=3).map(tuple),
    max_leaves=6,
)
field_changes = st.builds(
    FieldChange, st.sampled_from(["scan_enabled", "repositories"]), plain_values, plain_values
)
timestamps = st.integers(0, 600).map(lambda minutes: T0 + dt.timedelta(minutes=minutes))


@st.composite
def audit_entries(draw: st.DrawFn) -> AuditEntry:
    project_id = draw(st.none() | st.sampled_from(PROJECTS))
    organization_id = draw(st.sampled_from(ORGANIZATIONS))
    return AuditEntry(
        organization_id=organization_id,
        project_id=project_id,
        actor=draw(st.sampled_from(["user:1", "user:2"])),
        event=draw(st.sampled_from(list(AuditEvent))),
        target=project_id or organization_id,
        occurred_at=draw(timestamps),
        stored_changes=tuple(draw(st.lists(field_changes, max_size=2))),
        effective_changes=tuple(draw(st.lists(field_changes, max_size=2))),
        change_id=draw(st.none() | st.sampled_from(["c1", "c2"])),
        reverts=draw(st.none() | st.integers(1, 2**62)),
    )


projects = st.sampled_from(ORGANIZATIONS).flatmap(
    lambda org: st.sampled_from(PROJECTS).flatmap(lambda pid: s.project_settings(org, pid))
)
organizations = st.builds(
    lambda org, invariants: attrs.evolve(org, invariants=tuple(invariants)),
    st.sampled_from(ORGANIZATIONS).flatmap(s.organization_settings),
    s.invariant_lists,
)

SURROGATE = "\ud800"  # a str that is not Unicode text: it has no UTF-8 form

# Ways to break a valid project so that no store may hold it: the save must be refused (same
# codes on both adapters) and must leave the unit of work as it was.
BREAKAGES: dict[str, Callable[[ProjectSettings], ProjectSettings]] = {
    "environment_not_text": lambda p: attrs.evolve(
        p, environments=p.environments | {SURROGATE}, scan_enabled_override=True
    ),
    "project_id_not_text": lambda p: attrs.evolve(p, project_id=p.project_id + SURROGATE),
    "override_a_string": lambda p: attrs.evolve(p, fix_enabled_override="yes"),
    "stopping_point_a_string": lambda p: attrs.evolve(p, stopping_point_override="merge"),
    "repository_a_string": lambda p: attrs.evolve(p, repositories=(*p.repositories, "github:a/b")),
    "ai_enabled_an_int": lambda p: attrs.evolve(
        p,
        repositories=(
            *p.repositories,
            RepositorySettings(RepositoryRef.parse("github:zz/zz"), ai_enabled=1),
        ),
    ),
    "blank_environment": lambda p: attrs.evolve(p, environments=p.environments | {""}),
}
version_choices = st.sampled_from(["none", "current", "stale"])


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """A call's result, or its error reduced to what callers may rely on."""
    try:
        return ("ok", call())
    except ConflictError as error:
        return ("conflict", (error.expected, error.actual))
    except ValidationError as error:
        return ("invalid", error.codes)
    except AISettingsError as error:
        return (type(error).__name__, error.code)


def audit_pages(uow: UnitOfWork, organization_id: str) -> list[Page[AuditEntry]]:
    pages = [uow.audit.query(organization_id, limit=2)]
    while pages[-1].next_cursor is not None:
        pages.append(uow.audit.query(organization_id, limit=2, cursor=pages[-1].next_cursor))
    return pages


def project_pages(uow: UnitOfWork, organization_id: str) -> list[Page[ProjectSettings]]:
    pages = [uow.projects.list(organization_id, limit=2)]
    while pages[-1].next_cursor is not None:
        pages.append(uow.projects.list(organization_id, limit=2, cursor=pages[-1].next_cursor))
    return pages


class StorageMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="stateful-"))
        self.stores: tuple[UnitOfWorkFactory, UnitOfWorkFactory] = (
            MemoryStore(),
            SqliteStore(self.directory / "settings.db"),
        )
        self.deleted: set[tuple[str, str]] = set()

    def teardown(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def both(self, action: Callable[[UnitOfWork], Any], *, commit: bool = True) -> Any:
        """Run ``action`` in a unit of work of each store; results must be equal."""
        results = []
        for store in self.stores:
            with store() as uow:
                result = outcome(lambda uow=uow: action(uow))
                if commit:
                    uow.commit()
            results.append(result)
        assert results[0] == results[1]
        return results[0]

    def current_version(self, read: Callable[[UnitOfWork], Any]) -> int:
        with self.stores[0](read_only=True) as uow:
            found = read(uow)
        return 0 if found is None else found.version

    def expected(self, choice: str, current: int) -> int | None:
        if choice == "none":
            return None
        if choice == "current":
            return current
        return current + 1 if current == 0 or current % 2 else current - 1

    @rule(organization=organizations, choice=version_choices)
    def save_organization(self, organization: OrganizationSettings, choice: str) -> None:
        current = self.current_version(
            lambda uow: uow.organizations.get(organization.organization_id)
        )
        expected = self.expected(choice, current)
        kind, _ = self.both(lambda uow: uow.organizations.save(organization, expected))
        assert (kind == "conflict") == (choice == "stale")

    @rule(project=projects, choice=version_choices)
    def save_project(self, project: ProjectSettings, choice: str) -> None:
        current = self.current_version(
            lambda uow: uow.projects.get(project.organization_id, project.project_id)
        )
        expected = self.expected(choice, current)
        self.both(lambda uow: uow.projects.save(project, expected))

    @rule(
        organization_id=st.sampled_from(ORGANIZATIONS),
        project_id=st.sampled_from(PROJECTS),
        choice=version_choices,
    )
    def delete_project(self, organization_id: str, project_id: str, choice: str) -> None:
        current = self.current_version(lambda uow: uow.projects.get(organization_id, project_id))
        expected = self.expected(choice, current)
        self.both(lambda uow: uow.projects.delete(organization_id, project_id, expected))

    @rule(entry=audit_entries())
    def append_audit(self, entry: AuditEntry) -> None:
        self.both(lambda uow: uow.audit.append(entry))

    @rule(batch=st.lists(projects, min_size=1, max_size=4), entry=audit_entries())
    def save_many_in_one_unit(self, batch: list[ProjectSettings], entry: AuditEntry) -> None:
        def action(uow: UnitOfWork) -> Any:
            saved = [uow.projects.save(project) for project in batch]
            return saved, uow.audit.append(entry)

        self.both(action)

    @rule(
        before=st.lists(projects, max_size=2),
        broken=projects,
        breakage=st.sampled_from(sorted(BREAKAGES)),
        after=st.lists(projects, max_size=2),
        entry=audit_entries(),
    )
    def failed_save_then_commit(
        self,
        before: list[ProjectSettings],
        broken: ProjectSettings,
        breakage: str,
        after: list[ProjectSettings],
        entry: AuditEntry,
    ) -> None:
        """A save that is refused inside a unit that then commits: only the other writes stay."""
        bad = BREAKAGES[breakage](broken)

        def action(uow: UnitOfWork) -> Any:
            saved = [uow.projects.save(project) for project in before]
            refused = outcome(lambda: uow.projects.save(bad))
            assert refused[0] == "invalid"
            saved += [uow.projects.save(project) for project in after]
            return saved, refused, uow.audit.append(entry)

        self.both(action)

    @rule(
        batch=st.lists(projects, min_size=1, max_size=3),
        organization=organizations,
        entry=audit_entries(),
        explicit=st.booleans(),
    )
    def rolled_back_unit(
        self,
        batch: list[ProjectSettings],
        organization: OrganizationSettings,
        entry: AuditEntry,
        explicit: bool,
    ) -> None:
        def action(uow: UnitOfWork) -> Any:
            saved = [uow.projects.save(project) for project in batch]
            saved_organization = uow.organizations.save(organization)
            appended = uow.audit.append(entry)
            if explicit:
                uow.rollback()
            return saved, saved_organization, appended

        self.both(action, commit=False)

    @rule(
        organization_id=st.sampled_from(ORGANIZATIONS),
        limit=st.integers(1, 4),
        overriding_only=st.booleans(),
    )
    def list_pages(self, organization_id: str, limit: int, overriding_only: bool) -> None:
        def action(uow: UnitOfWork) -> Any:
            pages = [
                uow.projects.list(organization_id, limit=limit, overriding_only=overriding_only)
            ]
            while pages[-1].next_cursor is not None:
                pages.append(
                    uow.projects.list(
                        organization_id,
                        cursor=pages[-1].next_cursor,
                        limit=limit,
                        overriding_only=overriding_only,
                    )
                )
            return pages

        self.both(action, commit=False)

    @rule(
        organization_id=st.sampled_from(ORGANIZATIONS),
        project_id=st.none() | st.sampled_from(PROJECTS),
        since=st.none() | timestamps,
        until=st.none() | timestamps,
        limit=st.integers(1, 3),
    )
    def query_audit(
        self,
        organization_id: str,
        project_id: str | None,
        since: dt.datetime | None,
        until: dt.datetime | None,
        limit: int,
    ) -> None:
        def action(uow: UnitOfWork) -> Any:
            pages = [
                uow.audit.query(
                    organization_id, project_id=project_id, since=since, until=until, limit=limit
                )
            ]
            while pages[-1].next_cursor is not None:
                pages.append(
                    uow.audit.query(
                        organization_id,
                        project_id=project_id,
                        since=since,
                        until=until,
                        limit=limit,
                        cursor=pages[-1].next_cursor,
                    )
                )
            return pages

        self.both(action, commit=False)

    @rule(project=projects)
    def get_many(self, project: ProjectSettings) -> None:
        self.both(
            lambda uow: uow.projects.get_many(
                project.organization_id, [project.project_id, *PROJECTS]
            ),
            commit=False,
        )

    @invariant()
    def same_observable_state(self) -> None:
        views = []
        for store in self.stores:
            with store(read_only=True) as uow:
                views.append(
                    [
                        (
                            uow.projects.load_organization(organization_id),
                            uow.organizations.get(organization_id),
                            [uow.projects.get(organization_id, pid) for pid in PROJECTS],
                            uow.audit.query(organization_id, limit=10_000),
                            audit_pages(uow, organization_id),
                            project_pages(uow, organization_id),
                        )
                        for organization_id in ORGANIZATIONS
                    ]
                )
        assert views[0] == views[1]
        for state, organization, by_id, audit, pages, listing in views[0]:
            assert tuple(entry for page in pages for entry in page.items) == audit.items
            assert tuple(project for page in listing for project in page.items) == state.projects
            assert state.organization == organization
            stored = sorted((p for p in by_id if p is not None), key=lambda p: p.project_id)
            assert state.projects == tuple(stored)


StorageMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
TestStorageMachine = StorageMachine.TestCase


def test_a_duplicate_repository_is_refused_alike() -> None:
    """A concrete case of the comparison: both adapters refuse a duplicate repository."""
    machine = StorageMachine()
    try:
        project = ProjectSettings(
            "acme",
            "a",
            repositories=(
                RepositorySettings(RepositoryRef.parse("github:a/b")),
                RepositorySettings(RepositoryRef.parse("github:A/B")),
            ),
        )
        kind, codes = machine.both(lambda uow: uow.projects.save(project))
        assert kind == "invalid"
        assert codes == {"repositories": [{}, {"repository": ["duplicate_repository"]}]}
    finally:
        machine.teardown()
