"""What the settings page's tests share: ``ai-settings serve`` as a subprocess, the browser.

The browser is Debian's ``chromium`` (``/usr/bin/chromium``, or ``$AI_SETTINGS_TEST_CHROMIUM``)
driven by Playwright, never a browser Playwright downloads. Without it the browser tests skip
and say why, except under CI (``$CI`` set, as ``.ci/run`` runs): there they fail, so a CI
machine that lost its browser cannot pass by skipping.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs
import pytest

from ai_settings_core import ALL_SCOPES, Actor, SettingsService
from ai_settings_core.adapters.sqlite import SqliteStore

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SCREENSHOTS_VARIABLE = "AI_SETTINGS_UI_SCREENSHOTS"
"""Set it to a folder (``docs/ui``) to keep the tests' screenshots there for the docs."""


def chromium_path() -> str:
    """The browser to drive: ``$AI_SETTINGS_TEST_CHROMIUM``, else Debian's."""
    return os.environ.get("AI_SETTINGS_TEST_CHROMIUM", "/usr/bin/chromium")


def browser_missing() -> str | None:
    """Why no browser test can run here, or ``None`` when one can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not Path(chromium_path()).exists():
        return f"no browser at {chromium_path()} (apt-get install chromium chromium-driver)"
    return None


def require_browser() -> None:
    """Skip (fail under CI) when there is no browser to drive."""
    reason = browser_missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@attrs.frozen
class Server:
    """A running ``ai-settings serve``: its URL, its store and (SQLite) a service on that file."""

    url: str
    db: Path | str
    process: subprocess.Popen[str]

    def service(self) -> SettingsService:
        """The use cases on the server's store, in this process (to seed and to check)."""
        return SettingsService(SqliteStore(self.db))


ADMIN = Actor("test:admin", "test-org", ALL_SCOPES)
_LISTENING = re.compile(r"http://(\S+?)/ for")


def command(db: Path | str, *args: str) -> list[str]:
    """The ``ai-settings`` command line on ``db``, run with this interpreter."""
    return [sys.executable, "-m", "ai_settings_core", "--db", str(db), *args]


@contextmanager
def serve(db: Path | str, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run ``ai-settings serve --port 0`` on ``db`` until the block ends (then SIGTERM)."""
    environment = {**os.environ, **(env or {})}
    process = subprocess.Popen(
        command(db, "serve", "--port", "0", *args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = _LISTENING.search(line)
        assert match, f"serve printed {line!r}"
        yield Server(f"http://{match.group(1)}", db, process)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
