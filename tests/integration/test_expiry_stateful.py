"""Writes and expiries over a moving clock, held to the reference model, on memory and SQLite.

A Hypothesis state machine drives two services (the in-memory store and a SQLite file) that
share one hand-moved clock: it sets and clears overrides and locks, some with an expiry, some
with one already past, changes the organization's defaults, and moves the clock forward. After
every step each project's effective values, read through each service, must be what the
reference model (``tests/reference.py``) says for the stored values at the clock's moment, and
the two stores must hold the same records. The machine is its own module so that more
operations (reverts, plans and applies) can join it as rules.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ai_settings_core import (
    Actor,
    OrganizationPatch,
    ProjectPatch,
    Setting,
    SettingsService,
    StoppingPoint,
    ValidationError,
)
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.domain.permissions import ALL_SCOPES
from tests.clocks import ManualClock
from tests.reference import DEFAULTS, plain, reference_effective

ORGANIZATION = "acme"
PROJECTS = ("web", "api", "payments")
ADMIN = Actor("user:admin", ORGANIZATION, ALL_SCOPES, role="owner")

settings_ = st.sampled_from(list(Setting))
lengths = st.none() | st.sampled_from([dt.timedelta(minutes=30), dt.timedelta(minutes=60)])
"""How long a written value lasts (``None``: for good): on the grid the clock moves on, so the
clock often stands exactly at an expiry."""
steps = st.sampled_from([dt.timedelta(0), dt.timedelta(seconds=1), dt.timedelta(minutes=30)])


def _value(setting: Setting, data: st.DataObject) -> bool | StoppingPoint:
    if setting is Setting.STOPPING_POINT:
        return data.draw(st.sampled_from(list(StoppingPoint)))
    return data.draw(st.booleans())


def _text(value: object) -> object:
    return value.value if isinstance(value, StoppingPoint) else value


class ExpiryMachine(RuleBasedStateMachine):
    """Two services and the reference model, one clock."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.directory = Path(tempfile.mkdtemp(prefix="expiry-stateful-"))
        self.services = (
            SettingsService(MemoryStore(), clock=self.clock),
            SettingsService(SqliteStore(self.directory / "settings.db"), clock=self.clock),
        )
        # The reference model, in its own terms (see tests/reference.py).
        self.organization: dict[str, Any] = {
            **DEFAULTS,
            "locked": set(),
            "ceiling": None,
            "lock_expires": {},
        }
        self.projects: dict[str, dict[str, Any]] = {}

    def teardown(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def _each(self, write: Callable[[SettingsService], object]) -> ValidationError | None:
        """Run ``write`` on both services: both succeed, or both refuse with the same codes."""
        outcomes: list[ValidationError | None] = []
        for service in self.services:
            try:
                write(service)
            except ValidationError as error:
                outcomes.append(error)
            else:
                outcomes.append(None)
        first, second = outcomes
        assert (first is None) == (second is None), outcomes
        if first is not None and second is not None:
            assert first.codes == second.codes
        return first

    def _ends(self, length: dt.timedelta | None) -> dt.datetime | None:
        return None if length is None else self.clock.now + length

    def _live_locks(self) -> set[str]:
        ends = self.organization["lock_expires"]
        return {s for s in self.organization["locked"] if s not in ends or self.clock.now < ends[s]}

    @rule(project=st.sampled_from(PROJECTS), setting=settings_, length=lengths, data=st.data())
    def set_override(
        self, project: str, setting: Setting, length: dt.timedelta | None, data: st.DataObject
    ) -> None:
        value = _value(setting, data)
        ends = self._ends(length)
        changes: dict[str, Any] = {setting.override_field: value}
        if ends is not None:
            changes[setting.expires_field] = ends
        patch = ProjectPatch(**changes)
        stored = self.projects.get(project, {})
        refused = self._each(
            lambda service: service.update_project(ADMIN, ORGANIZATION, project, patch)
        )
        locked = setting.value in self._live_locks() and stored.get(setting.value) != _text(value)
        assert (refused is not None) == locked, refused
        if refused is not None:
            assert refused.codes == {setting.override_field: ["locked"]}
            return
        model = self.projects.setdefault(project, {**dict.fromkeys(DEFAULTS), "expires": {}})
        model[setting.value] = _text(value)
        model["expires"].pop(setting.value, None)
        if ends is not None:
            model["expires"][setting.value] = ends

    @rule(project=st.sampled_from(PROJECTS), setting=settings_)
    def clear_override(self, project: str, setting: Setting) -> None:
        patch = ProjectPatch(**{setting.override_field: None})  # type: ignore[arg-type]
        assert self._each(lambda s: s.update_project(ADMIN, ORGANIZATION, project, patch)) is None
        model = self.projects.setdefault(project, {**dict.fromkeys(DEFAULTS), "expires": {}})
        model[setting.value] = None
        model["expires"].pop(setting.value, None)

    @rule(project=st.sampled_from(PROJECTS), setting=settings_, data=st.data())
    def a_past_expiry_is_refused(self, project: str, setting: Setting, data: st.DataObject) -> None:
        ago = data.draw(st.sampled_from([dt.timedelta(0), dt.timedelta(minutes=5)]))
        patch = ProjectPatch(
            **{
                setting.override_field: _value(setting, data),
                setting.expires_field: self.clock.now - ago,
            }
        )
        refused = self._each(lambda s: s.update_project(ADMIN, ORGANIZATION, project, patch))
        assert refused is not None
        assert "expired" in refused.codes.get(setting.expires_field, [])

    @rule(setting=settings_, length=lengths)
    def lock(self, setting: Setting, length: dt.timedelta | None) -> None:
        ends = self._ends(length)
        changes: dict[str, Any] = {"lock": frozenset({setting})}
        if ends is not None:
            changes[setting.lock_expires_field] = ends
        patch = OrganizationPatch(**changes)
        assert self._each(lambda s: s.update_organization(ADMIN, ORGANIZATION, patch)) is None
        organization = self.organization
        newly = setting.value not in organization["locked"]
        organization["locked"].add(setting.value)
        if ends is not None:
            organization["lock_expires"][setting.value] = ends
        elif newly:
            organization["lock_expires"].pop(setting.value, None)

    @rule(setting=settings_)
    def unlock(self, setting: Setting) -> None:
        patch = OrganizationPatch(unlock=frozenset({setting}))
        assert self._each(lambda s: s.update_organization(ADMIN, ORGANIZATION, patch)) is None
        self.organization["locked"].discard(setting.value)
        self.organization["lock_expires"].pop(setting.value, None)

    @rule(fix=st.booleans(), point=st.sampled_from(list(StoppingPoint)))
    def change_defaults(self, fix: bool, point: StoppingPoint) -> None:
        patch = OrganizationPatch(fix_enabled=fix, scan_enabled=True, stopping_point=point)
        assert self._each(lambda s: s.update_organization(ADMIN, ORGANIZATION, patch)) is None
        self.organization.update(scan_enabled=True, fix_enabled=fix, stopping_point=point.value)

    @rule(step=steps)
    def time_passes(self, step: dt.timedelta) -> None:
        self.clock.now += step

    @invariant()
    def every_project_resolves_as_the_reference_says(self) -> None:
        now = self.clock.now
        for project_id, model in self.projects.items():
            expected = reference_effective(self.organization, model, now=now)
            views = [s.get_project(ADMIN, ORGANIZATION, project_id) for s in self.services]
            for view in views:
                assert plain(view.resolution.effective) == expected, (project_id, now)
            memory, sqlite = (view.project for view in views)
            assert memory == sqlite
            for setting in Setting:
                assert memory.override_expires_at(setting) == model["expires"].get(setting.value)

    @invariant()
    def the_stores_hold_the_same_organization(self) -> None:
        memory, sqlite = (s.get_organization(ADMIN, ORGANIZATION).settings for s in self.services)
        assert memory == sqlite
        for setting in Setting:
            if setting.value in self.organization["locked"]:
                assert memory.lock_expires_at(setting) == self.organization["lock_expires"].get(
                    setting.value
                )


TestExpiryMachine = ExpiryMachine.TestCase
TestExpiryMachine.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
