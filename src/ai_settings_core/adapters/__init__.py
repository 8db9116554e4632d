"""The storage adapters shipped with the library.

- :mod:`ai_settings_core.adapters.memory`: :class:`MemoryStore`, the in-memory reference.
- :mod:`ai_settings_core.adapters.sqlite`: :class:`SqliteStore`, on the standard library's
  ``sqlite3``, the embedded default.
- :mod:`ai_settings_core.adapters.postgres`: ``PostgresStore``, on psycopg 3 (the ``postgres``
  extra).

Each satisfies :class:`ai_settings_core.ports.UnitOfWorkFactory`: call the store to get a unit
of work. Importing one adapter does not import the others.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ai_settings_core.adapters.memory import MemoryStore, MemoryUnitOfWork
    from ai_settings_core.adapters.sqlite import SqliteStore, SqliteUnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork", "SqliteStore", "SqliteUnitOfWork"]

_HOMES = {
    "MemoryStore": "ai_settings_core.adapters.memory",
    "MemoryUnitOfWork": "ai_settings_core.adapters.memory",
    "SqliteStore": "ai_settings_core.adapters.sqlite",
    "SqliteUnitOfWork": "ai_settings_core.adapters.sqlite",
}


def __getattr__(name: str) -> Any:  # noqa: ANN401 - whatever the adapter module holds
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'ai_settings_core.adapters' has no attribute {name!r}")


def __dir__() -> list[str]:
    return list(__all__)
