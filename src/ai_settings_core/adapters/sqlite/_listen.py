"""Waiting for commits to a SQLite file: ``PRAGMA data_version`` on a connection of its own.

SQLite notifies nobody, but ``PRAGMA data_version`` changes on a connection whenever another
connection committed to the file, and reading it touches no table: a poll costs a few
microseconds, so the listener can poll often.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from typing import TYPE_CHECKING

from ai_settings_core.adapters.sqlite._pool import _INHERITED
from ai_settings_core.errors import StorageError

if TYPE_CHECKING:
    from ai_settings_core.adapters.sqlite._store import SqliteStore

__all__ = ["SqliteListener"]


class SqliteListener:
    """A :class:`~ai_settings_core.ports.ChangeListener` on a :class:`SqliteStore`.

    It keeps one read-only connection to the file and polls ``PRAGMA data_version`` every
    ``interval`` seconds. A missing file is looked for again at each poll; a file replaced
    under the same name is opened again (and counts as a change). It belongs to the process
    that made it: in a forked child ``wait`` raises ``StorageError``, and the inherited
    connection is put aside unclosed.
    """

    def __init__(self, store: SqliteStore, *, interval: float = 0.005) -> None:
        self._store = store
        self.interval = interval
        self._pid = os.getpid()
        self._connection: sqlite3.Connection | None = None
        self._inode: int | None = None
        self._version: int | None = None
        # The file was missing at a poll: its creation, when it comes, is a commit to report.
        self._missing = False

    def wait(self, timeout: float) -> bool:
        """Poll until another connection committed (``True``) or ``timeout`` seconds passed."""
        if os.getpid() != self._pid:
            raise StorageError("This listener was made by another process; make one here.")
        deadline = time.monotonic() + timeout
        while True:
            if self._changed():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self.interval, left))

    def _changed(self) -> bool:
        try:
            inode = self._store.path.stat().st_ino
        except OSError:
            self._missing = True
            return False
        if self._connection is None or inode != self._inode:
            fresh = self._connection is not None or self._missing
            self.close()
            try:
                connection = sqlite3.connect(
                    self._store.path.absolute().as_uri() + "?mode=ro",
                    uri=True,
                    isolation_level=None,
                    check_same_thread=False,
                )
                self._version = int(connection.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error:
                return False
            self._connection, self._inode, self._missing = connection, inode, False
            return fresh
        try:
            version = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            self.close()
            return True
        changed, self._version = version != self._version, version
        return changed

    def close(self) -> None:
        """Close the connection (put it aside, unclosed, in a forked child)."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if os.getpid() != self._pid:
            _INHERITED.append(connection)
            return
        with contextlib.suppress(sqlite3.Error):
            connection.close()
