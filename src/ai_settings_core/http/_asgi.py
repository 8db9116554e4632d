"""The API as an ASGI 3 application, on the standard library only.

Any ASGI server serves it (uvicorn, hypercorn, daphne), and any ASGI framework can mount it
(Starlette's ``Mount``, FastAPI's ``app.mount``). The handler talks to the store and is
synchronous: each request runs in a worker thread (:func:`asyncio.to_thread`), so a slow
store never blocks the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final, TypeAlias

from ai_settings_core.http import Request, Response, SettingsApi
from ai_settings_core.http._wsgi import DRAIN_BYTES, invalid_length, too_large

__all__ = ["AsgiApp", "receive_body", "request_from_scope", "send_response"]

Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]

_LATIN_1: Final = "latin-1"


def request_from_scope(scope: Scope, body: bytes = b"") -> Request:
    """The :class:`Request` of an ASGI HTTP scope (its body received by the caller).

    The path is the whole path of the URL: ``root_path`` + ``path`` when the server gives the
    path without its root (the ASGI specification has the path hold it), so the API's prefix
    is the same whether it is served alone or mounted. The scope is the request's ``context``:
    the authenticate callable reads what a middleware put there (``scope["user"]``,
    ``scope["state"]``), or wraps it in its framework's request.
    """
    path = str(scope.get("path", "/"))
    root = str(scope.get("root_path", "") or "")
    if root and not (path == root or path.startswith(root.rstrip("/") + "/")):
        path = root.rstrip("/") + path
    headers = [
        (bytes(name).decode(_LATIN_1), bytes(value).decode(_LATIN_1))
        for name, value in scope.get("headers", ())
    ]
    query = bytes(scope.get("query_string", b"")).decode(_LATIN_1)
    return Request(str(scope.get("method", "GET")), path, headers, body, query, context=scope)


class _DisconnectedError(Exception):
    """The client went away before its body was received: there is no one to answer."""


async def receive_body(
    scope: Scope, receive: Receive, limit: int, *, drain: int = 0
) -> bytes | Response:
    """The request's body, or the answer that refuses it (400, 413).

    A ``Content-Length`` that is not a number is a 400; a body over ``limit`` a 413. A
    refused body is still received and thrown away up to ``drain`` bytes, so the client,
    which sends its whole body before it reads the answer, gets it and can send its next
    request on the same connection; a larger one is answered at once, with
    ``Connection: close``.

    Raises:
        _DisconnectedError: The client went away.
    """
    most = max(limit, drain)  # received at most; over it, answered at once
    for name, value in scope.get("headers", ()):
        if bytes(name).lower() == b"content-length":
            text = bytes(value).decode(_LATIN_1).strip()
            if not (text.isascii() and text.isdigit()):
                return invalid_length(text)
            # int() refuses more than 4300 digits; longer than `most` is larger anyway.
            digits = text.lstrip("0")
            if len(digits) > len(str(most)) or int(digits or "0") > most:
                return _closing(too_large(limit))
    parts: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _DisconnectedError
        chunk = bytes(message.get("body", b""))
        more = bool(message.get("more_body", False))
        size += len(chunk)
        if size > most:
            return _closing(too_large(limit))
        if size <= limit:
            parts.append(chunk)
    return too_large(limit) if size > limit else b"".join(parts)


def _closing(response: Response) -> Response:
    return Response(response.status, (*response.headers, ("Connection", "close")), response.body)


class AsgiApp:
    """An ASGI 3 application serving a :class:`SettingsApi`.

    >>> import asyncio
    >>> from ai_settings_core import ALL_SCOPES, Actor, SettingsService
    >>> from ai_settings_core.adapters.memory import MemoryStore
    >>> service = SettingsService(MemoryStore().unit_of_work)
    >>> app = AsgiApp(SettingsApi(service, lambda request, org: Actor("u", org, ALL_SCOPES)))
    >>> sent = []
    >>> async def receive():
    ...     return {"type": "http.request", "body": b"", "more_body": False}
    >>> async def send(message):
    ...     sent.append(message)
    >>> scope = {"type": "http", "method": "GET", "path": "/organizations/acme/ai-settings/",
    ...          "headers": [], "query_string": b""}
    >>> asyncio.run(app(scope, receive, send))
    >>> sent[0]["status"], sent[1]["body"][:30]
    (200, b'{"organization_id":"acme","sca')

    A body over the API's ``max_body_bytes`` is answered 413 after it is received and thrown
    away, if it is no larger than ``drain_bytes``, so the connection stays usable; a larger
    one is answered at once and the connection closed. The ``lifespan`` protocol is
    answered (there is nothing to start); a websocket is refused.

    Args:
        api: The handler to serve.
        drain_bytes: How much of a refused body is received and thrown away.
    """

    def __init__(self, api: SettingsApi, *, drain_bytes: int = DRAIN_BYTES) -> None:
        self.api = api
        self.drain_bytes = drain_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one connection's scope."""
        kind = scope.get("type")
        if kind == "lifespan":
            await _lifespan(receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1003})
        elif kind == "http":
            await self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = await receive_body(
                scope, receive, self.api.max_body_bytes, drain=self.drain_bytes
            )
        except _DisconnectedError:
            return
        if isinstance(body, Response):
            response = body
        else:
            response = await asyncio.to_thread(self.api.handle, request_from_scope(scope, body))
        await send_response(scope, send, response)


async def send_response(scope: Scope, send: Send, response: Response) -> None:
    """Send ``response`` on ASGI: its headers as given, a ``Content-Length`` but for ``HEAD``."""
    headers = [
        (name.lower().encode(_LATIN_1), value.encode(_LATIN_1)) for name, value in response.headers
    ]
    body = response.body
    if scope.get("method") == "HEAD":
        body = b""
    else:
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
