"""Small immutable values: the stopping-point ladder, providers, repositories, branch patterns.

Each value parses once, in its constructor or ``parse``, from its canonical text, and prints
back to it. Errors are :class:`~ai_settings_core.errors.InvalidValueError` quoting the input.
"""

from __future__ import annotations

import datetime as dt
import enum
import fnmatch
import json
import re
from collections.abc import Mapping
from typing import Final, Literal

import attrs

from ai_settings_core.errors import InvalidValueError

__all__ = [
    "STOPPING_POINTS",
    "TIMESTAMP_FORMAT",
    "BranchPattern",
    "Provider",
    "RepositoryRef",
    "StoppingPoint",
    "format_timestamp",
    "parse_timestamp",
]


class StoppingPoint(enum.Enum):
    """How far an automated fix may go before a person must act.

    An ordered ladder, compared by rank, not by name::

        >>> StoppingPoint.SUGGESTION < StoppingPoint.PULL_REQUEST < StoppingPoint.MERGE
        True
        >>> max(StoppingPoint.MERGE, StoppingPoint.SUGGESTION)
        <StoppingPoint.MERGE: 'merge'>
        >>> StoppingPoint.parse("merge")
        <StoppingPoint.MERGE: 'merge'>

    Its text is its ``value``; :data:`STOPPING_POINTS` maps the text back, and
    :meth:`choices` lists the texts in ladder order (for JSON Schema, SQL checks and help).
    """

    SUGGESTION = "suggestion"
    PULL_REQUEST = "pull_request"
    MERGE = "merge"

    @property
    def rank(self) -> int:
        """The position on the ladder: 0 for suggestion, 2 for merge."""
        return _RANK[self]

    @classmethod
    def parse(cls, value: object, /) -> StoppingPoint:
        """Return the stopping point named by ``value`` or raise ``InvalidValueError``."""
        if isinstance(value, StoppingPoint):
            return value
        if isinstance(value, str):
            found = STOPPING_POINTS.get(value)
            if found is not None:
                return found
        raise InvalidValueError(
            "invalid_choice", f"{_quote(value)} is not a valid choice."
        ) from None

    @classmethod
    def choices(cls) -> tuple[str, ...]:
        """The texts of every stopping point, in ladder order.

        >>> StoppingPoint.choices()
        ('suggestion', 'pull_request', 'merge')
        """
        return _CHOICES

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, StoppingPoint):
            return NotImplemented
        return _RANK[self] < _RANK[other]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, StoppingPoint):
            return NotImplemented
        return _RANK[self] <= _RANK[other]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, StoppingPoint):
            return NotImplemented
        return _RANK[self] > _RANK[other]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, StoppingPoint):
            return NotImplemented
        return _RANK[self] >= _RANK[other]

    def __str__(self) -> str:
        return self.value


_RANK: Final = {point: rank for rank, point in enumerate(StoppingPoint)}
STOPPING_POINTS: Final[Mapping[str, StoppingPoint]] = {
    point.value: point for point in StoppingPoint
}
"""The one table from a stopping point's text to the stopping point (``point.value`` is the
other way): every parser, store and edge looks texts up here. Read-only by its type; a plain
dict, because stores look up every row's text in it."""
_CHOICES: Final = tuple(STOPPING_POINTS)


class Provider(enum.Enum):
    """A source-code host a repository lives on."""

    GITHUB = "github"
    GITLAB = "gitlab"
    BITBUCKET = "bitbucket"

    @classmethod
    def parse(cls, value: object, /) -> Provider:
        """Return the provider named by ``value`` or raise ``InvalidValueError``."""
        if isinstance(value, Provider):
            return value
        for provider in cls:
            if provider.value == value:
                return provider
        raise InvalidValueError(
            "invalid_provider",
            f"{_quote(value)} is not a valid provider (github, gitlab or bitbucket).",
        ) from None

    def __str__(self) -> str:
        return self.value


# An owner is a user, an organization or, on GitLab, a group path ``group/subgroup``.
_SEGMENT: Final = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9_])?"
_OWNER_RE: Final = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_NAME_RE: Final = re.compile(r"[A-Za-z0-9._-]{1,100}")
_MAX_REPOSITORY_LENGTH: Final = 255


@attrs.frozen(order=False)
class RepositoryRef:
    """A repository: ``provider:owner/name``.

    Parsed from and printed as that text; GitLab owners may be group paths
    (``gitlab:group/subgroup/name``)::

        >>> ref = RepositoryRef.parse("github:acme/api")
        >>> ref.provider, ref.owner, ref.name
        (<Provider.GITHUB: 'github'>, 'acme', 'api')
        >>> str(ref)
        'github:acme/api'

    Attributes:
        provider: The host.
        owner: The user, organization or group path.
        name: The repository's name.
    """

    provider: Provider
    owner: str
    name: str
    _text: str = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.owner, str) or not isinstance(self.name, str):
            raise InvalidValueError(
                "invalid_repository", "Invalid repository: the owner and name must be text."
            )
        text = f"{self.provider.value}:{self.owner}/{self.name}"
        object.__setattr__(self, "_text", text)
        if (
            _OWNER_RE.fullmatch(self.owner) is None
            or _NAME_RE.fullmatch(self.name) is None
            or self.name in {".", ".."}
            or (self.provider is not Provider.GITLAB and "/" in self.owner)
            or len(text) > _MAX_REPOSITORY_LENGTH
        ):
            raise InvalidValueError(
                "invalid_repository",
                f"Invalid repository: {_shown(text)} (expected provider:owner/name).",
            )

    @classmethod
    def parse(cls, value: object, /) -> RepositoryRef:
        """Parse ``provider:owner/name`` or raise ``InvalidValueError`` quoting the input."""
        if isinstance(value, RepositoryRef):
            return value
        if not isinstance(value, str):
            raise InvalidValueError(
                "invalid_repository",
                f"Invalid repository: {_quote(value)} (expected provider:owner/name).",
            )
        provider_text, colon, path = value.partition(":")
        owner, slash, name = path.rpartition("/")
        if not colon or not slash or len(value) > _MAX_REPOSITORY_LENGTH:
            raise InvalidValueError(
                "invalid_repository",
                f"Invalid repository: {_shown(value)} (expected provider:owner/name).",
            ) from None
        provider = Provider.parse(provider_text)
        try:
            return cls(provider, owner, name)
        except InvalidValueError:
            raise InvalidValueError(
                "invalid_repository",
                f"Invalid repository: {_shown(value)} (expected provider:owner/name).",
            ) from None

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity hosts use: providers treat owners and names case-insensitively."""
        return (self.provider.value, self.owner.casefold(), self.name.casefold())

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"RepositoryRef.parse({self._text!r})"


def trusted_repository_ref(provider: Provider, owner: str, name: str) -> RepositoryRef:
    """A repository from text that was validated before (a store's own rows), unchecked.

    Skipping the constructor's regular expressions is most of what loading a large
    organization costs; only adapters reading back what they wrote may use it.
    """
    ref: RepositoryRef = object.__new__(RepositoryRef)
    object.__setattr__(ref, "provider", provider)
    object.__setattr__(ref, "owner", owner)
    object.__setattr__(ref, "name", name)
    object.__setattr__(ref, "_text", f"{provider.value}:{owner}/{name}")
    return ref


_MAX_PATTERN_LENGTH: Final = 255
_FORBIDDEN_SEQUENCES: Final = ("..", "~", "^", ":", "\\")


def _pattern_problem(text: str) -> str | None:
    """Say what is wrong with a branch pattern's text, or ``None`` when it is valid."""
    if not text:
        return "may not be empty"
    if len(text) > _MAX_PATTERN_LENGTH:
        return f"is longer than {_MAX_PATTERN_LENGTH} characters"
    for char in text:
        if not char.isprintable() or char.isspace():
            return "may not contain whitespace or control characters"
    for sequence in _FORBIDDEN_SEQUENCES:
        if sequence in text:
            return f"may not contain {sequence!r}"
    if text[0] in "/-":
        return f"may not start with {text[0]!r}"
    return None


@attrs.frozen(order=False, repr=False)
class BranchPattern:
    """A case-sensitive ``fnmatch``-style glob over branch names, compiled once.

    ``*`` matches any branch (write it explicitly for "all branches")::

        >>> BranchPattern("release/*").matches("release/1.2")
        True
        >>> BranchPattern("main").matches("Main")
        False

    Attributes:
        text: The pattern as written.
    """

    text: str
    _regex: re.Pattern[str] = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InvalidValueError(
                "invalid_pattern", f"Invalid branch pattern: {_quote(self.text)}."
            )
        problem = _pattern_problem(self.text)
        if problem is not None:
            raise InvalidValueError(
                "invalid_pattern", f"Invalid branch pattern {_shown(self.text)}: {problem}."
            )
        object.__setattr__(self, "_regex", re.compile(fnmatch.translate(self.text)))

    @classmethod
    def parse(cls, value: object, /) -> BranchPattern:
        """Return the pattern for ``value`` or raise ``InvalidValueError``."""
        if isinstance(value, BranchPattern):
            return value
        return cls(value)  # type: ignore[arg-type]

    def matches(self, branch: str) -> bool:
        """Whether ``branch`` matches this pattern (case-sensitively)."""
        return self._regex.fullmatch(branch) is not None

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled regular expression (anchored with ``fullmatch``)."""
        return self._regex

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"BranchPattern({self.text!r})"


ALL_BRANCHES: Final = BranchPattern("*")


# --- time ------------------------------------------------------------------------------------

TIMESTAMP_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%fZ"
"""How a moment is written everywhere (stores, documents, the command line): UTC, fixed width."""


def format_timestamp(
    value: dt.datetime, *, timespec: Literal["microseconds", "seconds", "auto"] = "microseconds"
) -> str:
    """An aware datetime as ISO 8601 text in UTC that sorts in time order.

    The one format of audit times: stores keep it, documents carry it, the command line shows
    it to the second. ``"auto"`` (how payloads write expiries) shows the microseconds only
    when there are any.

    >>> moment = dt.datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=dt.UTC)
    >>> format_timestamp(moment), format_timestamp(moment, timespec="seconds")
    ('2026-01-02T03:04:05.000060Z', '2026-01-02T03:04:05Z')
    >>> format_timestamp(moment.replace(microsecond=0), timespec="auto")
    '2026-01-02T03:04:05Z'
    """
    utc = value.astimezone(dt.UTC)
    text = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    )
    if timespec == "seconds" or (timespec == "auto" and not utc.microsecond):
        return text + "Z"
    return f"{text}.{utc.microsecond:06d}Z"


def parse_timestamp(text: str) -> dt.datetime:
    """The inverse of :func:`format_timestamp`: an aware UTC datetime."""
    return dt.datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=dt.UTC)


# --- quoting bad input -----------------------------------------------------------------------

_QUOTE_LENGTH: Final = 100
_NAME_LENGTH: Final = 40
_SMALL_INT: Final = 10**40
_LOG10_2: Final = 0.30102999566398120
_NESTED: Final[dict[type, str]] = {list: "[...]", tuple: "(...)", dict: "{...}"}


def _type_name(value: object) -> str:
    """The name of ``value``'s type, for a message: never longer than 40 characters."""
    name = getattr(type(value), "__name__", "")
    if not isinstance(name, str) or not name.isidentifier():
        return "object"
    return name if len(name) <= _NAME_LENGTH else name[: _NAME_LENGTH - 3] + "..."


def _digits(value: int) -> int:
    """How many decimal digits ``abs(value)`` has, without converting it to text."""
    magnitude = abs(value)
    digits = int(magnitude.bit_length() * _LOG10_2) + 1
    return digits - 1 if magnitude < 10 ** (digits - 1) else digits


def _text(value: str) -> str:
    """A string as a JSON string literal, at most :data:`_QUOTE_LENGTH` characters long."""
    head = str.__getitem__(value, slice(0, _QUOTE_LENGTH))
    try:
        body = json.dumps(head, ensure_ascii=False)[1:-1]
        body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: escape it rather than echo it
        body = json.dumps(head)[1:-1]
    if len(body) > _QUOTE_LENGTH - 2 or len(value) > len(head):
        body = body[: _QUOTE_LENGTH - 5] + "..."
    return f'"{body}"'


def _scalar(value: object) -> str | None:
    """A short text for a value that holds no other values, or ``None`` for a container."""
    if value is None or isinstance(value, bool):
        return "None" if value is None else ("True" if value else "False")
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, int):
        if -_SMALL_INT < value < _SMALL_INT:
            return int.__repr__(value)
        return f"an integer of {_digits(value)} digits"
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, bytes | bytearray):
        return repr(bytes(value[:_QUOTE_LENGTH]))
    if isinstance(value, list | tuple | dict | set | frozenset):
        return None
    return f"a {_type_name(value)} object"


def _item(value: object) -> str:
    """An item inside a container: a scalar's text, or a placeholder for a container."""
    text = _scalar(value)
    if text is not None:
        return text
    for kind, placeholder in _NESTED.items():
        if isinstance(value, kind):
            return placeholder
    return "{...}"


def _quote(value: object) -> str:
    """Quote a bad input for a message, DRF style: a bounded summary, never a ``repr()``.

    Strings are quoted (and cut), containers show their first items one level deep, huge
    integers their size, other objects their type: never longer than 100 characters, and
    never recursive, so a value nested 100,000 levels deep or an integer past Python's
    int-to-str limit is quoted as quickly as ``"merge"``.

    >>> print(_quote("invalid"), _quote(5), _quote([["deep"]]), _quote(10**5000))
    "invalid" 5 [[...]] an integer of 5001 digits
    """
    text = _scalar(value)
    if text is None:
        if isinstance(value, dict):
            opening, closing = "{", "}"
            items = (f"{_item(key)}: {_item(item)}" for key, item in dict.items(value))
        else:
            opening, closing = ("(", ")") if isinstance(value, tuple) else ("[", "]")
            if isinstance(value, set | frozenset):
                opening, closing = "{", "}"
            items = (_item(item) for item in value)  # type: ignore[attr-defined]
        parts: list[str] = []
        length = 0
        for part in items:
            parts.append(part)
            length += len(part) + 2
            if length > _QUOTE_LENGTH:
                break
        text = opening + ", ".join(parts) + closing
    return text if len(text) <= _QUOTE_LENGTH else text[: _QUOTE_LENGTH - 3] + "..."


def _shown(text: str) -> str:
    """A string as ``repr`` shows it, cut to :data:`_QUOTE_LENGTH` characters."""
    if len(text) <= _QUOTE_LENGTH:
        return repr(text)
    return repr(text[: _QUOTE_LENGTH - 3]) + "..."
