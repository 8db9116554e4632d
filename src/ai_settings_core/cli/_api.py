"""``ai-settings api METHOD PATH``: one request through the HTTP handler, from a terminal.

The request runs against the command's store, as the local operator: with every scope,
or with only the ``--scope`` s given, so that a permission can be tried. The first line of
the output is ``HTTP <status>``, then the JSON body; the exit status is 0 for a 2xx answer
and 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from ai_settings_core.domain.permissions import ALL_SCOPES, Actor

if TYPE_CHECKING:  # the parser is built for every command: it imports no HTTP, no service
    from ai_settings_core.http import Response
    from ai_settings_core.ports import UnitOfWorkFactory

__all__ = ["add_api_parser", "api_writes", "run_api"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
_READS = frozenset({"GET", "HEAD"})


def _method(text: str) -> str:
    if text.isascii() and text.isalpha():
        return text.upper()
    raise argparse.ArgumentTypeError(f"expected an HTTP method such as GET, not {text!r}")


def _path(text: str) -> str:
    if text.startswith("/"):
        return text
    raise argparse.ArgumentTypeError(f"expected a path starting with /, not {text!r}")


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if colon and name.strip() and " " not in name.strip():
        return name.strip(), value.strip()
    raise argparse.ArgumentTypeError(f"expected 'Name: value', not {text!r}")


def add_api_parser(
    commands: argparse._SubParsersAction[Any], parents: Sequence[argparse.ArgumentParser] = ()
) -> argparse.ArgumentParser:
    """Add the ``api`` command to the ``ai-settings`` sub-commands; return its parser."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "api",
        help="send one request to the HTTP API (on the command's store)",
        description="Send one request through the HTTP API handler, on the command's store, "
        "and print 'HTTP <status>' and the JSON body. Exit status 0 for 2xx, 1 otherwise. "
        "'ai-settings api GET /openapi.json --body-only' prints the OpenAPI document.",
        epilog="example: ai-settings api PUT /organizations/acme/ai-settings/ "
        """--data '{"fix_enabled": true}' --header 'If-Match: "0"'""",
        parents=list(parents),
    )
    parser.add_argument(
        "method", type=_method, metavar="METHOD", help="the HTTP method: GET, PUT, POST..."
    )
    parser.add_argument("path", type=_path, metavar="PATH", help="the path, with any ?query")
    parser.add_argument(
        "--data",
        metavar="JSON|@FILE|-",
        help="the request body: JSON text, @FILE to read a file, - to read standard input",
    )
    parser.add_argument(
        "--scope",
        action="append",
        choices=sorted(ALL_SCOPES),
        metavar="SCOPE",
        help="act with only this scope (repeatable); default: every scope",
    )
    parser.add_argument(
        "--header",
        action="append",
        type=_header,
        default=[],
        metavar="'NAME: VALUE'",
        help="a request header (repeatable), such as 'If-Match: \"3\"'",
    )
    parser.add_argument(
        "-i", "--include", action="store_true", help="print the response headers too"
    )
    parser.add_argument(
        "--body-only",
        action="store_true",
        help="print only the body (no status line); --json does the same",
    )
    return parser


def api_writes(args: argparse.Namespace) -> bool:
    """Whether the request may write (and so may create the store)."""
    return str(args.method) not in _READS


def _body(data: str | None, stdin: BinaryIO) -> bytes:
    if data is None:
        return b""
    if data == "-":
        return stdin.read()
    if data.startswith("@"):
        return Path(data[1:]).read_bytes()
    return data.encode("utf-8")


def _print(response: Response, args: argparse.Namespace, out: TextIO) -> None:
    if not (args.body_only or getattr(args, "json", False)):
        out.write(f"HTTP {response.status}\n")
        if args.include:
            out.writelines(f"{name}: {value}\n" for name, value in response.headers)
            out.write("\n")
    if response.body:
        try:
            document = json.loads(response.body)
        except ValueError:
            out.write(response.body.decode("utf-8", "replace") + "\n")
        else:
            out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def run_api(
    args: argparse.Namespace,
    store: UnitOfWorkFactory,
    out: TextIO,
    err: TextIO,
    *,
    actor_id: str = "cli:api",
    stdin: BinaryIO | None = None,
) -> int:
    """Run the ``api`` command; return its exit status.

    Args:
        args: The parsed command line (see :func:`add_api_parser`).
        store: The command's store (opened to create a missing file when the method writes).
        out: Where the status line and the body go.
        err: Where problems with the command line itself go.
        actor_id: How the audit log names the operator.
        stdin: Where ``--data -`` reads from (default: standard input).
    """
    from ai_settings_core.http import Request, SettingsApi  # noqa: PLC0415 - start-up time
    from ai_settings_core.service import SettingsService  # noqa: PLC0415 - start-up time

    try:
        body = _body(args.data, stdin if stdin is not None else sys.stdin.buffer)
    except OSError as error:
        err.write(f"ai-settings api: cannot read {args.data[1:]!r}: {error.strerror}\n")
        return EXIT_USAGE
    scopes = frozenset(args.scope) if args.scope else ALL_SCOPES
    api = SettingsApi(SettingsService(store), lambda _request, org: Actor(actor_id, org, scopes))
    headers: list[tuple[str, str]] = list(args.header)
    if body and not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    response = api.handle(Request.from_target(args.method, args.path, headers, body))
    _print(response, args, out)
    return EXIT_OK if 200 <= response.status < 300 else EXIT_FAILED  # noqa: PLR2004
