"""Faults on PostgreSQL: a terminated backend, an unreachable server, a client killed mid-write."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest

from ai_settings_core import ALL_SCOPES, Actor, ProjectSettings, StorageError
from ai_settings_core.adapters.postgres import PostgresStore
from ai_settings_core.errors import StorageUnavailableError
from ai_settings_core.http import Request, SettingsApi
from ai_settings_core.service import SettingsService
from ai_settings_core.testing import sample_audit_entry, sample_project
from tests.postgres import postgres_store, server_url

__all__ = ["postgres_store"]

KILL_TRIALS = 50
BULK_PROJECTS = 400


def _terminate(backend_pid: int) -> None:
    with psycopg.connect(server_url(), autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(%s)", (backend_pid,))


def test_a_backend_terminated_mid_transaction_fails_the_unit_and_the_next_call_works(
    postgres_store: PostgresStore,
) -> None:
    with postgres_store(organization_id="acme") as uow:
        uow.projects.save(sample_project("acme", "lost"))
        uow.audit.append(sample_audit_entry())
        _terminate(uow.active().info.backend_pid)
        with pytest.raises(StorageError) as caught:
            uow.commit()
    assert isinstance(caught.value, StorageUnavailableError)
    assert caught.value.status == 503
    assert "unavailable" in caught.value.message
    with postgres_store(organization_id="acme") as uow:
        saved = uow.projects.save(sample_project("acme", "kept"))
        uow.commit()
    with postgres_store(read_only=True) as uow:
        assert uow.projects.list("acme").items == (saved,)
        assert uow.audit.query("acme").items == ()


def test_a_backend_terminated_mid_read_fails_the_read(postgres_store: PostgresStore) -> None:
    with postgres_store(read_only=True) as uow:
        _terminate(uow.active().info.backend_pid)
        with pytest.raises(StorageUnavailableError):
            uow.projects.load_organization("acme")
    with postgres_store(read_only=True) as uow:
        assert uow.projects.load_organization("acme").projects == ()


def test_idle_pooled_connections_killed_between_calls_are_replaced(
    postgres_store: PostgresStore,
) -> None:
    with postgres_store(read_only=True) as uow:
        pid = uow.active().info.backend_pid
    _terminate(pid)  # now idle in the pool
    with postgres_store() as uow:
        uow.projects.save(ProjectSettings("acme", "web"))
        uow.commit()
        assert uow.projects is not None


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/test"


def test_an_unreachable_server_is_a_clear_503() -> None:
    store = PostgresStore(_closed_port_url(), connect_timeout=3)
    try:
        with pytest.raises(StorageUnavailableError) as caught:
            store(read_only=True).__enter__()
        assert "is unavailable" in caught.value.message
        assert "127.0.0.1" in caught.value.message

        api = SettingsApi(SettingsService(store), lambda _r, org: Actor("u", org, ALL_SCOPES))
        response = api.handle(Request.from_target("GET", "/organizations/acme/ai-settings/"))
        assert response.status == 503
        assert response.header("Retry-After") is not None
        assert response.header("AI-Settings-Error-Code") == "storage_unavailable"
        # The body does not name the database (a browser sees it); the log does.
        assert response.json()["detail"] == (
            "The settings store is busy; nothing was written. Try again later."
        )
    finally:
        store.close()


def test_an_unreachable_server_exits_5_without_a_traceback() -> None:
    environment = {**os.environ, "AI_SETTINGS_DB": _closed_port_url()}
    result = subprocess.run(
        [sys.executable, "-m", "ai_settings_core", "org", "show", "acme"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert result.returncode == 5
    assert result.stderr.startswith(
        "ai-settings: storage unavailable (try again): PostgreSQL schema"
    )
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


BULK_WRITER = textwrap.dedent(
    """
    import datetime
    import sys
    from ai_settings_core import ProjectSettings, RepositoryRef, RepositorySettings
    from ai_settings_core.adapters.postgres import PostgresStore
    from ai_settings_core.service import AuditEntry, AuditEvent

    url, schema, organization, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    now = datetime.datetime.now(datetime.UTC)
    store = PostgresStore(url, schema=schema, max_size=1)
    with store(organization_id=organization) as uow:
        for i in range(count):
            ref = RepositoryRef.parse(f"github:acme/repo{i}")
            uow.projects.save(
                ProjectSettings(organization, f"p{i:05d}", fix_enabled_override=True,
                                repositories=(RepositorySettings(ref),))
            )
            uow.audit.append(AuditEntry(organization, f"p{i:05d}", "user:1",
                                        AuditEvent.PROJECT_AI_SETTINGS_EDIT, f"p{i:05d}", now))
        print("commit", flush=True)
        uow.commit()
    print("done", flush=True)
    store.close()
    """
)


def test_a_client_killed_in_a_bulk_write_leaves_all_or_nothing(
    postgres_store: PostgresStore, tmp_path: Path
) -> None:
    script = tmp_path / "bulk.py"
    script.write_text(BULK_WRITER)
    draw = random.Random(12)
    outcomes: list[tuple[bool, int]] = []
    for trial in range(KILL_TRIALS):
        organization = f"trial{trial}"
        child = subprocess.Popen(
            [
                sys.executable,
                str(script),
                server_url(),
                postgres_store.schema,
                organization,
                str(BULK_PROJECTS),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == "commit\n"
        # The buffered writes are being sent: kill the client somewhere in them or the commit.
        try:
            child.wait(timeout=draw.uniform(0.0, 0.4))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
        rest = child.stdout.read()
        child.stdout.close()
        child.wait(timeout=60)
        finished = "done" in rest
        with postgres_store(read_only=True) as uow:
            stored = uow.projects.load_organization(organization).projects
            audit = uow.audit.query(organization, limit=BULK_PROJECTS + 1).items
        assert len(stored) in {0, BULK_PROJECTS}, f"trial {trial}: {len(stored)} projects"
        assert len(audit) == len(stored), f"trial {trial}: {len(audit)} audit entries"
        assert all(p.version == 1 and len(p.repositories) == 1 for p in stored)
        if finished:
            assert len(stored) == BULK_PROJECTS
        outcomes.append((finished, len(stored)))
    killed = [count for finished, count in outcomes if not finished]
    assert killed, "no trial was killed before it finished"
    print(  # noqa: T201 - the trial counts, for the report (pytest -s)
        json.dumps(
            {
                "trials": len(outcomes),
                "killed": len(killed),
                "killed_and_nothing_written": killed.count(0),
                "killed_after_the_commit_landed": len(killed) - killed.count(0),
            }
        )
    )
