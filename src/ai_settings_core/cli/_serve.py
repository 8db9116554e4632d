"""``ai-settings serve``: the settings page and the JSON API on the command's store.

Bound to a loopback address (the default, ``127.0.0.1``) the server acts as the local
administrator; on any other address every request needs the server's token (``--token`` or
``$AI_SETTINGS_TOKEN``), and without one the command refuses to start (exit status 2).
"""

from __future__ import annotations

import argparse
import os
import signal
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # the parser is built for every command: it imports no HTTP, no service
    from ai_settings_core.service import SettingsService

__all__ = ["add_serve_parser", "run_serve"]

EXIT_OK = 0
EXIT_USAGE = 2
TOKEN_VARIABLE = "AI_SETTINGS_TOKEN"  # noqa: S105 - a variable's name, not a secret


def _port(text: str) -> int:
    if text.isascii() and text.isdigit() and int(text) <= 65535:  # noqa: PLR2004
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, not {text!r}")


def add_serve_parser(
    commands: argparse._SubParsersAction[Any], parents: Sequence[argparse.ArgumentParser] = ()
) -> argparse.ArgumentParser:
    """Add the ``serve`` command to the ``ai-settings`` sub-commands; return its parser."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "serve",
        help="serve the settings page and the JSON API (on the command's store)",
        description="Serve the settings page at /organizations/ORG/settings/ai/ and the JSON "
        "API on the command's store, until interrupted. On a loopback address the server "
        "acts as the local administrator; on any other address it needs a token "
        f"(--token or ${TOKEN_VARIABLE}) and refuses to start without one.",
        epilog="example: ai-settings serve --port 8000  (then open "
        "http://127.0.0.1:8000/organizations/acme/settings/ai/)",
        parents=list(parents),
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    parser.add_argument(
        "--port", type=_port, default=8000, help="the port to listen on (0: any free port)"
    )
    parser.add_argument(
        "--token",
        help=f"the token every request must carry (default: ${TOKEN_VARIABLE}); required "
        "off loopback. The environment variable keeps it out of the process list",
    )
    return parser


def run_serve(args: argparse.Namespace, service: SettingsService, out: TextIO, err: TextIO) -> int:
    """Run the ``serve`` command until it is interrupted; return its exit status."""
    from ai_settings_core.ui._server import (  # noqa: PLC0415 - start-up time
        build_page,
        check_store,
        make_page_server,
    )

    token = args.token or os.environ.get(TOKEN_VARIABLE) or None
    try:
        page = build_page(service, args.host, token)
    except ValueError as error:
        err.write(f"ai-settings serve: {error}: give --token or set ${TOKEN_VARIABLE}\n")
        return EXIT_USAGE
    check_store(service)  # a store that cannot serve is exit status 6, before listening
    try:
        server = make_page_server(page, args.host, args.port, log=err)
    except OSError as error:
        err.write(f"ai-settings serve: cannot listen on {args.host}:{args.port}: {error}\n")
        return EXIT_USAGE
    host, port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"[{host}]" if ":" in host else host
    access = "the local administrator" if not token else "token holders"
    out.write(
        f"Serving the AI settings on http://{shown}:{port}/ for {access}; the page of an "
        f"organization is /organizations/ORG/settings/ai/. Stop with Ctrl-C.\n"
    )
    out.flush()

    def stop(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out.write("Stopped.\n")
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
    return EXIT_OK
