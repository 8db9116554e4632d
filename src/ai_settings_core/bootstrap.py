"""One place that turns a store URL into a store and a service, for every edge.

The command line, the HTTP kit's servers and a host's own scripts name their storage with one
string (``--db``, ``AI_SETTINGS_DB``):

- a path, or ``sqlite:///relative/path`` / ``sqlite:////absolute/path``: a SQLite file
  (the URL form takes ``?synchronous=normal``, ``busy_timeout=SECONDS``, ``pool_size=N``);
- ``memory:``: a fresh in-memory store (tests, demos);
- ``postgresql://...`` or ``postgres://...``: a PostgreSQL database (the ``postgres`` extra).

>>> from ai_settings_core.bootstrap import open_store
>>> type(open_store("memory:")).__name__
'MemoryStore'
"""

from __future__ import annotations

import importlib
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from ai_settings_core.errors import InvalidValueError, StorageError
from ai_settings_core.ports import UnitOfWorkFactory

if TYPE_CHECKING:
    from ai_settings_core.service import SettingsService

__all__ = ["DEFAULT_DB", "Store", "build_service", "open_store", "sqlite_path", "store_kind"]

DEFAULT_DB: Final = "ai-settings.db"
"""The SQLite file the command line uses when no store is named."""

_POSTGRES_SCHEMES: Final = ("postgresql://", "postgres://")


class Store(UnitOfWorkFactory, Protocol):
    """A store the edges can use: a unit-of-work factory with a human label for messages."""

    @property
    def label(self) -> str:
        """How messages name the store (a file, a database)."""
        ...


def store_kind(url: str) -> str:
    """Which adapter ``url`` names: ``"sqlite"``, ``"postgres"`` or ``"memory"``.

    >>> store_kind("ai-settings.db"), store_kind("postgresql://db/settings"), store_kind("memory:")
    ('sqlite', 'postgres', 'memory')
    """
    if url.startswith(_POSTGRES_SCHEMES):
        return "postgres"
    if url == "memory:":
        return "memory"
    return "sqlite"


def sqlite_path(url: str) -> Path:
    """The file a SQLite ``url`` names (a plain path, or ``sqlite:///path``)."""
    if url.startswith("sqlite:///"):
        url, _ = _sqlite_options(url)  # checks the query's options too
        return Path(url.removeprefix("sqlite:///") or ".")
    if url.startswith("sqlite:"):
        raise InvalidValueError(
            "invalid_store_url",
            f"Invalid SQLite URL: {url!r} (expected sqlite:///relative or sqlite:////absolute).",
        )
    if not url:
        raise InvalidValueError("invalid_store_url", "No store named: give a path or a URL.")
    return Path(url)


def open_store(
    url: str,
    *,
    create: bool = True,
    **options: Any,  # noqa: ANN401 - the adapter's keyword arguments
) -> Store:
    """The store ``url`` names (see the module's notes), opened with the adapter's ``options``.

    ``create=False`` opens an existing store only: a SQLite file that does not exist yet is
    not created (a read of a missing file reads as nothing stored).

    Raises:
        InvalidValueError: ``url`` is not a store URL (``sqlite:relative``, an empty string).
        StorageError: ``url`` names PostgreSQL and its adapter cannot be imported.
    """
    kind = store_kind(url)
    if kind == "memory":
        from ai_settings_core.adapters.memory import MemoryStore  # noqa: PLC0415 - on demand

        memory: Store = MemoryStore(**options)
        return memory
    if kind == "postgres":
        try:
            module = importlib.import_module("ai_settings_core.adapters.postgres")
        except ImportError as error:
            raise StorageError(
                f"PostgreSQL stores need the postgres extra "
                f"(pip install 'ai-settings-core[postgres]'): {error}"
            ) from error
        postgres: Store = module.PostgresStore(url, **options)
        return postgres
    from ai_settings_core.adapters.sqlite import SqliteStore  # noqa: PLC0415 - on demand

    path = sqlite_path(url)
    _, url_options = _sqlite_options(url)
    sqlite: Store = SqliteStore(path, create=create, **{**url_options, **options})
    return sqlite


_SQLITE_URL_OPTIONS: Final = {"synchronous": str, "busy_timeout": float, "pool_size": int}


def _sqlite_options(url: str) -> tuple[str, dict[str, Any]]:
    """A ``sqlite:///`` URL without its query, and the store options the query names.

    >>> _sqlite_options("sqlite:///x.db?synchronous=normal&busy_timeout=2.5")
    ('sqlite:///x.db', {'synchronous': 'normal', 'busy_timeout': 2.5})

    A plain path is taken as it is (a file name may hold a ``?``).
    """
    if not url.startswith("sqlite:///") or "?" not in url:
        return url, {}
    url, _, query = url.partition("?")
    options: dict[str, Any] = {}
    for name, values in urllib.parse.parse_qs(query, keep_blank_values=True).items():
        convert = _SQLITE_URL_OPTIONS.get(name)
        if convert is None or len(values) != 1:
            raise InvalidValueError(
                "invalid_store_url",
                f"Unknown or repeated SQLite URL option {name!r} "
                f"(known: {', '.join(_SQLITE_URL_OPTIONS)}).",
            )
        try:
            options[name] = convert(values[0])
        except ValueError:
            raise InvalidValueError(
                "invalid_store_url", f"Invalid value for SQLite URL option {name!r}."
            ) from None
    return url, options


def build_service(
    url: str,
    *,
    create: bool = True,
    **service_options: Any,  # noqa: ANN401 - SettingsService's keyword arguments
) -> SettingsService:
    """A :class:`~ai_settings_core.SettingsService` on the store ``url`` names."""
    from ai_settings_core.service import SettingsService  # noqa: PLC0415 - on demand

    return SettingsService(open_store(url, create=create), **service_options)
