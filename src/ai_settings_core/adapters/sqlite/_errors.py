"""``sqlite3``'s errors as the library's :class:`~ai_settings_core.errors.StorageError`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ai_settings_core.errors import AISettingsError, StorageError, StorageUnavailableError

__all__: list[str] = []


def _storage_error(label: str, error: sqlite3.Error) -> StorageError:
    """A ``sqlite3`` error as a :class:`StorageError` naming the file.

    A lock held too long by another connection is :class:`StorageUnavailableError`: trying
    again later may succeed.
    """
    text = str(error)
    if isinstance(error, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return StorageUnavailableError(
            f"{label} is busy: another process held its lock for too long ({text})."
        )
    if isinstance(error, sqlite3.DatabaseError) and "not a database" in text:
        return StorageError(f"{label} is not a SQLite database.")
    return StorageError(f"{label}: {text}")


@contextmanager
def translated(label: str) -> Iterator[None]:
    """Turn ``sqlite3`` errors into :class:`StorageError` naming the file."""
    try:
        yield
    except AISettingsError:
        raise
    except sqlite3.Error as error:
        raise _storage_error(label, error) from error
