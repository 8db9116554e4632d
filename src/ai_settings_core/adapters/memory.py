"""The in-memory adapter: the reference every other adapter is held to, and a host's test double.

State is immutable between commits: a unit of work reads a snapshot plus its own pending
writes, and ``commit`` publishes a new snapshot (copy on write). A unit of work that may write
holds the store's lock from start to end, so read-modify-write is atomic across threads; a
read-only one takes no lock.

>>> from ai_settings_core import OrganizationSettings
>>> store = MemoryStore()
>>> with store() as uow:
...     saved = uow.organizations.save(OrganizationSettings("acme", fix_enabled=True))
...     uow.commit()
>>> saved.version
1
>>> with store(read_only=True) as uow:
...     uow.organizations.get("acme").fix_enabled
True
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping

import attrs

from ai_settings_core.adapters import _common, _feed
from ai_settings_core.adapters._unit_of_work import UnitOfWorkBase
from ai_settings_core.domain.audit import AuditEntry
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.errors import StorageUnavailableError
from ai_settings_core.ports import (
    DEFAULT_PAGE_SIZE,
    Change,
    ChangesSince,
    OrganizationState,
    Page,
)

__all__ = ["MemoryListener", "MemoryStore", "MemoryUnitOfWork"]


@attrs.frozen
class _Feed:
    """An organization's generation, the floor of its records, and the records kept."""

    generation: int = 0
    floor: int = 0
    records: tuple[Change, ...] = ()

    def advanced(self, change: Change) -> _Feed:
        """The feed after one more commit that made ``change``."""
        generation = self.generation + 1
        floor = max(self.floor, _feed.prune_below(generation))
        kept = tuple(record for record in self.records if record.generation > floor)
        return _Feed(generation, floor, (*kept, attrs.evolve(change, generation=generation)))


_NO_FEED = _Feed()


@attrs.frozen
class _State:
    """One committed snapshot. ``audit`` is shared and append-only; ``audit_length`` bounds it."""

    organizations: Mapping[str, OrganizationSettings]
    projects: Mapping[str, Mapping[str, ProjectSettings]]
    audit: list[AuditEntry]
    audit_length: int
    feed: Mapping[str, _Feed] = attrs.field(factory=dict)


class MemoryStore:
    """A store in this process's memory; call it to get a unit of work.

    Args:
        lock_timeout: Seconds a writing unit of work waits for another one to finish before
            raising :class:`~ai_settings_core.errors.StorageUnavailableError`.
    """

    def __init__(self, *, lock_timeout: float = 30.0) -> None:
        self._lock = threading.Lock()
        self._lock_timeout = lock_timeout
        self._state = _State({}, {}, [], 0)
        self._commits = threading.Condition()
        self._commit_count = 0

    @property
    def label(self) -> str:
        """How errors name the store."""
        return "in-memory store"

    def unit_of_work(
        self,
        *,
        read_only: bool = False,
        organization_id: str | None = None,
    ) -> MemoryUnitOfWork:
        """A new unit of work (enter it with ``with``).

        A writing unit takes the store's one write lock whatever its ``organization_id``; a
        unit scoped to an organization still refuses to write any other one.
        """
        return MemoryUnitOfWork(self, read_only=read_only, organization_id=organization_id)

    __call__ = unit_of_work

    def listen(self) -> MemoryListener:
        """A listener woken by every commit to this store (in this process)."""
        return MemoryListener(self)

    def _committed(self) -> None:
        with self._commits:
            self._commit_count += 1
            self._commits.notify_all()


class MemoryListener:
    """A :class:`~ai_settings_core.ports.ChangeListener` on a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._seen = store._commit_count  # noqa: SLF001

    def wait(self, timeout: float) -> bool:
        """Block until a commit after the last wait (``True``) or ``timeout`` seconds passed."""
        store = self._store
        with store._commits:  # noqa: SLF001
            woke = store._commits.wait_for(  # noqa: SLF001
                lambda: store._commit_count != self._seen,  # noqa: SLF001
                timeout,
            )
            self._seen = store._commit_count  # noqa: SLF001
        return woke

    def close(self) -> None:
        """Nothing to release."""


class MemoryUnitOfWork(UnitOfWorkBase["_Transaction"]):
    """One transaction on a :class:`MemoryStore`.

    Attributes:
        organizations: The organizations inside this transaction.
        projects: The projects inside this transaction.
        audit: The audit log inside this transaction.
        feed: The change feed inside this transaction.
    """

    def __init__(
        self, store: MemoryStore, *, read_only: bool = False, organization_id: str | None = None
    ) -> None:
        super().__init__(store.label, read_only=read_only, organization_id=organization_id)
        self._store = store
        self.organizations = _Organizations(self)
        self.projects = _Projects(self)
        self.audit = _Audit(self)
        self.feed = _ChangeFeed(self)

    def _begin(self) -> _Transaction:
        store = self._store
        locked = False
        if not self.read_only:
            if not store._lock.acquire(timeout=store._lock_timeout):  # noqa: SLF001
                raise StorageUnavailableError(
                    "The store is busy: another unit of work holds its lock."
                )
            locked = True
        return _Transaction(store._state, locked=locked)  # noqa: SLF001

    def _end(self, handle: _Transaction, *, commit: bool) -> None:
        if commit and handle.changed:
            self._store._state = handle.published()  # noqa: SLF001
            self._store._committed()  # noqa: SLF001

    def _publish(self, handle: _Transaction, changes: list[Change]) -> None:
        for change in changes:
            organization_id = change.organization_id
            handle.feed[organization_id] = handle.feed_of(organization_id).advanced(change)

    def _close(self, handle: _Transaction) -> None:
        if handle.locked:
            handle.locked = False
            self._store._lock.release()  # noqa: SLF001

    # Each write checks everything before its one change to the pending state, which cannot
    # fail halfway: there is never anything to undo, so the savepoint keeps nothing.

    def _savepoint(self, handle: _Transaction) -> None:
        pass

    def _release_savepoint(self, handle: _Transaction) -> None:
        pass

    def _rollback_to_savepoint(self, handle: _Transaction) -> None:
        pass


class _Transaction:
    """A unit's view of the store: the snapshot it entered on, plus its pending writes."""

    def __init__(self, base: _State, *, locked: bool) -> None:
        self.base = base
        self.locked = locked
        self.organizations: dict[str, OrganizationSettings] = {}
        self.projects: dict[str, dict[str, ProjectSettings | None]] = {}
        self.audit: list[AuditEntry] = []
        self.feed: dict[str, _Feed] = {}

    @property
    def changed(self) -> bool:
        """Whether anything was written."""
        return bool(self.organizations or self.projects or self.audit or self.feed)

    def feed_of(self, organization_id: str) -> _Feed:
        """The organization's feed as this unit sees it."""
        found = self.feed.get(organization_id)
        return found if found is not None else self.base.feed.get(organization_id, _NO_FEED)

    def published(self) -> _State:
        """The store's next state: the snapshot with the pending writes applied."""
        base = self.base
        organizations = dict(base.organizations)
        organizations.update(self.organizations)
        projects = dict(base.projects)
        for organization_id, pending in self.projects.items():
            merged = dict(projects.get(organization_id, {}))
            for project_id, project in pending.items():
                if project is None:
                    merged.pop(project_id, None)
                else:
                    merged[project_id] = project
            projects[organization_id] = merged
        audit = base.audit
        del audit[base.audit_length :]
        audit.extend(self.audit)
        feed = dict(base.feed)
        feed.update(self.feed)
        return _State(organizations, projects, audit, base.audit_length + len(self.audit), feed)

    # Reads that merge the snapshot with the pending writes.

    def organization(self, organization_id: str) -> OrganizationSettings | None:
        if organization_id in self.organizations:
            return self.organizations[organization_id]
        return self.base.organizations.get(organization_id)

    def project(self, organization_id: str, project_id: str) -> ProjectSettings | None:
        pending = self.projects.get(organization_id)
        if pending is not None and project_id in pending:
            return pending[project_id]
        return self.base.projects.get(organization_id, {}).get(project_id)

    def all_projects(self, organization_id: str) -> list[ProjectSettings]:
        merged = dict(self.base.projects.get(organization_id, {}))
        for project_id, project in self.projects.get(organization_id, {}).items():
            if project is None:
                merged.pop(project_id, None)
            else:
                merged[project_id] = project
        return [merged[key] for key in sorted(merged)]

    def audit_entries(self) -> list[AuditEntry]:
        base = self.base
        return base.audit[: base.audit_length] + self.audit


@attrs.frozen
class _Organizations:
    _uow: MemoryUnitOfWork

    def get(self, organization_id: str) -> OrganizationSettings | None:
        with self._uow._reading() as transaction:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            return transaction.organization(organization_id)

    def save(
        self, settings: OrganizationSettings, expected_version: int | None = None
    ) -> OrganizationSettings:
        with self._uow._writing(getattr(settings, "organization_id", None)) as transaction:  # noqa: SLF001
            _common.check_organization(settings)
            current = transaction.organization(settings.organization_id)
            actual = current.version if current is not None else 0
            _common.check_expected(
                f"Organization {settings.organization_id!r}", expected_version, actual
            )
            saved = attrs.evolve(settings, version=actual + 1)
            transaction.organizations[settings.organization_id] = saved
            return saved


@attrs.frozen
class _Projects:
    _uow: MemoryUnitOfWork

    def get(self, organization_id: str, project_id: str) -> ProjectSettings | None:
        with self._uow._reading() as transaction:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            _common.check_lookup(("project_id",), project_id)
            return transaction.project(organization_id, project_id)

    def get_many(
        self, organization_id: str, project_ids: Iterable[str]
    ) -> Mapping[str, ProjectSettings]:
        with self._uow._reading() as transaction:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            wanted = list(project_ids)
            for project_id in wanted:
                _common.check_lookup(("project_ids",), project_id)
            found = {}
            for project_id in wanted:
                project = transaction.project(organization_id, project_id)
                if project is not None:
                    found[project_id] = project
            return found

    def save(
        self, project: ProjectSettings, expected_version: int | None = None
    ) -> ProjectSettings:
        with self._uow._writing(  # noqa: SLF001
            getattr(project, "organization_id", None),
            project_id=getattr(project, "project_id", None),
        ) as transaction:
            _common.check_project(project)
            current = transaction.project(project.organization_id, project.project_id)
            actual = current.version if current is not None else 0
            _common.check_expected(
                f"Project {project.project_id!r} of organization {project.organization_id!r}",
                expected_version,
                actual,
            )
            saved = attrs.evolve(project, version=actual + 1)
            transaction.projects.setdefault(project.organization_id, {})[project.project_id] = saved
            return saved

    def delete(
        self, organization_id: str, project_id: str, expected_version: int | None = None
    ) -> bool:
        with self._uow._writing(organization_id, project_id=project_id) as transaction:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            _common.check_lookup(("project_id",), project_id)
            current = transaction.project(organization_id, project_id)
            actual = current.version if current is not None else 0
            _common.check_expected(
                f"Project {project_id!r} of organization {organization_id!r}",
                expected_version,
                actual,
            )
            if current is None:
                return False
            transaction.projects.setdefault(organization_id, {})[project_id] = None
            return True

    def list(
        self,
        organization_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        overriding_only: bool = False,
    ) -> Page[ProjectSettings]:
        with self._uow._reading() as transaction:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            limit = _common.check_limit(limit)
            after = _common.decode_project_cursor(cursor)
            items: list[ProjectSettings] = []
            for project in transaction.all_projects(organization_id):
                if after is not None and project.project_id <= after:
                    continue
                if overriding_only and not project.has_overrides:
                    continue
                items.append(project)
                if len(items) > limit:
                    break
            if len(items) > limit:
                del items[limit:]
                return Page(tuple(items), _common.encode_project_cursor(items[-1].project_id))
            return Page(tuple(items), None)

    def load_organization(self, organization_id: str) -> OrganizationState:
        with self._uow._reading() as transaction:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            return OrganizationState(
                organization_id,
                transaction.organization(organization_id),
                tuple(transaction.all_projects(organization_id)),
                transaction.feed_of(organization_id).generation,
            )


@attrs.frozen
class _Audit:
    _uow: MemoryUnitOfWork

    def append(self, entry: AuditEntry) -> AuditEntry:
        with self._uow._writing(  # noqa: SLF001
            getattr(entry, "organization_id", None), settings=False
        ) as transaction:
            _common.check_audit_entry(entry)
            entry_id = transaction.base.audit_length + len(transaction.audit) + 1
            saved = attrs.evolve(entry, id=entry_id)
            transaction.audit.append(saved)
            return saved

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
        with self._uow._reading() as transaction:  # noqa: SLF001
            limit, since, until, before = _common.check_audit_query(
                organization_id,
                project_id=project_id,
                since=since,
                until=until,
                cursor=cursor,
                limit=limit,
            )
            items: list[AuditEntry] = []
            for entry in reversed(transaction.audit_entries()):
                if before is not None and entry.id >= before:
                    continue
                if entry.organization_id != organization_id:
                    continue
                if not _common.audit_matches(entry, project_id, since, until):
                    continue
                items.append(entry)
                if len(items) > limit:
                    break
            if len(items) > limit:
                del items[limit:]
                return Page(tuple(items), _common.encode_audit_cursor(items[-1].id))
            return Page(tuple(items), None)


@attrs.frozen
class _ChangeFeed:
    _uow: MemoryUnitOfWork

    def generations(self, organization_ids: Iterable[str]) -> Mapping[str, int]:
        with self._uow._reading() as transaction:  # noqa: SLF001
            wanted = _feed.check_organizations(organization_ids)
            return {key: transaction.feed_of(key).generation for key in wanted}

    def since(self, organization_id: str, generation: int) -> ChangesSince:
        with self._uow._reading() as transaction:  # noqa: SLF001
            since = _feed.check_since(organization_id, generation)
            found = transaction.feed_of(organization_id)
            records = (record for record in found.records if record.generation > since)
            return _feed.answer(organization_id, since, found.generation, found.floor, records)
