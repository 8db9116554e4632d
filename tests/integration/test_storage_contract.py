"""The storage contract suite, run against both shipped adapters."""

from __future__ import annotations

import pathlib

from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.ports import UnitOfWorkFactory
from ai_settings_core.testing import AdapterContract


class TestMemoryStore(AdapterContract):
    def make_uow_factory(self, tmp_path: pathlib.Path) -> UnitOfWorkFactory:
        return MemoryStore()


class TestSqliteStore(AdapterContract):
    def make_uow_factory(self, tmp_path: pathlib.Path) -> UnitOfWorkFactory:
        return SqliteStore(tmp_path / "settings.db", busy_timeout=10.0)


class TestSqliteStoreReopened(AdapterContract):
    """Every unit of work on a fresh store object: nothing may live only in one instance."""

    def make_uow_factory(self, tmp_path: pathlib.Path) -> UnitOfWorkFactory:
        path = tmp_path / "settings.db"

        def factory(*, read_only: bool = False, organization_id: str | None = None):
            return SqliteStore(path).unit_of_work(
                read_only=read_only, organization_id=organization_id
            )

        return factory
