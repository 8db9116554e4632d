"""The ``ai-settings`` command: parse, run, and turn what went wrong into an exit status.

``ai-settings`` and ``python -m ai_settings_core`` are the same program. The store is
``--db URL``, else ``$AI_SETTINGS_DB``, else ``./ai-settings.db`` (a SQLite file, created on
the first write; reading a missing file creates nothing). The local operator acts with every
scope; audit entries name them ``cli:<login name>``.

Exit status: 0 success; 1 invalid input; 2 usage error; 3 version conflict; 4 not found
(a mistyped organization included); 5 storage unavailable (busy, locked, unreachable: try
again); 6 storage fault (read-only, full, not ours, newer schema); 70 internal error;
130 interrupted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from ai_settings_core.bootstrap import sqlite_path, store_kind
from ai_settings_core.cli._parser import UsageError, build_parser
from ai_settings_core.errors import (
    AISettingsError,
    ConflictError,
    NotFoundError,
    StorageError,
    StorageUnavailableError,
    ValidationError,
)

if TYPE_CHECKING:
    from ai_settings_core.bootstrap import Store
    from ai_settings_core.cli._app import App
    from ai_settings_core.ports import EventSink

__all__ = ["EXIT_STATUSES", "main"]

EXIT_OK: Final = 0
EXIT_INVALID: Final = 1
EXIT_USAGE: Final = 2
EXIT_CONFLICT: Final = 3
EXIT_NOT_FOUND: Final = 4
EXIT_UNAVAILABLE: Final = 5
EXIT_STORAGE: Final = 6
EXIT_CHANGES: Final = 10  # plan: the document differs from what is stored (drift, for CI)
EXIT_INTERNAL: Final = 70  # EX_SOFTWARE: a fault of the program, never of the input
EXIT_INTERRUPTED: Final = 130

EXIT_STATUSES: Final = {
    EXIT_OK: "success",
    EXIT_INVALID: "invalid input",
    EXIT_USAGE: "usage error",
    EXIT_CONFLICT: "version conflict",
    EXIT_NOT_FOUND: "not found",
    EXIT_UNAVAILABLE: "storage unavailable",
    EXIT_STORAGE: "storage fault",
    EXIT_CHANGES: "changes to apply",
    EXIT_INTERNAL: "internal error",
    EXIT_INTERRUPTED: "interrupted",
}
"""Every exit status and what it means (``docs/cli.md`` lists the same)."""


def _report_validation(error: ValidationError, err: TextIO) -> None:
    err.write("ai-settings: invalid input:\n")
    if error.findings:
        for finding in error.findings:
            if finding.is_error:
                field = finding.field or "non_field_errors"
                err.write(f"  {field}: {finding.message} [{finding.code}]\n")
    else:
        err.writelines(f"  {line}\n" for line in str(error).split("; "))


def _report(error: BaseException, err: TextIO) -> int:
    """Say what went wrong, in one line or a list of findings; return the exit status."""
    if isinstance(error, UsageError):
        err.write(f"{error}\nTry 'ai-settings --help'.\n")
        return EXIT_USAGE
    if isinstance(error, ValidationError):
        _report_validation(error, err)
        return EXIT_INVALID
    if isinstance(error, ConflictError):
        err.write(f"ai-settings: conflict: {error.message}\n")
        return EXIT_CONFLICT
    if isinstance(error, NotFoundError):
        err.write(f"ai-settings: not found: {error.message}\n")
        return EXIT_NOT_FOUND
    if isinstance(error, StorageUnavailableError):
        err.write(f"ai-settings: storage unavailable (try again): {error.message}\n")
        return EXIT_UNAVAILABLE
    if isinstance(error, StorageError):
        err.write(f"ai-settings: storage fault: {error.message}\n")
        return EXIT_STORAGE
    if isinstance(error, AISettingsError):
        err.write(f"ai-settings: {error.message}\n")
        return EXIT_INVALID
    if isinstance(error, KeyboardInterrupt):
        err.write("ai-settings: interrupted\n")
        return EXIT_INTERRUPTED
    # Never a traceback; say what broke, in one line.
    err.write(f"ai-settings: internal error ({type(error).__name__}): {error}\n")
    return EXIT_INTERNAL


def _run(app: App) -> int:
    if app.as_json and not app.command.json:
        raise UsageError(f"ai-settings {app.args.command}: --json does not apply")
    return app.command.run(app) or EXIT_OK


def main(
    argv: Sequence[str] | None = None,
    *,
    store: Store | None = None,
    events: EventSink | None = None,
) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    ``store`` runs the command on a host's own store instead of the one ``--db`` names, and
    ``events`` sends its analytics events to a host's sink: the Django app's management
    command does this. Parsing, output, messages and exit statuses stay the command line's.
    """
    out, err = sys.stdout, sys.stderr
    claimed: Path | None = None
    try:
        args = build_parser().parse_args(argv)
        # Only a command that runs needs the codec, the service and a store: ``--help``,
        # ``--version`` and usage errors stop above, before importing them (start-up time).
        from ai_settings_core.cli._app import App, store_url  # noqa: PLC0415
        from ai_settings_core.cli._commands import COMMANDS  # noqa: PLC0415

        app = App(args, out, err=err, command=COMMANDS[args.command], store=store, events=events)
        if store is None and app.command.writes(args):
            claimed = _claim_new_database(store_url(args))
        try:
            status = _run(app)
        finally:
            if store is None:
                app.close()  # a store this command opened (a PostgreSQL pool) closes with it
    except SystemExit as exit_:  # --help and --version print and stop here
        return exit_.code if isinstance(exit_.code, int) else EXIT_OK
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - every error has a status
        status = _report(error, err)
    if status != EXIT_OK and claimed is not None:
        _remove_if_unused(claimed)
    return status


def _claim_new_database(url: str) -> Path | None:
    """Create the SQLite file ``url`` names if it does not exist yet, exclusively.

    The file this returns is the one this process created (empty): only such a file may be
    removed when the command fails. A file another process created, even a moment ago, is
    never this process's to remove. ``None`` when the store is not a missing SQLite file.
    """
    if store_kind(url) != "sqlite":
        return None
    path = sqlite_path(url)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError:  # it exists, or cannot be created: then the store says why
        return None
    os.close(descriptor)
    return path


def _remove_if_unused(path: Path) -> None:
    """Remove a database this process created if it still holds no row of anyone's data.

    A failed command changes nothing, so the file it created goes, unless another process
    has written to it meanwhile: the check and the removal run under the file's write lock,
    so a writer either finished before (and its rows keep the file) or waits on a lock that
    the removal ends (and opens the file afresh).
    """
    import sqlite3  # noqa: PLC0415 - only a failed command that created a file needs it

    try:
        connection = sqlite3.connect(path.absolute().as_uri() + "?mode=rw", uri=True, timeout=5)
    except sqlite3.Error:
        return
    try:
        connection.isolation_level = None
        connection.execute("BEGIN IMMEDIATE")
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            if connection.execute(f"SELECT EXISTS (SELECT 1 FROM {quoted})").fetchone()[0]:  # noqa: S608 - a table name the file lists, quoted
                return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    except sqlite3.Error:
        return
    finally:
        connection.close()
