"""``DjangoStore``: the storage ports on Django's ORM, in the host's own database.

A unit of work is a ``transaction.atomic`` block on the database alias it was made for; every
save runs in its own savepoint, so a save that fails leaves the unit as it was. What a unit
sees and locks, by backend:

- **PostgreSQL.** A writing unit scoped to an organization locks that organization's row of
  ``ai_settings_writer_lock`` (``SELECT ... FOR UPDATE``): writers of one organization take
  turns, writers of different organizations run side by side. A store-wide writing unit
  (``organization_id=None``) locks the whole table (``LOCK TABLE ... IN EXCLUSIVE MODE``),
  which waits for, and holds off, every scoped writer. Writers run at the connection's
  isolation level, which must be Django's default, READ COMMITTED: after waiting for the lock
  a writer sees what the previous one committed. A read-only unit is a ``REPEATABLE READ,
  READ ONLY`` transaction whose snapshot is taken when it is entered.
- **SQLite.** One writer at a time for the whole file: a writing unit starts with a write, so
  it holds the database's write lock from its first statement. A read-only unit reads one
  snapshot, taken when it is entered, *if the file is in WAL mode* (``"OPTIONS":
  {"init_command": "PRAGMA journal_mode=WAL"}``); in SQLite's default rollback-journal mode a
  reader blocks writers until it ends instead. SQLite has no ``SELECT ... FOR UPDATE``.

A unit of work uses the thread's connection (``django.db.connections[alias]``), so inside the
host's own ``transaction.atomic`` it joins the host's transaction: what it saves commits or
rolls back with the host's, and it reads at the host's isolation level. The one exception is a
writing unit entered inside a read-only unit of the same store on the same thread: it gets a
connection of its own for its duration (a read-only transaction cannot write). A unit that had
to open the thread's connection closes it again when it ends, so threads outside Django's
request cycle leave no connection behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Final, Self

from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from ai_settings_core.adapters import _feed
from ai_settings_core.adapters import _unit_of_work as _uow
from ai_settings_core.contrib.django._repositories import (
    Audit,
    ChangeFeed,
    Organizations,
    Projects,
    publish,
)
from ai_settings_core.contrib.django.models import (
    WriterLock,
)
from ai_settings_core.errors import AISettingsError, StorageError, StorageUnavailableError

__all__ = ["DjangoStore", "DjangoUnitOfWork"]

_STORE_WIDE: Final = ""  # no organization id is blank
_ACTIVE_UNITS: Final = "_ai_settings_units"  # the units active on a connection, innermost last


def _storable(key: str | None) -> bool:
    """Whether ``key`` can name a lock row (text every backend stores: no NUL, no surrogate)."""
    if not isinstance(key, str) or "\x00" in key:
        return False
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class DjangoStore:
    """A store in a Django database; call it to get a unit of work.

    Args:
        using: The database alias (``AI_SETTINGS["DATABASE"]`` for the app's views).
    """

    def __init__(self, using: str = "default") -> None:
        self.using = using

    @property
    def label(self) -> str:
        """How errors name the store."""
        return f"Django database {self.using!r}"

    def unit_of_work(
        self, *, read_only: bool = False, organization_id: str | None = None
    ) -> DjangoUnitOfWork:
        """A new unit of work (enter it with ``with``); see the module's notes on locking."""
        return DjangoUnitOfWork(self, read_only=read_only, organization_id=organization_id)

    __call__ = unit_of_work


class DjangoUnitOfWork:
    """One ``transaction.atomic`` block on a :class:`DjangoStore`'s database.

    Attributes:
        organizations: The organizations inside this transaction.
        projects: The projects inside this transaction.
        audit: The audit log inside this transaction.
        feed: The change feed inside this transaction.
    """

    def __init__(
        self, store: DjangoStore, *, read_only: bool = False, organization_id: str | None = None
    ) -> None:
        self._store = store
        self.read_only = read_only
        self.organization_id = organization_id
        self._phase = _uow.Phase.NEW
        self._private: BaseDatabaseWrapper | None = None
        self._opened = False
        self._atomic: transaction.Atomic | None = None
        self.organizations = Organizations(self)
        self.projects = Projects(self)
        self.audit = Audit(self)
        self.feed = ChangeFeed(self)
        self._written = _feed.Recorder()

    # The transaction --------------------------------------------------------------------

    def __enter__(self) -> Self:
        if self._phase is not _uow.Phase.NEW:
            raise _uow.entered_twice()
        using = self._store.using
        shared = connections[using]
        outer = getattr(shared, _ACTIVE_UNITS, [])
        if not self.read_only and outer and outer[-1].read_only:
            self._private = connections.create_connection(using)
        connection = self._connection()
        self._opened = connection.connection is None
        with self._translated():
            with self._activated():
                outermost = not connection.in_atomic_block
                self._atomic = transaction.atomic(using=using)
                self._atomic.__enter__()
            try:
                with self._activated():
                    if self.read_only and outermost:
                        self._begin_snapshot(connection)
                    elif not self.read_only:
                        self._lock(connection)
            except BaseException:
                self._end(rollback=True)
                raise
        setattr(connection, _ACTIVE_UNITS, [*getattr(connection, _ACTIVE_UNITS, []), self])
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
        """Keep everything done in this unit of work and finish it.

        Inside the host's own ``transaction.atomic`` this releases the unit's savepoint: the
        host's transaction decides.
        """
        self._check_active()
        self._phase = _uow.Phase.DONE
        with self._translated():
            try:
                changes = self._written.changes()
                if changes:
                    with self._activated():
                        publish(self._store.using, changes)
            except BaseException:
                self._end(rollback=True)
                raise
            self._end(rollback=False)

    def rollback(self) -> None:
        """Discard everything done in this unit of work and finish it."""
        self._check_active()
        self._phase = _uow.Phase.DONE
        with self._translated():
            self._end(rollback=True)

    def _end(self, *, rollback: bool) -> None:
        self._written.clear()
        connection = self._connection()
        units = getattr(connection, _ACTIVE_UNITS, [])
        if self in units:
            setattr(connection, _ACTIVE_UNITS, [unit for unit in units if unit is not self])
        try:
            with self._activated():
                atomic, self._atomic = self._atomic, None
                if atomic is not None:
                    if rollback:
                        transaction.set_rollback(True, using=self._store.using)
                    atomic.__exit__(None, None, None)
        finally:
            if self._private is not None:
                self._private.close()
                self._private = None
            elif self._opened and not connection.in_atomic_block:
                connection.close()

    def _connection(self) -> BaseDatabaseWrapper:
        return self._private if self._private is not None else connections[self._store.using]

    @contextmanager
    def _activated(self) -> Iterator[None]:
        """Make this unit's connection the alias's connection on this thread, for a moment."""
        if self._private is None:
            yield
            return
        using = self._store.using
        previous = connections[using]
        connections[using] = self._private
        try:
            yield
        finally:
            connections[using] = previous

    def _begin_snapshot(self, connection: BaseDatabaseWrapper) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT 1")
        if connection.vendor == "sqlite":
            WriterLock.objects.using(self._store.using).exists()  # the WAL snapshot starts here

    def _lock(self, connection: BaseDatabaseWrapper) -> None:
        using = self._store.using
        locks = WriterLock.objects.using(using)
        if connection.vendor == "postgresql" and self.organization_id is None:
            table = connection.ops.quote_name(WriterLock._meta.db_table)  # noqa: SLF001
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            return
        key = self.organization_id if connection.vendor == "postgresql" else _STORE_WIDE
        if not _storable(key):
            key = _STORE_WIDE
        # A write first: on SQLite it takes the file's write lock before anything is read.
        locks.bulk_create([WriterLock(organization_id=key)], ignore_conflicts=True)
        list(locks.select_for_update().filter(organization_id=key))

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Database errors as :class:`StorageError` naming the store."""
        try:
            yield
        except AISettingsError:
            raise
        except (OperationalError, InterfaceError) as error:
            raise StorageUnavailableError(f"{self._store.label} is unavailable: {error}") from error
        except DatabaseError as error:
            raise StorageError(f"{self._store.label}: {error}") from error

    # Repository plumbing -------------------------------------------------------------------

    def _check_active(self) -> None:
        if self._phase is not _uow.Phase.ACTIVE:
            raise _uow.not_active()

    @contextmanager
    def _reading(self) -> Iterator[str]:
        self._check_active()
        with self._translated(), self._activated():
            yield self._store.using

    @contextmanager
    def _writing(
        self, organization_id: str, *, project_id: str | None = None, settings: bool = True
    ) -> Iterator[str]:
        """A savepoint around one write of ``organization_id``: all done or not at all.

        A write that succeeds is recorded for the change feed (see
        :meth:`~ai_settings_core.adapters._feed.Recorder.record`).
        """
        self._check_active()
        if self.read_only:
            raise _uow.read_only()
        if self.organization_id is not None and organization_id != self.organization_id:
            raise _uow.scoped(self.organization_id, organization_id)
        with self._translated(), self._activated(), transaction.atomic(using=self._store.using):
            yield self._store.using
        self._written.record(organization_id, project_id, settings=settings)

    def _vendor(self) -> str:
        return str(self._connection().vendor)
