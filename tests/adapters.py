"""Stores for tests that run on both adapters: the in-memory reference and SQLite on a file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ai_settings_core.ports import UnitOfWorkFactory


def make_store(kind: str, tmp_path: Path) -> UnitOfWorkFactory:
    """A fresh store's unit-of-work factory: ``memory`` or ``sqlite`` (a new file)."""
    if kind == "memory":
        from ai_settings_core.adapters.memory import MemoryStore

        return MemoryStore()
    if kind == "sqlite":
        from ai_settings_core.adapters.sqlite import SqliteStore

        return SqliteStore(tmp_path / "settings.db")
    raise ValueError(kind)


@contextmanager
def any_store(kind: str, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    """A fresh store of any kind: ``memory``, ``sqlite`` or ``postgres`` (a new schema)."""
    if kind != "postgres":
        yield make_store(kind, tmp_path)
        return
    from tests.postgres import fresh_store

    with fresh_store() as store:
        yield store
