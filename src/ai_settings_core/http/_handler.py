"""The framework-neutral handler: one request in, one response out.

:class:`SettingsApi` routes the seed's URLs (under any prefix), authenticates with the host's
callable, parses JSON bodies with the codec, calls the :class:`~ai_settings_core.SettingsService`
and answers JSON. Versions travel as ``ETag`` / ``If-Match``. Every error a client can provoke
gets its own status and Django REST Framework's body; only a fault of the server is a 500, and
it is logged.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, Final, TypeAlias

import attrs

from ai_settings_core.codec import _codec as codec
from ai_settings_core.codec import _documents as documents
from ai_settings_core.domain.findings import Finding, Severity, build_detail
from ai_settings_core.domain.permissions import Actor
from ai_settings_core.domain.rules import validate_identifier
from ai_settings_core.domain.values import RepositoryRef
from ai_settings_core.errors import (
    AISettingsError,
    ConflictError,
    InvalidValueError,
    NotFoundError,
    StorageUnavailableError,
    ValidationError,
)
from ai_settings_core.http import _payloads as payloads
from ai_settings_core.ports import DEFAULT_PAGE_SIZE
from ai_settings_core.service import SettingsService

__all__ = [
    "ERROR_CODES_HEADER",
    "ERROR_CODE_HEADER",
    "Authenticate",
    "Request",
    "Response",
    "SettingsApi",
]

_log = logging.getLogger("ai_settings_core.http")

JSON = dict[str, Any]

ERROR_CODE_HEADER: Final = "AI-Settings-Error-Code"
"""The response header that names an error's stable code (``invalid``, ``not_found``...)."""

ERROR_CODES_HEADER: Final = "AI-Settings-Error-Codes"
"""The response header of a 400 that holds the codes, in the shape of the body, as JSON."""

_MAX_CODES_HEADER: Final = 4096
_JSON_TYPE: Final = "application/json"
_MAX_QUERY_FIELDS: Final = 50
_MAX_VERSION_DIGITS: Final = 19


def _upper(method: str) -> str:
    return method.upper()


def _pairs(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(name), str(value)) for name, value in headers)


def _first_header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The first value of header ``name`` among ``headers`` (case-insensitive), or ``None``."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


@attrs.frozen
class Request:
    """One HTTP request, as any framework can give it.

    >>> request = Request.from_target("GET", "/organizations/acme/ai-projects/?limit=2")
    >>> request.path, request.query
    ('/organizations/acme/ai-projects/', 'limit=2')

    Attributes:
        method: The method, upper case (``"GET"``).
        path: The path, percent-decoded (``/projects/acme/web/ai-settings/``), without query.
        headers: The headers as ``(name, value)`` pairs; names match case-insensitively.
        body: The raw body.
        query: The raw query string (``"cursor=abc&limit=10"``), without ``?``.
        context: The host's own request object (a WSGI environ, a Django or Flask request),
            passed through untouched to the authenticate callable.
    """

    method: str = attrs.field(converter=_upper)
    path: str
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    body: bytes = b""
    query: str = ""
    context: object = attrs.field(default=None, eq=False, repr=False)

    @classmethod
    def from_target(
        cls,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        body: bytes = b"",
        *,
        context: object = None,
    ) -> Request:
        """A request from a request target as written on the wire: ``/path?query``."""
        path, _, query = target.partition("?")
        pairs: Iterable[tuple[str, str]] = (
            headers.items() if isinstance(headers, Mapping) else headers
        )
        return cls(
            method,
            urllib.parse.unquote(path),
            _pairs(pairs),
            body,
            query,
            context=context,
        )

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        return _first_header(self.headers, name)


@attrs.frozen
class Response:
    """One HTTP response.

    Attributes:
        status: The status code.
        headers: The headers as ``(name, value)`` pairs.
        body: The body (JSON, UTF-8), empty for ``HEAD``.
    """

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        return _first_header(self.headers, name)

    def json(self) -> Any:  # noqa: ANN401 - a JSON document
        """The body parsed as JSON."""
        return json.loads(self.body)


Authenticate: TypeAlias = Callable[[Request, str], Actor | None]
"""The host's authentication: the request and the organization in its path, to the acting
user (:class:`~ai_settings_core.Actor`), or ``None`` to refuse the request (401)."""


class _HttpError(Exception):
    """An answer other than success, decided while handling a request."""

    def __init__(
        self,
        status: int,
        body: object,
        code: str,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(code)
        self.status = status
        self.body = body
        self.code = code
        self.headers = headers


def _detail(status: int, message: str, code: str, *headers: tuple[str, str]) -> _HttpError:
    return _HttpError(status, {"detail": message}, code, headers)


def _invalid(path: str, code: str, message: str) -> ValidationError:
    detail, codes = build_detail([Finding(code, Severity.ERROR, (path,), message)])
    return ValidationError(detail, codes)


@attrs.frozen
class _Call:
    """What a route's function gets: the request, its parameters and its parsed parts."""

    api: SettingsApi
    request: Request
    params: dict[str, str]
    query: dict[str, str]
    actor: Actor

    @property
    def service(self) -> SettingsService:
        return self.api.service

    def document(self) -> object:
        return _read_document(self.request, self.api.max_body_bytes)

    def expected_version(self, current: Callable[[], int]) -> int | None:
        return _expected_version(self.request.header("If-Match"), current)


Handler: TypeAlias = Callable[[_Call], Response]


@attrs.frozen
class _Route:
    name: str
    pattern: tuple[str, ...]
    methods: Mapping[str, Handler]
    authenticated: bool = True


_ETAG_LIST_RE: Final = re.compile(r'(?:W/)?"[^"]*"(?:\s*,\s*(?:W/)?"[^"]*")*')
_ETAG_RE: Final = re.compile(r'(W/)?"([^"]*)"')


def _etag(version: int) -> tuple[str, str]:
    return ("ETag", f'"{version}"')


def _tag_version(weak: str, tag: str) -> int | None:
    """The version a strong entity tag names (``"3"``); ``None`` if weak or not ours."""
    if weak or not (tag.isascii() and tag.isdigit()) or len(tag) > _MAX_VERSION_DIGITS:
        return None
    return int(tag)


def _expected_version(header: str | None, current: Callable[[], int]) -> int | None:
    """``If-Match`` as the version a write expects (``None`` when absent or ``*``).

    An entity tag that is not one of ours (``"abc"``) can match nothing: 412, and neither can
    a weak one (``W/"3"``): ``If-Match`` compares strongly (RFC 9110 §13.1.1). Several tags
    name several acceptable versions: the stored one is expected when it is among them (the
    write still checks it atomically). A value that is not a list of entity tags is a 400.
    """
    if header is None:
        return None
    text = header.strip()
    if text == "*":
        return None
    if _ETAG_LIST_RE.fullmatch(text) is None:
        raise _detail(
            400,
            f'Invalid If-Match header {header!r}: expected entity tags such as "3".',
            "invalid_if_match",
        )
    tags = _ETAG_RE.findall(text)
    versions = [_tag_version(weak, tag) for weak, tag in tags]
    if len(versions) == 1 and versions[0] is not None:
        return versions[0]
    stored = current()
    if stored in versions:
        return stored
    weak = " (a weak tag never matches: send the ETag as read)" if any(w for w, _ in tags) else ""
    raise _detail(
        412,
        f"If-Match {header!r} does not name the stored version ({stored}){weak}; nothing was "
        "written. Reload and try again.",
        "precondition_failed",
    )


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
    ) -> None:
        self.service = service
        self.authenticate = authenticate
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.max_body_bytes = max_body_bytes
        self.max_page_size = max_page_size
        self.www_authenticate = www_authenticate
        self.serve_openapi = serve_openapi
        self._openapi: bytes | None = None
        self._routes = _ROUTES if serve_openapi else _ROUTES[1:]

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
        except Exception:  # noqa: BLE001 - a server fault: logged, answered 500
            _log.exception("%s %s failed", request.method, request.path)
            response = _SERVER_ERROR
        if request.method == "HEAD":
            return attrs.evolve(response, body=b"")
        return response

    def _answer(self, request: Request) -> Response:
        """The response to ``request``, a client's error included; raises on a server fault."""
        try:
            return self._dispatch(request)
        except _HttpError as error:
            response = _error_response(error.status, error.body, error.code, error.headers)
        except ValidationError as error:
            response = _validation_response(error)
        except ConflictError as error:
            if request.header("If-Match") is not None:
                status, code = int(HTTPStatus.PRECONDITION_FAILED), "precondition_failed"
            else:
                status, code = int(HTTPStatus.CONFLICT), error.code
            response = _error_response(status, {"detail": error.message}, code)
        except StorageUnavailableError as error:
            # Busy or unreachable storage: the client may retry (logged by the host's server).
            response = _error_response(
                error.status,
                {"detail": error.message},
                error.code,
                (("Retry-After", str(error.retry_after)),),
            )
        except AISettingsError as error:
            if error.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
                raise
            response = _error_response(error.status, {"detail": error.message}, error.code)
        return response

    def openapi_bytes(self) -> bytes:
        """The OpenAPI document of this API (its prefix and limits), as served."""
        if self._openapi is None:
            from ai_settings_core.http._openapi import openapi_document  # noqa: PLC0415

            document = openapi_document(
                prefix=self.prefix,
                limits=self.service.limits,
                max_page_size=self.max_page_size,
                max_body_bytes=self.max_body_bytes,
            )
            self._openapi = json.dumps(document, ensure_ascii=False, indent=1).encode()
        return self._openapi

    # Internals ---------------------------------------------------------------------------

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        if not (path == self.prefix or path.startswith(self.prefix + "/")):
            raise _detail(404, "Not found.", "not_found")
        segments = path[len(self.prefix) :].strip("/").split("/")
        route, params = _match(self._routes, segments)
        method = "GET" if request.method == "HEAD" else request.method
        handler = route.methods.get(method)
        if handler is None:
            allowed = sorted({*route.methods, *(("HEAD",) if "GET" in route.methods else ())})
            raise _detail(
                405,
                f'Method "{request.method}" not allowed.',
                "method_not_allowed",
                ("Allow", ", ".join(allowed)),
            )
        if not route.authenticated:
            return handler(_Call(self, request, params, {}, _NOBODY))
        limits = self.service.limits
        for name in ("org", "project"):
            if name in params and validate_identifier(params[name], (), name, limits):
                raise _detail(404, "Not found.", "not_found")  # no such id can exist
        query = _parse_query(request.query)
        actor = self.authenticate(request, params["org"])
        if actor is None:
            raise _detail(
                401,
                "Authentication credentials were not provided.",
                "not_authenticated",
                ("WWW-Authenticate", self.www_authenticate),
            )
        return handler(_Call(self, request, params, query, actor))


def _read_document(request: Request, max_body_bytes: int) -> object:
    """The request's JSON body (``{}`` when it is empty)."""
    body = request.body
    if len(body) > max_body_bytes:
        raise _detail(
            413,
            f"The request body is larger than {max_body_bytes} bytes.",
            "payload_too_large",
        )
    if not body:
        return {}
    content_type = request.header("Content-Type")
    media, _, parameters = (content_type or "").partition(";")
    media = media.strip().lower()
    charset = _charset(parameters)
    if (
        media != _JSON_TYPE and not (media.startswith("application/") and media.endswith("+json"))
    ) or charset not in {"utf-8", "utf8", "us-ascii", None}:
        shown = content_type if content_type is not None else "none"
        raise _detail(
            415,
            f'Unsupported media type "{shown}" in request; send application/json.',
            "unsupported_media_type",
        )
    try:
        return codec.load_json(body)
    except ValueError as error:
        raise _detail(400, str(error), "parse_error") from None


def error_response(status: int, message: str, code: str) -> Response:
    """An error answer with DRF's ``{"detail": message}`` body and its code header."""
    return _error_response(status, {"detail": message}, code)


_NOBODY: Final = Actor("anonymous", "", frozenset())


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _parse_query(query: str) -> dict[str, str]:
    try:
        pairs = urllib.parse.parse_qsl(
            query, keep_blank_values=True, max_num_fields=_MAX_QUERY_FIELDS
        )
    except ValueError:
        raise _detail(400, "Too many query parameters.", "parse_error") from None
    return dict(pairs)


def _match(routes: Iterable[_Route], segments: list[str]) -> tuple[_Route, dict[str, str]]:
    for route in routes:
        params = _match_one(route.pattern, segments)
        if params is not None:
            return route, params
    raise _detail(404, "Not found.", "not_found")


def _match_one(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for index, part in enumerate(pattern):
        if part == "{repository+}":
            rest = segments[index:]
            if not rest or not all(rest):
                return None
            params["repository"] = "/".join(rest)
            return params
        if index >= len(segments):
            return None
        segment = segments[index]
        if part.startswith("{"):
            if not segment:
                return None
            params[part[1:-1]] = segment
        elif segment != part:
            return None
    return params if len(segments) == len(pattern) else None


# Responses ---------------------------------------------------------------------------------


def _encode_json(document: object) -> bytes:
    r"""``document`` as compact JSON in UTF-8; text that is not Unicode is escaped, not fatal.

    A lone surrogate (``"\ud800"`` in a client's JSON, quoted back in an error message) has
    no UTF-8 form: the body is then written with ASCII escapes, which any JSON reader reads
    back as the same text.
    """
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(document, separators=(",", ":")).encode("ascii")


def _json_response(
    status: int, document: object, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    return Response(status, (("Content-Type", _JSON_TYPE), *headers), _encode_json(document))


def _error_response(
    status: int, body: object, code: str, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    return _json_response(status, body, ((ERROR_CODE_HEADER, code), *headers))


def _validation_response(error: ValidationError) -> Response:
    headers: list[tuple[str, str]] = [(ERROR_CODE_HEADER, error.code)]
    codes = json.dumps(error.codes, separators=(",", ":"))  # ASCII: a valid header value
    if len(codes) <= _MAX_CODES_HEADER:
        headers.append((ERROR_CODES_HEADER, codes))
    return _json_response(400, error.detail, tuple(headers))


_SERVER_ERROR: Final = _error_response(500, {"detail": "A server error occurred."}, "error")


# Query parameters --------------------------------------------------------------------------


def _limit(call: _Call) -> int:
    text = call.query.get("limit")
    maximum = call.api.max_page_size
    if text is None:
        return min(DEFAULT_PAGE_SIZE, maximum)
    if not text.isascii() or not text.isdigit():
        raise _invalid("limit", "invalid", "A valid integer is required.")
    digits = text.lstrip("0")
    if not digits:
        raise _invalid("limit", "min_value", "Ensure this value is greater than or equal to 1.")
    # Longer than the maximum is larger, and int() refuses more than 4300 digits.
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        raise _invalid(
            "limit", "max_value", f"Ensure this value is less than or equal to {maximum}."
        )
    return int(digits)


def _cursor(call: _Call) -> str | None:
    return call.query.get("cursor") or None


def _time(call: _Call, name: str) -> dt.datetime | None:
    text = call.query.get(name)
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.utcoffset() is None:
        raise _invalid(
            name,
            "invalid_timestamp",
            "Datetime has wrong format. Use ISO 8601 with a time zone (2025-01-02T03:04:05Z).",
        )
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first datetime in UTC
        raise _invalid(
            name,
            "invalid_timestamp",
            "Datetime is out of range: in UTC it must fall between the years 1 and 9999.",
        ) from None


def _repository(text: str, field: str) -> RepositoryRef:
    try:
        return RepositoryRef.parse(text)
    except InvalidValueError as error:
        raise _invalid(field, error.code, error.message) from None


# Route functions ---------------------------------------------------------------------------


def _openapi(call: _Call) -> Response:
    return Response(200, (("Content-Type", _JSON_TYPE),), call.api.openapi_bytes())


def _organization_view(view: Any, status: int = 200) -> Response:  # noqa: ANN401
    document = codec.dump_organization(view.settings, view.resolution, view.warnings)
    return _json_response(status, document, (_etag(view.version),))


def _project_view(view: Any, status: int = 200, *headers: tuple[str, str]) -> Response:  # noqa: ANN401
    return _json_response(status, codec.dump_project_view(view), (_etag(view.version), *headers))


def _get_organization(call: _Call) -> Response:
    org = call.params["org"]
    return _organization_view(call.service.get_organization(call.actor, org))


def _put_organization(call: _Call) -> Response:
    org = call.params["org"]
    patch = codec.parse_organization_patch(call.document(), limits=call.service.limits)
    expected = call.expected_version(lambda: call.service.get_organization(call.actor, org).version)
    view = call.service.update_organization(call.actor, org, patch, expected_version=expected)
    return _organization_view(view)


def _preview(call: _Call) -> Response:
    org = call.params["org"]
    patch = codec.parse_organization_patch(call.document(), limits=call.service.limits)
    impact = call.service.preview_organization_change(call.actor, org, patch)
    return _json_response(200, codec.dump_impact(impact))


def _list_projects(call: _Call) -> Response:
    page = call.service.list_projects(
        call.actor,
        call.params["org"],
        cursor=_cursor(call),
        limit=_limit(call),
        overriding_only=True,
    )
    return _json_response(200, payloads.dump_project_page(page))


def _bulk(call: _Call) -> Response:
    projects, patch = payloads.parse_bulk(call.document(), call.service.limits)
    org = call.params["org"]
    if patch is None:
        result = call.service.bulk_update(call.actor, org, projects, reset=True)
    else:
        result = call.service.bulk_update(call.actor, org, projects, patch)
    return _json_response(200, payloads.dump_bulk_result(result))


def _organization_audit(call: _Call) -> Response:
    project = call.query.get("project") or None
    page = call.service.audit_log(
        call.actor,
        call.params["org"],
        project_id=project,
        since=_time(call, "since"),
        until=_time(call, "until"),
        cursor=_cursor(call),
        limit=_limit(call),
    )
    return _json_response(200, payloads.dump_audit_page(page))


def _project_version(call: _Call) -> Callable[[], int]:
    return lambda: (
        call.service.get_project(call.actor, call.params["org"], call.params["project"]).version
    )


def _get_project(call: _Call) -> Response:
    view = call.service.get_project(call.actor, call.params["org"], call.params["project"])
    return _project_view(view)


def _put_project(call: _Call) -> Response:
    org, project = call.params["org"], call.params["project"]
    patch = codec.parse_project_patch(call.document(), limits=call.service.limits)
    expected = call.expected_version(_project_version(call))
    view = call.service.update_project(call.actor, org, project, patch, expected_version=expected)
    return _project_view(view)


def _reset_project(call: _Call) -> Response:
    org, project = call.params["org"], call.params["project"]
    expected = call.expected_version(_project_version(call))
    view = call.service.reset_project(call.actor, org, project, expected_version=expected)
    return _project_view(view)


def _explain(call: _Call) -> Response:
    text = call.query.get("repository")
    explanation = call.service.explain(
        call.actor,
        call.params["org"],
        call.params["project"],
        repository=_repository(text, "repository") if text else None,
        branch=call.query.get("branch") or None,
        environment=call.query.get("environment") or None,
    )
    return _json_response(200, documents.dump_explanation(explanation))


def _project_audit(call: _Call) -> Response:
    page = call.service.audit_log(
        call.actor,
        call.params["org"],
        project_id=call.params["project"],
        since=_time(call, "since"),
        until=_time(call, "until"),
        cursor=_cursor(call),
        limit=_limit(call),
    )
    return _json_response(200, payloads.dump_audit_page(page))


def _repository_location(call: _Call, repository: RepositoryRef) -> str:
    path = (
        f"{call.api.prefix}/projects/{call.params['org']}/{call.params['project']}"
        f"/ai-settings/repositories/{repository}/"
    )
    return urllib.parse.quote(path, safe="/:@")


def _add_repository(call: _Call) -> Response:
    org, project = call.params["org"], call.params["project"]
    repository = codec.parse_repository(call.document(), limits=call.service.limits)
    expected = call.expected_version(_project_version(call))
    view = call.service.add_repository(
        call.actor, org, project, repository, expected_version=expected
    )
    location = _repository_location(call, repository.repository)
    return _project_view(view, 201, ("Location", location))


def _path_repository(call: _Call) -> RepositoryRef:
    return _repository(call.params["repository"], "repository")


def _get_repository(call: _Call) -> Response:
    ref = _path_repository(call)
    view = call.service.get_project(call.actor, call.params["org"], call.params["project"])
    for item in view.repositories:
        if item.settings.repository.key == ref.key:
            return _json_response(200, payloads.dump_repository_view(item), (_etag(view.version),))
    raise NotFoundError(
        f"Repository {str(ref)!r} is not configured for project {call.params['project']!r}."
    )


def _change_repository(call: _Call) -> Response:
    org, project = call.params["org"], call.params["project"]
    ref = _path_repository(call)
    patch = codec.parse_repository_patch(call.document(), limits=call.service.limits)
    expected = call.expected_version(_project_version(call))
    view = call.service.update_repository(
        call.actor, org, project, ref, patch, expected_version=expected
    )
    return _project_view(view)


def _remove_repository(call: _Call) -> Response:
    org, project = call.params["org"], call.params["project"]
    ref = _path_repository(call)
    expected = call.expected_version(_project_version(call))
    view = call.service.remove_repository(call.actor, org, project, ref, expected_version=expected)
    return _project_view(view)


def _route(name: str, path: str, authenticated: bool = True, **methods: Handler) -> _Route:
    return _Route(name, tuple(path.strip("/").split("/")), methods, authenticated)


_ROUTES: Final = (
    _route("openapi", "openapi.json", False, GET=_openapi),
    _route(
        "organization",
        "organizations/{org}/ai-settings",
        GET=_get_organization,
        PUT=_put_organization,
    ),
    _route("preview", "organizations/{org}/ai-settings/preview", POST=_preview),
    _route("organization_audit", "organizations/{org}/ai-settings/audit", GET=_organization_audit),
    _route("projects", "organizations/{org}/ai-projects", GET=_list_projects),
    _route("bulk", "organizations/{org}/ai-projects/bulk", POST=_bulk),
    _route("project", "projects/{org}/{project}/ai-settings", GET=_get_project, PUT=_put_project),
    _route("reset", "projects/{org}/{project}/ai-settings/reset", POST=_reset_project),
    _route("explain", "projects/{org}/{project}/ai-settings/explain", GET=_explain),
    _route("project_audit", "projects/{org}/{project}/ai-settings/audit", GET=_project_audit),
    _route(
        "repositories", "projects/{org}/{project}/ai-settings/repositories", POST=_add_repository
    ),
    _route(
        "repository",
        "projects/{org}/{project}/ai-settings/repositories/{repository+}",
        GET=_get_repository,
        PUT=_change_repository,
        PATCH=_change_repository,
        DELETE=_remove_repository,
    ),
)
