"""``python manage.py ai_settings <command>``: the ``ai-settings`` commands on the Django database.

The commands, options, output and exit statuses are the ``ai-settings`` command line's
(``ai-settings --help``); only the store differs: the app's tables in the database of
``AI_SETTINGS["DATABASE"]`` (or ``--database``) instead of a SQLite file::

    python manage.py ai_settings resolve acme
    python manage.py ai_settings project set acme web --fix on --json
    python manage.py ai_settings export acme > acme.json
    python manage.py ai_settings import acme.json

A command that fails exits with the command line's status (1 invalid input, 3 conflict,
4 not found...), after the command line's own message.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Sequence
from typing import Any, Final

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ai_settings_core.contrib.django.conf import app_settings
from ai_settings_core.contrib.django.signals import SignalSink
from ai_settings_core.contrib.django.store import DjangoStore
from ai_settings_core.ports import EventSink, UnitOfWorkFactory

__all__ = ["COMMANDS", "Command", "run_cli"]

COMMANDS: Final = frozenset(
    {"audit", "bulk", "explain", "export", "import", "org", "preview", "project", "repo", "resolve"}
)
"""The ``ai-settings`` commands this one runs (not ``demo`` or ``api``: they own a store)."""


def run_cli(argv: Sequence[str], store: UnitOfWorkFactory, *, events: EventSink | None) -> int:
    """Run ``ai-settings argv`` on ``store`` instead of a SQLite file; return its exit status.

    Parsing, output, messages and exit statuses stay the command line's own
    (:func:`ai_settings_core.cli.main` with the host's ``store`` and ``events``).
    """
    from ai_settings_core.cli import main  # noqa: PLC0415 - the command line loads on use

    return main(list(argv), store=store, events=events)  # type: ignore[arg-type]


class Command(BaseCommand):
    """Run an ``ai-settings`` command on the Django database."""

    help = (
        "Run an ai-settings command (resolve, explain, bulk, preview, audit, export, import, "
        "org, project, repo) on the Django database; `ai_settings COMMAND --help` for its "
        "options."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """The ``ai-settings`` command line, word for word, after ``--database``."""
        parser.add_argument(
            "--database",
            help='the database alias (default: AI_SETTINGS["DATABASE"])',
        )
        parser.add_argument("argv", nargs=argparse.REMAINDER, metavar="COMMAND ...")

    def handle(self, *args: Any, **options: Any) -> None:  # noqa: ANN401, ARG002
        """Run the command; a failure exits with the command line's status."""
        argv: list[str] = list(options["argv"])
        if not argv or argv[0] not in COMMANDS:
            shown = argv[0] if argv else "nothing"
            raise CommandError(
                f"Unknown ai-settings command {shown!r}; one of: {', '.join(sorted(COMMANDS))}.",
                returncode=2,
            )
        using = options["database"] or app_settings().database
        out = getattr(self.stdout, "_out", self.stdout)
        err = getattr(self.stderr, "_out", self.stderr)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = run_cli(argv, DjangoStore(using), events=SignalSink(using))
        if status:
            raise CommandError(
                f"ai-settings {argv[0]} exited with status {status}.", returncode=status
            )
