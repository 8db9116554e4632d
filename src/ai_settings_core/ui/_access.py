"""Who may use a served page: the local administrator on loopback, else the server's token.

Bound to a loopback address, ``ai-settings serve`` acts for whoever can reach it, as the local
administrator (the same trust as the command line on the same machine). On any other address
every request carries the server's token: ``Authorization: Bearer <token>`` for API clients,
or the session cookie that the sign-in form sets for a browser. Either way the server refuses
what a browser would send on another site's behalf: a ``Host`` that is not the address it
serves (DNS rebinding) and a write whose ``Origin`` is another site (cross-site requests).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import urllib.parse
from typing import Final

from ai_settings_core.domain.permissions import ALL_SCOPES, Actor
from ai_settings_core.http import Request, Response
from ai_settings_core.http._messages import error_response
from ai_settings_core.ui._render import login_page

__all__ = ["COOKIE", "LOCAL_ACTOR", "TOKEN_ACTOR", "TokenAccess", "is_loopback", "refusal"]

LOCAL_ACTOR: Final = "serve:local"
"""How the audit log names the local administrator of a loopback server."""

TOKEN_ACTOR: Final = "serve:token"  # noqa: S105 - an actor's name, not a secret
"""How the audit log names a holder of the server's token."""

COOKIE: Final = "ai_settings_session"
_UNSAFE: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) reaches only this machine."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def local_administrator(_request: Request, organization_id: str) -> Actor:
    """Every request of a loopback server: the local administrator, with every scope."""
    return Actor(LOCAL_ACTOR, organization_id, ALL_SCOPES)


def _host_name(value: str) -> str:
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rpartition(":")[0] if value.count(":") == 1 else value


def refusal(request: Request, loopback: bool) -> Response | None:
    """The 403 of a request a browser sent on another site's behalf, else ``None``.

    A loopback server answers only a loopback ``Host`` (a rebound DNS name is refused), and
    any server refuses a write whose ``Origin`` names another host than the one it serves.
    """
    host = request.header("Host") or ""
    if loopback and host and not is_loopback(_host_name(host)):
        return error_response(403, f"This server does not answer for host {host!r}.", "forbidden")
    origin = request.header("Origin")
    if (
        request.method in _UNSAFE
        and origin is not None
        and (origin == "null" or urllib.parse.urlsplit(origin).netloc != host)
    ):
        return error_response(403, "Cross-site requests are refused.", "forbidden")
    return None


class TokenAccess:
    """Requests carry the server's token, as a bearer token or the sign-in form's cookie.

    >>> access = TokenAccess("s3cret")
    >>> access.authenticate(Request("GET", "/", [("Authorization", "Bearer s3cret")]), "acme").id
    'serve:token'
    >>> access.authenticate(Request("GET", "/", [("Authorization", "Bearer nope")]), "acme")

    Args:
        token: The server's token (never stored in the cookie: that holds a value derived
            from it).
    """

    def __init__(self, token: str) -> None:
        if not token:
            msg = "The token may not be empty."
            raise ValueError(msg)
        self._token = token.encode()
        self._session = hmac.new(self._token, b"ai-settings session", hashlib.sha256).hexdigest()

    def authenticate(self, request: Request, organization_id: str) -> Actor | None:
        """The token holder, if ``request`` carries the token or the session cookie."""
        authorization = request.header("Authorization") or ""
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), self._token
        ):
            return Actor(TOKEN_ACTOR, organization_id, ALL_SCOPES)
        if hmac.compare_digest(_cookie(request, COOKIE).encode(), self._session.encode()):
            return Actor(TOKEN_ACTOR, organization_id, ALL_SCOPES)
        return None

    def login(self, request: Request) -> Response:
        """The sign-in form's ``POST``: set the session cookie and go back, or ask again."""
        fields = dict(urllib.parse.parse_qsl(request.body.decode("utf-8", "replace")))
        next_path = fields.get("next", "/")
        if not next_path.startswith("/") or next_path.startswith("//"):
            next_path = "/"
        if not hmac.compare_digest(fields.get("token", "").encode(), self._token):
            body = login_page("/_ai-settings/login", next_path, failed=True).encode()
            return Response(401, (("Content-Type", "text/html; charset=utf-8"),), body)
        cookie = f"{COOKIE}={self._session}; Path=/; HttpOnly; SameSite=Strict"
        headers = (("Location", next_path), ("Set-Cookie", cookie))
        return Response(303, headers, b"")


def _cookie(request: Request, name: str) -> str:
    text = request.header("Cookie") or ""
    for part in text.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""
