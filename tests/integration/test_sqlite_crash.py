"""A process SIGKILLed in the middle of a large multi-project write leaves all of it or none of it.

The writer is a real process; it writes a marker file at a known point of its transaction, and
the test kills it there with ``SIGKILL`` (no cleanup, no rollback, no atexit). The file must then
open cleanly, pass ``PRAGMA integrity_check`` and hold exactly the state before or after.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import attrs
import pytest

from ai_settings_core import ProjectSettings, StoppingPoint
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.testing import sample_audit_entry, sample_project

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

EXISTING = 200
NEW = 3000

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import attrs
    from ai_settings_core import StoppingPoint
    from ai_settings_core.adapters.sqlite import SqliteStore
    from ai_settings_core.testing import sample_audit_entry, sample_project

    directory, stop_at, existing, new = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

    def mark(name):
        (directory / name).write_text("")
        if name == stop_at:
            time.sleep(600)

    store = SqliteStore(directory / "settings.db")
    with store() as uow:
        for i in range(existing):
            current = uow.projects.get("acme", f"p{i:05d}")
            uow.projects.save(attrs.evolve(current, stopping_point_override=StoppingPoint.MERGE))
            if i == existing // 2:
                mark("midway")
        for i in range(new):
            uow.projects.save(sample_project("acme", f"n{i:05d}"))
            uow.audit.append(sample_audit_entry(project_id=f"n{i:05d}"))
        mark("before_commit")
        uow.commit()
    mark("committed")
    """
)


def original(i: int) -> ProjectSettings:
    return attrs.evolve(sample_project("acme", f"p{i:05d}"), version=1)


@pytest.fixture
def populated(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "settings.db")
    with store() as uow:
        for i in range(EXISTING):
            uow.projects.save(sample_project("acme", f"p{i:05d}"))
        uow.commit()
    return store


@pytest.mark.parametrize("stop_at", ["midway", "before_commit", "committed"])
def test_a_killed_writer_leaves_all_or_nothing(
    tmp_path: Path, populated: SqliteStore, stop_at: str
) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path), stop_at, str(EXISTING), str(NEW)],
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / stop_at).exists():
            if writer.poll() is not None:
                pytest.fail(f"the writer ended early: {writer.communicate()[1].decode()}")
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {stop_at}")
            time.sleep(0.002)
        if stop_at != "committed":
            # Really mid-transaction: the writer holds the write lock right now.
            probe = sqlite3.connect(tmp_path / "settings.db", timeout=0, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    probe.execute("BEGIN IMMEDIATE")
            finally:
                probe.close()
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=60)
    finally:
        writer.kill()
        writer.communicate()
    assert writer.returncode == -signal.SIGKILL

    connection = sqlite3.connect(tmp_path / "settings.db")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()

    reopened = SqliteStore(tmp_path / "settings.db")
    with reopened(read_only=True) as uow:
        state = uow.projects.load_organization("acme")
        audit = uow.audit.query("acme", limit=NEW + 1)
    if stop_at == "committed":
        assert len(state.projects) == EXISTING + NEW
        assert len(audit.items) == NEW
        # Sorted by id: the new "n..." projects first, then the updated "p..." ones.
        assert state.projects[NEW - 1] == attrs.evolve(
            sample_project("acme", f"n{NEW - 1:05d}"), version=1
        )
        assert state.projects[NEW:] == tuple(
            attrs.evolve(original(i), stopping_point_override=StoppingPoint.MERGE, version=2)
            for i in range(EXISTING)
        )
    else:
        assert state.projects == tuple(original(i) for i in range(EXISTING))
        assert audit.items == ()

    # The lock died with the process: the file takes writes again.
    with reopened() as uow:
        uow.projects.save(ProjectSettings("acme", "after"))
        uow.audit.append(sample_audit_entry(project_id="after"))
        uow.commit()
    with reopened(read_only=True) as uow:
        assert uow.projects.get("acme", "after") is not None
