"""The PostgreSQL server the tests use, and a fresh schema per test, dropped afterwards.

The server's URL is ``$AI_SETTINGS_TEST_POSTGRES``; without it the tests try the local default
(``postgresql://postgres@127.0.0.1:5432/test``) and are skipped, with the reason, when nothing
answers there. When the variable is set (CI sets it) an unreachable server fails the tests.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
ENVIRONMENT = "AI_SETTINGS_TEST_POSTGRES"


@functools.cache
def _probe(url: str) -> str | None:
    """``None`` when the server at ``url`` answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip() or type(error).__name__
    return None


def server_url() -> str:
    """The server's URL; skips (or, with the variable set, fails) when it does not answer."""
    url = os.environ.get(ENVIRONMENT)
    if url:
        problem = _probe(url)
        if problem is not None:
            pytest.fail(f"{ENVIRONMENT}={url} is set but the server does not answer: {problem}")
        return url
    problem = _probe(DEFAULT_URL)
    if problem is not None:
        pytest.skip(
            f"no PostgreSQL server: {ENVIRONMENT} is not set and {DEFAULT_URL} does not "
            f"answer ({problem})"
        )
    return DEFAULT_URL


def schema_name() -> str:
    """A schema name no other test uses (prefixed with this helper's name)."""
    return f"postgres_test_{uuid.uuid4().hex[:16]}"


def drop_schema(url: str, schema: str) -> None:
    """Drop ``schema`` and everything in it."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        )


@contextmanager
def fresh_store(*, migrate: bool = True, **options: Any) -> Iterator[Any]:
    """A migrated ``PostgresStore`` in a new schema; closed and dropped afterwards."""
    from ai_settings_core.adapters.postgres import PostgresStore

    url = server_url()
    schema = schema_name()
    store = PostgresStore(url, schema=schema, **options)
    try:
        if migrate:
            store.migrate()
        yield store
    finally:
        store.close()
        drop_schema(url, schema)


@pytest.fixture
def postgres_store() -> Iterator[Any]:
    """A migrated store in its own schema, dropped after the test."""
    with fresh_store() as store:
        yield store
