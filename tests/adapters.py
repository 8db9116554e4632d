"""Stores for tests that run on both adapters: the in-memory reference and SQLite on a file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from ai_settings_core import BranchRule, StoppingPoint
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


def upgraded_store_holds_rules(store: UnitOfWorkFactory, version: int) -> None:
    """Check a store upgraded from before branch rules, holding project ``acme/web`` whose
    first repository's patterns are ``main`` and ``release/*`` at ``version``: they read as
    rules without overrides, and rules with their own stopping point are saved and read back.
    """
    with store(read_only=True) as uow:
        web = uow.projects.get("acme", "web")
    assert web is not None
    assert web.repositories[0].branch_patterns == (BranchRule("main"), BranchRule("release/*"))
    rules = (BranchRule("release/*", StoppingPoint.SUGGESTION), BranchRule("main"))
    changed = attrs.evolve(
        web,
        repositories=(
            attrs.evolve(web.repositories[0], branch_patterns=rules),
            *web.repositories[1:],
        ),
    )
    with store() as uow:
        saved = uow.projects.save(changed, expected_version=version)
        uow.commit()
    with store(read_only=True) as uow:
        assert uow.projects.get("acme", "web") == saved
    assert saved.repositories[0].branch_patterns == rules


@contextmanager
def any_store(kind: str, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    """A fresh store of any kind: ``memory``, ``sqlite`` or ``postgres`` (a new schema)."""
    if kind != "postgres":
        yield make_store(kind, tmp_path)
        return
    from tests.postgres import fresh_store

    with fresh_store() as store:
        yield store
