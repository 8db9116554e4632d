"""The API as a WSGI application (PEP 3333), on the standard library only.

Any WSGI server serves it (``wsgiref``, gunicorn, uWSGI, mod_wsgi), and any WSGI framework can
mount it under a prefix (Django, Flask, or FastAPI through ``a2wsgi``).
"""

from __future__ import annotations

import http
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

from ai_settings_core.http._handler import Request, Response, SettingsApi, error_response

__all__ = ["WsgiApp", "request_from_environ"]

StartResponse: TypeAlias = Callable[..., Any]


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


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
    >>> service = SettingsService(MemoryStore().unit_of_work)
    >>> app = WsgiApp(SettingsApi(service, lambda request, org: Actor("u", org, ALL_SCOPES)))
    >>> from wsgiref.util import setup_testing_defaults
    >>> environ = {"PATH_INFO": "/organizations/acme/ai-settings/"}
    >>> setup_testing_defaults(environ)
    >>> b"".join(app(environ, lambda status, headers: None))[:30]
    b'{"organization_id":"acme","sca'

    The body is read up to ``CONTENT_LENGTH`` (none without it, as PEP 3333 asks); a
    ``CONTENT_LENGTH`` above the API's ``max_body_bytes`` is answered 413 without reading.

    Args:
        api: The handler to serve.
    """

    def __init__(self, api: SettingsApi) -> None:
        self.api = api

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
        text = environ.get("CONTENT_LENGTH") or "0"
        if not text.isascii() or not text.isdigit():
            return error_response(400, f"Invalid Content-Length {text!r}.", "parse_error")
        length = int(text)
        if length > self.api.max_body_bytes:
            return error_response(
                413,
                f"The request body is larger than {self.api.max_body_bytes} bytes.",
                "payload_too_large",
            )
        stream = environ.get("wsgi.input")
        body = stream.read(length) if length and stream is not None else b""
        return self.api.handle(request_from_environ(environ, body))
