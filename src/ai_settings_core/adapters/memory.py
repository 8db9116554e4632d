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
from types import TracebackType
from typing import Self

import attrs

from ai_settings_core.adapters import _common
from ai_settings_core.domain.audit import AuditEntry
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.errors import StorageError
from ai_settings_core.ports import DEFAULT_PAGE_SIZE, OrganizationState, Page

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


@attrs.frozen
class _State:
    """One committed snapshot. ``audit`` is shared and append-only; ``audit_length`` bounds it."""

    organizations: Mapping[str, OrganizationSettings]
    projects: Mapping[str, Mapping[str, ProjectSettings]]
    audit: list[AuditEntry]
    audit_length: int


class MemoryStore:
    """A store in this process's memory; call it to get a unit of work.

    Args:
        lock_timeout: Seconds a writing unit of work waits for another one to finish before
            raising :class:`~ai_settings_core.errors.StorageError`.
    """

    def __init__(self, *, lock_timeout: float = 30.0) -> None:
        self._lock = threading.Lock()
        self._lock_timeout = lock_timeout
        self._state = _State({}, {}, [], 0)

    @property
    def label(self) -> str:
        """How errors name the store."""
        return "in-memory store"

    def unit_of_work(
        self,
        *,
        read_only: bool = False,
        organization_id: str | None = None,  # noqa: ARG002 - one writer at a time here
    ) -> MemoryUnitOfWork:
        """A new unit of work (enter it with ``with``).

        A writing unit takes the store's one write lock whatever its ``organization_id``.
        """
        return MemoryUnitOfWork(self, read_only=read_only)

    __call__ = unit_of_work


class MemoryUnitOfWork:
    """One transaction on a :class:`MemoryStore`.

    Attributes:
        organizations: The organizations inside this transaction.
        projects: The projects inside this transaction.
        audit: The audit log inside this transaction.
    """

    def __init__(self, store: MemoryStore, *, read_only: bool = False) -> None:
        self._store = store
        self.read_only = read_only
        self._phase = _common.Phase.NEW
        self._locked = False
        self._base = store._state  # noqa: SLF001
        self._organizations: dict[str, OrganizationSettings] = {}
        self._projects: dict[str, dict[str, ProjectSettings | None]] = {}
        self._audit: list[AuditEntry] = []
        self.organizations = _Organizations(self)
        self.projects = _Projects(self)
        self.audit = _Audit(self)

    def __enter__(self) -> Self:
        if self._phase is not _common.Phase.NEW:
            raise _common.entered_twice()
        store = self._store
        if not self.read_only:
            if not store._lock.acquire(timeout=store._lock_timeout):  # noqa: SLF001
                raise StorageError("The store is busy: another unit of work holds its lock.")
            self._locked = True
        self._base = store._state  # noqa: SLF001
        self._phase = _common.Phase.ACTIVE
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._phase is _common.Phase.ACTIVE:
            self.rollback()
        self._release()

    def _release(self) -> None:
        if self._locked:
            self._locked = False
            self._store._lock.release()  # noqa: SLF001

    def commit(self) -> None:
        """Publish this unit's writes as the store's new state and finish the unit."""
        self._check_active()
        try:
            if not self.read_only and (self._organizations or self._projects or self._audit):
                self._publish()
        finally:
            self._phase = _common.Phase.DONE
            self._release()

    def _publish(self) -> None:
        base = self._base
        organizations = dict(base.organizations)
        organizations.update(self._organizations)
        projects = dict(base.projects)
        for organization_id, pending in self._projects.items():
            merged = dict(projects.get(organization_id, {}))
            for project_id, project in pending.items():
                if project is None:
                    merged.pop(project_id, None)
                else:
                    merged[project_id] = project
            projects[organization_id] = merged
        audit = base.audit
        del audit[base.audit_length :]
        audit.extend(self._audit)
        self._store._state = _State(  # noqa: SLF001
            organizations, projects, audit, base.audit_length + len(self._audit)
        )

    def rollback(self) -> None:
        """Discard this unit's writes and finish the unit."""
        self._check_active()
        self._organizations.clear()
        self._projects.clear()
        self._audit.clear()
        self._phase = _common.Phase.DONE
        self._release()

    def _check_active(self) -> None:
        if self._phase is not _common.Phase.ACTIVE:
            raise _common.not_active()

    def _check_write(self) -> None:
        self._check_active()
        if self.read_only:
            raise _common.read_only()

    # Reads that merge the snapshot with the pending writes.

    def _organization(self, organization_id: str) -> OrganizationSettings | None:
        if organization_id in self._organizations:
            return self._organizations[organization_id]
        return self._base.organizations.get(organization_id)

    def _project(self, organization_id: str, project_id: str) -> ProjectSettings | None:
        pending = self._projects.get(organization_id)
        if pending is not None and project_id in pending:
            return pending[project_id]
        return self._base.projects.get(organization_id, {}).get(project_id)

    def _all_projects(self, organization_id: str) -> list[ProjectSettings]:
        merged = dict(self._base.projects.get(organization_id, {}))
        for project_id, project in self._projects.get(organization_id, {}).items():
            if project is None:
                merged.pop(project_id, None)
            else:
                merged[project_id] = project
        return [merged[key] for key in sorted(merged)]

    def _audit_entries(self) -> list[AuditEntry]:
        base = self._base
        return base.audit[: base.audit_length] + self._audit


@attrs.frozen
class _Organizations:
    _uow: MemoryUnitOfWork

    def get(self, organization_id: str) -> OrganizationSettings | None:
        self._uow._check_active()  # noqa: SLF001
        _common.check_lookup(("organization_id",), organization_id)
        return self._uow._organization(organization_id)  # noqa: SLF001

    def save(
        self, settings: OrganizationSettings, expected_version: int | None = None
    ) -> OrganizationSettings:
        uow = self._uow
        uow._check_write()  # noqa: SLF001
        _common.check_organization(settings)
        current = uow._organization(settings.organization_id)  # noqa: SLF001
        actual = current.version if current is not None else 0
        _common.check_expected(
            f"Organization {settings.organization_id!r}", expected_version, actual
        )
        saved = attrs.evolve(settings, version=actual + 1)
        uow._organizations[settings.organization_id] = saved  # noqa: SLF001
        return saved


@attrs.frozen
class _Projects:
    _uow: MemoryUnitOfWork

    def get(self, organization_id: str, project_id: str) -> ProjectSettings | None:
        self._uow._check_active()  # noqa: SLF001
        _common.check_lookup(("organization_id",), organization_id)
        _common.check_lookup(("project_id",), project_id)
        return self._uow._project(organization_id, project_id)  # noqa: SLF001

    def get_many(
        self, organization_id: str, project_ids: Iterable[str]
    ) -> Mapping[str, ProjectSettings]:
        uow = self._uow
        uow._check_active()  # noqa: SLF001
        _common.check_lookup(("organization_id",), organization_id)
        wanted = list(project_ids)
        for project_id in wanted:
            _common.check_lookup(("project_ids",), project_id)
        found = {}
        for project_id in wanted:
            project = uow._project(organization_id, project_id)  # noqa: SLF001
            if project is not None:
                found[project_id] = project
        return found

    def save(
        self, project: ProjectSettings, expected_version: int | None = None
    ) -> ProjectSettings:
        uow = self._uow
        uow._check_write()  # noqa: SLF001
        _common.check_project(project)
        current = uow._project(project.organization_id, project.project_id)  # noqa: SLF001
        actual = current.version if current is not None else 0
        _common.check_expected(
            f"Project {project.project_id!r} of organization {project.organization_id!r}",
            expected_version,
            actual,
        )
        saved = attrs.evolve(project, version=actual + 1)
        uow._projects.setdefault(project.organization_id, {})[project.project_id] = saved  # noqa: SLF001
        return saved

    def delete(
        self, organization_id: str, project_id: str, expected_version: int | None = None
    ) -> bool:
        uow = self._uow
        uow._check_write()  # noqa: SLF001
        _common.check_lookup(("organization_id",), organization_id)
        _common.check_lookup(("project_id",), project_id)
        current = uow._project(organization_id, project_id)  # noqa: SLF001
        actual = current.version if current is not None else 0
        _common.check_expected(
            f"Project {project_id!r} of organization {organization_id!r}",
            expected_version,
            actual,
        )
        if current is None:
            return False
        uow._projects.setdefault(organization_id, {})[project_id] = None  # noqa: SLF001
        return True

    def list(
        self,
        organization_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        overriding_only: bool = False,
    ) -> Page[ProjectSettings]:
        uow = self._uow
        uow._check_active()  # noqa: SLF001
        _common.check_lookup(("organization_id",), organization_id)
        limit = _common.check_limit(limit)
        after = _common.decode_project_cursor(cursor)
        items: list[ProjectSettings] = []
        for project in uow._all_projects(organization_id):  # noqa: SLF001
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
        uow = self._uow
        uow._check_active()  # noqa: SLF001
        _common.check_lookup(("organization_id",), organization_id)
        return OrganizationState(
            organization_id,
            uow._organization(organization_id),  # noqa: SLF001
            tuple(uow._all_projects(organization_id)),  # noqa: SLF001
        )


@attrs.frozen
class _Audit:
    _uow: MemoryUnitOfWork

    def append(self, entry: AuditEntry) -> AuditEntry:
        uow = self._uow
        uow._check_write()  # noqa: SLF001
        _common.check_audit_entry(entry)
        entry_id = uow._base.audit_length + len(uow._audit) + 1  # noqa: SLF001
        saved = attrs.evolve(entry, id=entry_id)
        uow._audit.append(saved)  # noqa: SLF001
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
        uow = self._uow
        uow._check_active()  # noqa: SLF001
        _common.check_lookup(("organization_id",), organization_id)
        if project_id is not None:
            _common.check_lookup(("project_id",), project_id)
        limit = _common.check_limit(limit)
        since = _common.check_time("since", since)
        until = _common.check_time("until", until)
        before = _common.decode_audit_cursor(cursor)
        items: list[AuditEntry] = []
        for entry in reversed(uow._audit_entries()):  # noqa: SLF001
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
