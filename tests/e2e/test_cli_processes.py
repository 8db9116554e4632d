"""The command line as real processes: what only processes, locks and files can show."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ai_settings_core.cli import main

from .conftest import write_lock_held_by_another_process


def _environment() -> dict[str, str]:
    environment = {**os.environ, "NO_COLOR": "1"}
    environment.pop("AI_SETTINGS_DB", None)
    return environment


def program(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "ai_settings_core", "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--db", str(path), "demo"]) == 0
    return path


@pytest.fixture
def demo_db(built_demo, tmp_path):
    path = tmp_path / "demo.db"
    shutil.copyfile(built_demo, path)
    return path


def test_console_script_and_module_are_the_same_program(tmp_path):
    # The test command installs the package, console script included, beside this Python.
    script = Path(sys.executable).with_name("ai-settings")
    assert script.exists()
    db = tmp_path / "settings.db"
    assert program(db, "org", "set", "acme", "--fix", "on").returncode == 0
    a = subprocess.run(
        [str(script), "--db", str(db), "org", "show", "acme", "--json"],
        capture_output=True,
        text=True,
        env=_environment(),
        check=False,
    )
    b = program(db, "org", "show", "acme", "--json")
    assert a.stdout == b.stdout
    assert a.returncode == b.returncode == 0


def _wait_until_reading_stdin(process: subprocess.Popen[bytes]) -> None:
    """Wait until ``process`` blocks reading its standard input (a pipe), as Linux shows it."""
    wchan = Path(f"/proc/{process.pid}/wchan")
    if not wchan.exists():
        pytest.skip("needs /proc/PID/wchan (Linux) to see a process wait on its input")
    while "pipe_read" not in wchan.read_text() and process.poll() is None:
        time.sleep(0.01)
    assert process.poll() is None


def test_a_failed_command_never_removes_a_database_another_process_filled(tmp_path):
    # Issue 11, item 1: the first process finds no file, waits for its input; a second
    # process creates the file and stores an organization; then the first one fails.
    db = tmp_path / "shared.db"
    first = subprocess.Popen(
        [sys.executable, "-m", "ai_settings_core", "--db", str(db), "import", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(),
    )
    try:
        _wait_until_reading_stdin(first)
        second = program(db, "org", "set", "acme", "--fix", "on")
        assert second.returncode == 0, second.stderr
    finally:
        _, err = first.communicate(b"{not json", timeout=60)
    assert first.returncode == 1, err
    shown = program(db, "org", "show", "acme", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["fix_enabled"] is True


def test_a_failed_first_write_removes_the_file_it_created(tmp_path):
    db = tmp_path / "new.db"
    result = program(db, "import", "-", stdin="{not json")
    assert result.returncode == 1
    assert sorted(tmp_path.iterdir()) == []


def test_a_database_locked_by_another_process_exits_5(cli, demo_db):
    before = cli(demo_db, "export", "demo").stdout
    with write_lock_held_by_another_process(demo_db):
        result = cli(demo_db, "org", "set", "demo", "--fix", "off", "--busy-timeout", "0.1")
    assert result.returncode == 5
    assert result.stderr.startswith("ai-settings: storage unavailable (try again): ")
    assert "busy" in result.stderr
    assert cli(demo_db, "export", "demo").stdout == before


@contextlib.contextmanager
def _read_only(path: Path):
    """``path`` cannot be written, even by root: immutable (chattr +i), or mode 0444."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("root ignores file modes and chattr (to make a file immutable) is missing")
    made = subprocess.run([chattr, "+i", str(path)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"root ignores file modes and this file system refuses chattr +i: {made}")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def test_a_read_only_database_is_a_storage_fault_exit_6(cli, demo_db):
    before = cli(demo_db, "export", "demo").stdout
    with _read_only(demo_db):
        result = cli(demo_db, "project", "set", "demo", "search", "--fix", "off")
    assert result.returncode == 6, result.stderr
    assert result.stderr.startswith("ai-settings: storage fault: ")
    assert "readonly" in result.stderr
    assert cli(demo_db, "export", "demo").stdout == before
