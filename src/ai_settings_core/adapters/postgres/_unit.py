"""One unit of work on PostgreSQL: a pooled connection, one transaction, buffered writes.

Self-contained on purpose (it uses only ``_common``'s phases and checks), so it can move onto a
shared unit-of-work base later.

Writes are checked and compare-and-set when they are made, then buffered, and sent in one
batch (a savepoint around ``executemany`` and ``COPY``) before the next read and at commit:
saving 10,000 projects costs a few round trips, not tens of thousands. Compare-and-set needs
no round trip for a record the unit has already read or written: while a writing unit holds
its lock, no other writer can change the records it covers, so the versions it has seen stay
true. A batch that fails (the server went away, a disk filled) poisons the unit: it cannot
commit, and nothing of it is kept.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Final, Self

import psycopg

from ai_settings_core.adapters import _feed
from ai_settings_core.adapters import _unit_of_work as _uow
from ai_settings_core.adapters.postgres import _errors, _rows, _writes
from ai_settings_core.adapters.postgres._store import Connection, PostgresStore
from ai_settings_core.domain.settings import ProjectSettings
from ai_settings_core.errors import AISettingsError, StorageError

__all__ = ["PostgresUnitOfWork"]

_PREFETCH_AFTER: Final = 16
"""After this many look-ups of unseen project versions in one organization, fetch them all."""
_MAX_ID_BLOCK: Final = 1024

_IN_TRANSACTION: Final = psycopg.pq.TransactionStatus.INTRANS


class PostgresUnitOfWork:
    """One transaction on a :class:`PostgresStore` (one pooled connection while it is active).

    Attributes:
        organizations: The organizations inside this transaction.
        projects: The projects inside this transaction.
        audit: The audit log inside this transaction.
        feed: The change feed inside this transaction.
        read_only: Whether the unit only reads (one ``REPEATABLE READ`` snapshot, no lock).
        organization_id: The organization a writing unit is scoped to (``None``: the whole
            store); a scoped unit refuses to write any other organization.
    """

    def __init__(
        self,
        store: PostgresStore,
        *,
        read_only: bool = False,
        organization_id: str | None = None,
    ) -> None:
        if organization_id is not None:
            _errors.check_lookup(("organization_id",), organization_id)
        self._store = store
        self.read_only = read_only
        self.organization_id = None if read_only else organization_id
        self._phase = _uow.Phase.NEW
        self._broken = False
        self._connection: Connection | None = None
        self._restore: bool | None = None
        # Buffered writes: the last state of each project (None: deleted), audit rows.
        self.pending: dict[tuple[str, str], ProjectSettings | None] = {}
        self.pending_audit: list[tuple[Any, ...]] = []
        # Versions this unit knows to be current (0: nothing stored), for the records it locks.
        self.versions: dict[tuple[str, str], int] = {}
        self.organization_versions: dict[str, int] = {}
        self._misses: collections.Counter[str] = collections.Counter()
        self._complete: set[str] = set()
        self._ids: collections.deque[int] = collections.deque()
        self._id_block = 1
        self.organizations = _rows.Organizations(self)
        self.projects = _rows.Projects(self)
        self.audit = _rows.Audit(self)
        self.feed = _rows.ChangeFeed(self)
        self._written = _feed.Recorder()

    @property
    def label(self) -> str:
        """How errors name the store."""
        return self._store.label

    def __enter__(self) -> Self:
        if self._phase is not _uow.Phase.NEW:
            raise _uow.entered_twice()
        store = self._store
        connection, restore = store.acquire()
        begin = store.begin_statement(
            read_only=self.read_only, organization_id=self.organization_id
        )
        try:
            connection.execute(begin)
        except BaseException as error:
            self._close(connection, restore)
            if isinstance(error, psycopg.Error):
                raise _errors.translate(store.label, error) from error
            raise
        self._connection = connection
        self._restore = restore
        self._phase = _uow.Phase.ACTIVE
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._phase is _uow.Phase.ACTIVE:
            self.rollback()

    def commit(self) -> None:
        """Send the buffered writes, commit the transaction and finish the unit."""
        connection = self._active()
        try:
            if self._broken:
                raise _errors.lost(self.label)
            if not self.read_only:
                self._flush(connection)
                _writes.publish(connection, self._written.changes(), self._store.feed_channel)
            connection.execute("COMMIT")
        except psycopg.Error as error:
            raise _errors.translate(self.label, error) from error
        finally:
            self._finish(connection)

    def rollback(self) -> None:
        """Discard everything done in this unit and finish it."""
        connection = self._active()
        self._finish(connection)

    def _finish(self, connection: Connection) -> None:
        self._phase = _uow.Phase.DONE
        self._connection = None
        self.pending.clear()
        self.pending_audit.clear()
        self._written.clear()
        self._close(connection, self._restore)

    def _close(self, connection: Connection, restore: bool | None) -> None:
        """Roll back whatever is open and give the connection back to the pool."""
        try:
            if (
                not connection.closed
                and connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
            ):
                connection.execute("ROLLBACK")
        except psycopg.Error:
            pass  # the connection is broken: the pool discards it
        finally:
            self._store.release(connection, restore)

    # What the repositories call.

    def active(self) -> Connection:
        """The connection, when the unit is inside its block and not finished."""
        return self._active()

    def _active(self) -> Connection:
        if self._phase is not _uow.Phase.ACTIVE or self._connection is None:
            raise _uow.not_active()
        return self._connection

    def writable(self) -> Connection:
        """The connection, when the unit may write; ``StorageError`` otherwise."""
        connection = self._active()
        if self.read_only:
            raise _uow.read_only()
        return connection

    def check_target(self, organization_id: str) -> None:
        """Refuse a write outside the unit's scope, or after a batch failed."""
        if self.organization_id is not None and organization_id != self.organization_id:
            raise _uow.scoped(self.organization_id, organization_id)
        if self._broken:
            raise _errors.lost(self.label)

    def written(
        self, organization_id: str, project_id: str | None = None, *, settings: bool = True
    ) -> None:
        """Record a write that succeeded, for the change feed (see ``_feed.Recorder.record``).

        Every write calls it once it can no longer fail (its compare-and-set passed).
        """
        self._written.record(organization_id, project_id, settings=settings)

    def covers(self, organization_id: str) -> bool:
        """Whether this unit's lock keeps ``organization_id``'s records from other writers."""
        return not self.read_only and self.organization_id in {None, organization_id}

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """The connection for a read: buffered writes sent first, errors translated."""
        connection = self._active()
        if self._broken:
            raise _errors.lost(self.label)
        with self.translated(connection):
            if not self.read_only:
                self._flush(connection)
            yield connection

    @contextmanager
    def translated(self, connection: Connection) -> Iterator[None]:
        """Turn psycopg's errors into the library's; a transaction left failed poisons the unit."""
        try:
            yield
        except AISettingsError:
            raise
        except psycopg.Error as error:
            if connection.closed or connection.info.transaction_status != _IN_TRANSACTION:
                self._broken = True
            raise _errors.translate(self.label, error) from error

    def project_version(self, connection: Connection, organization_id: str, project_id: str) -> int:
        """The current version of a project this unit may write (0: nothing stored)."""
        key = (organization_id, project_id)
        known = self.versions.get(key)
        if known is not None:
            return known
        if organization_id in self._complete:
            return 0
        self._misses[organization_id] += 1
        with self.translated(connection):
            if self._misses[organization_id] >= _PREFETCH_AFTER:
                rows = connection.execute(
                    "SELECT project_id, version FROM projects WHERE organization_id = %s",
                    (organization_id,),
                ).fetchall()
                versions = self.versions
                for project_id_, version in rows:
                    versions.setdefault((organization_id, project_id_), version)
                self._complete.add(organization_id)
                return versions.get(key, 0)
            row = connection.execute(
                "SELECT version FROM projects WHERE organization_id = %s AND project_id = %s",
                key,
            ).fetchone()
        version = 0 if row is None else int(row[0])
        self.versions[key] = version
        return version

    def next_audit_id(self, connection: Connection) -> int:
        """An audit id from the store's sequence, reserved in growing blocks."""
        if not self._ids:
            count = self._id_block
            self._id_block = min(count * 2, _MAX_ID_BLOCK)
            with self.translated(connection):
                rows = connection.execute(
                    "SELECT nextval('audit_log_ids') FROM generate_series(1, %s)", (count,)
                ).fetchall()
            self._ids.extend(sorted(int(row[0]) for row in rows))
        return self._ids.popleft()

    def _flush(self, connection: Connection) -> None:
        """Send the buffered writes in one savepoint; a failure poisons the unit."""
        if not self.pending and not self.pending_audit:
            return
        pending, audit = self.pending, self.pending_audit
        self.pending, self.pending_audit = {}, []
        try:
            with connection.transaction():
                _writes.write_projects(connection, pending)
                _writes.write_audit(connection, audit)
        except BaseException as error:
            self._broken = True
            if isinstance(error, psycopg.Error):
                raise _errors.translate(self.label, error) from error
            if isinstance(error, AISettingsError | KeyboardInterrupt | SystemExit):
                raise
            raise StorageError(
                f"{self.label}: the write failed and was undone ({type(error).__name__}: {error})."
            ) from error
