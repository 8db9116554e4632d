"""Decisions on many processes: :class:`DecisionCache`, snapshots kept fresh from the change feed.

A :class:`DecisionCache` holds one :class:`~ai_settings_core.DecisionSnapshot` per organization
a process decides for, and answers ``decide`` from it. A watcher thread keeps each snapshot
fresh from the store's change feed: it wakes when the store's listener says something may have
changed (PostgreSQL ``NOTIFY``, SQLite ``data_version``, a commit in memory) and, in any case,
every ``poll_interval`` seconds, asks the feed what changed since the generation it holds, and
re-reads only that: the changed projects (``replace_project`` / ``remove_project``), the
organization's own settings (``with_organization``), or, when the reader is too far behind,
the whole organization.

**Bounded staleness.** Each snapshot carries the time its last successful check *started*;
``decide`` compares it with the clock, and once ``max_staleness`` seconds have passed it checks
the store itself before answering. So an answer reflects every change committed more than
``max_staleness`` seconds before it was given, even when notifications are lost or the watcher
thread is starved. When the store cannot be reached the cache keeps answering from the last
snapshot it has, tries again every ``poll_interval``, and says so in :meth:`DecisionCache.status`
(monitor ``age``).

**Never back.** A snapshot is replaced only by one of the same or a newer generation, read in
one consistent snapshot of the store, so a process never answers from older settings once it
answered from newer ones.

**The hottest path.** :meth:`DecisionCache.organization` returns a handle whose ``decide``
is the snapshot's own, swapped by the watcher: no extra call and no clock per decision. Its
bound is kept by the watcher thread (which swaps in a guarded ``decide`` once a snapshot is
overdue), so it holds as long as that thread gets to run.

**Threads and fork.** ``decide`` takes no lock: it reads one reference. Checks are serialized
by a lock. In a child made by ``fork`` (gunicorn ``--preload``, ``multiprocessing``), the cache
keeps the snapshots it inherited, but never uses its parent's watcher or listener connection:
the child's first ``decide`` checks the store and starts a watcher of its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Final, Self

import attrs

from ai_settings_core.domain.decide import Decision
from ai_settings_core.domain.snapshot import DecisionSnapshot
from ai_settings_core.domain.values import RepositoryRef
from ai_settings_core.errors import AISettingsError, InvalidValueError
from ai_settings_core.ports import ChangeListener, UnitOfWork, UnitOfWorkFactory

__all__ = ["CacheStatus", "DecisionCache", "OrganizationDecisions"]

_INHERITED: Final[list[object]] = []
"""Listeners a forked child inherited: kept, never used nor closed (closing one would close the
parent's connection)."""

_CACHES: Final[weakref.WeakSet[DecisionCache]] = weakref.WeakSet()

_A_DAY: Final = 86_400.0

_MAX_INCREMENTAL: Final = 1_000

_SLICE: Final = 0.25
"""The longest the watcher waits at once, so that :meth:`DecisionCache.close` is quick."""
"""More changed projects than this in one check: reload the organization instead."""


@attrs.frozen
class _Entry:
    """One organization's snapshot, its generation, and until when it may be served."""

    snapshot: DecisionSnapshot
    generation: int
    checked: float
    deadline: float
    decide: Callable[..., Decision]


class OrganizationDecisions:
    """One organization's decisions in a :class:`DecisionCache`, for the hottest paths.

    ``decide`` is the current snapshot's own ``decide`` (no extra call, no clock): the cache's
    watcher swaps it for the new snapshot's after each change, and for a guarded one (which
    checks the store before answering, like :meth:`DecisionCache.decide`) whenever the
    snapshot was not confirmed within ``max_staleness``. Get one with
    :meth:`DecisionCache.organization`; keep it as long as the cache.

    Attributes:
        organization_id: The organization.
        decide: ``decide(project_id, repository=None, branch=None, environment=None)``.
    """

    __slots__ = ("decide", "organization_id")

    def __init__(self, organization_id: str, decide: Callable[..., Decision]) -> None:
        self.organization_id = organization_id
        self.decide = decide

    def __repr__(self) -> str:
        return f"<OrganizationDecisions {self.organization_id!r}>"


@attrs.frozen
class CacheStatus:
    """How fresh one organization's snapshot is, for monitoring.

    Attributes:
        organization_id: The organization.
        generation: The generation of the snapshot served.
        age: Seconds since the last successful check of the store started (at most
            ``max_staleness`` while the store can be reached).
        projects: How many stored projects the snapshot holds.
        last_error: The last error a check met, or ``None`` once a check succeeded.
    """

    organization_id: str
    generation: int
    age: float
    projects: int
    last_error: str | None


def _check_seconds(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < _A_DAY:
        raise InvalidValueError(
            "invalid_seconds", f"{name} must be a number of seconds above 0, not {value!r}."
        )
    return float(value)


class DecisionCache:
    """Decisions served from snapshots kept fresh from a store's change feed.

    >>> from ai_settings_core import MemoryStore, OrganizationSettings, ProjectSettings
    >>> store = MemoryStore()
    >>> with store() as uow:
    ...     _ = uow.projects.save(ProjectSettings("acme", "web", scan_enabled_override=False))
    ...     uow.commit()
    >>> with DecisionCache(store, max_staleness=0.5) as cache:
    ...     before = cache.decide("acme", "web").scan
    ...     with store() as uow:
    ...         _ = uow.projects.save(ProjectSettings("acme", "web"))
    ...         uow.commit()
    ...     cache.refresh()  # or wait: at most max_staleness
    ...     after = cache.decide("acme", "web").scan
    >>> before, after
    (False, True)

    Args:
        store: The store (a unit-of-work factory). When it has a ``listen()`` method the
            watcher waits on its listener; else it polls.
        max_staleness: Seconds after which a snapshot is checked before it is served again:
            the bound on how late a committed change is seen.
        poll_interval: Seconds between the watcher's checks when no notification came;
            default a quarter of ``max_staleness``.
        listen: Use the store's listener (``False``: poll only).
        clock: Monotonic seconds (for tests).
        now: The current aware datetime, which snapshots read when overrides or locks expire
            (an expiry is no write, so the feed does not report it: each snapshot answers
            from its settings as they stand at the time of the call).

    Raises:
        InvalidValueError: ``max_staleness`` or ``poll_interval`` is not a positive number of
            seconds (under a day), or ``poll_interval`` exceeds ``max_staleness``.
    """

    def __init__(
        self,
        store: UnitOfWorkFactory,
        *,
        max_staleness: float = 1.0,
        poll_interval: float | None = None,
        listen: bool = True,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.max_staleness = _check_seconds("max_staleness", max_staleness)
        interval = self.max_staleness / 4 if poll_interval is None else poll_interval
        self.poll_interval = _check_seconds("poll_interval", interval)
        if self.poll_interval > self.max_staleness:
            raise InvalidValueError(
                "invalid_seconds", "poll_interval must not exceed max_staleness."
            )
        self._store = store
        self._listen = listen
        self._clock = clock
        self._now = now
        self._entries: dict[str, _Entry] = {}
        self._handles: dict[str, OrganizationDecisions] = {}
        self._errors: dict[str, str] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: ChangeListener | None = None
        self._pid = os.getpid()
        self.checks = 0
        """How many checks of the store ran (each covers every organization held)."""
        self.reloads = 0
        """How many times a whole organization was loaded."""
        _CACHES.add(self)

    # The hot path.

    def decide(
        self,
        organization_id: str,
        project_id: str,
        repository: str | RepositoryRef | None = None,
        branch: str | None = None,
        environment: str | None = None,
    ) -> Decision:
        """What AI may do for one event of ``organization_id`` (see ``DecisionSnapshot.decide``).

        The first call for an organization loads it; later calls read the snapshot, checked
        against the store at most ``max_staleness`` seconds ago.

        Raises:
            StorageError: The organization was never loaded and the store cannot be read.
        """
        entry = self._entries.get(organization_id)
        if entry is None or entry.deadline < self._clock():
            entry = self._fresh(organization_id)
        return entry.decide(project_id, repository, branch, environment)

    def snapshot(self, organization_id: str) -> DecisionSnapshot:
        """The organization's snapshot, checked at most ``max_staleness`` seconds ago."""
        entry = self._entries.get(organization_id)
        if entry is None or entry.deadline < self._clock():
            entry = self._fresh(organization_id)
        return entry.snapshot

    def organization(self, organization_id: str) -> OrganizationDecisions:
        """The handle whose ``decide`` answers for ``organization_id`` at a bare snapshot's cost.

        Raises:
            StorageError: The organization was never loaded and the store cannot be read.
        """
        handle = self._handles.get(organization_id)
        if handle is None:
            entry = self._fresh(organization_id)
            with self._lock:
                handle = self._handles.setdefault(
                    organization_id, OrganizationDecisions(organization_id, entry.decide)
                )
        return handle

    def generation(self, organization_id: str) -> int | None:
        """The generation of the snapshot held for ``organization_id`` (``None``: none yet)."""
        entry = self._entries.get(organization_id)
        return None if entry is None else entry.generation

    # Checks.

    def refresh(self, organization_ids: Iterable[str] | None = None) -> None:
        """Check the store now for ``organization_ids`` (default: every one held).

        Raises:
            StorageError: The store cannot be read.
        """
        with self._lock:
            wanted = list(self._entries if organization_ids is None else organization_ids)
            self._check(wanted, raise_errors=True)

    def _fresh(self, organization_id: str) -> _Entry:
        """The slow path of ``decide``: check the store (and start the watcher) first."""
        with self._lock:
            self._ensure_watcher()
            entry = self._entries.get(organization_id)
            if entry is not None and entry.deadline >= self._clock():
                return entry
            self._check([organization_id], raise_errors=entry is None)
            return self._entries[organization_id]

    def _check(self, organization_ids: list[str], *, raise_errors: bool) -> None:
        """One consistent read of the store brings the named organizations up to date."""
        if not organization_ids:
            return
        started = self._clock()
        try:
            with self._store(read_only=True) as uow:
                generations = uow.feed.generations(organization_ids)
                for organization_id in organization_ids:
                    self._update(uow, organization_id, generations[organization_id], started)
        except AISettingsError as error:
            for organization_id in organization_ids:
                self._errors[organization_id] = str(error)
                entry = self._entries.get(organization_id)
                if entry is not None:
                    # Serve what we have; try again after a poll interval, not on every call.
                    retry = self._clock() + self.poll_interval
                    self._entries[organization_id] = attrs.evolve(entry, deadline=retry)
            if raise_errors:
                raise
            return
        finally:
            self.checks += 1
        for organization_id in organization_ids:
            self._errors.pop(organization_id, None)

    def _update(
        self, uow: UnitOfWork, organization_id: str, generation: int, started: float
    ) -> None:
        entry = self._entries.get(organization_id)
        snapshot: DecisionSnapshot | None = None
        if entry is not None and generation == entry.generation:
            snapshot = entry.snapshot
        elif entry is not None and generation > entry.generation:
            snapshot = self._apply(uow, organization_id, entry)
        if snapshot is None:
            # Never held, too far behind, or the store went back (it was replaced): reload.
            state = uow.projects.load_organization(organization_id)
            snapshot = DecisionSnapshot.prepare(state.organization, state.projects, clock=self._now)
            generation = state.generation
            self.reloads += 1
        self._entries[organization_id] = _Entry(
            snapshot, generation, started, started + self.max_staleness, snapshot.decide
        )
        handle = self._handles.get(organization_id)
        if handle is not None:
            handle.decide = snapshot.decide

    def _apply(
        self, uow: UnitOfWork, organization_id: str, entry: _Entry
    ) -> DecisionSnapshot | None:
        """The entry's snapshot with the changes since its generation; ``None``: reload."""
        changes = uow.feed.since(organization_id, entry.generation)
        project_ids = changes.project_ids
        if not changes.complete or changes.all_projects or len(project_ids) > _MAX_INCREMENTAL:
            return None
        snapshot = entry.snapshot
        if changes.organization_changed:
            snapshot = snapshot.with_organization(uow.organizations.get(organization_id))
        found = uow.projects.get_many(organization_id, sorted(project_ids))
        for project_id in sorted(project_ids):
            project = found.get(project_id)
            if project is None:
                snapshot = snapshot.remove_project(project_id)
            else:
                snapshot = snapshot.replace_project(project)
        # The feed and the projects were read in one snapshot of the store: the projects are
        # at the generation the feed reported.
        return snapshot

    # The watcher.

    def _ensure_watcher(self) -> None:
        if self._pid != os.getpid():
            self._forked()
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        self._stopping.clear()
        thread = threading.Thread(
            target=self._watch, name="ai-settings-decision-cache", daemon=True
        )
        self._thread = thread
        thread.start()

    def _watch(self) -> None:
        listener: ChangeListener | None = None
        listen: Callable[[], ChangeListener] | None = getattr(self._store, "listen", None)
        if self._listen and listen is not None:
            try:
                listener = listen()
            except AISettingsError as error:
                self._errors["(listener)"] = str(error)
        self._listener = listener
        pid = os.getpid()
        try:
            while not self._stopping.is_set() and pid == self._pid:
                self._wait(listener)
                if self._stopping.is_set() or pid != self._pid:
                    break
                with self._lock:
                    self._check(list(self._entries), raise_errors=False)
                    self._guard_overdue()
        finally:
            if listener is not None and pid == os.getpid():
                self._listener = None
                listener.close()

    def _wait(self, listener: ChangeListener | None) -> None:
        """Until the listener wakes, a poll is due, or :meth:`close` (in short slices)."""
        due = self._clock() + self.poll_interval
        while not self._stopping.is_set():
            left = due - self._clock()
            if left <= 0:
                return
            if listener is None:
                self._stopping.wait(min(left, _SLICE))
                continue
            try:
                if listener.wait(min(left, _SLICE)):
                    return
            except AISettingsError as error:  # a broken listener: poll until it mends
                self._errors["(listener)"] = str(error)
                self._stopping.wait(min(left, _SLICE))

    def _guard_overdue(self) -> None:
        """Handles whose snapshot was not confirmed in time check the store on their next call."""
        now = self._clock()
        for organization_id, handle in self._handles.items():
            entry = self._entries.get(organization_id)
            if entry is None or entry.checked + self.max_staleness < now:
                handle.decide = functools.partial(self.decide, organization_id)

    def _forked(self) -> None:
        """In a child made by ``fork``: put the parent's listener aside, keep the snapshots."""
        if self._listener is not None:
            _INHERITED.append(self._listener)
            self._listener = None
        self._thread = None
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._pid = os.getpid()
        # Check each inherited snapshot before it is served again (incrementally).
        self._entries = {
            key: attrs.evolve(entry, deadline=float("-inf")) for key, entry in self._entries.items()
        }
        for organization_id, handle in self._handles.items():
            handle.decide = functools.partial(self.decide, organization_id)

    # Monitoring and the end.

    def status(self) -> tuple[CacheStatus, ...]:
        """How fresh each organization's snapshot is, by organization id."""
        now = self._clock()
        return tuple(
            CacheStatus(
                key,
                entry.generation,
                now - entry.checked,
                len(entry.snapshot.projects),
                self._errors.get(key),
            )
            for key, entry in sorted(self._entries.items())
        )

    def close(self) -> None:
        """Stop the watcher and close its listener; later calls to ``decide`` start it again."""
        self._stopping.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=_SLICE + 30.0)
        self._thread = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<DecisionCache organizations={len(self._entries)} max_staleness={self.max_staleness}>"
        )


def _after_fork_in_child() -> None:
    for cache in list(_CACHES):
        cache._forked()  # noqa: SLF001


os.register_at_fork(after_in_child=_after_fork_in_child)


def __dir__() -> list[str]:
    return list(__all__)
