"""The API as a WSGI application (PEP 3333), on the standard library only.

Any WSGI server serves it (``wsgiref``, gunicorn, uWSGI, mod_wsgi), and any WSGI framework can
mount it under a prefix (Django, Flask, or FastAPI through ``a2wsgi``).
"""

from __future__ import annotations

import http
from collections.abc import Callable, Iterable
from typing import Any, Final, Protocol, TypeAlias

from ai_settings_core.http._messages import Request, Response, error_response

__all__ = [
    "DRAIN_BYTES",
    "Serves",
    "WsgiApp",
    "discard",
    "invalid_length",
    "request_from_environ",
    "too_large",
]

DRAIN_BYTES: Final = 64 * 1024 * 1024
"""How much of a refused body a host reads and throws away, so that the client, which sends
its whole body before it reads the answer, gets the answer and can keep its connection."""

StartResponse: TypeAlias = Callable[..., Any]


_REASONS: Final = {int(status): status.phrase for status in http.HTTPStatus}


class Serves(Protocol):
    """What a :class:`WsgiApp` serves: a :class:`SettingsApi`, or a handler that wraps one.

    The settings page of :mod:`ai_settings_core.ui` is one.
    """

    @property
    def max_body_bytes(self) -> int:
        """Bodies larger than this are refused with 413."""
        ...

    def handle(self, request: Request) -> Response:
        """Answer one request."""
        ...


def _reason(status: int) -> str:
    return _REASONS.get(status, "Unknown")


def request_from_environ(environ: dict[str, Any], body: bytes = b"") -> Request:
    """The :class:`Request` of a WSGI environ (its body read by the caller).

    The path is ``SCRIPT_NAME`` + ``PATH_INFO``, the whole path of the URL, so the API's
    prefix is the same whether it is served alone or mounted by a dispatcher. Both are text
    decoded as latin-1 by the server (PEP 3333); they are turned back into bytes and read as
    UTF-8, as browsers encode paths. The environ is the request's
    ``context``, so the authenticate callable can read what the server or a middleware put
    there (a session, ``REMOTE_USER``).
    """
    raw_path = (environ.get("SCRIPT_NAME", "") or "") + (environ.get("PATH_INFO", "") or "")
    try:
        path = raw_path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        path = raw_path
    headers: list[tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").title(), value))
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers.append((name, environ[key]))
    return Request(
        environ.get("REQUEST_METHOD", "GET"),
        path,
        headers,
        body,
        environ.get("QUERY_STRING", "") or "",
        context=environ,
    )


class WsgiApp:
    """A WSGI application serving a :class:`SettingsApi`.

    >>> from ai_settings_core import ALL_SCOPES, Actor, SettingsService
    >>> from ai_settings_core.adapters.memory import MemoryStore
    >>> from ai_settings_core.http import SettingsApi
    >>> service = SettingsService(MemoryStore().unit_of_work)
    >>> app = WsgiApp(SettingsApi(service, lambda request, org: Actor("u", org, ALL_SCOPES)))
    >>> from wsgiref.util import setup_testing_defaults
    >>> environ = {"PATH_INFO": "/organizations/acme/ai-settings/"}
    >>> setup_testing_defaults(environ)
    >>> b"".join(app(environ, lambda status, headers: None))[:30]
    b'{"organization_id":"acme","sca'

    The body is read up to ``CONTENT_LENGTH`` (none without it, as PEP 3333 asks); a
    ``CONTENT_LENGTH`` above the API's ``max_body_bytes`` is answered 413.
    When the server declares ``wsgi.input_terminated`` (gunicorn does), a body without
    ``CONTENT_LENGTH`` or sent with ``Transfer-Encoding`` (chunked) is read to its end, and
    answered 413 once it passes ``max_body_bytes``. A ``PUT``, ``POST`` or ``PATCH`` sent
    with ``Transfer-Encoding`` to a server that cannot end its input (``wsgiref``) is
    answered 411 Length Required rather than run without its body. A ``GET``, ``HEAD``,
    ``DELETE`` or ``OPTIONS`` without ``CONTENT_LENGTH`` is not read at all: no route of
    theirs takes a body.

    A refused body (413) is read and thrown away first, up to ``drain_bytes``: the client
    sends its whole body before it reads the answer, and a server that closed the connection
    on unread bytes (gunicorn drains 64 KiB at most) would reset it before it could.

    Args:
        api: The handler to serve (a :class:`SettingsApi`, or anything that answers like one).
        drain_bytes: How much of a refused body is read and thrown away.
    """

    def __init__(self, api: Serves, *, drain_bytes: int = DRAIN_BYTES) -> None:
        self.api = api
        self.drain_bytes = drain_bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one request."""
        response = self._respond(environ)
        headers = list(response.headers)
        body = response.body
        if environ.get("REQUEST_METHOD") == "HEAD":
            body = b""
        else:
            headers.append(("Content-Length", str(len(body))))
        start_response(f"{response.status} {_reason(response.status)}", headers)
        return [body]

    def _respond(self, environ: dict[str, Any]) -> Response:
        body = self._read_body(environ)
        if isinstance(body, Response):
            return body
        return self.api.handle(request_from_environ(environ, body))

    def _read_body(self, environ: dict[str, Any]) -> bytes | Response:
        """The request's body, or the error answer that refuses it."""
        raw_length = environ.get("CONTENT_LENGTH")
        if not raw_length and environ.get("REQUEST_METHOD") in _BODYLESS_METHODS:
            # No route of these methods reads a body: a GET is not made to read the input
            # (the server discards what a client sent anyway, before the next request).
            return b""
        limit = self.api.max_body_bytes
        text = str(raw_length or "").strip()
        if text and not (text.isascii() and text.isdigit()):
            return invalid_length(text)
        digits = text.lstrip("0")
        # Longer than the limit is larger, and int() refuses more than 4300 digits.
        stream = environ.get("wsgi.input")
        if len(digits) > len(str(limit)) or int(digits or "0") > limit:
            if stream is not None and int(digits[:30]) <= self.drain_bytes:
                discard(stream, int(digits))  # over drain_bytes, the server closes
            return too_large(limit)
        chunked = bool(environ.get("HTTP_TRANSFER_ENCODING"))
        if stream is not None and environ.get("wsgi.input_terminated") and (chunked or not text):
            body = _read_to_end(stream, limit + 1)
            if len(body) <= limit:
                return body
            discard(stream, self.drain_bytes)
            return too_large(limit)
        if chunked:
            if str(environ.get("REQUEST_METHOD", "")).upper() in _BODY_METHODS:
                return error_response(
                    411,
                    "This server cannot read a body sent with Transfer-Encoding; "
                    "send a Content-Length.",
                    "length_required",
                )
            return b""  # a GET or a DELETE does not read its body
        length = int(digits or "0")
        return stream.read(length) if length and stream is not None else b""


def too_large(limit: int) -> Response:
    """The 413 of a body over ``limit`` bytes, whichever host refuses it."""
    return error_response(
        413, f"The request body is larger than {limit} bytes.", "payload_too_large"
    )


def invalid_length(text: str) -> Response:
    """The 400 of a ``Content-Length`` that is not a number, whichever host refuses it."""
    return error_response(400, f"Invalid Content-Length {text!r}.", "parse_error")


_BODY_METHODS: Final = frozenset({"PATCH", "POST", "PUT"})
_BODYLESS_METHODS: Final = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
_READ_SIZE: Final = 65536


def discard(stream: Any, size: int) -> None:  # noqa: ANN401 - PEP 3333's wsgi.input
    """Read and throw away up to ``size`` bytes of ``stream`` (less if it ends first)."""
    left = size
    while left > 0:
        part = stream.read(min(_READ_SIZE, left))
        if not part:
            return
        left -= len(part)


def _read_to_end(stream: Any, limit: int) -> bytes:  # noqa: ANN401 - PEP 3333's wsgi.input
    """Up to ``limit`` bytes of ``stream``, read until its end (``wsgi.input_terminated``)."""
    parts: list[bytes] = []
    size = 0
    while size < limit:
        part = stream.read(min(_READ_SIZE, limit - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)
