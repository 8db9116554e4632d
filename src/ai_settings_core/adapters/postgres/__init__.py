"""The PostgreSQL adapter (the ``postgres`` extra: psycopg 3 and psycopg_pool).

For installations that run many application servers against one database. The tables live in
one schema (``ai_settings`` unless told otherwise), beside the host's own; ``docs/storage.md``
describes them, the migrations, the locks and the pools.

A store is set up once with :meth:`PostgresStore.migrate` (or ``ai-settings --db URL
migrate``), then used like every other store::

    store = PostgresStore("postgresql://app@db.internal/app", schema="ai_settings")
    store.migrate()
    with store(organization_id="acme") as uow:
        uow.projects.save(ProjectSettings("acme", "web", fix_enabled_override=True))
        uow.commit()
    with store(read_only=True) as uow:
        project = uow.projects.get("acme", "web")
    store.close()

``tests/integration/test_postgres_store.py`` runs this example against a real server.
"""

from __future__ import annotations

from ai_settings_core.adapters.postgres._rows import LOAD_QUERY
from ai_settings_core.adapters.postgres._schema import CURRENT_VERSION
from ai_settings_core.adapters.postgres._store import PostgresStore
from ai_settings_core.adapters.postgres._unit import PostgresUnitOfWork

__all__ = ["CURRENT_VERSION", "LOAD_QUERY", "PostgresStore", "PostgresUnitOfWork"]
