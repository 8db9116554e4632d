"""The PostgreSQL store: connections from a pool, the schema check, the write locks."""

from __future__ import annotations

import hashlib
import threading
import urllib.parse
from typing import TYPE_CHECKING, Any, Final

import psycopg
import psycopg_pool
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from ai_settings_core.adapters.postgres import _schema
from ai_settings_core.adapters.postgres._errors import translate
from ai_settings_core.errors import AISettingsError, StorageError, StorageUnavailableError

if TYPE_CHECKING:
    from ai_settings_core.adapters.postgres._listen import PostgresListener
    from ai_settings_core.adapters.postgres._unit import PostgresUnitOfWork

__all__ = ["PostgresStore", "split_schema"]

Connection = psycopg.Connection[tuple[Any, ...]]
_MAX_SCHEMA_BYTES: Final = 63


def split_schema(dsn: str) -> tuple[str, str | None]:
    """A URL without its ``schema`` query parameter (not libpq's), and that parameter.

    >>> split_schema("postgresql://db/app?schema=tenant_a&sslmode=require")
    ('postgresql://db/app?sslmode=require', 'tenant_a')
    """
    if not dsn.startswith(("postgresql://", "postgres://")):
        return dsn, None
    parts = urllib.parse.urlsplit(dsn)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for name, value in query if name == "schema"]
    if not schemas:
        return dsn, None
    kept = urllib.parse.urlencode([(name, value) for name, value in query if name != "schema"])
    return urllib.parse.urlunsplit(parts._replace(query=kept)), schemas[-1]


def _lock_key(*parts: str) -> int:
    """A signed 64-bit advisory-lock key for ``parts`` (stable across processes and hosts)."""
    digest = hashlib.blake2b("\x1f".join(("ai_settings_core", *parts)).encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


class PostgresStore:
    """A store in one schema of a PostgreSQL database; call it to get a unit of work.

    The schema is created and upgraded by :meth:`migrate` only (``ai-settings migrate``), never
    by a read: the first unit of work checks its version once and refuses, with
    :class:`~ai_settings_core.errors.StorageError`, a schema that is missing, older than this
    library needs, or newer than it knows.

    A writing unit of work scoped to an organization (``store(organization_id="acme")``) takes
    a transaction-scoped advisory lock of that organization (and the store-wide lock in shared
    mode), so writers of different organizations run side by side; ``organization_id=None``
    takes the store-wide lock exclusively. A read-only unit takes no lock and reads one
    ``REPEATABLE READ`` snapshot.

    Args:
        dsn_or_pool: A connection string (``postgresql://user@host:5432/db``), or a
            ``psycopg_pool.ConnectionPool`` the host already has (the store borrows its
            connections and leaves its settings as it found them; the host closes it).
        schema: The schema holding the tables (created by :meth:`migrate`); default: the
            URL's ``schema`` query parameter (``postgresql://db/app?schema=tenant_a``, how the
            command line names one), else ``ai_settings``.
        max_size: Connections of the store's own pool (when given a connection string).
        timeout: Seconds a unit of work waits for a free connection.
        lock_timeout: Seconds a writing unit waits for another writer's lock.
        connect_timeout: Seconds to wait for the server when connecting.

    Raises:
        StorageError: The schema name or the connection string is not valid.
    """

    def __init__(
        self,
        dsn_or_pool: str | psycopg_pool.ConnectionPool[Any],
        *,
        schema: str | None = None,
        max_size: int = 10,
        timeout: float = 30.0,
        lock_timeout: float = 30.0,
        connect_timeout: float = 10.0,
    ) -> None:
        if isinstance(dsn_or_pool, str):
            dsn_or_pool, named = split_schema(dsn_or_pool)
            if schema is None:
                schema = named
        if schema is None:
            schema = "ai_settings"
        if (
            not isinstance(schema, str)
            or not schema
            or "\x00" in schema
            or len(schema.encode("utf-8", "replace")) > _MAX_SCHEMA_BYTES
        ):
            raise StorageError(
                f"Invalid schema name {schema!r}: 1 to {_MAX_SCHEMA_BYTES} bytes, no NUL."
            )
        self.schema = schema
        self.timeout = timeout
        self.lock_timeout = lock_timeout
        self.connect_timeout = connect_timeout
        self._own_pool = isinstance(dsn_or_pool, str)
        if isinstance(dsn_or_pool, str):
            conninfo = dsn_or_pool
            try:
                params = conninfo_to_dict(conninfo)
            except psycopg.Error as error:
                raise StorageError(f"Invalid PostgreSQL connection string: {error}") from None
            self._pool: psycopg_pool.ConnectionPool[Any] = psycopg_pool.ConnectionPool(
                conninfo,
                min_size=1,
                max_size=max_size,
                open=False,
                timeout=timeout,
                kwargs={"autocommit": True, "connect_timeout": max(1, round(connect_timeout))},
                check=psycopg_pool.ConnectionPool.check_connection,
                name=f"ai_settings:{schema}",
            )
        else:
            self._pool = dsn_or_pool
        self._conninfo = _conninfo(self._pool)
        if not isinstance(dsn_or_pool, str):
            params = conninfo_to_dict(self._conninfo)
        host = params.get("host") or "localhost"
        where = f"{host}:{params.get('port') or 5432}/{params.get('dbname') or params.get('user')}"
        self._label = f"PostgreSQL schema {schema!r} at {where}"
        self._ready = False
        self._ready_lock = threading.Lock()
        self._identifier = sql.Identifier(schema)
        self.store_lock_key = _lock_key("store", schema)
        self.migration_lock_key = _lock_key("migrate", schema)
        self.feed_channel = f"ai_settings_feed_{_lock_key('feed', schema) & (2**64 - 1):016x}"
        """The ``NOTIFY`` channel a commit that wrote anything notifies (one per schema)."""

    @property
    def label(self) -> str:
        """How errors name the store (the schema and the server, never a password)."""
        return self._label

    def organization_lock_key(self, organization_id: str) -> int:
        """The advisory-lock key a writer scoped to ``organization_id`` holds."""
        return _lock_key("organization", self.schema, organization_id)

    def unit_of_work(
        self, *, read_only: bool = False, organization_id: str | None = None
    ) -> PostgresUnitOfWork:
        """A new unit of work (enter it with ``with``); see the class notes for the locks."""
        from ai_settings_core.adapters.postgres._unit import (  # noqa: PLC0415 - import cycle
            PostgresUnitOfWork,
        )

        return PostgresUnitOfWork(self, read_only=read_only, organization_id=organization_id)

    __call__ = unit_of_work

    def listen(self) -> PostgresListener:
        """A listener woken by every commit to this schema (``LISTEN`` on its own connection).

        See :class:`~ai_settings_core.ports.ChangeListener`; it connects on its first wait.
        """
        from ai_settings_core.adapters.postgres._listen import (  # noqa: PLC0415 - import cycle
            PostgresListener,
        )

        return PostgresListener(self)

    # Schema.

    def migrate(self) -> int:
        """Create or upgrade the schema (idempotent, safe to run from many servers at once).

        Returns:
            The schema version now (:data:`CURRENT_VERSION`).

        Raises:
            StorageError: The schema is newer than this library knows, holds tables that are
                not ours, or the server refused (permissions); ``StorageUnavailableError``
                when it cannot be reached.
        """
        with self._direct() as connection:
            try:
                _schema.migrate(
                    connection,
                    self.schema,
                    lock_key=self.migration_lock_key,
                    label=self.label,
                )
            except AISettingsError:
                raise
            except psycopg.Error as error:
                raise translate(self.label, error) from error
        return _schema.CURRENT_VERSION

    def schema_version(self) -> int:
        """The schema's version; 0 when it was never migrated. Changes nothing."""
        with self._direct() as connection:
            try:
                return _schema.read_version(connection, self.schema) or 0
            except psycopg.Error as error:
                raise translate(self.label, error) from error

    def close(self) -> None:
        """Close the store's own pool (a host's pool is left open); later use raises."""
        if self._own_pool:
            self._pool.close()

    # Connections.

    def _connect(self) -> Connection:
        try:
            return psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=max(1, round(self.connect_timeout)),
            )
        except psycopg.Error as error:
            raise translate(self.label, error) from error

    def _direct(self) -> _Direct:
        return _Direct(self._connect())

    def _ensure_ready(self) -> None:
        """Check the schema once; open the store's own pool. A first call fails fast."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            # A direct connection first: an unreachable server fails now, with its reason,
            # instead of after the pool's timeout.
            with self._direct() as connection:
                try:
                    version = _schema.read_version(connection, self.schema)
                except psycopg.Error as error:
                    raise translate(self.label, error) from error
            _schema.refuse_unusable(self.label, version)
            if self._own_pool:
                try:
                    self._pool.open(wait=False)
                except psycopg_pool.PoolClosed as error:  # pragma: no cover - closed for good
                    raise translate(self.label, error) from error
            self._ready = True

    def acquire(self) -> tuple[Connection, bool | None]:
        """A connection in autocommit mode, and its mode to restore (``None``: leave it)."""
        self._ensure_ready()
        try:
            connection: Connection = self._pool.getconn(timeout=self.timeout)
        except (psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed, psycopg.Error) as error:
            raise translate(self.label, error) from error
        restore: bool | None = None
        if not connection.autocommit:
            restore = False
            try:
                if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    connection.rollback()
                connection.autocommit = True
            except psycopg.Error as error:
                self._pool.putconn(connection)
                raise translate(self.label, error) from error
        return connection, restore

    def release(self, connection: Connection, restore: bool | None) -> None:
        """Give a connection back to the pool (a broken one is discarded by the pool)."""
        if restore is not None and not connection.closed:
            try:
                if connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                    connection.autocommit = restore
            except psycopg.Error:  # pragma: no cover - the pool discards a broken connection
                pass
        self._pool.putconn(connection)

    def begin_statement(self, *, read_only: bool, organization_id: str | None) -> str:
        """The statements that open a unit's transaction, in one round trip.

        Only this store's integer constants and the quoted schema name are spliced in.
        """
        schema = self._identifier.as_string(None)
        if read_only:
            return (
                "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                f"SET LOCAL search_path TO {schema}; SELECT 1"
            )
        milliseconds = max(1, round(self.lock_timeout * 1000))
        if organization_id is None:
            lock = f"SELECT pg_advisory_xact_lock({int(self.store_lock_key)})"
        else:
            lock = (
                f"SELECT pg_advisory_xact_lock_shared({int(self.store_lock_key)}), "
                f"pg_advisory_xact_lock({int(self.organization_lock_key(organization_id))})"
            )
        return (
            "BEGIN ISOLATION LEVEL READ COMMITTED; "
            f"SET LOCAL search_path TO {schema}; "
            f"SET LOCAL lock_timeout = {milliseconds}; {lock}"
        )

    def unavailable(self, message: str) -> StorageUnavailableError:
        """A 503 error naming this store."""
        return StorageUnavailableError(f"{self.label}: {message}")


def _conninfo(pool: psycopg_pool.ConnectionPool[Any]) -> str:
    """The pool's connection string (a pool may hold a function returning it)."""
    conninfo = pool.conninfo
    return conninfo if isinstance(conninfo, str) else conninfo()


class _Direct:
    """A direct (unpooled) connection, closed at the end of a ``with`` block."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def __enter__(self) -> Connection:
        return self.connection

    def __exit__(self, *exc_info: object) -> None:
        self.connection.close()
