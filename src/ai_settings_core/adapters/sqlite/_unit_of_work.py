"""One transaction on a SQLite file: the shared unit-of-work base on one ``sqlite3`` connection."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Final

from ai_settings_core.adapters._unit_of_work import UnitOfWorkBase, entered_twice
from ai_settings_core.adapters.sqlite._errors import _storage_error
from ai_settings_core.adapters.sqlite._repositories import (
    _Audit,
    _ChangeFeed,
    _Organizations,
    _Projects,
    publish,
)

if TYPE_CHECKING:
    from ai_settings_core.adapters.sqlite._pool import Key
    from ai_settings_core.adapters.sqlite._store import SqliteStore
    from ai_settings_core.errors import AISettingsError
    from ai_settings_core.ports import Change

__all__ = ["SqliteUnitOfWork"]

_SAVEPOINT: Final = "SAVEPOINT ai_settings_write"
_RELEASE: Final = "RELEASE ai_settings_write"
_ROLLBACK_TO: Final = "ROLLBACK TO ai_settings_write"


class SqliteUnitOfWork(UnitOfWorkBase[sqlite3.Connection]):
    """One transaction on a :class:`~ai_settings_core.adapters.sqlite.SqliteStore`.

    It has a connection of its own while it lasts: a kept one of the store, or a new one,
    given back to the store when the unit ends.

    A unit that may write starts with ``BEGIN IMMEDIATE`` (the file's write lock, held to the
    end); a read-only one with a deferred ``BEGIN`` and a read at once, so it sees the file as
    of its entry. Each write is a ``SAVEPOINT``, rolled back to when the write fails.

    Attributes:
        organizations: The organizations inside this transaction.
        projects: The projects inside this transaction.
        audit: The audit log inside this transaction.
        feed: The change feed inside this transaction.
    """

    def __init__(
        self, store: SqliteStore, *, read_only: bool = False, organization_id: str | None = None
    ) -> None:
        super().__init__(store.label, read_only=read_only, organization_id=organization_id)
        # Dropped when the unit ends: a finished unit (which its repositories keep alive in a
        # reference cycle) must not keep the store, and its idle connections, open.
        self._store: SqliteStore | None = store
        self._pause_gc = store.pause_gc_on_load
        self._key: Key | None = None
        self.organizations = _Organizations(self)
        self.projects = _Projects(self)
        self.audit = _Audit(self)
        self.feed = _ChangeFeed(self)

    def _begin(self) -> sqlite3.Connection:
        store = self._store
        if store is None:  # pragma: no cover - the base enters a unit once
            raise entered_twice()
        connection, self._key = store._acquire(write=not self.read_only)  # noqa: SLF001
        try:
            if self.read_only:
                # A deferred BEGIN takes its snapshot at the first read: read now, so the unit
                # sees the store as of its entry (as the in-memory adapter does).
                connection.execute("BEGIN")
                connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()
            else:
                connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            store._release(connection, self._key, reusable=False)  # noqa: SLF001
            raise
        return connection

    def _end(self, handle: sqlite3.Connection, *, commit: bool) -> None:
        handle.execute("COMMIT" if commit else "ROLLBACK")

    def _publish(self, handle: sqlite3.Connection, changes: list[Change]) -> None:
        publish(handle, changes)

    def _close(self, handle: sqlite3.Connection) -> None:
        store, self._store = self._store, None
        if store is not None:
            store._release(handle, self._key, reusable=not self._broken)  # noqa: SLF001

    def _savepoint(self, handle: sqlite3.Connection) -> None:
        handle.execute(_SAVEPOINT)

    def _release_savepoint(self, handle: sqlite3.Connection) -> None:
        handle.execute(_RELEASE)

    def _rollback_to_savepoint(self, handle: sqlite3.Connection) -> None:
        handle.execute(_ROLLBACK_TO)
        handle.execute(_RELEASE)

    def _alive(self, handle: sqlite3.Connection) -> bool:
        # SQLite rolls the whole transaction back on some errors (a full disk, say).
        return handle.in_transaction

    def _translate(self, error: Exception) -> AISettingsError | None:
        if isinstance(error, sqlite3.Error):
            return _storage_error(self._label, error)
        return None
