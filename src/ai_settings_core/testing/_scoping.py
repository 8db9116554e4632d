"""The scoped unit of work, as contract tests: a mixin of :class:`AdapterContract`.

A writing unit may be scoped to one organization (``store(organization_id="acme")``). Every
store serializes two writers of one organization, and a store-wide writer
(``organization_id=None``) with every other writer. Every store refuses a write
outside a unit's scope. A store that sets ``concurrent_organizations = True`` also promises that
writers of *different* organizations do not wait for each other.

The tests are deterministic: one unit is held open in the test's thread while another runs in
a second thread; what the second one saw, and whether it could finish, shows the lock. A wait
bounded in time only ever confirms that a thread is still blocked (a slow machine cannot make
it fail).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

import attrs
import pytest

from ai_settings_core.domain.settings import ProjectSettings
from ai_settings_core.errors import StorageError
from ai_settings_core.ports import UnitOfWorkFactory

__all__ = ["ScopedUnitContract"]

_PATIENCE = 60.0  # seconds a thread that must finish is given (it finishes at once when right)
_GLANCE = 0.3  # seconds to look at a thread that must stay blocked


class _Worker(threading.Thread):
    """A thread running ``action``, keeping its result or error for the test thread."""

    def __init__(self, action: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self._action = action
        self.started_work = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        self.started_work.set()
        try:
            self.result = self._action()
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            self.error = error

    def finish(self) -> object:
        self.join(_PATIENCE)
        assert not self.is_alive(), "the second unit of work never finished"
        if self.error is not None:
            raise self.error
        return self.result


class ScopedUnitContract:
    """Scoped units of work: mixed into :class:`AdapterContract` (which gives ``uow_factory``)."""

    concurrent_organizations: ClassVar[bool] = False
    """Whether writers of different organizations run side by side on this store."""

    @staticmethod
    def _bump(factory: UnitOfWorkFactory, organization_id: str | None, project: str) -> int:
        """A read-modify-write of one project; returns the version it read."""
        org = organization_id or "acme"
        with factory(organization_id=organization_id) as uow:
            current = uow.projects.get(org, project)
            seen = 0 if current is None else current.version
            base = current or ProjectSettings(org, project)
            uow.projects.save(attrs.evolve(base, fix_enabled_override=True), seen)
            uow.commit()
        return seen

    def test_two_writers_of_one_organization_serialize(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory(organization_id="acme") as first:
            first.projects.save(ProjectSettings("acme", "web"))
            second = _Worker(lambda: self._bump(uow_factory, "acme", "web"))
            second.start()
            second.started_work.wait()
            second.join(_GLANCE)
            assert second.is_alive(), "a second writer of the organization did not wait"
            first.commit()
        # It waited for the first writer, so it read what the first one committed.
        assert second.finish() == 1
        with uow_factory(read_only=True) as uow:
            stored = uow.projects.get("acme", "web")
        assert stored is not None
        assert stored.version == 2

    def test_a_store_wide_writer_excludes_scoped_writers(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as first:
            first.projects.save(ProjectSettings("beta", "web"))
            second = _Worker(lambda: self._bump(uow_factory, "beta", "web"))
            second.start()
            second.started_work.wait()
            second.join(_GLANCE)
            assert second.is_alive(), "a scoped writer did not wait for a store-wide one"
            first.commit()
        assert second.finish() == 1

    @staticmethod
    def _seen(factory: UnitOfWorkFactory) -> tuple[bool, bool]:
        """Whether a fresh reader sees ``acme/web`` and ``beta/web``."""
        with factory(read_only=True) as reader:
            return (
                reader.projects.get("acme", "web") is not None,
                reader.projects.get("beta", "web") is not None,
            )

    def test_writers_of_two_organizations(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory(organization_id="acme") as first:
            first.projects.save(ProjectSettings("acme", "web"))
            second = _Worker(lambda: self._bump(uow_factory, "beta", "web"))
            second.start()
            if self.concurrent_organizations:
                # The second organization's writer commits while the first is still open.
                assert second.finish() == 0
                # Read from another thread: a store may give each thread its own connection
                # (Django does), and this thread's is inside the open unit.
                reader = _Worker(lambda: self._seen(uow_factory))
                reader.start()
                assert reader.finish() == (False, True)
                first.commit()
            else:
                second.started_work.wait()
                second.join(_GLANCE)
                assert second.is_alive(), "this store has one writer: the second must wait"
                first.commit()
                assert second.finish() == 0
        with uow_factory(read_only=True) as uow:
            assert uow.projects.get("acme", "web") is not None
            assert uow.projects.get("beta", "web") is not None

    def test_a_scoped_unit_writes_only_its_organization(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory(organization_id="acme") as uow:
            with pytest.raises(StorageError, match="scoped"):
                uow.projects.save(ProjectSettings("beta", "web"))
            with pytest.raises(StorageError, match="scoped"):
                uow.projects.delete("beta", "web")
            saved = uow.projects.save(ProjectSettings("acme", "web"))
            assert uow.projects.get("beta", "web") is None
            uow.commit()
        with uow_factory(read_only=True) as uow:
            assert uow.projects.get("acme", "web") == saved
