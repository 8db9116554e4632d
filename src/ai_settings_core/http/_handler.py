"""The framework-neutral handler: one request in, one response out.

:class:`SettingsApi` routes the seed's URLs (under any prefix), authenticates with the host's
callable, parses JSON bodies with the codec, calls the :class:`~ai_settings_core.SettingsService`
and answers JSON. Versions travel as ``ETag`` / ``If-Match``. Every error a client can provoke
gets its own status and Django REST Framework's body; a busy store is a 503 with
``Retry-After``; only a fault of the server (a storage fault included) is a 500, and it is
logged.

The parts live beside it: :mod:`._messages` (requests, responses, JSON bodies, error answers),
:mod:`._conditional` (``ETag`` / ``If-Match``), :mod:`._call` (what a route function gets),
:mod:`._handlers` (the route functions) and :mod:`._routes` (the table).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

import attrs

from ai_settings_core.domain.permissions import Actor
from ai_settings_core.domain.rules import validate_identifier
from ai_settings_core.errors import (
    AISettingsError,
    ConflictError,
    StorageError,
    StorageUnavailableError,
    ValidationError,
)
from ai_settings_core.http._call import Call, Mount, parse_query
from ai_settings_core.http._messages import (
    ERROR_CODE_HEADER,
    ERROR_CODES_HEADER,
    SERVER_ERROR,
    STORAGE_ERROR,
    Authenticate,
    HttpError,
    Request,
    Response,
    detail_error,
    error_response,
    http_error_response,
    unavailable_response,
    validation_response,
)
from ai_settings_core.http._routes import ROUTES, RouteTable
from ai_settings_core.service import SettingsService

if TYPE_CHECKING:
    from ai_settings_core.cache import DecisionCache

# The header names live in ._messages; they are re-exported for ._openapi, which reads them here.
__all__ = ["ERROR_CODES_HEADER", "ERROR_CODE_HEADER", "SettingsApi"]

_log = logging.getLogger("ai_settings_core.http")

_NOBODY: Final = Actor("anonymous", "", frozenset())


class SettingsApi:
    """The AI settings HTTP API as one framework-neutral callable: ``Request -> Response``.

    >>> from ai_settings_core import ALL_SCOPES, Actor, SettingsService
    >>> from ai_settings_core.adapters.memory import MemoryStore
    >>> service = SettingsService(MemoryStore().unit_of_work)
    >>> api = SettingsApi(service, lambda request, org: Actor("user:1", org, ALL_SCOPES))
    >>> response = api.handle(Request("GET", "/organizations/acme/ai-settings/"))
    >>> response.status, response.header("ETag"), response.json()["stopping_point"]
    (200, '"0"', 'pull_request')

    Args:
        service: The use cases to serve.
        authenticate: The host's authentication (see :data:`Authenticate`).
        prefix: Where the API is mounted (``"/api/0"``); every route is under it.
        max_body_bytes: Bodies larger than this are refused with 413.
        max_page_size: The largest ``limit`` a listing accepts.
        www_authenticate: The ``WWW-Authenticate`` challenge sent with a 401.
        serve_openapi: Whether ``GET {prefix}/openapi.json`` serves the OpenAPI document
            (without authentication: it describes the API, not anyone's data).
        decisions: The :class:`~ai_settings_core.DecisionCache` that answers
            ``GET /organizations/{org}/ai-decisions/`` (default: one over the service's store,
            made on the first such request, with the default staleness of one second).
        openapi_options: More keyword arguments of
            :func:`~ai_settings_core.http.openapi_document` for the served document
            (``security_schemes``, ``security``, ``servers``, ``component_prefix``).
    """

    def __init__(
        self,
        service: SettingsService,
        authenticate: Authenticate,
        *,
        prefix: str = "",
        max_body_bytes: int = 1_048_576,
        max_page_size: int = 1000,
        www_authenticate: str = 'Bearer realm="ai-settings"',
        serve_openapi: bool = True,
        openapi_options: Mapping[str, Any] | None = None,
        decisions: DecisionCache | None = None,
    ) -> None:
        self.service = service
        self.authenticate = authenticate
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.max_body_bytes = max_body_bytes
        self.max_page_size = max_page_size
        self.www_authenticate = www_authenticate
        self.serve_openapi = serve_openapi
        self.openapi_options = dict(openapi_options or {})
        self._openapi: bytes | None = None
        self._routes = RouteTable(ROUTES if serve_openapi else ROUTES[1:])
        self._decisions = decisions
        self._decisions_lock = threading.Lock()
        self._mount = Mount(
            service,
            self.prefix,
            max_body_bytes,
            max_page_size,
            self.openapi_bytes,
            self.decisions,
        )

    def __call__(self, request: Request) -> Response:
        """Same as :meth:`handle`."""
        return self.handle(request)

    def handle(self, request: Request) -> Response:
        """Answer one request; never raises for anything a client can send.

        The whole answer, error bodies included, is built under one guard: whatever goes
        wrong on the way is logged and answered 500.
        """
        try:
            response = self._answer(request)
        except StorageError:
            _log.exception("%s %s failed: a storage fault", request.method, request.path)
            response = STORAGE_ERROR
        except Exception:  # noqa: BLE001 - a server fault: logged, answered 500
            _log.exception("%s %s failed", request.method, request.path)
            response = SERVER_ERROR
        if request.method == "HEAD":
            return attrs.evolve(response, body=b"")
        return response

    def _answer(self, request: Request) -> Response:
        """The response to ``request``, a client's error included; raises on a server fault."""
        try:
            return self._dispatch(request)
        except HttpError as error:
            response = http_error_response(error)
        except ValidationError as error:
            response = validation_response(error)
        except ConflictError as error:
            if request.header("If-Match") is not None:
                status, code = int(HTTPStatus.PRECONDITION_FAILED), "precondition_failed"
            else:
                status, code = int(HTTPStatus.CONFLICT), error.code
            response = error_response(status, error.message, code)
        except StorageUnavailableError as error:
            _log.warning("%s %s: %s", request.method, request.path, error.message)
            response = unavailable_response(error)
        except AISettingsError as error:
            if error.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
                raise
            response = error_response(error.status, error.message, error.code)
        return response

    def decisions(self) -> DecisionCache:
        """The decision cache the decision route answers from (made on first use)."""
        cache = self._decisions
        if cache is None:
            with self._decisions_lock:
                cache = self._decisions
                if cache is None:
                    from ai_settings_core.cache import DecisionCache  # noqa: PLC0415

                    cache = self._decisions = DecisionCache(self.service.store)
        return cache

    def openapi_bytes(self) -> bytes:
        """The OpenAPI document of this API (its prefix and limits), as served."""
        if self._openapi is None:
            from ai_settings_core.http._openapi import openapi_document  # noqa: PLC0415

            document = openapi_document(
                prefix=self.prefix,
                limits=self.service.limits,
                max_page_size=self.max_page_size,
                max_body_bytes=self.max_body_bytes,
                **self.openapi_options,
            )
            self._openapi = json.dumps(document, ensure_ascii=False, indent=1).encode()
        return self._openapi

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        if not (path == self.prefix or path.startswith(self.prefix + "/")):
            raise detail_error(404, "Not found.", "not_found")
        segments = path[len(self.prefix) :].strip("/").split("/")
        route, params = self._routes.match(segments)
        method = "GET" if request.method == "HEAD" else request.method
        handler = route.methods.get(method)
        if handler is None:
            allowed = sorted({*route.methods, *(("HEAD",) if "GET" in route.methods else ())})
            raise detail_error(
                405,
                f'Method "{request.method}" not allowed.',
                "method_not_allowed",
                ("Allow", ", ".join(allowed)),
            )
        if not route.authenticated:
            return handler(Call(self._mount, request, params, {}, _NOBODY))
        limits = self.service.limits
        for name in ("org", "project"):
            if name in params and validate_identifier(params[name], (), name, limits):
                raise detail_error(404, "Not found.", "not_found")  # no such id can exist
        query = parse_query(request.query)
        actor = self.authenticate(request, params["org"])
        if actor is None:
            raise detail_error(
                401,
                "Authentication credentials were not provided.",
                "not_authenticated",
                ("WWW-Authenticate", self.www_authenticate),
            )
        return handler(Call(self._mount, request, params, query, actor))
