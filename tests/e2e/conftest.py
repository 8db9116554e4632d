"""The command line run in process: ``main(argv)`` with its output captured.

Most command-line tests only check what a command prints and its exit status: they run
:func:`ai_settings_core.cli.main` in this process (fast). The tests in ``test_cli_processes.py``
run the real program as subprocesses, for what only processes show.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from ai_settings_core.cli import main


@attrs.frozen
class Result:
    """What a command printed and its exit status."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys, monkeypatch, tmp_path):
    """``cli(db, *args, stdin=None, env=None)``: run one command in process, in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("AI_SETTINGS_DB", raising=False)

    def run(db: Path | None, *args: str, stdin: str | None = None, env=None) -> Result:
        capsys.readouterr()
        with monkeypatch.context() as patch:
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            data = (stdin or "").encode("utf-8", "surrogatepass")
            patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
            status = main([*(["--db", str(db)] if db is not None else []), *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err, err
        return Result(status, out, err)

    return run


_HOLD_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
connection.execute("ROLLBACK")
"""


@contextlib.contextmanager
def write_lock_held_by_another_process(path: Path) -> Iterator[None]:
    """Another process holds ``path``'s write lock (``BEGIN IMMEDIATE``) inside the block."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        yield
    finally:
        holder.communicate("", timeout=30)
