"""The SQLite adapter, on the standard library's ``sqlite3``: the embedded default.

One file holds everything, in tables a person can query (``organizations``, ``projects``,
``repositories``, ``branch_patterns``, ``environments``, ``audit_log``; see ``docs/storage.md``).
Several processes may use one file at once: the file is in write-ahead-log mode, connections
wait up to ``busy_timeout`` seconds for a lock, and a unit of work that may write starts with
``BEGIN IMMEDIATE``, so a read-modify-write inside it is atomic against every other writer.
A read takes no write lock, not even on a store's first use of the file.

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

The package's modules: ``_store`` (the file and its connections), ``_schema`` (migrations and
the checks made before a file is changed), ``_unit_of_work`` (one transaction, on the shared
base), ``_repositories`` (the SQL of each repository), ``_rows`` (rows to domain objects),
``_collector`` (the garbage-collector pause of large loads), ``_errors`` (``sqlite3`` errors as
library errors).
"""

from __future__ import annotations

from ai_settings_core.adapters.sqlite._rows import LOAD_QUERIES as LOAD_QUERIES
from ai_settings_core.adapters.sqlite._store import SqliteStore
from ai_settings_core.adapters.sqlite._unit_of_work import SqliteUnitOfWork

__all__ = ["SqliteStore", "SqliteUnitOfWork"]

# The public home of the classes, for their repr, docs and pickles.
SqliteStore.__module__ = SqliteUnitOfWork.__module__ = __name__
