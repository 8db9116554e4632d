"""The ``ai-settings`` command: every use case from a terminal, on any store.

:func:`main` is the entry point (``ai-settings = "ai_settings_core.cli:main"``); it takes the
arguments and returns the exit status, so a host or a test can run a command in process.
"""

from __future__ import annotations

from ai_settings_core.cli._main import main

__all__ = ["main"]
