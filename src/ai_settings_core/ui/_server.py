"""``ai-settings serve``'s server: the page and the API on the standard library's WSGI server.

One thread per connection (``wsgiref`` with ``ThreadingMixIn``): enough for the few people of
a small installation. A larger one mounts :class:`~ai_settings_core.ui.SettingsPage` in its
own server (gunicorn, or a framework's, see ``docs/ui.md``).
"""

from __future__ import annotations

import socket
import socketserver
import sys
from collections.abc import Callable, Iterable
from typing import Any, TextIO
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import attrs

from ai_settings_core.domain.permissions import ALL_SCOPES, Actor
from ai_settings_core.http import Request, Response, SettingsApi, WsgiApp
from ai_settings_core.service import SettingsService
from ai_settings_core.ui._access import (
    LOCAL_ACTOR,
    TokenAccess,
    is_loopback,
    local_administrator,
    refusal,
)
from ai_settings_core.ui._page import SettingsPage

__all__ = ["GuardedPage", "build_page", "check_store", "make_page_server"]


@attrs.frozen
class GuardedPage:
    """A :class:`SettingsPage` behind :func:`~._access.refusal` (rebound hosts, cross-site)."""

    page: SettingsPage
    loopback: bool

    @property
    def max_body_bytes(self) -> int:
        """The page's limit on bodies."""
        return self.page.max_body_bytes

    def handle(self, request: Request) -> Response:
        """Refuse what a browser sent on another site's behalf; else the page answers."""
        return refusal(request, self.loopback) or self.page.handle(request)


def build_page(service: SettingsService, host: str, token: str | None) -> GuardedPage:
    """The page and API a server on ``host`` serves: the local administrator, or the token.

    Raises:
        ValueError: ``host`` is not loopback and there is no token.
    """
    loopback = is_loopback(host)
    if token:
        access = TokenAccess(token)
        api = SettingsApi(service, access.authenticate)
        return GuardedPage(SettingsPage(api, login=access.login), loopback)
    if not loopback:
        msg = f"serving on {host!r}, which is not a loopback address, needs a token"
        raise ValueError(msg)
    return GuardedPage(SettingsPage(SettingsApi(service, local_administrator)), loopback)


def check_store(service: SettingsService) -> None:
    """Read the store once, so one that cannot serve stops the command before it listens.

    Raises:
        StorageError: The store cannot be read (a PostgreSQL schema that was never migrated,
            a file that is not ours): the command line reports it with exit status 6.
    """
    probe = "serve-check"
    service.list_projects(Actor(LOCAL_ACTOR, probe, ALL_SCOPES), probe, limit=1)


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(WSGIRequestHandler):
    log: TextIO = sys.stderr

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ANN401 - the base's
        self.log.write(f"{self.address_string()} {format % args}\n")


def make_page_server(
    page: GuardedPage, host: str, port: int, log: TextIO | None = None
) -> WSGIServer:
    """A server (not started) of ``page`` on ``host:port`` (port 0 picks a free one)."""
    app: Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]] = WsgiApp(page)
    handler = type("Handler", (_Handler,), {"log": log if log is not None else sys.stderr})
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server_class = type("Server", (_Server,), {"address_family": family})
    return make_server(host, port, app, server_class=server_class, handler_class=handler)
