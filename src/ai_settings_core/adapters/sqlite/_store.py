"""The SQLite store: one file, checked before it is changed, and its connections."""

from __future__ import annotations

import os
import pathlib
import sqlite3
import threading
from typing import Final

from ai_settings_core.adapters.sqlite import _schema
from ai_settings_core.adapters.sqlite._errors import translated
from ai_settings_core.adapters.sqlite._listen import SqliteListener
from ai_settings_core.adapters.sqlite._pool import ConnectionPool, Key, file_key
from ai_settings_core.adapters.sqlite._unit_of_work import SqliteUnitOfWork
from ai_settings_core.errors import InvalidValueError, StorageError

__all__ = ["SqliteStore"]

_SYNCHRONOUS: Final = {"full": "FULL", "normal": "NORMAL"}
"""The ``synchronous`` modes a store offers, as ``PRAGMA synchronous`` names them."""


class SqliteStore:
    """A store in one SQLite file; call it to get a unit of work.

    The file is checked on first use, with plain reads that wait for no other process's writer:
    a file that is not a SQLite database, one whose tables are not ours, or one written by a
    newer version of this library is refused with :class:`~ai_settings_core.errors.StorageError`
    and left exactly as it was. Only then is anything changed, and only when needed: an older
    schema of ours is migrated forward (the one time opening takes the write lock) and the file
    is put in write-ahead-log mode. A read never creates a file nor makes an empty one a
    database: a missing or empty file reads as an empty store.

    A unit of work gives its connection back when it ends, and the next unit (of any thread)
    takes it instead of opening one: up to ``pool_size`` idle connections are kept open until
    :meth:`close`. A process made by ``fork`` never uses, nor closes, a connection its parent
    opened: it opens its own. A file replaced under the same name gets new connections too.

    Args:
        path: The database file.
        create: Create the file when a write finds it missing. With ``create=False`` a write to
            a missing file raises ``StorageError`` and nothing is created.
        busy_timeout: Seconds to wait for another connection's lock.
        pause_gc_on_load: Pause Python's cyclic garbage collector, process-wide, while rows
            are turned into projects (``load_organization``, ``get_many``, ``list``): it
            halves the time of a large load. Turn it off when the host must keep the collector
            under its own control (see ``docs/storage.md``).
        synchronous: ``"full"`` (the default): a commit returns once it is on the disk, and
            survives a power cut. ``"normal"``: a commit waits for no disk sync; it survives
            a crash of the process, but the last commits may be lost in a power cut or an
            operating-system crash (the file stays consistent). See ``docs/storage.md``.
        pool_size: How many idle connections to keep for reuse; 0 opens one per unit.

    Raises:
        StorageError: ``path`` contains a NUL character (no file name can).
        InvalidValueError: ``synchronous`` is not ``"full"`` or ``"normal"``, or
            ``pool_size`` is negative.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        busy_timeout: float = 30.0,
        pause_gc_on_load: bool = True,
        synchronous: str = "full",
        pool_size: int = 8,
    ) -> None:
        self.path = pathlib.Path(path)
        self._file = str(self.path)  # what each unit of work's file_key reads
        if "\x00" in str(self.path):
            # The URI would carry it as %00 and SQLite would open the name cut short there.
            raise StorageError(
                f"SQLite path {str(self.path)!r} contains a NUL character; "
                "no file name can hold one."
            )
        self.create = create
        self.busy_timeout = busy_timeout
        self.pause_gc_on_load = pause_gc_on_load
        mode = _SYNCHRONOUS.get(synchronous.lower()) if isinstance(synchronous, str) else None
        if mode is None:
            raise InvalidValueError(
                "invalid_choice",
                f"Invalid synchronous mode {synchronous!r}: expected 'full' or 'normal'.",
            )
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 0:
            raise InvalidValueError(
                "invalid_pool_size",
                f"Invalid pool_size {pool_size!r}: expected a whole number, 0 or more.",
            )
        self.synchronous = synchronous.lower()
        self._synchronous_pragma = f"PRAGMA synchronous = {mode}"
        self._checked: tuple[int, int] | None = None  # the device and inode of the checked file
        self._check_lock = threading.Lock()
        self._pool = ConnectionPool(pool_size)

    @property
    def label(self) -> str:
        """How errors name the file."""
        return f"SQLite file {str(self.path)!r}"

    def unit_of_work(
        self,
        *,
        read_only: bool = False,
        organization_id: str | None = None,
    ) -> SqliteUnitOfWork:
        """A new unit of work (enter it with ``with``).

        A writing unit takes the store's one write lock whatever its ``organization_id``; a
        unit scoped to an organization still refuses to write any other one.
        """
        return SqliteUnitOfWork(self, read_only=read_only, organization_id=organization_id)

    __call__ = unit_of_work

    def listen(self, *, interval: float = 0.005) -> SqliteListener:
        """A listener that wakes when another connection commits to the file.

        It polls ``PRAGMA data_version`` every ``interval`` seconds on a connection of its
        own (see :class:`~ai_settings_core.ports.ChangeListener`).
        """
        return SqliteListener(self, interval=interval)

    def schema_version(self) -> int:
        """The schema version of the file (migrating it first); 0 when it does not exist."""
        if not self.create and not self.path.exists():
            return 0
        connection = self.connect()
        try:
            return int(connection.execute("PRAGMA user_version").fetchone()[0])
        finally:
            connection.close()

    def close(self) -> None:
        """Close the idle connections; the store stays usable (a later unit opens anew).

        Closing the last connection to the file checkpoints its log into it.
        """
        self._pool.close()

    def connect(self) -> sqlite3.Connection:
        """A new connection to the checked, migrated file, with foreign keys on.

        It is in autocommit mode (``isolation_level=None``): transactions are explicit. The
        file is created (when ``create``) and migrated as for a write.
        """
        return self._open(write=True)[0]

    def _acquire(self, *, write: bool) -> tuple[sqlite3.Connection, Key | None]:
        """A connection for a unit of work, kept or new, and its key (``None``: not to keep)."""
        key = file_key(self._file)
        if key is not None:
            kept = self._pool.take(key)
            if kept is not None:
                return kept, key
        return self._open(write=write)

    def _release(self, connection: sqlite3.Connection, key: Key | None, *, reusable: bool) -> None:
        """Take back the connection of a finished unit of work (see :meth:`_acquire`)."""
        self._pool.give(connection, key, reusable=reusable)

    def _open(self, *, write: bool) -> tuple[sqlite3.Connection, Key | None]:
        """A new connection for a unit of work that writes, or only reads, and its key.

        For a read, a missing file, or one that holds no database yet, is an empty in-memory
        database (whose key is ``None``): nothing is created or changed. A file is checked
        once; a new file under the same name (another inode) is checked again.
        """
        with translated(self.label):
            if not self.path.exists():
                if not write:
                    return self._empty_connection(), None
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
                key = file_key(self._file)
                connection.execute("PRAGMA foreign_keys = ON")
                connection.execute(self._synchronous_pragma)
                if self._check(connection, key, write=write):
                    return connection, key
            except BaseException:
                connection.close()
                raise
            connection.close()
            return self._empty_connection(), None

    def _check(self, connection: sqlite3.Connection, key: Key | None, *, write: bool) -> bool:
        """Check the file is ours, then make it ready; ``False`` when a read finds it empty."""
        file = None if key is None else key[1:]
        if file is not None and self._checked == file:
            return True
        with self._check_lock:
            if file is not None and self._checked == file:
                return True
            found = _schema.inspect(connection, self.label)  # refuses a file that is not ours
            if found.empty and not write:
                return False
            _schema.prepare(connection, self.label, found)
            self._checked = file
            return True

    def _empty_connection(self) -> sqlite3.Connection:
        """An in-memory database with the current schema: how a missing or empty file reads."""
        connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA foreign_keys = ON")
        _schema.migrate(connection, "an empty store")
        return connection
