"""One run of a command: its arguments, its store and service, its actor and its output."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any, BinaryIO, TextIO

import attrs

from ai_settings_core.bootstrap import DEFAULT_DB, Store, open_store, sqlite_path, store_kind
from ai_settings_core.cli._parser import UsageError
from ai_settings_core.cli._render import render_organization, render_project
from ai_settings_core.domain.permissions import ALL_SCOPES, Actor
from ai_settings_core.domain.views import OrganizationView, ProjectView
from ai_settings_core.errors import InvalidValueError
from ai_settings_core.ports import EventSink
from ai_settings_core.service import SettingsService

__all__ = ["App", "Command", "always", "never", "store_url"]


def never(_args: argparse.Namespace) -> bool:
    """A command that never writes."""
    return False


def always(_args: argparse.Namespace) -> bool:
    """A command that writes."""
    return True


@attrs.frozen
class Command:
    """A command's function, whether it may write (and so create the store) and print JSON."""

    run: Callable[[App], int | None]
    writes: Callable[[argparse.Namespace], bool] = never
    json: bool = True


def store_url(args: argparse.Namespace) -> str:
    """The store the command line names: ``--db``, else ``$AI_SETTINGS_DB``, else the default.

    A URL that names no store (``sqlite:relative``) is a usage error.
    """
    url = str(getattr(args, "db", None) or os.environ.get("AI_SETTINGS_DB") or DEFAULT_DB)
    if store_kind(url) == "sqlite":
        try:
            sqlite_path(url)
        except InvalidValueError as error:
            raise UsageError(f"ai-settings: --db: {error.message}") from None
    return url


class App:
    """One run of a command: its arguments, its store and service, its actor and its output."""

    def __init__(
        self,
        args: argparse.Namespace,
        out: TextIO,
        *,
        err: TextIO | None = None,
        stdin: BinaryIO | None = None,
        command: Command,
        store: Store | None = None,
        events: EventSink | None = None,
    ) -> None:
        self.args = args
        self.out = out
        self.err = err if err is not None else sys.stderr
        self._stdin = stdin
        self.command = command
        self._events = events
        if store is not None:  # a host's own store (the Django app's management command)
            self.store = store

    @functools.cached_property
    def login(self) -> str:
        """Who runs the command (``cli:`` and the login name): the actor of its writes."""
        import getpass  # noqa: PLC0415 - only a command that acts needs it

        try:
            login = getpass.getuser()
        except (OSError, KeyError):
            login = "unknown"
        return f"cli:{login}"

    @functools.cached_property
    def store(self) -> Store:
        """The store, opened on first use; only a command that writes creates a missing one."""
        url = store_url(self.args)
        options: dict[str, Any] = {}
        timeout = getattr(self.args, "busy_timeout", None)
        if timeout is not None and store_kind(url) == "sqlite":
            options["busy_timeout"] = timeout
        return open_store(url, create=self.command.writes(self.args), **options)

    def close(self) -> None:
        """Close the store if this run opened one that holds connections (a pool)."""
        store = self.__dict__.get("store")
        close = getattr(store, "close", None)
        if callable(close):
            close()

    @functools.cached_property
    def service(self) -> SettingsService:
        """The use cases on :attr:`store`."""
        return SettingsService(self.store, events=self._events)

    @property
    def stdin(self) -> BinaryIO:
        """Where ``-`` reads from."""
        return self._stdin if self._stdin is not None else sys.stdin.buffer

    def actor(self, organization_id: str) -> Actor:
        """The local operator, with every scope in ``organization_id``."""
        return Actor(self.login, organization_id, ALL_SCOPES)

    def print(self, text: str) -> None:
        """Write a line of text."""
        self.out.write(text + "\n")

    def json(self, document: object) -> None:
        """Write one JSON document."""
        self.out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    @property
    def as_json(self) -> bool:
        """Whether ``--json`` was given."""
        return bool(getattr(self.args, "json", False))

    def colour(self) -> bool:
        """Whether the output is a terminal that takes colour."""
        return not os.environ.get("NO_COLOR") and hasattr(self.out, "isatty") and self.out.isatty()

    def show_org(self, view: OrganizationView) -> None:
        """Print an organization's settings."""
        if self.as_json:
            from ai_settings_core import codec  # noqa: PLC0415 - start-up: only --json needs it

            self.json(codec.dump_organization(view.settings, view.resolution, view.warnings))
        else:
            self.print(render_organization(view))

    def show_project(self, view: ProjectView) -> None:
        """Print a project's settings."""
        if self.as_json:
            from ai_settings_core import codec  # noqa: PLC0415 - start-up: only --json needs it

            self.json(codec.dump_project_view(view))
        else:
            self.print(render_project(view))
