"""The command line's grammar: every command and option, with its help and an example.

:func:`build_parser` returns the ``ai-settings`` parser. Each command (``resolve``, ``org show``)
sets ``args.command`` to its name, the key of :data:`ai_settings_core.cli._commands.COMMANDS`.
The global options ``--db``, ``--busy-timeout`` and ``--json`` go before or after the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final, NoReturn

from ai_settings_core.bootstrap import DEFAULT_DB
from ai_settings_core.cli._api import add_api_parser
from ai_settings_core.cli._serve import add_serve_parser
from ai_settings_core.domain.changes import KEEP
from ai_settings_core.domain.invariants import InvariantKind
from ai_settings_core.domain.settings import Setting
from ai_settings_core.domain.values import StoppingPoint
from ai_settings_core.errors import InvalidValueError

__all__ = ["SETTING_NAMES", "SHELLS", "Parser", "UsageError", "build_parser", "subcommands"]

SETTING_NAMES: Final = {
    "scan": Setting.SCAN_ENABLED,
    "fix": Setting.FIX_ENABLED,
    "stopping_point": Setting.STOPPING_POINT,
}
"""The names the command line gives the settings (``--lock fix``)."""

SHELLS: Final = ("bash", "zsh", "fish")
"""The shells ``ai-settings completion`` writes a script for."""

_POINTS: Final = StoppingPoint.choices()
_POINT_HELP: Final = "one of " + ", ".join(_POINTS)


class UsageError(Exception):
    """A command line that cannot be run as written (exit status 2)."""


class Parser(argparse.ArgumentParser):
    """An argument parser that raises :class:`UsageError` instead of exiting.

    Its epilog (a command's example) is printed as written, not re-wrapped.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - argparse's own
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Refuse the command line (exit status 2, via :class:`UsageError`)."""
        raise UsageError(f"{self.prog}: {message}")


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


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if 0 <= value <= 86_400:  # noqa: PLR2004 - a day
        return value
    raise argparse.ArgumentTypeError(f"expected a number of seconds (0 to 86400), not {text!r}")


def _moment(text: str) -> dt.datetime:
    """``--until``: an aware ISO 8601 date and time, as payloads take it."""
    from ai_settings_core.codec._errors import Invalid  # noqa: PLC0415 - only when given
    from ai_settings_core.codec._hooks import structure_datetime  # noqa: PLC0415

    try:
        return structure_datetime(text, None)
    except Invalid as error:
        raise argparse.ArgumentTypeError(error.findings[0].message) from None


_DURATION: Final = re.compile(r"(?:(\d{1,6})w)?(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,6})m)?")
_MAX_DURATION: Final = dt.timedelta(days=3650)


def _duration(text: str) -> dt.timedelta:
    """``--for``: a length of time such as ``3d``, ``12h``, ``1w2d`` or ``90m``."""
    found = _DURATION.fullmatch(text)
    if found is not None and any(found.groups()):
        weeks, days, hours, minutes = (int(part or 0) for part in found.groups())
        length = dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
        if dt.timedelta(0) < length <= _MAX_DURATION:
            return length
    raise argparse.ArgumentTypeError(
        f"expected a length of time such as 3d, 12h, 1w2d or 90m (at most 10 years), not {text!r}"
    )


def _global_options(*, top: bool) -> Parser:
    """The global options, for the main parser and (``top=False``) every command.

    A command's copy has no default, so it never hides the value given before the command.
    """
    parent = Parser(add_help=False)
    default: Any = None if top else argparse.SUPPRESS
    parent.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help=f"the store: a SQLite path, sqlite:///PATH or postgresql://... "
        f"(default: $AI_SETTINGS_DB, else ./{DEFAULT_DB})",
    )
    parent.add_argument(
        "--busy-timeout",
        type=_seconds,
        metavar="SECONDS",
        default=default,
        help="how long to wait for a SQLite file another process holds locked (default: 30), "
        "then exit 5",
    )
    parent.add_argument(
        "--json",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="print one JSON document (its schema is in docs/cli-schemas.json)",
    )
    return parent


_Group = argparse._SubParsersAction  # noqa: SLF001 - argparse names no public type for it


def _version_text() -> str:
    from importlib import metadata  # noqa: PLC0415 - only --version reads it (start-up time)

    try:
        return metadata.version("ai-settings-core")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


class _VersionAction(argparse.Action):
    """``--version``: print the installed version and stop (looked up only when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="show program's version number and exit",
        )

    def __call__(  # argparse's signature
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,  # noqa: ARG002
        values: object,  # noqa: ARG002
        option_string: str | None = None,  # noqa: ARG002
    ) -> None:
        sys.stdout.write(f"{parser.prog} {_version_text()}\n")  # as argparse's own action
        parser.exit()


def build_parser() -> Parser:
    """The ``ai-settings`` parser."""
    parser = Parser(
        prog="ai-settings",
        description="AI settings (scan, fix, stopping point) of organizations, projects and "
        "repositories, in a store (a SQLite file by default).",
        epilog="example: ai-settings demo && ai-settings resolve demo --db ai-settings.db",
        parents=[_global_options(top=True)],
    )
    parser.add_argument("--version", action=_VersionAction)
    commands = parser.add_subparsers(dest="group", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    common = _global_options(top=False)

    def command(
        group: _Group[Parser], name: str, help_text: str, example: str, *positionals: str
    ) -> Parser:
        """A command with its positional arguments (``name=METAVAR=help``) and an example."""
        sub: Parser = group.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=f"example: {example}",
            parents=[common],
        )
        key = name if group is commands else f"{group_names[id(group)]} {name}"
        sub.set_defaults(command=key)
        for positional in positionals:
            dest, metavar, text = positional.split("=", 2)
            sub.add_argument(dest, metavar=metavar, help=text)
        return sub

    group_names: dict[int, str] = {}

    def group(name: str, help_text: str, example: str) -> _Group[Parser]:
        actions = commands.add_parser(
            name, help=help_text, description=help_text, epilog=f"example: {example}"
        ).add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
        actions.required = True
        group_names[id(actions)] = name
        return actions

    org_arg = "org=ORG=the organization's id"
    project_arg = "project=PROJECT=the project's id"
    repo_arg = "repository=REPO=the repository, PROVIDER:OWNER/NAME (github:acme/api)"

    command(
        commands,
        "demo",
        "create the sample organization 'demo' and show how it resolves",
        "ai-settings demo",
    )
    command(
        commands,
        "migrate",
        "bring the store's schema to this version (creating it if needed); print the version",
        "ai-settings migrate --db postgresql://localhost/settings",
    )

    org = group("org", "organization settings", "ai-settings org show demo")
    command(org, "show", "show an organization's settings", "ai-settings org show demo", org_arg)
    org_set = command(
        org,
        "set",
        "change an organization's settings",
        "ai-settings org set acme --fix on --lock scan --max-stopping-point pull_request",
        org_arg,
    )
    _add_org_options(org_set)
    _add_expiry_options(org_set, "the locks this command sets")
    _add_if_version(org_set)

    project = group("project", "project settings", "ai-settings project show demo billing")
    command(
        project,
        "show",
        "show a project's settings",
        "ai-settings project show demo billing",
        org_arg,
        project_arg,
    )
    p_set = command(
        project,
        "set",
        "change a project's overrides",
        "ai-settings project set acme web --fix off --environments production",
        org_arg,
        project_arg,
    )
    _add_project_options(p_set)
    p_set.add_argument(
        "--environments",
        metavar="a,b|all",
        help="the environments the project runs in (comma-separated), or all",
    )
    _add_expiry_options(p_set, "the overrides this command sets")
    _add_if_version(p_set)
    p_reset = command(
        project,
        "reset",
        "clear every override of a project",
        "ai-settings project reset acme web --if-version 3",
        org_arg,
        project_arg,
    )
    _add_if_version(p_reset)

    repo = group(
        "repo", "repositories of a project", "ai-settings repo add acme web github:acme/api"
    )
    r_add = command(
        repo,
        "add",
        "add a repository to a project",
        "ai-settings repo add acme web github:acme/api --branch main --branch 'release/*'",
        org_arg,
        project_arg,
        repo_arg,
    )
    _add_repository_options(r_add, _point, "P", KEEP)
    _add_expiry_options(r_add, "the repository's stopping point")
    r_set = command(
        repo,
        "set",
        "change a repository of a project",
        "ai-settings repo set acme web github:acme/api --ai off",
        org_arg,
        project_arg,
        repo_arg,
    )
    _add_repository_options(r_set, _point_or("inherit"), "P|inherit", KEEP)
    _add_expiry_options(r_set, "the repository's stopping point")
    command(
        repo,
        "remove",
        "remove a repository from a project",
        "ai-settings repo remove acme web github:acme/api",
        org_arg,
        project_arg,
        repo_arg,
    )

    invariants = group(
        "invariants",
        "an organization's invariants (docs/invariants.md)",
        "ai-settings invariants show acme",
    )
    command(
        invariants,
        "show",
        "list an organization's invariants and where stored settings break them",
        "ai-settings invariants show acme",
        org_arg,
    )
    i_add = command(
        invariants,
        "add",
        "add an invariant; refused with the existing violations unless --enforce",
        "ai-settings invariants add acme pr-at-most stopping_point_at_most "
        "--at-most pull_request --except github:acme/infra",
        org_arg,
        "name=NAME=the invariant's name, used in errors",
        "kind=KIND=" + ", ".join(kind.value for kind in InvariantKind),
    )
    i_add.add_argument(
        "--at-most", type=_point, metavar="P", help="stopping_point_at_most: the highest point"
    )
    i_add.add_argument(
        "--except",
        dest="except_repositories",
        action="append",
        metavar="REPO",
        help="stopping_point_at_most: a repository it does not cover (repeatable)",
    )
    i_add.add_argument(
        "--branch",
        dest="branches",
        action="append",
        metavar="PATTERN",
        help="merge_only_on_branches: a branch pattern where merging is allowed (repeatable)",
    )
    i_add.add_argument(
        "--enforce",
        action="store_true",
        help="save it even where stored settings break it; no later write may add a violation",
    )
    _add_if_version(i_add)
    i_remove = command(
        invariants,
        "remove",
        "remove an invariant",
        "ai-settings invariants remove acme pr-at-most",
        org_arg,
        "name=NAME=the invariant's name",
    )
    _add_if_version(i_remove)

    command(
        commands,
        "resolve",
        "every project's effective settings, marked by source",
        "ai-settings resolve demo --json",
        org_arg,
    )

    command(
        commands,
        "watch",
        "print each committed change of an organization as it happens, until interrupted",
        "ai-settings watch demo --json",
        org_arg,
    )

    explain = command(
        commands,
        "explain",
        "where a project's values come from, and a decision",
        "ai-settings explain demo payments --repo github:demo/payments --branch main",
        org_arg,
        project_arg,
    )
    explain.add_argument(
        "--repo", metavar="REPO", help="explain this repository of the project too"
    )
    explain.add_argument("--branch", metavar="B", help="decide for an event on this branch")
    explain.add_argument(
        "--environment", metavar="E", help="decide for an event in this environment"
    )

    exposure = command(
        commands,
        "exposure",
        "where AI may fix, and how far: every project, repository and branch pattern",
        "ai-settings exposure demo --at pull_request",
        org_arg,
    )
    exposure.add_argument(
        "--at",
        type=_point,
        metavar="P",
        help=f"only the places where AI may go this far or farther: {_POINT_HELP}",
    )

    bulk = command(
        commands,
        "bulk",
        "one change, or a reset, to many projects at once (all or none)",
        "ai-settings bulk acme --projects web,api --fix off",
        org_arg,
    )
    bulk.add_argument(
        "--projects", required=True, metavar="P1,P2,...", help="the projects (comma-separated)"
    )
    bulk.add_argument("--reset", action="store_true", help="clear every override instead")
    _add_project_options(bulk)
    _add_expiry_options(bulk, "the overrides this command sets")

    preview = command(
        commands,
        "preview",
        "what an organization change would change, project by project",
        "ai-settings preview demo --fix off",
        org_arg,
    )
    _add_org_options(preview)
    _add_expiry_options(preview, "the locks this change sets")

    audit = command(
        commands,
        "audit",
        "the audit log, newest first",
        "ai-settings audit demo --limit 5",
        org_arg,
    )
    audit.add_argument("--project", metavar="P", help="only the entries of this project")
    audit.add_argument(
        "--limit", type=_positive, default=50, metavar="N", help="at most N entries (50)"
    )
    audit.add_argument(
        "--cursor",
        metavar="CURSOR",
        help="start after the page that gave this next_cursor (see --json)",
    )

    command(
        commands,
        "export",
        "one JSON document of the organization (always JSON)",
        "ai-settings export demo > demo.json",
        org_arg,
    )
    import_ = command(
        commands,
        "import",
        "store an exported document (atomic and validated)",
        "ai-settings import demo.json",
        "file=FILE|-=the document to import, or - for standard input",
    )
    import_.add_argument(
        "--enforce",
        action="store_true",
        help="keep the document's invariants even where its settings break them",
    )
    revert = command(
        commands,
        "revert",
        "undo the change an audit entry recorded (as a new, audited change)",
        "ai-settings revert demo 12",
        org_arg,
    )
    revert.add_argument(
        "entry_id", type=_positive, metavar="ENTRY_ID", help="the audit entry (audit shows #id)"
    )
    revert.add_argument(
        "--force",
        action="store_true",
        help="restore the values even if the records changed since (else exit 3)",
    )
    plan = command(
        commands,
        "plan",
        "what applying a desired-state document would change (exit 10: changes)",
        "ai-settings plan demo.json --out demo.plan.json",
        "file=FILE|-=the desired-state document (an export), or - for standard input",
    )
    plan.add_argument(
        "--prune", action="store_true", help="clear the stored projects the document leaves out"
    )
    plan.add_argument("--out", metavar="PLANFILE", help="also write the plan, for apply --plan")
    apply = command(
        commands,
        "apply",
        "make what is stored what a desired-state document says (atomic and validated)",
        "ai-settings apply --plan demo.plan.json",
    )
    apply.add_argument(
        "file",
        nargs="?",
        metavar="FILE|-",
        help="the desired-state document (an export), or - for standard input",
    )
    apply.add_argument(
        "--plan", metavar="PLANFILE", help="apply this plan (refused if anything changed since)"
    )
    apply.add_argument(
        "--prune", action="store_true", help="clear the stored projects the document leaves out"
    )
    completion = command(
        commands,
        "completion",
        "print a shell completion script",
        "source <(ai-settings completion bash)",
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell: " + ", ".join(SHELLS))

    api = add_api_parser(commands, parents=[common])
    api.set_defaults(command="api")
    serve = add_serve_parser(commands, parents=[common])
    serve.set_defaults(command="serve")
    return parser


def _add_if_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--if-version",
        type=_version,
        metavar="N",
        help="write only if the stored version is still N (else exit 3)",
    )


def _add_org_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scan", type=_on_off, metavar="on|off", help="scanning on or off")
    parser.add_argument("--fix", type=_on_off, metavar="on|off", help="fixing on or off")
    parser.add_argument(
        "--stopping-point", type=_point, metavar="P", help=f"the stopping point: {_POINT_HELP}"
    )
    parser.add_argument(
        "--lock",
        type=_setting,
        action="append",
        default=[],
        metavar="SETTING",
        help="lock scan, fix or stopping_point: projects cannot override it (repeatable)",
    )
    parser.add_argument(
        "--unlock",
        type=_setting,
        action="append",
        default=[],
        metavar="SETTING",
        help="unlock scan, fix or stopping_point (repeatable)",
    )
    parser.add_argument(
        "--max-stopping-point",
        type=_point_or("none"),
        default=KEEP,
        metavar="P|none",
        help="the furthest stopping point any project may use, or none",
    )


def _add_expiry_options(parser: argparse.ArgumentParser, what: str) -> None:
    ends = parser.add_mutually_exclusive_group()
    ends.add_argument(
        "--until",
        type=_moment,
        metavar="WHEN",
        help=f"{what} end at WHEN (ISO 8601 with Z or an offset: 2026-12-01T09:00Z)",
    )
    ends.add_argument(
        "--for",
        dest="for_",
        type=_duration,
        metavar="LENGTH",
        help=f"{what} end after LENGTH from now (3d, 12h, 1w2d, 90m)",
    )


def _add_project_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scan",
        type=_on_off_inherit,
        default=KEEP,
        metavar="on|off|inherit",
        help="override scanning, or inherit it from the organization",
    )
    parser.add_argument(
        "--fix",
        type=_on_off_inherit,
        default=KEEP,
        metavar="on|off|inherit",
        help="override fixing, or inherit it from the organization",
    )
    parser.add_argument(
        "--stopping-point",
        type=_point_or("inherit"),
        default=KEEP,
        metavar="P|inherit",
        help=f"override the stopping point ({_POINT_HELP}), or inherit it",
    )


def _add_repository_options(
    parser: argparse.ArgumentParser, point: Callable[[str], Any], metavar: str, default: object
) -> None:
    parser.add_argument(
        "--branch",
        action="append",
        metavar="PATTERN[:P]",
        help="a branch rule, checked in order, first match wins: a pattern AI runs on "
        "(* matches any text), with its own stopping point after a colon "
        "(release/*:suggestion); repeatable",
    )
    parser.add_argument("--ai", type=_on_off, metavar="on|off", help="AI on or off for it")
    inherit = ", or inherit the project's" if "inherit" in metavar else ""
    parser.add_argument(
        "--stopping-point",
        type=point,
        default=default,
        metavar=metavar,
        help=f"the repository's stopping point ({_POINT_HELP}){inherit}",
    )


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The commands directly under ``parser`` (``{"org": ..., "resolve": ...}``), if any."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:  # noqa: SLF001 - argparse lists sub-parsers nowhere else
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            found.update(action.choices)
    return found


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The parsed command line (``UsageError`` when it cannot be run as written)."""
    return build_parser().parse_args(argv)
