"""The storage adapters shipped with the library.

- :mod:`ai_settings_core.adapters.memory`: :class:`MemoryStore`, the in-memory reference.
- :mod:`ai_settings_core.adapters.sqlite`: :class:`SqliteStore`, on the standard library's
  ``sqlite3``.

Both satisfy :class:`ai_settings_core.ports.UnitOfWorkFactory`: call the store to get a unit of
work.
"""

from __future__ import annotations

from ai_settings_core.adapters.memory import MemoryStore, MemoryUnitOfWork
from ai_settings_core.adapters.sqlite import SqliteStore, SqliteUnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork", "SqliteStore", "SqliteUnitOfWork"]
