"""HTTP messages: the request and response types, JSON bodies in and out, error answers.

Nothing here knows a route or the service: :class:`Request` and :class:`Response` are what any
framework can give and take, and the functions turn documents and errors into responses.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeAlias

import attrs

from ai_settings_core import codec
from ai_settings_core.domain.permissions import Actor
from ai_settings_core.errors import StorageUnavailableError, ValidationError

__all__ = [
    "ERROR_CODES_HEADER",
    "ERROR_CODE_HEADER",
    "JSON_TYPE",
    "SERVER_ERROR",
    "STORAGE_ERROR",
    "Authenticate",
    "HttpError",
    "Request",
    "Response",
    "compact_json",
    "detail_error",
    "error_response",
    "http_error_response",
    "json_response",
    "json_text_response",
    "read_document",
    "unavailable_response",
    "validation_response",
]

ERROR_CODE_HEADER: Final = "AI-Settings-Error-Code"
"""The response header that names an error's stable code (``invalid``, ``not_found``...)."""

ERROR_CODES_HEADER: Final = "AI-Settings-Error-Codes"
"""The response header of a 400 that holds the codes, in the shape of the body, as JSON."""

JSON_TYPE: Final = "application/json"
_MAX_CODES_HEADER: Final = 4096


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


class HttpError(Exception):
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


def detail_error(status: int, message: str, code: str, *headers: tuple[str, str]) -> HttpError:
    """An :class:`HttpError` with DRF's ``{"detail": message}`` body."""
    return HttpError(status, {"detail": message}, code, headers)


# Bodies in ---------------------------------------------------------------------------------


def read_document(request: Request, max_body_bytes: int) -> object:
    """The request's JSON body (``{}`` when it is empty); 413, 415 or 400 otherwise."""
    body = request.body
    if len(body) > max_body_bytes:
        raise detail_error(
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
        media != JSON_TYPE and not (media.startswith("application/") and media.endswith("+json"))
    ) or charset not in {"utf-8", "utf8", "us-ascii", None}:
        shown = content_type if content_type is not None else "none"
        raise detail_error(
            415,
            f'Unsupported media type "{shown}" in request; send application/json.',
            "unsupported_media_type",
        )
    try:
        return codec.load_json(body)
    except ValueError as error:
        raise detail_error(400, str(error), "parse_error") from None


def _charset(parameters: str) -> str | None:
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


# Bodies out --------------------------------------------------------------------------------


_COMPACT: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
"""The encoder of every JSON body (``json.dumps`` with arguments builds one per call).

Bodies are documents the codec built, which hold no cycles: the encoder does not keep the
identity of every list and dict it enters to look for one (a seventh of a page's encoding).
"""


def compact_json(document: object) -> str:
    """``document`` as the compact JSON text of every body (not yet bytes)."""
    return _COMPACT.encode(document)


def _encode_json(document: object) -> bytes:
    r"""``document`` as compact JSON in UTF-8; text that is not Unicode is escaped, not fatal.

    A lone surrogate (``"\ud800"`` in a client's JSON, quoted back in an error message) has
    no UTF-8 form: the body is then written with ASCII escapes, which any JSON reader reads
    back as the same text.
    """
    text = _COMPACT.encode(document)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(document, separators=(",", ":")).encode("ascii")


def json_response(
    status: int, document: object, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    """A JSON answer."""
    return Response(status, (("Content-Type", JSON_TYPE), *headers), _encode_json(document))


def json_text_response(
    status: int,
    text: str,
    document: Callable[[], object],
    headers: tuple[tuple[str, str], ...] = (),
) -> Response:
    """A JSON answer whose body is written already: ``text``, which encodes ``document()``.

    ``document`` builds the body as data for the rare text that is not Unicode (a lone
    surrogate), which :func:`json_response` writes with ASCII escapes.
    """
    try:
        body = text.encode()
    except UnicodeEncodeError:
        return json_response(status, document(), headers)
    return Response(status, (("Content-Type", JSON_TYPE), *headers), body)


def _error(
    status: int, body: object, code: str, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    return json_response(status, body, ((ERROR_CODE_HEADER, code), *headers))


def error_response(
    status: int, message: str, code: str, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    """An error answer with DRF's ``{"detail": message}`` body and its code header."""
    return _error(status, {"detail": message}, code, headers)


def http_error_response(error: HttpError) -> Response:
    """The answer an :class:`HttpError` stands for."""
    return _error(error.status, error.body, error.code, error.headers)


def validation_response(error: ValidationError) -> Response:
    """A 400 with DRF's validation body, its code and (when short enough) its codes."""
    headers: list[tuple[str, str]] = [(ERROR_CODE_HEADER, error.code)]
    codes = json.dumps(error.codes, separators=(",", ":"))  # ASCII: a valid header value
    if len(codes) <= _MAX_CODES_HEADER:
        headers.append((ERROR_CODES_HEADER, codes))
    return json_response(400, error.detail, tuple(headers))


def unavailable_response(error: StorageUnavailableError) -> Response:
    """A 503 for a busy or unreachable store, with ``Retry-After``; the store is not named."""
    return error_response(
        503,
        "The settings store is busy; nothing was written. Try again later.",
        error.code,
        (("Retry-After", str(max(1, int(error.retry_after)))),),
    )


SERVER_ERROR: Final = error_response(500, "A server error occurred.", "error")
"""The answer to a fault of the server (logged, never described to the client)."""

STORAGE_ERROR: Final = error_response(500, "A server error occurred.", "storage_error")
"""The answer to a storage fault (read-only, full, foreign store): logged, not described."""
