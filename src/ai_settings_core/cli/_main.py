"""The ``ai-settings`` command: the settings page from a terminal, on a SQLite file.

``ai-settings`` and ``python -m ai_settings_core`` are the same program. The database is
``--db PATH``, else ``$AI_SETTINGS_DB``, else ``./ai-settings.db``; it is created on the first
write, and reading a missing file behaves as an empty store (and creates nothing). The local
operator acts with every scope; audit entries name them ``cli:<login name>``.

Exit status: 0 success; 1 invalid input; 2 usage error; 3 version conflict; 4 not found.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, NoReturn, TextIO

from ai_settings_core.bootstrap import open_store, sqlite_path, store_kind
from ai_settings_core.cli._api import add_api_parser, run_api
from ai_settings_core.cli._render import (
    render_audit,
    render_explanation,
    render_impact,
    render_organization,
    render_project,
    render_resolve,
)
from ai_settings_core.codec import _codec as codec
from ai_settings_core.codec._documents import (
    dump_audit_entry,
    dump_bulk_result,
    dump_explanation,
)
from ai_settings_core.domain.changes import KEEP, Keep, OrganizationPatch, ProjectPatch
from ai_settings_core.domain.findings import Finding, Severity, build_detail
from ai_settings_core.domain.permissions import ALL_SCOPES, Actor
from ai_settings_core.domain.settings import Setting
from ai_settings_core.domain.values import RepositoryRef, StoppingPoint
from ai_settings_core.domain.views import OrganizationView, ProjectView
from ai_settings_core.errors import (
    AISettingsError,
    ConflictError,
    InvalidValueError,
    NotFoundError,
    StorageError,
    StorageUnavailableError,
    ValidationError,
)
from ai_settings_core.service import SettingsService

__all__ = ["main"]

EXIT_OK: Final = 0
EXIT_INVALID: Final = 1
EXIT_USAGE: Final = 2
EXIT_CONFLICT: Final = 3
EXIT_NOT_FOUND: Final = 4
EXIT_UNAVAILABLE: Final = 5  # the store is busy or unreachable: try again
EXIT_STORAGE: Final = 6  # the store cannot be used: read-only, full, foreign, newer schema
EXIT_INTERNAL: Final = 70  # EX_SOFTWARE: a fault of the program, never of the input

DEFAULT_DB: Final = "ai-settings.db"
SETTING_NAMES: Final = {
    "scan": Setting.SCAN_ENABLED,
    "fix": Setting.FIX_ENABLED,
    "stopping_point": Setting.STOPPING_POINT,
}
_POINTS: Final = [point.value for point in StoppingPoint]


class _UsageError(Exception):
    """A command line that cannot be run as written (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: {message}")


def _on_off(text: str) -> bool:
    if text == "on":
        return True
    if text == "off":
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, not {text!r}")


def _on_off_inherit(text: str) -> bool | None:
    if text == "inherit":
        return None
    return _on_off(text)


def _point(text: str) -> StoppingPoint:
    try:
        return StoppingPoint.parse(text)
    except InvalidValueError:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(_POINTS)}, not {text!r}"
        ) from None


def _point_or(word: str) -> Callable[[str], StoppingPoint | None]:
    def parse(text: str) -> StoppingPoint | None:
        return None if text == word else _point(text)

    parse.__name__ = f"stopping point or {word}"
    return parse


def _setting(text: str) -> Setting:
    if text in SETTING_NAMES:
        return SETTING_NAMES[text]
    raise argparse.ArgumentTypeError(f"expected scan, fix or stopping_point, not {text!r}")


def _version(text: str) -> int:
    if text.isdigit():
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a version number, not {text!r}")


def _positive(text: str) -> int:
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a positive number, not {text!r}")


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="ai-settings",
        description="AI settings (scan, fix, stopping point) of organizations, projects and "
        "repositories, on a SQLite file.",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=f"the SQLite file (default: $AI_SETTINGS_DB, else ./{DEFAULT_DB})",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    def command(
        group: argparse._SubParsersAction[_Parser],
        name: str,
        help_text: str,
        *positionals: str,
        json_output: bool = True,
    ) -> _Parser:
        """A (sub)command with its positional arguments and, unless told not to, ``--json``."""
        sub: _Parser = group.add_parser(name, help=help_text, description=help_text)
        for positional in positionals:
            name_, _, metavar = positional.partition("=")
            sub.add_argument(name_, metavar=metavar or None)
        if json_output:
            sub.add_argument("--json", action="store_true", help="print one JSON document")
        return sub

    def add(name: str, help_text: str, *positionals: str) -> _Parser:
        return command(commands, name, help_text, *positionals)

    def group(name: str, help_text: str) -> argparse._SubParsersAction[_Parser]:
        actions = commands.add_parser(name, help=help_text).add_subparsers(
            dest="action", metavar="ACTION", parser_class=_Parser
        )
        actions.required = True
        return actions

    add("demo", "create the sample organization 'demo' and show how it resolves")

    org = group("org", "organization settings")
    command(org, "show", "show an organization's settings", "org")
    org_set = command(org, "set", "change an organization's settings", "org")
    _add_org_options(org_set)
    org_set.add_argument("--if-version", type=_version, metavar="N")

    project = group("project", "project settings")
    command(project, "show", "show a project's settings", "org", "project")
    p_set = command(project, "set", "change a project's overrides", "org", "project")
    _add_project_options(p_set)
    p_set.add_argument("--environments", metavar="a,b|all")
    p_set.add_argument("--if-version", type=_version, metavar="N")
    p_reset = command(project, "reset", "clear every override of a project", "org", "project")
    p_reset.add_argument("--if-version", type=_version, metavar="N")

    repo = group("repo", "repositories of a project")
    r_add = command(
        repo,
        "add",
        "add a repository to a project",
        "org",
        "project",
        "repository=PROVIDER:OWNER/NAME",
    )
    r_add.add_argument("--branch", action="append", metavar="PATTERN")
    r_add.add_argument("--ai", type=_on_off, metavar="on|off")
    r_add.add_argument("--stopping-point", type=_point, default=KEEP, metavar="P")
    r_set = command(
        repo, "set", "change a repository of a project", "org", "project", "repository=REPO"
    )
    r_set.add_argument("--branch", action="append", metavar="PATTERN")
    r_set.add_argument("--ai", type=_on_off, metavar="on|off")
    r_set.add_argument(
        "--stopping-point", type=_point_or("inherit"), default=KEEP, metavar="P|inherit"
    )
    command(
        repo, "remove", "remove a repository from a project", "org", "project", "repository=REPO"
    )

    add("resolve", "every project's effective settings, marked by source", "org")

    explain = add("explain", "where a project's values come from, and a decision", "org", "project")
    explain.add_argument("--repo", metavar="REPO")
    explain.add_argument("--branch", metavar="B")
    explain.add_argument("--environment", metavar="E")

    bulk = add("bulk", "one change, or a reset, to many projects at once (all or none)", "org")
    bulk.add_argument("--projects", required=True, metavar="P1,P2,...")
    bulk.add_argument("--reset", action="store_true")
    _add_project_options(bulk)

    preview = add("preview", "what an organization change would change, project by project", "org")
    _add_org_options(preview)

    audit = add("audit", "the audit log, newest first", "org")
    audit.add_argument("--project", metavar="P")
    audit.add_argument("--limit", type=_positive, default=50, metavar="N")

    command(commands, "export", "one JSON document of the organization", "org", json_output=False)
    add("import", "store an exported document (atomic and validated)", "file=FILE|-")

    command(
        commands,
        "migrate",
        "create or upgrade the store's schema (PostgreSQL needs it once)",
        json_output=False,
    )

    add_api_parser(commands)
    return parser


def _add_org_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scan", type=_on_off, metavar="on|off")
    parser.add_argument("--fix", type=_on_off, metavar="on|off")
    parser.add_argument("--stopping-point", type=_point, metavar="P")
    parser.add_argument("--lock", type=_setting, action="append", default=[], metavar="SETTING")
    parser.add_argument("--unlock", type=_setting, action="append", default=[], metavar="SETTING")
    parser.add_argument(
        "--max-stopping-point", type=_point_or("none"), default=KEEP, metavar="P|none"
    )


def _add_project_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scan", type=_on_off_inherit, default=KEEP, metavar="on|off|inherit")
    parser.add_argument("--fix", type=_on_off_inherit, default=KEEP, metavar="on|off|inherit")
    parser.add_argument(
        "--stopping-point", type=_point_or("inherit"), default=KEEP, metavar="P|inherit"
    )


def _writes(args: argparse.Namespace) -> bool:
    """Whether the command may write (and so may create the database file)."""
    command, action = args.command, getattr(args, "action", None)
    if command in {"org", "project"}:
        return action != "show"
    return command in {"demo", "repo", "bulk", "import", "migrate"}


def _location(args: argparse.Namespace) -> str:
    return str(args.db or os.environ.get("AI_SETTINGS_DB") or DEFAULT_DB)


def _database(args: argparse.Namespace) -> Path | None:
    """The SQLite file the command uses; ``None`` for another store."""
    location = _location(args)
    return sqlite_path(location) if store_kind(location) == "sqlite" else None


class _App:
    """One run of the command: its store, its actor and its output."""

    def __init__(self, args: argparse.Namespace, out: TextIO) -> None:
        self.args = args
        self.out = out
        # The file is created by the first write; reading a missing file creates nothing.
        self.store = open_store(_location(args), create=_writes(args))
        self.service = SettingsService(self.store)
        try:
            login = getpass.getuser()
        except (OSError, KeyError):
            login = "unknown"
        self.login = f"cli:{login}"

    def actor(self, organization_id: str) -> Actor:
        return Actor(self.login, organization_id, ALL_SCOPES)

    def print(self, text: str) -> None:
        self.out.write(text + "\n")

    def json(self, document: object) -> None:
        self.out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    @property
    def as_json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    def colour(self) -> bool:
        return not os.environ.get("NO_COLOR") and hasattr(self.out, "isatty") and self.out.isatty()

    def show_org(self, view: OrganizationView) -> None:
        if self.as_json:
            self.json(codec.dump_organization(view.settings, view.resolution, view.warnings))
        else:
            self.print(render_organization(view))

    def show_project(self, view: ProjectView) -> None:
        if self.as_json:
            self.json(codec.dump_project_view(view))
        else:
            self.print(render_project(view))


def _org_patch(args: argparse.Namespace) -> OrganizationPatch:
    both = set(args.lock) & set(args.unlock)
    if both:
        names = ", ".join(sorted(s.value for s in both))
        raise _UsageError(f"ai-settings: cannot both lock and unlock {names}")
    return OrganizationPatch(
        scan_enabled=KEEP if args.scan is None else args.scan,
        fix_enabled=KEEP if args.fix is None else args.fix,
        stopping_point=KEEP if args.stopping_point is None else args.stopping_point,
        max_stopping_point=args.max_stopping_point,
        # Relative to what is stored when the write runs: a concurrent lock is kept.
        lock=frozenset(args.lock) if args.lock else KEEP,
        unlock=frozenset(args.unlock) if args.unlock else KEEP,
    )


def _has_org_change(args: argparse.Namespace) -> bool:
    return (
        any(value is not None for value in (args.scan, args.fix, args.stopping_point))
        or bool(args.lock or args.unlock)
        or args.max_stopping_point is not KEEP
    )


def _project_patch(args: argparse.Namespace) -> ProjectPatch:
    environments: frozenset[str] | Keep = KEEP
    text = getattr(args, "environments", None)
    if text is not None:
        environments = frozenset() if text == "all" else frozenset(e for e in text.split(",") if e)
    return ProjectPatch(
        scan_enabled_override=args.scan,
        fix_enabled_override=args.fix,
        stopping_point_override=args.stopping_point,
        environments=environments,
    )


def _repository(text: str, path: str = "repository") -> RepositoryRef:
    try:
        return RepositoryRef.parse(text)
    except InvalidValueError as error:
        finding = Finding(error.code, Severity.ERROR, (path,), error.message)
        detail, codes = build_detail([finding])
        raise ValidationError(detail, codes, [finding]) from None


def _repository_payload(args: argparse.Namespace) -> dict[str, object]:
    """The repository options as the codec's payload, so the codec checks all of them at once."""
    payload: dict[str, object] = {}
    if args.branch is not None:
        payload["branch_patterns"] = args.branch
    if args.ai is not None:
        payload["ai_enabled"] = args.ai
    if args.stopping_point is not KEEP:
        point = args.stopping_point
        payload["stopping_point_override"] = None if point is None else point.value
    return payload


def _cmd_demo(app: _App) -> None:
    from ai_settings_core.cli._demo import build_demo  # noqa: PLC0415 - only this command needs it

    created = build_demo(app.service, app.actor("demo"))
    if not app.as_json:
        app.print(
            "Created the sample organization 'demo'."
            if created
            else "The sample organization 'demo' exists already; showing it."
        )
        app.print("")
    _cmd_resolve(app, "demo")


def _cmd_resolve(app: _App, organization_id: str) -> None:
    actor = app.actor(organization_id)
    org_view = app.service.get_organization(actor, organization_id)
    views: list[ProjectView] = []
    cursor: str | None = None
    while True:
        page = app.service.list_projects(actor, organization_id, cursor=cursor, limit=1000)
        views.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    if app.as_json:
        app.json(
            {
                "organization": codec.dump_organization(
                    org_view.settings, org_view.resolution, org_view.warnings
                ),
                "projects": [codec.dump_project_view(view) for view in views],
            }
        )
    else:
        app.print(render_resolve(org_view, views, colour=app.colour()))


def _run(app: _App) -> int:
    args = app.args
    command = args.command
    if command == "api":
        return run_api(args, app.store, app.out, sys.stderr, actor_id=app.login)
    if command == "migrate":
        migrate = getattr(app.store, "migrate", None)
        version = migrate() if migrate is not None else app.store.schema_version()  # type: ignore[attr-defined]
        app.print(f"{app.store.label}: schema version {version}")
    elif command == "demo":
        _cmd_demo(app)
    elif command == "org":
        actor = app.actor(args.org)
        if args.action == "show":
            app.show_org(app.service.get_organization(actor, args.org))
        else:
            if not _has_org_change(args):
                raise _UsageError("ai-settings org set: give at least one change")
            app.show_org(
                app.service.update_organization(
                    actor, args.org, _org_patch(args), expected_version=args.if_version
                )
            )
    elif command == "project":
        actor = app.actor(args.org)
        if args.action == "show":
            app.show_project(app.service.get_project(actor, args.org, args.project))
        elif args.action == "set":
            if _project_patch(args).is_empty:
                raise _UsageError("ai-settings project set: give at least one change")
            app.show_project(
                app.service.update_project(
                    actor,
                    args.org,
                    args.project,
                    _project_patch(args),
                    expected_version=args.if_version,
                )
            )
        else:
            app.show_project(
                app.service.reset_project(
                    actor, args.org, args.project, expected_version=args.if_version
                )
            )
    elif command == "repo":
        _run_repo(app)
    elif command == "resolve":
        _cmd_resolve(app, args.org)
    elif command == "explain":
        _cmd_explain(app)
    elif command == "bulk":
        _cmd_bulk(app)
    elif command == "preview":
        _cmd_preview(app)
    elif command == "audit":
        page = app.service.audit_log(
            app.actor(args.org), args.org, project_id=args.project, limit=args.limit
        )
        if app.as_json:
            app.json({"entries": [dump_audit_entry(entry) for entry in page.items]})
        else:
            app.print(render_audit(page.items))
    elif command == "export":
        _cmd_export(app)
    elif command == "import":
        _cmd_import(app)
    return EXIT_OK


def _run_repo(app: _App) -> None:
    args = app.args
    actor = app.actor(args.org)
    if args.action == "add":
        settings = codec.parse_repository(
            {"repository": args.repository, **_repository_payload(args)}
        )
        view = app.service.add_repository(actor, args.org, args.project, settings)
    elif args.action == "set":
        ref = _repository(args.repository)
        patch = codec.parse_repository_patch(_repository_payload(args))
        view = app.service.update_repository(actor, args.org, args.project, ref, patch)
    else:
        view = app.service.remove_repository(
            actor, args.org, args.project, _repository(args.repository)
        )
    app.show_project(view)


def _cmd_explain(app: _App) -> None:
    args = app.args
    ref = None if args.repo is None else _repository(args.repo, "repo")
    explanation = app.service.explain(
        app.actor(args.org),
        args.org,
        args.project,
        repository=ref,
        branch=args.branch,
        environment=args.environment,
    )
    if app.as_json:
        app.json(dump_explanation(explanation))
    else:
        app.print(render_explanation(explanation, branch=args.branch, environment=args.environment))


def _cmd_bulk(app: _App) -> None:
    args = app.args
    ids = [p for p in args.projects.split(",") if p]
    changes = (args.scan, args.fix, args.stopping_point)
    if args.reset and any(value is not KEEP for value in changes):
        raise _UsageError("ai-settings bulk: --reset cannot be combined with other changes")
    if not args.reset and all(value is KEEP for value in changes):
        raise _UsageError("ai-settings bulk: give --reset or at least one change")
    actor = app.actor(args.org)
    if args.reset:
        result = app.service.bulk_update(actor, args.org, ids, reset=True)
    else:
        result = app.service.bulk_update(actor, args.org, ids, _project_patch(args))
    if app.as_json:
        app.json(dump_bulk_result(result))
    else:
        app.print(
            f"Changed {len(result.changed)} of {len(result.projects)} projects"
            + (f": {', '.join(result.changed)}" if result.changed else ".")
        )


def _cmd_preview(app: _App) -> None:
    args = app.args
    if not _has_org_change(args):
        raise _UsageError("ai-settings preview: give at least one change to preview")
    impact = app.service.preview_organization_change(
        app.actor(args.org), args.org, _org_patch(args)
    )
    if app.as_json:
        app.json(codec.dump_impact(impact))
    else:
        app.print(render_impact(impact))


def _cmd_export(app: _App) -> None:
    organization_id = app.args.org
    with app.store(read_only=True) as uow:
        state = uow.projects.load_organization(organization_id)
    if state.organization is None and not state.projects:
        raise NotFoundError(f"Organization {organization_id!r} not found.")
    app.out.write(
        codec.dumps_export(state.organization, state.projects, organization_id, versions=False)
    )


def _cmd_import(app: _App) -> None:
    source = app.args.file
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise _UsageError(f"ai-settings import: cannot read {source!r}: {error}") from None
    try:
        document = codec.load_json(data)
    except ValueError as error:
        message = f"The file is not JSON: {error}."
        raise ValidationError(
            {"non_field_errors": [message]}, {"non_field_errors": ["parse_error"]}
        ) from None
    organization, projects = codec.parse_export(document)
    result = app.service.import_organization(
        app.actor(organization.organization_id), organization, projects
    )
    if app.as_json:
        app.json({"changed": list(result.changed)})
    else:
        app.print(
            f"Imported {organization.organization_id}: {len(result.changed)} of "
            f"{len(result.projects)} projects changed."
        )


def _report_validation(error: ValidationError, err: TextIO) -> None:
    err.write("ai-settings: invalid input:\n")
    if error.findings:
        for finding in error.findings:
            if finding.is_error:
                field = finding.field or "non_field_errors"
                err.write(f"  {field}: {finding.message} [{finding.code}]\n")
    else:
        err.writelines(f"  {line}\n" for line in str(error).split("; "))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    out, err = sys.stdout, sys.stderr
    created: Path | None = None
    try:
        args = _build_parser().parse_args(argv)
        database = _database(args)
        created = None if database is None or database.exists() else database
        app = _App(args, out)
        try:
            status = _run(app)
        finally:
            close = getattr(app.store, "close", None)  # a PostgreSQL store's pool
            if close is not None:
                close()
    except _UsageError as error:
        err.write(f"{error}\nTry 'ai-settings --help'.\n")
        status = EXIT_USAGE
    except ValidationError as error:
        _report_validation(error, err)
        status = EXIT_INVALID
    except ConflictError as error:
        err.write(f"ai-settings: conflict: {error.message}\n")
        status = EXIT_CONFLICT
    except NotFoundError as error:
        err.write(f"ai-settings: not found: {error.message}\n")
        status = EXIT_NOT_FOUND
    except StorageUnavailableError as error:
        err.write(f"ai-settings: storage unavailable: {error.message}\n")
        status = EXIT_UNAVAILABLE
    except StorageError as error:
        err.write(f"ai-settings: storage error: {error.message}\n")
        status = EXIT_STORAGE
    except AISettingsError as error:
        err.write(f"ai-settings: {error.message}\n")
        status = EXIT_INVALID
    except KeyboardInterrupt:
        err.write("ai-settings: interrupted\n")
        status = 130
    except Exception as error:  # noqa: BLE001 - never a traceback; say what broke, in one line
        err.write(f"ai-settings: internal error ({type(error).__name__}): {error}\n")
        status = EXIT_INTERNAL
    if status != EXIT_OK and created is not None:
        _remove_new_database(created)
    return status


def _remove_new_database(path: Path) -> None:
    """A failed command changes nothing: remove the file it created (it holds no data)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
