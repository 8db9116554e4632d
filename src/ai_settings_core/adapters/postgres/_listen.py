"""Waiting for commits to a PostgreSQL schema: ``LISTEN`` on a connection of its own."""

from __future__ import annotations

import contextlib
import os
import time
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from ai_settings_core.errors import AISettingsError, StorageError

if TYPE_CHECKING:
    from ai_settings_core.adapters.postgres._store import Connection, PostgresStore

__all__ = ["PostgresListener"]


class PostgresListener:
    """A :class:`~ai_settings_core.ports.ChangeListener` on a :class:`PostgresStore`.

    It holds one connection, outside the store's pool, that ``LISTEN`` s on the store's
    channel. When the connection is lost (the server restarted, an administrator ran
    ``pg_terminate_backend``), ``wait`` returns ``True`` at once (changes may have been
    missed) and the next ``wait`` connects again; while it cannot, each ``wait`` sleeps its
    timeout and returns ``False``. It belongs to the process that made it: a forked child
    must make its own (``wait`` in another process raises ``StorageError``).
    """

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self._pid = os.getpid()
        self._connection: Connection | None = None

    def wait(self, timeout: float) -> bool:
        """Block until a commit notified the channel (``True``) or ``timeout`` seconds passed."""
        if os.getpid() != self._pid:
            raise StorageError("This listener was made by another process; make one here.")
        connection = self._connection
        if connection is None or connection.closed:
            try:
                self._connection = self._listen()
            except AISettingsError:
                time.sleep(timeout)
                return False
            return True
        try:
            for _ in connection.notifies(timeout=timeout, stop_after=1):
                # Others queued behind it wake the next wait at once: a cheap second look.
                return True
        except psycopg.Error:
            self.close()
            return True
        return False

    def close(self) -> None:
        """Close the listening connection (only ever from the process that opened it)."""
        connection, self._connection = self._connection, None
        if connection is not None and os.getpid() == self._pid:
            with contextlib.suppress(psycopg.Error):
                connection.close()

    def _listen(self) -> Connection:
        connection = self._store._connect()  # noqa: SLF001
        try:
            connection.execute(
                sql.SQL("LISTEN {}").format(sql.Identifier(self._store.feed_channel))
            )
        except psycopg.Error as error:
            with contextlib.suppress(psycopg.Error):
                connection.close()
            raise StorageError(f"{self._store.label}: cannot listen: {error}") from error
        return connection
