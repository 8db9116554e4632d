"""The SQLite adapter, on the standard library's ``sqlite3``: the embedded default.

One file holds everything, in tables a person can query (``organizations``, ``projects``,
``repositories``, ``branch_patterns``, ``environments``, ``audit_log``; see ``docs/storage.md``).
Several processes may use one file at once: the file is in write-ahead-log mode, connections
wait up to ``busy_timeout`` seconds for a lock, and a unit of work that may write starts with
``BEGIN IMMEDIATE``, so a read-modify-write inside it is atomic against every other writer.

>>> import tempfile, pathlib
>>> from ai_settings_core import ProjectSettings
>>> directory = tempfile.TemporaryDirectory()
>>> store = SqliteStore(pathlib.Path(directory.name) / "settings.db")
>>> with store() as uow:
...     saved = uow.projects.save(ProjectSettings("acme", "web", fix_enabled_override=True))
...     uow.commit()
>>> with store(read_only=True) as uow:
...     uow.projects.get("acme", "web").version
1
>>> directory.cleanup()
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
import pathlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Final, Self, TypeVar

import attrs

from ai_settings_core.adapters import _common, _sqlite_schema
from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import (
    STOPPING_POINTS,
    BranchPattern,
    Provider,
    RepositoryRef,
    StoppingPoint,
    trusted_repository_ref,
)
from ai_settings_core.errors import AISettingsError, StorageError
from ai_settings_core.ports import DEFAULT_PAGE_SIZE, OrganizationState, Page

__all__ = ["SqliteStore", "SqliteUnitOfWork"]

_POINTS: Final = STOPPING_POINTS
_PROVIDERS: Final = {provider.value: provider for provider in Provider}
_EVENTS: Final = {event.value: event for event in AuditEvent}
# SQL here is joined only from this module's constant fragments and "?" placeholders (S608
# cannot tell); every value a caller gives is bound as a parameter.
_CHUNK: Final = 500
_CACHE_LIMIT: Final = 50_000

# Immutable values shared between loads, so a large organization builds each distinct pattern
# list and environment set once (compiling patterns is not free). Bounded: cleared when full.
_PATTERNS: dict[tuple[str, ...], tuple[BranchPattern, ...]] = {}
_ENVIRONMENTS: dict[tuple[str, ...], frozenset[str]] = {}

_V = TypeVar("_V")


def _make_patterns(key: tuple[str, ...]) -> tuple[BranchPattern, ...]:
    return tuple(BranchPattern(text) for text in key)


def _bool(value: int | None) -> bool | None:
    return None if value is None else value == 1


def _point(value: str | None) -> StoppingPoint | None:
    return None if value is None else _POINTS[value]


def _int(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _text(value: StoppingPoint | None) -> str | None:
    return None if value is None else value.value


def _storage_error(label: str, error: sqlite3.Error) -> StorageError:
    """A ``sqlite3`` error as a :class:`StorageError` naming the file."""
    text = str(error)
    if isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return StorageError(
            f"{label} is busy: another process held its lock for too long ({text})."
        )
    if isinstance(error, sqlite3.DatabaseError) and "not a database" in text:
        return StorageError(f"{label} is not a SQLite database.")
    return StorageError(f"{label}: {text}")


@contextmanager
def _translated(label: str) -> Iterator[None]:
    """Turn ``sqlite3`` errors into :class:`StorageError` naming the file."""
    try:
        yield
    except AISettingsError:
        raise
    except sqlite3.Error as error:
        raise _storage_error(label, error) from error


def _write_failure(label: str, error: Exception) -> AISettingsError:
    """What escaped a write that is neither ours nor ``sqlite3``'s, as a library error.

    The checks in ``_common`` run before every write, so these are the cases they cannot see:
    text that does not encode (``ValidationError``) and anything else (``StorageError``).
    """
    if isinstance(error, UnicodeError):
        return _common.invalid(
            (),
            "invalid_text",
            f"A value is not Unicode text (a lone surrogate) and cannot be stored in {label}.",
        )
    return StorageError(
        f"{label}: the write failed and was undone ({type(error).__name__}: {error})."
    )


_SAVEPOINT: Final = "SAVEPOINT ai_settings_write"
_RELEASE: Final = "RELEASE ai_settings_write"
_ROLLBACK_TO: Final = "ROLLBACK TO ai_settings_write"


class SqliteStore:
    """A store in one SQLite file; call it to get a unit of work.

    The file is checked (and its schema migrated forward) on first use: a file that is not a
    SQLite database, one whose tables are not ours, or one written by a newer version of this
    library is refused with :class:`~ai_settings_core.errors.StorageError`.

    Args:
        path: The database file.
        create: Create the file when it does not exist. With ``create=False`` a missing file
            reads as an empty store and nothing is created; a write raises ``StorageError``.
        busy_timeout: Seconds to wait for another connection's lock.
        pause_gc_on_load: Pause Python's cyclic garbage collector, process-wide, while rows
            are turned into projects (``load_organization``, ``get_many``, ``list``): it
            halves the time of a large load. Turn it off when the host must keep the collector
            under its own control (see ``docs/storage.md``).

    Raises:
        StorageError: ``path`` contains a NUL character (no file name can).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        busy_timeout: float = 30.0,
        pause_gc_on_load: bool = True,
    ) -> None:
        self.path = pathlib.Path(path)
        if "\x00" in str(self.path):
            # The URI would carry it as %00 and SQLite would open the name cut short there.
            raise StorageError(
                f"SQLite path {str(self.path)!r} contains a NUL character; "
                "no file name can hold one."
            )
        self.create = create
        self.busy_timeout = busy_timeout
        self.pause_gc_on_load = pause_gc_on_load
        self._checked = False
        self._check_lock = threading.Lock()

    @property
    def label(self) -> str:
        """How errors name the file."""
        return f"SQLite file {str(self.path)!r}"

    def unit_of_work(
        self,
        *,
        read_only: bool = False,
        organization_id: str | None = None,  # noqa: ARG002 - one writer at a time here
    ) -> SqliteUnitOfWork:
        """A new unit of work (enter it with ``with``).

        A writing unit takes the store's one write lock whatever its ``organization_id``.
        """
        return SqliteUnitOfWork(self, read_only=read_only)

    __call__ = unit_of_work

    def schema_version(self) -> int:
        """The schema version of the file (migrating it first); 0 when it does not exist."""
        if not self.create and not self.path.exists():
            return 0
        connection = self.connect()
        try:
            return int(connection.execute("PRAGMA user_version").fetchone()[0])
        finally:
            connection.close()

    def connect(self) -> sqlite3.Connection:
        """A new connection to the checked, migrated file, with foreign keys on.

        It is in autocommit mode (``isolation_level=None``): transactions are explicit.
        """
        with _translated(self.label):
            uri = self.path.absolute().as_uri() + ("?mode=rwc" if self.create else "?mode=rw")
            connection = sqlite3.connect(
                uri,
                uri=True,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                connection.execute("PRAGMA foreign_keys = ON")
                if not self._checked:
                    self._check(connection)
            except BaseException:
                connection.close()
                raise
            return connection

    def _check(self, connection: sqlite3.Connection) -> None:
        with self._check_lock:
            if self._checked:
                return
            # Fails on a file that is not a database; WAL persists in the file once set.
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageError(f"{self.label} cannot use write-ahead logging ({mode}).")
            _sqlite_schema.migrate(connection, self.label)
            self._checked = True

    def _empty_connection(self) -> sqlite3.Connection:
        """An in-memory database with the current schema: how a missing file reads."""
        connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA foreign_keys = ON")
        _sqlite_schema.migrate(connection, "an empty store")
        return connection


class SqliteUnitOfWork:
    """One transaction on a :class:`SqliteStore` (its own connection).

    Attributes:
        organizations: The organizations inside this transaction.
        projects: The projects inside this transaction.
        audit: The audit log inside this transaction.
    """

    def __init__(self, store: SqliteStore, *, read_only: bool = False) -> None:
        self._store = store
        self.read_only = read_only
        self._phase = _common.Phase.NEW
        self._broken = False
        self._connection: sqlite3.Connection | None = None
        self._pause_gc = store.pause_gc_on_load
        self.organizations = _Organizations(self)
        self.projects = _Projects(self)
        self.audit = _Audit(self)

    def __enter__(self) -> Self:
        if self._phase is not _common.Phase.NEW:
            raise _common.entered_twice()
        store = self._store
        if not store.create and not store.path.exists():
            if not self.read_only:
                raise StorageError(f"{store.label} does not exist; nothing was written.")
            connection = self._translate_call(store._empty_connection)  # noqa: SLF001
        else:
            connection = store.connect()
        try:
            with _translated(store.label):
                if self.read_only:
                    # A deferred BEGIN takes its snapshot at the first read: read now, so the
                    # unit sees the store as of its entry (as the in-memory adapter does).
                    connection.execute("BEGIN")
                    connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()
                else:
                    connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        self._phase = _common.Phase.ACTIVE
        return self

    def _translate_call(self, function: Callable[[], sqlite3.Connection]) -> sqlite3.Connection:
        with _translated(self._store.label):
            return function()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._phase is _common.Phase.ACTIVE:
            self.rollback()

    def commit(self) -> None:
        """Commit the transaction and finish the unit."""
        self._finish("COMMIT")

    def rollback(self) -> None:
        """Roll the transaction back and finish the unit."""
        self._finish("ROLLBACK")

    def _finish(self, statement: str) -> None:
        connection = self._active()
        self._phase = _common.Phase.DONE
        self._connection = None
        try:
            with _translated(self._store.label):
                if self._broken:
                    # A failed write could not be undone alone: keep none of the unit.
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    if statement == "COMMIT":
                        raise _lost(self._store.label)
                elif connection.in_transaction:
                    connection.execute(statement)
                elif statement == "COMMIT" and not self.read_only:
                    raise _lost(self._store.label)
        finally:
            connection.close()

    def _active(self) -> sqlite3.Connection:
        if self._phase is not _common.Phase.ACTIVE or self._connection is None:
            raise _common.not_active()
        return self._connection

    def _writable(self) -> sqlite3.Connection:
        connection = self._active()
        if self.read_only:
            raise _common.read_only()
        return connection

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        connection = self._active()
        with _translated(self._store.label):
            yield connection

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write, all or nothing inside the unit: a savepoint rolled back to on any error.

        So a save that fails halfway (and whose error the caller catches) leaves the unit as it
        was before the save, and a later commit keeps only the writes that succeeded.
        """
        connection = self._writable()
        if self._broken or not connection.in_transaction:
            # SQLite rolled the whole transaction back after an earlier error (a full disk,
            # say), or a failed write could not be undone: a write now would autocommit on
            # its own, or be committed beside half of the failed one.
            raise _lost(self._store.label)
        try:
            connection.execute(_SAVEPOINT)
            try:
                yield connection
                connection.execute(_RELEASE)
            except BaseException:
                self._undo(connection)
                raise
        except AISettingsError:
            raise
        except sqlite3.Error as error:
            raise _storage_error(self._store.label, error) from error
        except Exception as error:
            raise _write_failure(self._store.label, error) from error

    def _undo(self, connection: sqlite3.Connection) -> None:
        """Roll back to the savepoint; failing that, poison the unit so it cannot commit."""
        try:
            if connection.in_transaction:
                connection.execute(_ROLLBACK_TO)
                connection.execute(_RELEASE)
        except sqlite3.Error:
            self._broken = True


def _lost(label: str) -> StorageError:
    return StorageError(
        f"{label}: the transaction was rolled back after an earlier error; "
        "nothing of this unit of work was written."
    )


# Rows and their domain objects.

_ORGANIZATION_COLUMNS: Final = (
    "organization_id, scan_enabled, fix_enabled, stopping_point, scan_enabled_locked, "
    "fix_enabled_locked, stopping_point_locked, max_stopping_point, version"
)


def _organization(row: Sequence[Any]) -> OrganizationSettings:
    locked = frozenset(
        setting
        for setting, flag in zip(
            (Setting.SCAN_ENABLED, Setting.FIX_ENABLED, Setting.STOPPING_POINT),
            row[4:7],
            strict=True,
        )
        if flag
    )
    return OrganizationSettings(
        row[0], row[1] == 1, row[2] == 1, _POINTS[row[3]], locked, _point(row[7]), row[8]
    )


_PROJECT_COLUMNS: Final = (
    "id, project_id, scan_enabled_override, fix_enabled_override, stopping_point_override, version"
)
_OVERRIDING: Final = (
    " AND (scan_enabled_override IS NOT NULL OR fix_enabled_override IS NOT NULL"
    " OR stopping_point_override IS NOT NULL)"
)


def _unchecked_ref(provider: str, owner: str, name: str) -> RepositoryRef:
    """A repository read back from our own rows: it was validated when it was written.

    The rows' CHECK constraints and our writes keep them valid.
    """
    return trusted_repository_ref(_PROVIDERS[provider], owner, name)


def _stitch(
    organization_id: str,
    project_rows: Sequence[Sequence[Any]],
    repository_rows: Iterable[Sequence[Any]],
    pattern_rows: Iterable[Sequence[Any]],
    environment_rows: Iterable[Sequence[Any]],
) -> list[ProjectSettings]:
    """Build projects from their rows; child rows come ordered by parent and position.

    Written for speed (it is the cost of ``load_organization`` above the bare ``SELECT``):
    local names, no per-row function calls where a dict lookup does, shared immutable values.
    Callers pause the cyclic garbage collector around it (see :func:`_collector_paused`).
    """
    return _build(organization_id, project_rows, repository_rows, pattern_rows, environment_rows)


class _CollectorPause:
    """The process-wide pause of the cyclic garbage collector during loads.

    Loads may run in several threads at once, so the pause is counted: the first load to start
    disables the collector if it was enabled, the last to end re-enables it only if the pause
    disabled it and it is still disabled. A host that disables the collector itself while a
    load runs cannot be told apart from the pause, and finds it enabled again after the load;
    such a host passes ``pause_gc_on_load=False``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._disabled_here = False

    @contextmanager
    def paused(self, *, enabled: bool) -> Iterator[None]:
        """Pause the collector for the ``with`` block (a no-op when ``enabled`` is false)."""
        if not enabled:
            yield
            return
        with self._lock:
            if self._depth == 0:
                self._disabled_here = gc.isenabled()
                if self._disabled_here:
                    gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._disabled_here:
                    self._disabled_here = False
                    if not gc.isenabled():
                        gc.enable()


_COLLECTOR: Final = _CollectorPause()


def _collector_paused(*, enabled: bool) -> contextlib.AbstractContextManager[None]:
    """Pause the cyclic garbage collector, process-wide, while many acyclic objects are built.

    Everything built from rows is acyclic and immutable, so pausing collects nothing less; it
    stops the collector from walking the growing heap again and again (that halved the time of
    a 100,000-project load).
    """
    return _COLLECTOR.paused(enabled=enabled)


def _build(
    organization_id: str,
    project_rows: Sequence[Sequence[Any]],
    repository_rows: Iterable[Sequence[Any]],
    pattern_rows: Iterable[Sequence[Any]],
    environment_rows: Iterable[Sequence[Any]],
) -> list[ProjectSettings]:
    pattern_cache = _PATTERNS
    environment_cache = _ENVIRONMENTS
    if len(pattern_cache) >= _CACHE_LIMIT:
        pattern_cache.clear()
    if len(environment_cache) >= _CACHE_LIMIT:
        environment_cache.clear()
    points = _POINTS
    texts_by_repository: dict[int, list[str]] = {}
    for repository_row, text in pattern_rows:
        texts = texts_by_repository.get(repository_row)
        if texts is None:
            texts_by_repository[repository_row] = [text]
        else:
            texts.append(text)
    refs: dict[tuple[str, str, str], RepositoryRef] = {}
    repositories: dict[int, list[RepositorySettings]] = {}
    no_texts: list[str] = []
    for project_row, repository_row, provider, owner, name, ai_enabled, point in repository_rows:
        key = (provider, owner, name)
        ref = refs.get(key)
        if ref is None:
            ref = refs[key] = _unchecked_ref(provider, owner, name)
        pattern_key = tuple(texts_by_repository.get(repository_row, no_texts))
        branch_patterns = pattern_cache.get(pattern_key)
        if branch_patterns is None:
            branch_patterns = pattern_cache[pattern_key] = _make_patterns(pattern_key)
        repository = RepositorySettings(
            ref, ai_enabled == 1, branch_patterns, None if point is None else points[point]
        )
        found = repositories.get(project_row)
        if found is None:
            repositories[project_row] = [repository]
        else:
            found.append(repository)
    environments: dict[int, frozenset[str]] = {}
    names_by_project: dict[int, list[str]] = {}
    for project_row, name in environment_rows:
        names = names_by_project.get(project_row)
        if names is None:
            names_by_project[project_row] = [name]
        else:
            names.append(name)
    for project_row, names in names_by_project.items():
        environment_key = tuple(names)
        environment_set = environment_cache.get(environment_key)
        if environment_set is None:
            environment_set = environment_cache[environment_key] = frozenset(environment_key)
        environments[project_row] = environment_set
    empty: frozenset[str] = frozenset()
    get_repositories = repositories.get
    get_environments = environments.get
    make = ProjectSettings
    return [
        make(
            organization_id,
            project_id,
            None if scan is None else scan == 1,
            None if fix is None else fix == 1,
            None if point is None else points[point],
            tuple(get_repositories(row_id, ())),
            get_environments(row_id, empty),
            version,
        )
        for row_id, project_id, scan, fix, point, version in project_rows
    ]


def _chunks(values: Sequence[_V]) -> Iterator[Sequence[_V]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)


def _projects_by_rows(
    connection: sqlite3.Connection,
    organization_id: str,
    project_rows: Sequence[Sequence[Any]],
    *,
    pause_gc: bool,
) -> list[ProjectSettings]:
    """Build the projects of ``project_rows``, fetching their children by row id."""
    repository_rows: list[Any] = []
    pattern_rows: list[Any] = []
    environment_rows: list[Any] = []
    for chunk in _chunks([row[0] for row in project_rows]):
        marks = _placeholders(len(chunk))
        repository_rows += connection.execute(
            "SELECT project_row, id, provider, owner, name, ai_enabled, stopping_point_override "
            "FROM repositories WHERE project_row IN (" + marks + ") "
            "ORDER BY project_row, position",
            chunk,
        ).fetchall()
        environment_rows += connection.execute(
            "SELECT project_row, name FROM environments WHERE project_row IN (" + marks + ") "  # noqa: S608
            "ORDER BY project_row, name",
            chunk,
        ).fetchall()
    for chunk in _chunks([row[1] for row in repository_rows]):
        pattern_rows += connection.execute(
            "SELECT repository_row, pattern FROM branch_patterns "  # noqa: S608
            "WHERE repository_row IN (" + _placeholders(len(chunk)) + ") "
            "ORDER BY repository_row, position",
            chunk,
        ).fetchall()
    with _collector_paused(enabled=pause_gc):
        return _stitch(
            organization_id, project_rows, repository_rows, pattern_rows, environment_rows
        )


LOAD_QUERIES: Final = (
    ("SELECT " + _PROJECT_COLUMNS + " FROM projects WHERE organization_id = ? ORDER BY project_id"),  # noqa: S608
    (
        "SELECT r.project_row, r.id, r.provider, r.owner, r.name, r.ai_enabled, "
        "r.stopping_point_override FROM projects AS p "
        "JOIN repositories AS r ON r.project_row = p.id "
        "WHERE p.organization_id = ? ORDER BY r.project_row, r.position"
    ),
    (
        "SELECT b.repository_row, b.pattern FROM projects AS p "
        "JOIN repositories AS r ON r.project_row = p.id "
        "JOIN branch_patterns AS b ON b.repository_row = r.id "
        "WHERE p.organization_id = ? ORDER BY b.repository_row, b.position"
    ),
    (
        "SELECT e.project_row, e.name FROM projects AS p "
        "JOIN environments AS e ON e.project_row = p.id "
        "WHERE p.organization_id = ? ORDER BY e.project_row, e.name"
    ),
)
"""The four queries that load every project of an organization (benchmarks reuse them)."""


@attrs.frozen
class _Organizations:
    _uow: SqliteUnitOfWork

    def get(self, organization_id: str) -> OrganizationSettings | None:
        with self._uow._reading() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            return _get_organization(connection, organization_id)

    def save(
        self, settings: OrganizationSettings, expected_version: int | None = None
    ) -> OrganizationSettings:
        with self._uow._writing() as connection:  # noqa: SLF001
            _common.check_organization(settings)
            row = connection.execute(
                "SELECT version FROM organizations WHERE organization_id = ?",
                (settings.organization_id,),
            ).fetchone()
            actual = 0 if row is None else row[0]
            _common.check_expected(
                f"Organization {settings.organization_id!r}", expected_version, actual
            )
            saved = attrs.evolve(settings, version=actual + 1)
            locked = saved.locked
            connection.execute(
                "INSERT INTO organizations (" + _ORGANIZATION_COLUMNS + ") "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (organization_id) DO UPDATE SET "
                "scan_enabled = excluded.scan_enabled, fix_enabled = excluded.fix_enabled, "
                "stopping_point = excluded.stopping_point, "
                "scan_enabled_locked = excluded.scan_enabled_locked, "
                "fix_enabled_locked = excluded.fix_enabled_locked, "
                "stopping_point_locked = excluded.stopping_point_locked, "
                "max_stopping_point = excluded.max_stopping_point, version = excluded.version",
                (
                    saved.organization_id,
                    int(saved.scan_enabled),
                    int(saved.fix_enabled),
                    saved.stopping_point.value,
                    int(Setting.SCAN_ENABLED in locked),
                    int(Setting.FIX_ENABLED in locked),
                    int(Setting.STOPPING_POINT in locked),
                    _text(saved.max_stopping_point),
                    saved.version,
                ),
            )
            return saved


def _get_organization(
    connection: sqlite3.Connection, organization_id: str
) -> OrganizationSettings | None:
    row = connection.execute(
        "SELECT " + _ORGANIZATION_COLUMNS + " FROM organizations WHERE organization_id = ?",  # noqa: S608
        (organization_id,),
    ).fetchone()
    return None if row is None else _organization(row)


@attrs.frozen
class _Projects:
    _uow: SqliteUnitOfWork

    def get(self, organization_id: str, project_id: str) -> ProjectSettings | None:
        with self._uow._reading():  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            _common.check_lookup(("project_id",), project_id)
        found = self.get_many(organization_id, (project_id,))
        return found.get(project_id)

    def get_many(
        self, organization_id: str, project_ids: Iterable[str]
    ) -> Mapping[str, ProjectSettings]:
        with self._uow._reading() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            asked = list(project_ids)
            for project_id in asked:
                _common.check_lookup(("project_ids",), project_id)
            wanted = list(dict.fromkeys(asked))
            rows: list[Any] = []
            for chunk in _chunks(wanted):
                rows += connection.execute(
                    "SELECT " + _PROJECT_COLUMNS + " FROM projects "  # noqa: S608
                    "WHERE organization_id = ? AND project_id IN ("
                    + _placeholders(len(chunk))
                    + ")",
                    (organization_id, *chunk),
                ).fetchall()
            projects = _projects_by_rows(
                connection,
                organization_id,
                rows,
                pause_gc=self._uow._pause_gc,  # noqa: SLF001
            )
            return {project.project_id: project for project in projects}

    def save(
        self, project: ProjectSettings, expected_version: int | None = None
    ) -> ProjectSettings:
        with self._uow._writing() as connection:  # noqa: SLF001
            _common.check_project(project)
            row = connection.execute(
                "SELECT id, version FROM projects WHERE organization_id = ? AND project_id = ?",
                (project.organization_id, project.project_id),
            ).fetchone()
            actual = 0 if row is None else row[1]
            _common.check_expected(
                f"Project {project.project_id!r} of organization {project.organization_id!r}",
                expected_version,
                actual,
            )
            saved = attrs.evolve(project, version=actual + 1)
            values = (
                _int(saved.scan_enabled_override),
                _int(saved.fix_enabled_override),
                _text(saved.stopping_point_override),
                saved.version,
            )
            if row is None:
                cursor = connection.execute(
                    "INSERT INTO projects (organization_id, project_id, scan_enabled_override, "
                    "fix_enabled_override, stopping_point_override, version) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (saved.organization_id, saved.project_id, *values),
                )
                row_id = cursor.lastrowid
            else:
                row_id = row[0]
                connection.execute(
                    "UPDATE projects SET scan_enabled_override = ?, fix_enabled_override = ?, "
                    "stopping_point_override = ?, version = ? WHERE id = ?",
                    (*values, row_id),
                )
                connection.execute("DELETE FROM repositories WHERE project_row = ?", (row_id,))
                connection.execute("DELETE FROM environments WHERE project_row = ?", (row_id,))
            _insert_children(connection, row_id, saved)
            return saved

    def delete(
        self, organization_id: str, project_id: str, expected_version: int | None = None
    ) -> bool:
        with self._uow._writing() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            _common.check_lookup(("project_id",), project_id)
            row = connection.execute(
                "SELECT id, version FROM projects WHERE organization_id = ? AND project_id = ?",
                (organization_id, project_id),
            ).fetchone()
            actual = 0 if row is None else row[1]
            _common.check_expected(
                f"Project {project_id!r} of organization {organization_id!r}",
                expected_version,
                actual,
            )
            if row is None:
                return False
            connection.execute("DELETE FROM projects WHERE id = ?", (row[0],))
            return True

    def list(
        self,
        organization_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        overriding_only: bool = False,
    ) -> Page[ProjectSettings]:
        with self._uow._reading() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            limit = _common.check_limit(limit)
            after = _common.decode_project_cursor(cursor)
            sql = "SELECT " + _PROJECT_COLUMNS + " FROM projects WHERE organization_id = ?"  # noqa: S608
            parameters: list[object] = [organization_id]
            if after is not None:
                sql += " AND project_id > ?"
                parameters.append(after)
            if overriding_only:
                sql += _OVERRIDING
            sql += " ORDER BY project_id LIMIT ?"
            parameters.append(limit + 1)
            rows = connection.execute(sql, parameters).fetchall()
            more = len(rows) > limit
            items = _projects_by_rows(
                connection,
                organization_id,
                rows[:limit],
                pause_gc=self._uow._pause_gc,  # noqa: SLF001
            )
            next_cursor = _common.encode_project_cursor(items[-1].project_id) if more else None
            return Page(tuple(items), next_cursor)

    def load_organization(self, organization_id: str) -> OrganizationState:
        """Every project of an organization, with its settings, from four ordered queries.

        Unless the store was made with ``pause_gc_on_load=False``, Python's cyclic garbage
        collector is paused *process-wide* (every thread) for the duration of the load: the
        rows become acyclic, immutable objects, and not walking the growing heap again and
        again halves a large load. It is re-enabled when the last concurrent load ends, if the
        pause disabled it and it is still disabled.
        """
        with self._uow._reading() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            organization = _get_organization(connection, organization_id)
            parameters = (organization_id,)
            pause_gc = self._uow._pause_gc  # noqa: SLF001
            with _collector_paused(enabled=pause_gc):
                project_rows, repository_rows, pattern_rows, environment_rows = (
                    connection.execute(query, parameters).fetchall() for query in LOAD_QUERIES
                )
                projects = _stitch(
                    organization_id, project_rows, repository_rows, pattern_rows, environment_rows
                )
            return OrganizationState(organization_id, organization, tuple(projects))


def _insert_children(
    connection: sqlite3.Connection, row_id: int | None, project: ProjectSettings
) -> None:
    for position, repository in enumerate(project.repositories):
        ref = repository.repository
        provider, owner_key, name_key = ref.key
        cursor = connection.execute(
            "INSERT INTO repositories (project_row, position, provider, owner, name, owner_key, "
            "name_key, ai_enabled, stopping_point_override) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row_id,
                position,
                provider,
                ref.owner,
                ref.name,
                owner_key,
                name_key,
                int(repository.ai_enabled),
                _text(repository.stopping_point_override),
            ),
        )
        repository_row = cursor.lastrowid
        connection.executemany(
            "INSERT INTO branch_patterns (repository_row, position, pattern) VALUES (?, ?, ?)",
            [
                (repository_row, index, pattern.text)
                for index, pattern in enumerate(repository.branch_patterns)
            ],
        )
    if project.environments:
        connection.executemany(
            "INSERT INTO environments (project_row, name) VALUES (?, ?)",
            [(row_id, name) for name in project.environments],
        )


_AUDIT_COLUMNS: Final = (
    "id, organization_id, project_id, actor, event, target, occurred_at, stored_changes, "
    "effective_changes"
)


@attrs.frozen
class _Audit:
    _uow: SqliteUnitOfWork

    def append(self, entry: AuditEntry) -> AuditEntry:
        with self._uow._writing() as connection:  # noqa: SLF001
            _common.check_audit_entry(entry)
            cursor = connection.execute(
                "INSERT INTO audit_log (organization_id, project_id, actor, event, target, "
                "occurred_at, stored_changes, effective_changes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.organization_id,
                    entry.project_id,
                    entry.actor,
                    entry.event.value,
                    entry.target,
                    _common.format_timestamp(entry.occurred_at),
                    _common.changes_to_json(entry.stored_changes),
                    _common.changes_to_json(entry.effective_changes),
                ),
            )
            entry_id = cursor.lastrowid
            if entry_id is None:  # pragma: no cover - sqlite3 always sets it after an INSERT
                raise StorageError("The audit log did not assign an id.")
            return attrs.evolve(entry, id=entry_id)

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
        with self._uow._reading() as connection:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            if project_id is not None:
                _common.check_lookup(("project_id",), project_id)
            limit = _common.check_limit(limit)
            since = _common.check_time("since", since)
            until = _common.check_time("until", until)
            before = _common.decode_audit_cursor(cursor)
            sql = "SELECT " + _AUDIT_COLUMNS + " FROM audit_log WHERE organization_id = ?"  # noqa: S608
            parameters: list[object] = [organization_id]
            if project_id is not None:
                sql += " AND project_id = ?"
                parameters.append(project_id)
            if since is not None:
                sql += " AND occurred_at >= ?"
                parameters.append(_common.format_timestamp(since))
            if until is not None:
                sql += " AND occurred_at < ?"
                parameters.append(_common.format_timestamp(until))
            if before is not None:
                sql += " AND id < ?"
                parameters.append(before)
            sql += " ORDER BY id DESC LIMIT ?"
            parameters.append(limit + 1)
            rows = connection.execute(sql, parameters).fetchall()
            items = tuple(_audit_entry(row) for row in rows[:limit])
            more = len(rows) > limit
            return Page(items, _common.encode_audit_cursor(items[-1].id) if more else None)


def _audit_entry(row: Sequence[Any]) -> AuditEntry:
    return AuditEntry(
        organization_id=row[1],
        project_id=row[2],
        actor=row[3],
        event=_EVENTS[row[4]],
        target=row[5],
        occurred_at=_common.parse_timestamp(row[6]),
        stored_changes=_common.changes_from_json(row[7]),
        effective_changes=_common.changes_from_json(row[8]),
        id=row[0],
    )
