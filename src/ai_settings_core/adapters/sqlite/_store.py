"""The SQLite store: one file, checked before it is changed, and its connections."""

from __future__ import annotations

import os
import pathlib
import sqlite3
import threading

from ai_settings_core.adapters.sqlite import _schema
from ai_settings_core.adapters.sqlite._errors import translated
from ai_settings_core.adapters.sqlite._unit_of_work import SqliteUnitOfWork
from ai_settings_core.errors import StorageError

__all__ = ["SqliteStore"]


class SqliteStore:
    """A store in one SQLite file; call it to get a unit of work.

    The file is checked on first use, with plain reads that wait for no other process's writer:
    a file that is not a SQLite database, one whose tables are not ours, or one written by a
    newer version of this library is refused with :class:`~ai_settings_core.errors.StorageError`
    and left exactly as it was. Only then is anything changed, and only when needed: an older
    schema of ours is migrated forward (the one time opening takes the write lock) and the file
    is put in write-ahead-log mode. A read never creates a file nor makes an empty one a
    database: a missing or empty file reads as an empty store.

    Args:
        path: The database file.
        create: Create the file when a write finds it missing. With ``create=False`` a write to
            a missing file raises ``StorageError`` and nothing is created.
        busy_timeout: Seconds to wait for another connection's lock.
        pause_gc_on_load: Pause Python's cyclic garbage collector, process-wide, while rows
            are turned into projects (``load_organization``, ``get_many``, ``list``): it
            halves the time of a large load. Turn it off when the host must keep the collector
            under its own control (see ``docs/storage.md``).

    Raises:
        StorageError: ``path`` contains a NUL character (no file name can).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        busy_timeout: float = 30.0,
        pause_gc_on_load: bool = True,
    ) -> None:
        self.path = pathlib.Path(path)
        if "\x00" in str(self.path):
            # The URI would carry it as %00 and SQLite would open the name cut short there.
            raise StorageError(
                f"SQLite path {str(self.path)!r} contains a NUL character; "
                "no file name can hold one."
            )
        self.create = create
        self.busy_timeout = busy_timeout
        self.pause_gc_on_load = pause_gc_on_load
        self._checked = False
        self._check_lock = threading.Lock()

    @property
    def label(self) -> str:
        """How errors name the file."""
        return f"SQLite file {str(self.path)!r}"

    def unit_of_work(
        self,
        *,
        read_only: bool = False,
        organization_id: str | None = None,  # noqa: ARG002 - one writer at a time here
    ) -> SqliteUnitOfWork:
        """A new unit of work (enter it with ``with``).

        A writing unit takes the store's one write lock whatever its ``organization_id``.
        """
        return SqliteUnitOfWork(self, read_only=read_only)

    __call__ = unit_of_work

    def schema_version(self) -> int:
        """The schema version of the file (migrating it first); 0 when it does not exist."""
        if not self.create and not self.path.exists():
            return 0
        connection = self.connect()
        try:
            return int(connection.execute("PRAGMA user_version").fetchone()[0])
        finally:
            connection.close()

    def connect(self) -> sqlite3.Connection:
        """A new connection to the checked, migrated file, with foreign keys on.

        It is in autocommit mode (``isolation_level=None``): transactions are explicit. The
        file is created (when ``create``) and migrated as for a write.
        """
        return self._open(write=True)

    def _open(self, *, write: bool) -> sqlite3.Connection:
        """A connection for a unit of work that writes, or only reads.

        For a read, a missing file, or one that holds no database yet, is an empty in-memory
        database: nothing is created or changed.
        """
        with translated(self.label):
            if not self.path.exists():
                if not write:
                    return self._empty_connection()
                if not self.create:
                    raise StorageError(f"{self.label} does not exist; nothing was written.")
            uri = self.path.absolute().as_uri() + (
                "?mode=rwc" if write and self.create else "?mode=rw"
            )
            connection = sqlite3.connect(
                uri,
                uri=True,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                connection.execute("PRAGMA foreign_keys = ON")
                if self._checked or self._check(connection, write=write):
                    return connection
            except BaseException:
                connection.close()
                raise
            connection.close()
            return self._empty_connection()

    def _check(self, connection: sqlite3.Connection, *, write: bool) -> bool:
        """Check the file is ours, then make it ready; ``False`` when a read finds it empty."""
        with self._check_lock:
            if self._checked:
                return True
            found = _schema.inspect(connection, self.label)  # refuses a file that is not ours
            if found.empty and not write:
                return False
            _schema.prepare(connection, self.label, found)
            self._checked = True
            return True

    def _empty_connection(self) -> sqlite3.Connection:
        """An in-memory database with the current schema: how a missing or empty file reads."""
        connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA foreign_keys = ON")
        _schema.migrate(connection, "an empty store")
        return connection
