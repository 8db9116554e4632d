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

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Final, Self

import attrs
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Q
from django.db.models.functions import Collate

from ai_settings_core.adapters import _common
from ai_settings_core.adapters import _unit_of_work as _uow
from ai_settings_core.contrib.django.models import (
    AuditRecord,
    EnvironmentRecord,
    OrganizationRecord,
    ProjectRecord,
    RepositoryRecord,
    WriterLock,
)
from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import (
    BranchPattern,
    Provider,
    StoppingPoint,
    trusted_repository_ref,
)
from ai_settings_core.errors import AISettingsError, StorageError, StorageUnavailableError
from ai_settings_core.ports import DEFAULT_PAGE_SIZE, OrganizationState, Page

__all__ = ["DjangoStore", "DjangoUnitOfWork"]

_POINTS: Final = {point.value: point for point in StoppingPoint}
_PROVIDERS: Final = {provider.value: provider for provider in Provider}
_EVENTS: Final = {event.value: event for event in AuditEvent}
_STORE_WIDE: Final = ""  # no organization id is blank
# Code-point order of text, whatever the database's default collation.
_BINARY_COLLATION: Final = {"postgresql": "C", "sqlite": "BINARY"}
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


def _point(value: str | None) -> StoppingPoint | None:
    return None if value is None else _POINTS[value]


def _text(value: StoppingPoint | None) -> str | None:
    return None if value is None else value.value


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
        self.organizations = _Organizations(self)
        self.projects = _Projects(self)
        self.audit = _Audit(self)

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
            self._end(rollback=False)

    def rollback(self) -> None:
        """Discard everything done in this unit of work and finish it."""
        self._check_active()
        self._phase = _uow.Phase.DONE
        with self._translated():
            self._end(rollback=True)

    def _end(self, *, rollback: bool) -> None:
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
    def _writing(self, organization_id: str) -> Iterator[str]:
        """A savepoint around one write of ``organization_id``: all done or not at all."""
        self._check_active()
        if self.read_only:
            raise _uow.read_only()
        if self.organization_id is not None and organization_id != self.organization_id:
            raise _uow.scoped(self.organization_id, organization_id)
        with self._translated(), self._activated(), transaction.atomic(using=self._store.using):
            yield self._store.using

    def _vendor(self) -> str:
        return str(self._connection().vendor)


def _collated(unit: DjangoUnitOfWork, field: str) -> Any:  # noqa: ANN401 - an ORM expression
    collation = _BINARY_COLLATION.get(unit._vendor())  # noqa: SLF001
    return F(field) if collation is None else Collate(F(field), collation)


# Organizations -----------------------------------------------------------------------------

_LOCKED: Final = (
    (Setting.SCAN_ENABLED, "scan_enabled_locked"),
    (Setting.FIX_ENABLED, "fix_enabled_locked"),
    (Setting.STOPPING_POINT, "stopping_point_locked"),
)


def _organization(record: OrganizationRecord) -> OrganizationSettings:
    return OrganizationSettings(
        record.organization_id,
        record.scan_enabled,
        record.fix_enabled,
        _POINTS[record.stopping_point],
        frozenset(setting for setting, name in _LOCKED if getattr(record, name)),
        _point(record.max_stopping_point),
        int(record.version),
    )


@attrs.frozen
class _Organizations:
    _uow: DjangoUnitOfWork

    def get(self, organization_id: str) -> OrganizationSettings | None:
        with self._uow._reading() as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            record = OrganizationRecord.objects.using(using).filter(pk=organization_id).first()
            return None if record is None else _organization(record)

    def save(
        self, settings: OrganizationSettings, expected_version: int | None = None
    ) -> OrganizationSettings:
        with self._uow._writing(settings.organization_id) as using:  # noqa: SLF001
            _common.check_organization(settings)
            records = OrganizationRecord.objects.using(using)
            current = records.filter(pk=settings.organization_id).values_list("version").first()
            actual = 0 if current is None else int(current[0])
            _common.check_expected(
                f"Organization {settings.organization_id!r}", expected_version, actual
            )
            saved = attrs.evolve(settings, version=actual + 1)
            records.update_or_create(
                organization_id=saved.organization_id,
                defaults={
                    "scan_enabled": saved.scan_enabled,
                    "fix_enabled": saved.fix_enabled,
                    "stopping_point": saved.stopping_point.value,
                    "max_stopping_point": _text(saved.max_stopping_point),
                    "version": saved.version,
                    **{name: setting in saved.locked for setting, name in _LOCKED},
                },
            )
            return saved


# Projects ----------------------------------------------------------------------------------


def _projects(using: str, records: list[ProjectRecord]) -> list[ProjectSettings]:
    """Build projects from their records, with two more queries for all their children."""
    rows = [record.pk for record in records]
    repositories: dict[int, list[RepositorySettings]] = {row: [] for row in rows}
    environments: dict[int, set[str]] = {row: set() for row in rows}
    if rows:
        for repository in (
            RepositoryRecord.objects.using(using)
            .filter(project_id__in=rows)
            .order_by("project_id", "position")
        ):
            repositories[repository.project_id].append(
                RepositorySettings(
                    trusted_repository_ref(
                        _PROVIDERS[repository.provider], repository.owner, repository.name
                    ),
                    repository.ai_enabled,
                    tuple(BranchPattern(text) for text in repository.branch_patterns),
                    _point(repository.stopping_point_override),
                )
            )
        for project_row, name in (
            EnvironmentRecord.objects.using(using)
            .filter(project_id__in=rows)
            .values_list("project_id", "name")
        ):
            environments[project_row].add(name)
    return [
        ProjectSettings(
            organization_id=record.organization_id,
            project_id=record.project_id,
            scan_enabled_override=record.scan_enabled_override,
            fix_enabled_override=record.fix_enabled_override,
            stopping_point_override=_point(record.stopping_point_override),
            repositories=tuple(repositories[record.pk]),
            environments=frozenset(environments[record.pk]),
            version=int(record.version),
        )
        for record in records
    ]


_CHUNK: Final = 500
_OVERRIDING: Final = (
    Q(scan_enabled_override__isnull=False)
    | Q(fix_enabled_override__isnull=False)
    | Q(stopping_point_override__isnull=False)
)


@attrs.frozen
class _Projects:
    _uow: DjangoUnitOfWork

    def get(self, organization_id: str, project_id: str) -> ProjectSettings | None:
        with self._uow._reading():  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            _common.check_lookup(("project_id",), project_id)
        return self.get_many(organization_id, (project_id,)).get(project_id)

    def get_many(
        self, organization_id: str, project_ids: Iterable[str]
    ) -> Mapping[str, ProjectSettings]:
        with self._uow._reading() as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            asked = list(project_ids)
            for project_id in asked:
                _common.check_lookup(("project_ids",), project_id)
            wanted = list(dict.fromkeys(asked))
            records: list[ProjectRecord] = []
            for start in range(0, len(wanted), _CHUNK):
                records += ProjectRecord.objects.using(using).filter(
                    organization_id=organization_id, project_id__in=wanted[start : start + _CHUNK]
                )
            return {project.project_id: project for project in _projects(using, records)}

    def save(
        self, project: ProjectSettings, expected_version: int | None = None
    ) -> ProjectSettings:
        with self._uow._writing(project.organization_id) as using:  # noqa: SLF001
            _common.check_project(project)
            records = ProjectRecord.objects.using(using)
            record = records.filter(
                organization_id=project.organization_id, project_id=project.project_id
            ).first()
            actual = 0 if record is None else int(record.version)
            _common.check_expected(
                f"Project {project.project_id!r} of organization {project.organization_id!r}",
                expected_version,
                actual,
            )
            saved = attrs.evolve(project, version=actual + 1)
            if record is None:
                record = ProjectRecord(
                    organization_id=saved.organization_id, project_id=saved.project_id
                )
            else:
                RepositoryRecord.objects.using(using).filter(project=record).delete()
                EnvironmentRecord.objects.using(using).filter(project=record).delete()
            record.scan_enabled_override = saved.scan_enabled_override
            record.fix_enabled_override = saved.fix_enabled_override
            record.stopping_point_override = _text(saved.stopping_point_override)
            record.version = saved.version
            record.save(using=using)
            RepositoryRecord.objects.using(using).bulk_create(
                RepositoryRecord(
                    project=record,
                    position=position,
                    provider=repository.repository.provider.value,
                    owner=repository.repository.owner,
                    name=repository.repository.name,
                    owner_key=repository.repository.key[1],
                    name_key=repository.repository.key[2],
                    ai_enabled=repository.ai_enabled,
                    branch_patterns=[pattern.text for pattern in repository.branch_patterns],
                    stopping_point_override=_text(repository.stopping_point_override),
                )
                for position, repository in enumerate(saved.repositories)
            )
            EnvironmentRecord.objects.using(using).bulk_create(
                EnvironmentRecord(project=record, name=name) for name in saved.environments
            )
            return saved

    def delete(
        self, organization_id: str, project_id: str, expected_version: int | None = None
    ) -> bool:
        with self._uow._writing(organization_id) as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            _common.check_lookup(("project_id",), project_id)
            record = (
                ProjectRecord.objects.using(using)
                .filter(organization_id=organization_id, project_id=project_id)
                .first()
            )
            actual = 0 if record is None else int(record.version)
            _common.check_expected(
                f"Project {project_id!r} of organization {organization_id!r}",
                expected_version,
                actual,
            )
            if record is None:
                return False
            record.delete()
            return True

    def list(
        self,
        organization_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        overriding_only: bool = False,
    ) -> Page[ProjectSettings]:
        with self._uow._reading() as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            limit = _common.check_limit(limit)
            after = _common.decode_project_cursor(cursor)
            query = ProjectRecord.objects.using(using).filter(organization_id=organization_id)
            query = query.annotate(key=_collated(self._uow, "project_id"))
            if after is not None:
                query = query.filter(key__gt=after)
            if overriding_only:
                query = query.filter(_OVERRIDING)
            records = list(query.order_by("key")[: limit + 1])
            more = len(records) > limit
            items = _projects(using, records[:limit])
            next_cursor = _common.encode_project_cursor(items[-1].project_id) if more else None
            return Page(tuple(items), next_cursor)

    def load_organization(self, organization_id: str) -> OrganizationState:
        with self._uow._reading() as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
        organization = self._uow.organizations.get(organization_id)
        with self._uow._reading() as using:  # noqa: SLF001
            records = list(
                ProjectRecord.objects.using(using)
                .filter(organization_id=organization_id)
                .annotate(key=_collated(self._uow, "project_id"))
                .order_by("key")
            )
            return OrganizationState(
                organization_id, organization, tuple(_projects(using, records))
            )


# The audit log ---------------------------------------------------------------------------


def _stored_time(value: dt.datetime) -> dt.datetime:
    """An aware UTC time as the database takes it (naive UTC when ``USE_TZ`` is off)."""
    utc = value.astimezone(dt.UTC)
    return utc if settings.USE_TZ else utc.replace(tzinfo=None)


def _read_time(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.utcoffset() is None else value.astimezone(dt.UTC)


def _audit_entry(record: AuditRecord) -> AuditEntry:
    return AuditEntry(
        organization_id=record.organization_id,
        project_id=record.project_id,
        actor=record.actor,
        event=_EVENTS[record.event],
        target=record.target,
        occurred_at=_read_time(record.occurred_at),
        stored_changes=_common.changes_from_json(record.stored_changes),
        effective_changes=_common.changes_from_json(record.effective_changes),
        id=int(record.pk),
    )


@attrs.frozen
class _Audit:
    _uow: DjangoUnitOfWork

    def append(self, entry: AuditEntry) -> AuditEntry:
        with self._uow._writing(entry.organization_id) as using:  # noqa: SLF001
            _common.check_audit_entry(entry)
            record = AuditRecord.objects.using(using).create(
                organization_id=entry.organization_id,
                project_id=entry.project_id,
                actor=entry.actor,
                event=entry.event.value,
                target=entry.target,
                occurred_at=_stored_time(entry.occurred_at),
                stored_changes=_common.changes_to_json(entry.stored_changes),
                effective_changes=_common.changes_to_json(entry.effective_changes),
            )
            return attrs.evolve(entry, id=int(record.pk))

    def query(
        self,
        organization_id: str,
        *,
        project_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[AuditEntry]:
        with self._uow._reading() as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            if project_id is not None:
                _common.check_lookup(("project_id",), project_id)
            limit = _common.check_limit(limit)
            since = _common.check_time("since", since)
            until = _common.check_time("until", until)
            before = _common.decode_audit_cursor(cursor)
            query = AuditRecord.objects.using(using).filter(organization_id=organization_id)
            if project_id is not None:
                query = query.filter(project_id=project_id)
            if since is not None:
                query = query.filter(occurred_at__gte=_stored_time(since))
            if until is not None:
                query = query.filter(occurred_at__lt=_stored_time(until))
            if before is not None:
                query = query.filter(pk__lt=before)
            records = list(query.order_by("-pk")[: limit + 1])
            items = tuple(_audit_entry(record) for record in records[:limit])
            more = len(records) > limit
            return Page(items, _common.encode_audit_cursor(items[-1].id) if more else None)
