"""The unit of work every adapter builds on: its phases, its ends, and one write at a time.

:class:`UnitOfWorkBase` holds what the in-memory and SQLite adapters (and any adapter written
the same way; see ``docs/writing-an-adapter.md``) must do alike; a subclass says how its store
begins, ends and closes a transaction and sets, releases and rolls back to a savepoint.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from ai_settings_core.adapters._common import invalid
from ai_settings_core.adapters._feed import Recorder
from ai_settings_core.errors import AISettingsError, StorageError
from ai_settings_core.ports import Change

__all__ = ["Phase", "UnitOfWorkBase"]


class Phase(enum.Enum):
    """Where a unit of work is in its life: not entered, inside its block, finished."""

    NEW = "new"
    ACTIVE = "active"
    DONE = "done"


def entered_twice() -> StorageError:
    """The error for entering a unit of work a second time."""
    return StorageError("A unit of work can be entered only once.")


def not_active() -> StorageError:
    """The error for using a unit of work outside its block, or after it finished."""
    return StorageError(
        "The unit of work is not active: use it inside its `with` block, before commit or rollback."
    )


def read_only() -> StorageError:
    """The error for writing through a read-only unit of work."""
    return StorageError("This unit of work is read-only.")


def scoped(scope: str, organization_id: object) -> StorageError:
    """The error for writing another organization through a unit scoped to ``scope``."""
    return StorageError(
        f"This unit of work is scoped to organization {scope!r}; "
        f"it cannot write organization {organization_id!r}."
    )


def lost(label: str) -> StorageError:
    """The error for writing or committing after the transaction was lost."""
    return StorageError(
        f"{label}: the transaction was rolled back after an earlier error; "
        "nothing of this unit of work was written."
    )


def write_failure(label: str, error: Exception, *, undone: bool = True) -> AISettingsError:
    """What escaped a write that is neither a library error nor the driver's, as a library error.

    The checks in ``_common`` run before every write, so these are the cases they cannot see:
    text that does not encode (``ValidationError``) and anything else (``StorageError``).
    ``undone=False``: the write could not be undone, so the unit will keep nothing.
    """
    if isinstance(error, UnicodeError):
        return invalid(
            (),
            "invalid_text",
            f"A value is not Unicode text (a lone surrogate) and cannot be stored in {label}.",
        )
    outcome = "was undone" if undone else "could not be undone: nothing of this unit will be kept"
    return StorageError(
        f"{label}: the write failed and {outcome} ({type(error).__name__}: {error})."
    )


HandleT = TypeVar("HandleT")


class UnitOfWorkBase(abc.ABC, Generic[HandleT]):
    """One transaction: the phases, ends and write path every shipped unit of work shares.

    A subclass owns a *handle* (a connection, a snapshot with pending writes: whatever its
    repositories read and write through) and says how to begin, end and close it, and how to
    set, release and roll back to a savepoint. The base does the rest, the same everywhere:

    - **Phases.** A unit is entered once (else :func:`entered_twice`), used only inside its
      block and before it finishes (else :func:`not_active`), and writes only when it is not
      read-only (else :func:`read_only`) and, when it is scoped to an organization, only that
      organization's records (else :func:`scoped`).
    - **Ends.** ``commit`` and ``rollback`` finish the unit; leaving the block unfinished rolls
      it back. The handle is closed once, whatever happens.
    - **Writes.** Every write runs inside :meth:`_writing`: a savepoint, rolled back to on any
      error, so a failed write (whose error the caller may catch) leaves the unit as it was
      before it, and a later commit keeps only the writes that succeeded. When the undo itself
      fails, or the database dropped the transaction on its own, the unit is unusable: every
      later write and the commit raise :func:`lost`, and nothing of it is kept.
    - **The change feed.** Each successful write is recorded (which organization, and its
      settings or which project); ``commit`` hands the records to :meth:`_publish` inside the
      transaction, before it ends, so every write path advances the organizations'
      generations without doing anything itself.
    - **Errors.** The driver's errors become library errors through :meth:`_translate`;
      anything else escaping a write becomes :func:`write_failure`.

    Args:
        label: How errors name the store.
        read_only: Whether the unit refuses writes (and so takes no write lock).
        organization_id: The organization a writing unit is scoped to (``None``: the whole
            store; a read-only unit is never scoped).
    """

    def __init__(
        self, label: str, *, read_only: bool = False, organization_id: str | None = None
    ) -> None:
        self.read_only = read_only
        self.organization_id = None if read_only else organization_id
        self._label = label
        self._phase = Phase.NEW
        self._broken = False
        self._handle: HandleT | None = None
        self._written = Recorder()

    # What a subclass provides.

    @abc.abstractmethod
    def _begin(self) -> HandleT:
        """Start the transaction (with the write lock unless read-only); return its handle.

        On failure, release whatever it took before raising.
        """

    @abc.abstractmethod
    def _end(self, handle: HandleT, *, commit: bool) -> None:
        """Commit the open transaction, or roll it back."""

    @abc.abstractmethod
    def _close(self, handle: HandleT) -> None:
        """Release what :meth:`_begin` took (a connection, a lock); runs once, at the end."""

    @abc.abstractmethod
    def _publish(self, handle: HandleT, changes: list[Change]) -> None:
        """Advance each written organization's generation and keep its change record.

        Runs inside the committing transaction, before it ends; ``changes`` come with
        generation 0 (the store assigns it).
        """

    @abc.abstractmethod
    def _savepoint(self, handle: HandleT) -> None:
        """Mark the state a write may have to return to."""

    @abc.abstractmethod
    def _release_savepoint(self, handle: HandleT) -> None:
        """Forget the mark: the write succeeded."""

    @abc.abstractmethod
    def _rollback_to_savepoint(self, handle: HandleT) -> None:
        """Return to the mark and forget it: the write failed."""

    def _alive(self, handle: HandleT) -> bool:  # noqa: ARG002 - a hook; the default is a constant
        """Whether the transaction is still open (the database may drop it after an error)."""
        return True

    def _translate(self, error: Exception) -> AISettingsError | None:  # noqa: ARG002 - a hook
        """The driver's ``error`` as a library error; ``None`` when it is not the driver's."""
        return None

    # The phases.

    def __enter__(self) -> Self:
        if self._phase is not Phase.NEW:
            raise entered_twice()
        with self._translated():
            self._handle = self._begin()
        self._phase = Phase.ACTIVE
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._phase is Phase.ACTIVE:
            self.rollback()

    def commit(self) -> None:
        """Keep every write of the unit, and finish it."""
        self._finish(commit=True)

    def rollback(self) -> None:
        """Discard every write of the unit, and finish it."""
        self._finish(commit=False)

    def _finish(self, *, commit: bool) -> None:
        handle = self._active()
        self._phase = Phase.DONE
        self._handle = None
        try:
            with self._translated():
                alive = self._alive(handle)
                if alive and not self._broken:
                    changes = self._written.changes()
                    if commit and changes:
                        try:
                            self._publish(handle, changes)
                        except BaseException:
                            self._end(handle, commit=False)
                            raise
                    self._end(handle, commit=commit)
                    return
                # A failed write could not be undone, or the transaction is gone: keep nothing.
                if alive:
                    self._end(handle, commit=False)
                if commit and not self.read_only:
                    raise lost(self._label)
        finally:
            self._written.clear()
            self._close(handle)

    def _active(self) -> HandleT:
        handle = self._handle
        if self._phase is not Phase.ACTIVE or handle is None:
            raise not_active()
        return handle

    # Reads and writes, for the repositories.

    def _translated(self) -> _Translated[None]:
        """The driver's errors translated (``_translate``) on the way out of the block."""
        return _Translated(self, None)

    def _reading(self) -> _Translated[HandleT]:
        """The handle, for reads inside the unit, with the driver's errors translated."""
        return _Translated(self, self._active())

    @contextmanager
    def _writing(
        self,
        organization_id: object,
        *,
        project_id: str | None = None,
        settings: bool = True,
    ) -> Iterator[HandleT]:
        """The handle, for one write of ``organization_id``'s records: all or nothing.

        When it succeeds it is recorded for the change feed: as a write of ``project_id``
        when one is named, else of the organization's settings (a reader reloads them);
        ``settings=False`` says it wrote nothing a decision depends on (an audit entry).
        """
        handle = self._active()
        if self.read_only:
            raise read_only()
        if self.organization_id is not None and organization_id != self.organization_id:
            raise scoped(self.organization_id, organization_id)
        if self._broken or not self._alive(handle):
            # A write now would run outside the transaction, or beside half of a failed one.
            raise lost(self._label)
        try:
            self._savepoint(handle)
            try:
                yield handle
                self._release_savepoint(handle)
            except BaseException:
                self._undo(handle)
                raise
            # The write checked ``organization_id``: it is the text it stored.
            self._written.record(str(organization_id), project_id, settings=settings)
        except AISettingsError:
            raise
        except Exception as error:
            failure = self._translate(error) or write_failure(
                self._label, error, undone=not self._broken
            )
            raise failure from error

    def _undo(self, handle: HandleT) -> None:
        """Roll back to the savepoint; failing that, mark the unit unusable."""
        try:
            if self._alive(handle):
                self._rollback_to_savepoint(handle)
        except Exception:  # noqa: BLE001 - whatever broke the undo, the unit must not commit
            self._broken = True


_ValueT = TypeVar("_ValueT")


class _Translated(Generic[_ValueT]):
    """A block whose driver errors are translated on the way out; it gives ``value``.

    A class rather than a generator-based context manager: every unit and every read of
    every request enters one, and this costs a third as much.
    """

    __slots__ = ("_unit", "_value")

    def __init__(self, unit: UnitOfWorkBase[Any], value: _ValueT) -> None:
        self._unit = unit
        self._value = value

    def __enter__(self) -> _ValueT:
        return self._value

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not isinstance(exc, Exception) or isinstance(exc, AISettingsError):
            return
        translated = self._unit._translate(exc)  # noqa: SLF001 - the unit's own hook
        if translated is not None:
            raise translated from exc
