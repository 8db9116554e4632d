"""The storage ports: what the service layer needs from a store, as ``typing.Protocol`` s.

A host satisfies them structurally (no base class to inherit). The library ships two adapters,
:mod:`ai_settings_core.adapters.memory` (the reference) and
:mod:`ai_settings_core.adapters.sqlite`; :mod:`ai_settings_core.testing` is the contract suite a
third adapter runs to prove it behaves the same.

Beside storage, two small ports: :class:`EventSink`, where analytics events go after a commit,
and :class:`Clock`, where the service reads the time.

Semantics every adapter keeps (the contract suite checks each):

- **Versions and compare-and-set.** A record that was never saved is at version 0. ``save``
  with an ``expected_version`` that differs from the stored version raises
  :class:`~ai_settings_core.errors.ConflictError` and changes nothing; with ``None`` it saves
  over whatever is stored. Either way the saved record gets the stored version plus one, and
  ``save`` returns it with that version (the ``version`` on the object passed in is ignored).
- **Units of work.** Everything done through one unit of work is one transaction: it is kept by
  :meth:`UnitOfWork.commit` and discarded when the block ends without a commit or with an
  exception. Reads inside see the unit's own writes. A unit of work that may write holds the
  store's write lock from its start, so a read followed by a save (a read-modify-write without
  a version) is atomic against every other writer, in this process or another. A writing unit
  may be *scoped* to one organization (``organization_id=``): it then needs to exclude only
  the writers of that organization, and a store that can (PostgreSQL) lets writers of other
  organizations run beside it; a store that cannot (SQLite, memory) keeps its one write lock.
  A scoped unit writes only that organization's records (the audit log included). After
  ``commit`` or ``rollback`` the unit is finished; using it again raises
  :class:`~ai_settings_core.errors.StorageError`.
- **Order and pages.** Projects are listed by ``project_id`` (code-point order), audit entries
  newest first (by id, which increases with every append). A page holds at most ``limit``
  items; ``next_cursor`` is ``None`` exactly when nothing follows. Cursors are opaque strings:
  pass back the one a page returned. A ``limit`` below 1 or above :data:`MAX_PAGE_SIZE`, or a
  cursor that was not produced by the store, raises
  :class:`~ai_settings_core.errors.ValidationError` (codes ``invalid_limit``,
  ``invalid_cursor``): :func:`check_page_limit` is that check.
- **The change feed.** Each organization has a *generation*: 0 before its first write, and
  advanced by one by every committed unit of work that wrote any of its records, in the same
  transaction as the writes (a rolled-back unit advances nothing). The store keeps a record of
  what each generation changed (the organization's own settings, which projects) for the last
  :data:`FEED_RETENTION` generations at least; :meth:`ChangeFeed.since` answers from them,
  and says ``complete=False`` when a reader is further behind than that (it must reload the
  whole organization). A store may also offer ``listen()``, returning a
  :class:`ChangeListener` that wakes a reader when something may have changed.
- **The project cursor.** A page of projects resumes after the last project id it holds, and
  its cursor says so in one format every store shares (:func:`encode_project_cursor`,
  :func:`decode_project_cursor`), so the service can page through the projects an actor
  reaches without knowing the store. Audit cursors stay each store's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Final, Generic, Protocol, Self, TypeVar

import attrs

from ai_settings_core.domain.audit import AuditEntry
from ai_settings_core.domain.findings import Finding, Path, Severity
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.errors import ValidationError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "FEED_RETENTION",
    "MAX_LISTED_PROJECTS",
    "MAX_PAGE_SIZE",
    "AuditLog",
    "Change",
    "ChangeFeed",
    "ChangeListener",
    "ChangesSince",
    "Clock",
    "EventSink",
    "OrganizationRepository",
    "OrganizationState",
    "Page",
    "ProjectRepository",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "check_page_limit",
    "decode_project_cursor",
    "encode_project_cursor",
]

DEFAULT_PAGE_SIZE = 100
"""How many items a page holds when the caller names no limit."""

MAX_PAGE_SIZE = 10_000
"""The largest page a caller may ask for; a larger ``limit`` raises ``invalid_limit``."""

FEED_RETENTION = 1_000
"""How many generations of change records a store keeps per organization, at least."""

MAX_LISTED_PROJECTS = 1_000
"""A write that changes more projects than this records "all projects" instead of their ids."""

T_co = TypeVar("T_co", covariant=True)

_PROJECT_CURSOR: Final = "after:"
_SHOWN_LIMIT: Final = 10**18


def _invalid(path: Path, code: str, message: str) -> ValidationError:
    return ValidationError.from_findings([Finding(code, Severity.ERROR, path, message)])


def check_page_limit(limit: object) -> int:
    """Return ``limit`` when it is an int from 1 to :data:`MAX_PAGE_SIZE`; else raise.

    >>> check_page_limit(10)
    10
    >>> check_page_limit(0)
    Traceback (most recent call last):
    ...
    ai_settings_core.errors.ValidationError: limit: Limit must be an integer from 1 to 10000, not 0.

    Raises:
        ValidationError: Code ``invalid_limit`` at ``("limit",)``.
    """
    if isinstance(limit, int) and not isinstance(limit, bool) and 1 <= limit <= MAX_PAGE_SIZE:
        return limit
    # Only a bounded int is quoted: no repr of a huge int or a deep structure in a message.
    shown = (
        str(limit)
        if isinstance(limit, int) and not isinstance(limit, bool) and abs(limit) < _SHOWN_LIMIT
        else f"a {type(limit).__name__}"
    )
    raise _invalid(
        ("limit",),
        "invalid_limit",
        f"Limit must be an integer from 1 to {MAX_PAGE_SIZE}, not {shown}.",
    )


def encode_project_cursor(project_id: str) -> str:
    """The cursor of the page of projects that follows ``project_id``.

    >>> encode_project_cursor("web")
    'after:web'
    """
    return _PROJECT_CURSOR + project_id


def decode_project_cursor(cursor: str | None) -> str | None:
    """The project id a listing resumes after, or ``None`` (no cursor) for the first page.

    >>> decode_project_cursor(encode_project_cursor("web"))
    'web'

    Raises:
        ValidationError: Code ``invalid_cursor`` at ``("cursor",)``: not a project cursor, or
            not Unicode text (a lone surrogate).
    """
    if cursor is None:
        return None
    if isinstance(cursor, str) and cursor.startswith(_PROJECT_CURSOR):
        try:
            cursor.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            return cursor[len(_PROJECT_CURSOR) :]
    raise _invalid(
        ("cursor",), "invalid_cursor", "Invalid cursor: pass back the next_cursor of a page."
    )


@attrs.frozen
class Page(Generic[T_co]):
    """One page of a listing.

    Attributes:
        items: The items of this page, in the listing's order.
        next_cursor: Pass it back to get the next page; ``None`` when this is the last one.
    """

    items: tuple[T_co, ...]
    next_cursor: str | None = None


@attrs.frozen
class OrganizationState:
    """An organization and every one of its projects, read in one consistent snapshot.

    It feeds resolve-all, the impact preview and the decision snapshot.

    Attributes:
        organization_id: The organization.
        organization: Its stored settings, or ``None`` when it stored none (system defaults).
        projects: Every stored project of the organization, sorted by ``project_id``.
        generation: The organization's generation in the same snapshot (see the change feed
            in the module's notes): the state as of that generation.
    """

    organization_id: str
    organization: OrganizationSettings | None
    projects: tuple[ProjectSettings, ...]
    generation: int = 0


@attrs.frozen
class Change:
    """What one committed unit of work changed in one organization: one generation.

    Attributes:
        organization_id: The organization.
        generation: The generation this commit advanced it to.
        organization: Whether the organization's own settings were written.
        project_ids: The projects written (saved or deleted), when they are listed.
        all_projects: ``True`` when more than :data:`MAX_LISTED_PROJECTS` projects were
            written: then ``project_ids`` is empty and any project may have changed.
    """

    organization_id: str
    generation: int
    organization: bool = False
    project_ids: frozenset[str] = frozenset()
    all_projects: bool = False


@attrs.frozen
class ChangesSince:
    """What changed in an organization after a generation a reader knows.

    Attributes:
        organization_id: The organization.
        since: The generation the reader asked from.
        generation: The organization's current generation.
        changes: One :class:`Change` per generation after ``since``, oldest first (empty
            when ``complete`` is ``False``).
        complete: ``False`` when the store no longer keeps every record after ``since`` (the
            reader is more than :data:`FEED_RETENTION` generations behind), or ``since`` is
            ahead of the store (the store was replaced): reload the whole organization.
    """

    organization_id: str
    since: int
    generation: int
    changes: tuple[Change, ...] = ()
    complete: bool = True

    @property
    def organization_changed(self) -> bool:
        """Whether any of the changes wrote the organization's own settings."""
        return any(change.organization for change in self.changes)

    @property
    def all_projects(self) -> bool:
        """Whether a change wrote too many projects to list them (reload every project)."""
        return any(change.all_projects for change in self.changes)

    @property
    def project_ids(self) -> frozenset[str]:
        """Every project the listed changes wrote."""
        return frozenset().union(*(change.project_ids for change in self.changes))


class ChangeFeed(Protocol):
    """The organizations' generations and the records of what each one changed."""

    def generations(self, organization_ids: Iterable[str]) -> Mapping[str, int]:
        """The current generation of each organization (0 for one never written)."""
        ...

    def since(self, organization_id: str, generation: int) -> ChangesSince:
        """What changed in ``organization_id`` after ``generation`` (see :class:`ChangesSince`).

        Raises:
            ValidationError: ``generation`` is not a whole number, 0 or more (code
                ``invalid_generation``).
        """
        ...


class ChangeListener(Protocol):
    """Wakes a reader when a store may have changed; what ``store.listen()`` returns.

    A hint only: a reader still asks the :class:`ChangeFeed` what changed, and polls it too,
    in case a notification was lost. A listener belongs to the thread that waits on it and to
    the process that made it.
    """

    def wait(self, timeout: float) -> bool:
        """Block until something may have changed (``True``) or ``timeout`` seconds passed.

        It also returns ``True`` after it reconnected (changes may have been missed).
        """
        ...

    def close(self) -> None:
        """Release what the listener holds (a connection)."""
        ...


class OrganizationRepository(Protocol):
    """The organizations' settings, one record per organization."""

    def get(self, organization_id: str) -> OrganizationSettings | None:
        """The stored settings of an organization, or ``None`` when it stored none."""
        ...

    def save(
        self, settings: OrganizationSettings, expected_version: int | None = None
    ) -> OrganizationSettings:
        """Store ``settings`` (compare-and-set on ``expected_version``); return the stored value.

        Raises:
            ConflictError: ``expected_version`` is given and is not the stored version.
        """
        ...


class ProjectRepository(Protocol):
    """The projects' settings with their repositories and environments."""

    def get(self, organization_id: str, project_id: str) -> ProjectSettings | None:
        """The stored settings of a project, or ``None`` when it stored none."""
        ...

    def get_many(
        self, organization_id: str, project_ids: Iterable[str]
    ) -> Mapping[str, ProjectSettings]:
        """The stored projects among ``project_ids``, by id; missing ones are left out."""
        ...

    def save(
        self, project: ProjectSettings, expected_version: int | None = None
    ) -> ProjectSettings:
        """Store ``project`` (compare-and-set on ``expected_version``); return the stored value.

        Its repositories and environments replace the stored ones.

        Raises:
            ConflictError: ``expected_version`` is given and is not the stored version.
        """
        ...

    def delete(
        self, organization_id: str, project_id: str, expected_version: int | None = None
    ) -> bool:
        """Forget a project (the host deleted it); ``False`` when nothing was stored.

        Raises:
            ConflictError: ``expected_version`` is given and is not the stored version
                (0 when nothing is stored).
        """
        ...

    def list(
        self,
        organization_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        overriding_only: bool = False,
    ) -> Page[ProjectSettings]:
        """A page of the organization's projects, by ``project_id``.

        With ``overriding_only``, only projects that override at least one of the three
        settings themselves (:attr:`ProjectSettings.has_overrides`; which ones is
        :attr:`ProjectSettings.overridden`).
        """
        ...

    def load_organization(self, organization_id: str) -> OrganizationState:
        """The organization's settings and all its projects, in one call and one snapshot."""
        ...


class AuditLog(Protocol):
    """The append-only audit log."""

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Record ``entry``; return it with the id the log assigned (its own ``id`` is ignored)."""
        ...

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
        """A page of an organization's entries, newest first.

        ``project_id`` keeps only that project's entries; ``since`` (inclusive) and ``until``
        (exclusive) bound ``occurred_at`` and must be timezone-aware.
        """
        ...


class UnitOfWork(Protocol):
    """One transaction over the repositories; a context manager.

    ::

        with store() as uow:
            project = uow.projects.get("acme", "web")
            ...
            uow.projects.save(changed)
            uow.audit.append(entry)
            uow.commit()
    """

    @property
    def organizations(self) -> OrganizationRepository:
        """The organizations, inside this transaction."""
        ...

    @property
    def projects(self) -> ProjectRepository:
        """The projects, inside this transaction."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit log, inside this transaction."""
        ...

    @property
    def feed(self) -> ChangeFeed:
        """The change feed, inside this transaction."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Keep everything done in this unit of work and finish it."""
        ...

    def rollback(self) -> None:
        """Discard everything done in this unit of work and finish it."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes units of work: the one dependency the service layer takes on storage.

    ``read_only=True`` asks for a unit of work that only reads: it does not take the write
    lock, sees one consistent snapshot, and raises ``StorageError`` on any write.
    ``organization_id`` names the organization a writing unit is scoped to.
    """

    def __call__(
        self, *, read_only: bool = False, organization_id: str | None = None
    ) -> UnitOfWork:
        """A new, not yet entered, unit of work.

        ``organization_id`` scopes a writing unit to one organization (see the module's
        notes): the service always passes the organization it writes. ``None`` asks for the
        store-wide write lock. A read-only unit ignores it.
        """
        ...


class EventSink(Protocol):
    """Where analytics events go (the host's analytics client, a queue...)."""

    def emit(self, name: str, properties: Mapping[str, Any]) -> None:
        """Record one event; may raise, which the service logs and ignores."""
        ...


class Clock(Protocol):
    """Where the service reads the time: a callable returning an aware UTC ``datetime``."""

    def __call__(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...
