"""What a route function gets: the request, its path parameters, its query and the actor.

Also the readers of query parameters (``limit``, ``cursor``, times) and of repositories named
in a path or a query, each turning bad input into a field error.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import attrs

from ai_settings_core.domain.findings import Finding, Severity
from ai_settings_core.domain.permissions import Actor
from ai_settings_core.domain.values import RepositoryRef, StoppingPoint
from ai_settings_core.errors import InvalidValueError, ValidationError
from ai_settings_core.http._conditional import expected_version
from ai_settings_core.http._messages import Request, detail_error, read_document
from ai_settings_core.ports import DEFAULT_PAGE_SIZE
from ai_settings_core.service import SettingsService

if TYPE_CHECKING:
    from ai_settings_core.cache import DecisionCache

__all__ = ["Call", "Mount", "cursor", "limit", "parse_query", "repository", "time"]

_MAX_QUERY_FIELDS: Final = 50


@attrs.frozen
class Mount:
    """Where and how an API is served: what every route function may need of it."""

    service: SettingsService
    prefix: str
    max_body_bytes: int
    max_page_size: int
    openapi: Callable[[], bytes]
    decisions: Callable[[], DecisionCache]


@attrs.frozen
class Call:
    """One request as a route function sees it."""

    mount: Mount
    request: Request
    params: dict[str, str]
    query: dict[str, str]
    actor: Actor

    @property
    def service(self) -> SettingsService:
        """The use cases."""
        return self.mount.service

    def document(self) -> object:
        """The JSON body (``{}`` when empty)."""
        return read_document(self.request, self.mount.max_body_bytes)

    def expected_version(self, current: Callable[[], int]) -> int | None:
        """The version ``If-Match`` names (see :func:`expected_version`)."""
        return expected_version(self.request.header("If-Match"), current)


def parse_query(query: str) -> dict[str, str]:
    """The query string as a dict (the last value of a repeated name wins)."""
    if not query:
        return {}
    try:
        pairs = urllib.parse.parse_qsl(
            query, keep_blank_values=True, max_num_fields=_MAX_QUERY_FIELDS
        )
    except ValueError:
        raise detail_error(400, "Too many query parameters.", "parse_error") from None
    return dict(pairs)


def _invalid(path: str, code: str, message: str) -> ValidationError:
    return ValidationError.from_findings([Finding(code, Severity.ERROR, (path,), message)])


def limit(call: Call) -> int:
    """The page size the ``limit`` parameter asks for (default: the ports' page size)."""
    text = call.query.get("limit")
    maximum = call.mount.max_page_size
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


def flag(call: Call, name: str) -> bool:
    """A boolean parameter: ``true`` or ``false`` (absent: false); anything else is refused."""
    text = call.query.get(name)
    if text is None or text == "false":
        return False
    if text == "true":
        return True
    raise _invalid(name, "invalid", 'Must be "true" or "false".')


def cursor(call: Call) -> str | None:
    """The ``cursor`` parameter (``None`` when absent or empty)."""
    return call.query.get("cursor") or None


def time(call: Call, name: str) -> dt.datetime | None:
    """The time parameter ``name`` in UTC; ISO 8601 with a time zone."""
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


def repository(text: str, field: str) -> RepositoryRef:
    """The repository ``text`` names; a field error on ``field`` otherwise."""
    try:
        return RepositoryRef.parse(text)
    except InvalidValueError as error:
        raise _invalid(field, error.code, error.message) from None


def stopping_point(call: Call, name: str) -> StoppingPoint | None:
    """The stopping point the parameter ``name`` names (``None`` when absent)."""
    text = call.query.get(name)
    if text is None:
        return None
    try:
        return StoppingPoint.parse(text)
    except InvalidValueError as error:
        raise _invalid(name, error.code, error.message) from None
