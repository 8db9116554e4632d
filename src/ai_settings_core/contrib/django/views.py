"""The HTTP API as one Django view: every route of :class:`~ai_settings_core.http.SettingsApi`.

The view turns Django's request into the kit's framework-neutral
:class:`~ai_settings_core.http.Request`, lets the kit answer, and copies the kit's
:class:`~ai_settings_core.http.Response` into an ``HttpResponse`` unchanged: the same status,
the same headers (``ETag``, ``Allow``, ``AI-Settings-Error-Code``...), the same JSON body. No
Django REST Framework view is involved, installed or not, so nothing rewrites ``Allow`` or adds
``Vary: Accept``; a middleware of the host still adds its own headers (``SessionMiddleware``
adds ``Vary: Cookie`` when the actor reads the session, as it must).

Two things the view does before the kit:

- **The body.** It is read here, within ``AI_SETTINGS["MAX_BODY_BYTES"]``, straight from the
  request's stream; Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (an HTML 400) never applies. A body
  over the limit is answered with the kit's JSON 413, once read and thrown away (up to 64 MiB),
  so that the client's connection stays open for its next request.
- **CSRF.** With ``csrf_protect=True`` (what ``urls.urlpatterns`` uses) a ``PUT``, ``POST``,
  ``PATCH`` or ``DELETE`` passes Django's own CSRF check (``CsrfViewMiddleware``'s, token and
  origin) or is refused with a JSON 403, ``{"detail": "CSRF Failed: ..."}``, as Django REST
  Framework words it. ``api_urls(csrf_protect=False)`` is for hosts whose clients send a token
  that a browser never attaches by itself (no cookie, no session).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from ai_settings_core.contrib.django.conf import AppSettings, app_settings
from ai_settings_core.contrib.django.signals import SignalSink
from ai_settings_core.contrib.django.store import DjangoStore
from ai_settings_core.domain.permissions import Actor
from ai_settings_core.http import Request, Response, SettingsApi
from ai_settings_core.http._messages import error_response
from ai_settings_core.http._wsgi import DRAIN_BYTES, discard, too_large
from ai_settings_core.service import SettingsService

__all__ = ["api_view", "csrf_exempt_api_view", "settings_api"]

_UNSAFE: Final = frozenset({"PUT", "POST", "PATCH", "DELETE"})
_BODY_METHODS: Final = frozenset({"PUT", "POST", "PATCH"})
_READ_SIZE: Final = 65536
_lock = threading.Lock()


@functools.cache
def _service(settings: AppSettings) -> SettingsService:
    return SettingsService(
        DjangoStore(settings.database), events=SignalSink(settings.database, settings.event_sink)
    )


def settings_api(prefix: str, settings: AppSettings | None = None) -> SettingsApi:
    """The kit's handler for the API mounted at ``prefix`` (``"/api/0"``), built once."""
    settings = settings if settings is not None else app_settings()
    with _lock:
        return _api(prefix, settings)


@functools.cache
def _api(prefix: str, settings: AppSettings) -> SettingsApi:
    actor = settings.actor_function()

    def authenticate(request: Request, organization_id: str) -> Actor | None:
        found: Actor | None = actor(request.context, organization_id)
        return found

    return SettingsApi(
        _service(settings),
        authenticate,
        prefix=prefix,
        max_body_bytes=settings.max_body_bytes,
        max_page_size=settings.max_page_size,
        www_authenticate=settings.www_authenticate,
        serve_openapi=settings.serve_openapi,
    )


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, answering the reason instead of an HTML page."""

    def _reject(self, request: HttpRequest, reason: str) -> Any:  # noqa: ANN401, ARG002
        return reason


def _csrf_failure(request: HttpRequest) -> str | None:
    """Why Django's CSRF check refuses ``request``, or ``None`` when it passes."""
    check = _CsrfCheck(lambda _request: HttpResponse())
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    return reason if isinstance(reason, str) else None


def _read_body(request: HttpRequest, limit: int) -> bytes | Response:
    """The body, read within ``limit`` bytes, or the kit's error answer that refuses it.

    A refused body is read and thrown away first, up to ``DRAIN_BYTES`` (as ``WsgiApp`` does):
    the client sends its whole body before it reads the answer, and a server that closed the
    connection on unread bytes would reset it before it could.
    """
    meta = request.META
    raw = meta.get("wsgi.input")
    text = str(meta.get("CONTENT_LENGTH") or "").strip()
    if text and not (text.isascii() and text.isdigit()):
        return error_response(400, f"Invalid Content-Length {text!r}.", "parse_error")
    digits = text.lstrip("0")
    if len(digits) > len(str(limit)) or int(digits or "0") > limit:
        if raw is not None and int(digits[:30]) <= DRAIN_BYTES:
            discard(request, int(digits))  # over DRAIN_BYTES, the server closes
        return too_large(limit)
    if meta.get("HTTP_TRANSFER_ENCODING") and raw is not None:
        if not meta.get("wsgi.input_terminated"):
            if request.method in _BODY_METHODS:
                return error_response(
                    411,
                    "This server cannot read a body sent with Transfer-Encoding; "
                    "send a Content-Length.",
                    "length_required",
                )
            return b""
        body = _bounded(raw.read, limit)
        if isinstance(body, Response):
            discard(raw, DRAIN_BYTES)
        return body
    if raw is None:  # ASGI: the handler spooled the whole body; read past the limit to see
        return _bounded(request.read, limit)
    length = int(digits or "0")
    return request.read(length) if length else b""


def _bounded(read: Callable[[int], bytes], limit: int) -> bytes | Response:
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        part = read(min(_READ_SIZE, limit + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return too_large(limit) if size > limit else b"".join(parts)


def _answer(request: HttpRequest, route: str, *, csrf_protect: bool) -> HttpResponse:
    settings = app_settings()
    path = request.path
    prefix = path[: len(path) - len(route)] if route and path.endswith(route) else path
    api = settings_api(prefix.rstrip("/"), settings)
    body = _read_body(request, settings.max_body_bytes)
    if isinstance(body, Response):
        return _django_response(body)
    if csrf_protect and request.method in _UNSAFE:
        reason = _csrf_failure(request)
        if reason is not None:
            return _django_response(
                error_response(403, f"CSRF Failed: {reason}", "permission_denied")
            )
    query = request.META.get("QUERY_STRING", "")
    headers = [
        (key[5:].replace("_", "-").title(), str(value))
        for key, value in request.META.items()
        if key.startswith("HTTP_")
    ]
    if request.META.get("CONTENT_TYPE"):
        headers.append(("Content-Type", str(request.META["CONTENT_TYPE"])))
    kit_request = Request(str(request.method), path, headers, body, str(query), context=request)
    return _django_response(api.handle(kit_request))


def _django_response(response: Response) -> HttpResponse:
    answer = HttpResponse(response.body, status=response.status)
    if answer.has_header("Content-Type"):
        del answer["Content-Type"]
    for name, value in response.headers:
        answer[name] = value
    return answer


@csrf_exempt  # the view runs Django's CSRF check itself, to answer JSON (see the notes)
def api_view(request: HttpRequest, route: str = "") -> HttpResponse:
    """Every route of the kit, with Django's CSRF check on unsafe methods."""
    return _answer(request, route, csrf_protect=True)


@csrf_exempt
def csrf_exempt_api_view(request: HttpRequest, route: str = "") -> HttpResponse:
    """Every route of the kit, without the CSRF check: for token-authenticated clients only."""
    return _answer(request, route, csrf_protect=False)
