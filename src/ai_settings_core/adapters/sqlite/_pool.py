"""The idle connections of a SQLite store, reused by its next units of work.

Opening a connection (connecting, setting its pragmas, and SQLite reading the schema again)
costs more than most reads, and closing the last connection of a file checkpoints its log,
which costs disk syncs. So a unit of work gives its connection back when it ends and the next
unit takes it: at most ``size`` idle connections are kept; one in use belongs to its unit only.

A connection belongs to the process that opened it. SQLite must never use a connection in a
child made by ``fork``, nor close one there (closing may checkpoint, or unlock what the parent
locked), so each connection is kept with the id of its process and the file it opened:
a child never takes its parent's connections, and puts every one it inherited aside, open
and unused, in :data:`_INHERITED`, so that not even the garbage collector closes it.
The list needs no lock: ``list.append`` and ``list.pop`` are atomic.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import sqlite3
from typing import Final, TypeAlias

__all__: list[str] = []

Key: TypeAlias = tuple[int, int, int]
"""Whose a connection is: the process id, and the device and inode number of its file."""

_INHERITED: Final[list[sqlite3.Connection]] = []
"""Connections a forked child inherited: kept open and unused for the life of the child."""


def file_key(path: pathlib.Path | str) -> Key | None:
    """The key of a connection this process opens to ``path`` now; ``None`` when it is missing."""
    try:
        status = os.stat(path)  # noqa: PTH116 - on the request path: a str, not a Path
    except FileNotFoundError:
        return None
    return (os.getpid(), status.st_dev, status.st_ino)


class ConnectionPool:
    """At most ``size`` idle connections, each with its :data:`Key`; ``size=0`` keeps none."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: list[tuple[sqlite3.Connection, Key]] = []

    def take(self, key: Key) -> sqlite3.Connection | None:
        """An idle connection of this process to the file ``key`` names, if one is kept."""
        while True:
            try:
                connection, owner = self._idle.pop()
            except IndexError:
                return None
            if owner == key:
                return connection
            _discard(connection, owner)

    def give(self, connection: sqlite3.Connection, key: Key | None, *, reusable: bool) -> None:
        """Keep ``connection`` for the next unit, or let it go (close it, or put it aside)."""
        if (
            key is not None
            and reusable
            and key[0] == os.getpid()
            and not connection.in_transaction
            and len(self._idle) < self.size
        ):
            self._idle.append((connection, key))
            return
        _discard(connection, key)

    def __del__(self) -> None:
        # Not the connections' own finalizer: that would close, in a child, what it inherited.
        # At interpreter exit the modules (contextlib too) may be gone already: ignore.
        try:  # noqa: SIM105
            self.close()
        except Exception:  # noqa: BLE001, S110
            pass

    def close(self) -> None:
        """Close every idle connection of this process (put aside those it inherited)."""
        while True:
            try:
                connection, owner = self._idle.pop()
            except IndexError:
                return
            _discard(connection, owner)


def _discard(connection: sqlite3.Connection, key: Key | None) -> None:
    """Close a connection of this process; put one another process opened aside, unclosed."""
    if key is not None and key[0] != os.getpid():
        _INHERITED.append(connection)
        return
    with contextlib.suppress(sqlite3.Error):
        connection.close()
