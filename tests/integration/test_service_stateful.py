"""Writes, reverts and applies, at random, on SQLite and on the in-memory reference (issue 15).

A Hypothesis state machine drives two services, one per store, with the same sequence of
writes (project and organization patches, bulk changes), reverts of entries of the log (forced
or not) and plans applied (pruning or not). Each step must have the same outcome on both (the
same result, or the same error), and after every step both stores hold the same settings and
the same audit log (versions and the random change ids aside).
"""

from __future__ import annotations

import contextlib
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
    ALL_SCOPES,
    Actor,
    AISettingsError,
    OrganizationPatch,
    ProjectPatch,
    SettingsService,
    ValidationError,
    codec,
)
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.service import SettingsDocument
from tests import strategies

OWNER = Actor("user:owner", "acme", ALL_SCOPES)
T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
PROJECTS = ("web", "api", "docs")

project_patches = st.builds(
    ProjectPatch,
    scan_enabled_override=strategies.optional_bools,
    fix_enabled_override=strategies.optional_bools,
    stopping_point_override=strategies.optional_stopping_points,
)
organization_patches = st.builds(
    OrganizationPatch,
    fix_enabled=st.booleans(),
    stopping_point=strategies.stopping_points,
    lock=st.frozensets(strategies.settings_names, max_size=1),
    unlock=st.frozensets(strategies.settings_names, max_size=1),
    max_stopping_point=strategies.optional_stopping_points,
)
documents = st.builds(
    SettingsDocument,
    strategies.organization_settings("acme"),
    st.lists(
        st.sampled_from(PROJECTS).flatmap(lambda pid: strategies.project_settings("acme", pid)),
        max_size=2,
        unique_by=lambda p: p.project_id,
    ),
)


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """A call's result reduced to what both stores must agree on, or its error."""
    try:
        result = call()
    except ValidationError as error:
        return ("invalid", error.codes)
    except AISettingsError as error:
        return (type(error).__name__, str(error))
    return ("ok", getattr(result, "changed", None))


class ServiceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="service-stateful-"))
        self.services = (
            SettingsService(MemoryStore(), clock=lambda: T0),
            SettingsService(SqliteStore(self.directory / "settings.db"), clock=lambda: T0),
        )

    def teardown(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def both(self, action: Callable[[SettingsService], Any]) -> None:
        reference, sqlite = (outcome(lambda s=s: action(s)) for s in self.services)
        assert sqlite == reference

    @rule(project_id=st.sampled_from(PROJECTS), patch=project_patches)
    def update_project(self, project_id: str, patch: ProjectPatch) -> None:
        self.both(lambda s: s.update_project(OWNER, "acme", project_id, patch))

    @rule(patch=organization_patches)
    def update_organization(self, patch: OrganizationPatch) -> None:
        self.both(lambda s: s.update_organization(OWNER, "acme", patch))

    @rule(ids=st.lists(st.sampled_from(PROJECTS), min_size=1, unique=True), patch=project_patches)
    def bulk_update(self, ids: list[str], patch: ProjectPatch) -> None:
        self.both(lambda s: s.bulk_update(OWNER, "acme", ids, patch))

    @rule(back=st.integers(0, 6), force=st.booleans())
    def revert(self, back: int, force: bool) -> None:
        entries = self.services[0].audit_log(OWNER, "acme", limit=back + 1).items
        entry_id = entries[-1].id if entries else 1
        self.both(lambda s: s.revert(OWNER, "acme", entry_id, force=force))

    @rule(document=documents, prune=st.booleans())
    def plan_and_apply(self, document: SettingsDocument, prune: bool) -> None:
        def action(service: SettingsService) -> Any:
            plan = service.plan(OWNER, document, prune=prune)
            return service.apply(OWNER, codec.parse_plan(codec.dump_plan(plan)))

        self.both(action)
        # After an apply, or a refused plan, there is nothing it could still change.
        for service in self.services:
            with contextlib.suppress(ValidationError):
                assert service.plan(OWNER, document, prune=prune).is_empty

    @invariant()
    def same_settings_and_log(self) -> None:
        states = []
        for service in self.services:
            with service._uow(read_only=True) as uow:
                state = uow.projects.load_organization("acme")
                log = uow.audit.query("acme", limit=1000).items
            states.append(
                (
                    state.organization,
                    state.projects,
                    [attrs.evolve(entry, change_id=None) for entry in log],
                    _grouping(log),
                )
            )
        assert states[1] == states[0]


def _grouping(log: tuple[Any, ...]) -> list[int]:
    """Which entries share a change, as the index of the first entry of each one's change."""
    first: dict[object, int] = {}
    return [first.setdefault(entry.change_id, index) for index, entry in enumerate(log)]


ServiceMachine.TestCase.settings = settings(max_examples=30, stateful_step_count=15)
TestServiceMachine = ServiceMachine.TestCase
