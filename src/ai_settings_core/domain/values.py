"""Small immutable values: the stopping-point ladder, providers, repositories, branch patterns.

Each value parses once, in its constructor or ``parse``, from its canonical text, and prints
back to it. Errors are :class:`~ai_settings_core.errors.InvalidValueError` quoting the input.
"""

from __future__ import annotations

import enum
import fnmatch
import json
import re
from typing import Final

import attrs

from ai_settings_core.errors import InvalidValueError

__all__ = ["BranchPattern", "Provider", "RepositoryRef", "StoppingPoint"]


class StoppingPoint(enum.Enum):
    """How far an automated fix may go before a person must act.

    An ordered ladder, compared by rank, not by name::

        >>> StoppingPoint.SUGGESTION < StoppingPoint.PULL_REQUEST < StoppingPoint.MERGE
        True
        >>> max(StoppingPoint.MERGE, StoppingPoint.SUGGESTION)
        <StoppingPoint.MERGE: 'merge'>
        >>> StoppingPoint.parse("merge")
        <StoppingPoint.MERGE: 'merge'>
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
            found = _BY_VALUE.get(value)
            if found is not None:
                return found
        raise InvalidValueError(
            "invalid_choice", f"{_quote(value)} is not a valid choice."
        ) from None

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
_BY_VALUE: Final = {point.value: point for point in StoppingPoint}


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
        text = f"{self.provider.value}:{self.owner}/{self.name}"
        object.__setattr__(self, "_text", text)
        if (
            not isinstance(self.owner, str)
            or not isinstance(self.name, str)
            or _OWNER_RE.fullmatch(self.owner) is None
            or _NAME_RE.fullmatch(self.name) is None
            or self.name in {".", ".."}
            or (self.provider is not Provider.GITLAB and "/" in self.owner)
            or len(text) > _MAX_REPOSITORY_LENGTH
        ):
            raise InvalidValueError(
                "invalid_repository",
                f"Invalid repository: {text!r} (expected provider:owner/name).",
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
                f"Invalid repository: {value!r} (expected provider:owner/name).",
            ) from None
        provider = Provider.parse(provider_text)
        try:
            return cls(provider, owner, name)
        except InvalidValueError:
            raise InvalidValueError(
                "invalid_repository",
                f"Invalid repository: {value!r} (expected provider:owner/name).",
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
                "invalid_pattern", f"Invalid branch pattern {self.text!r}: {problem}."
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


_QUOTE_LENGTH: Final = 100


def _quote(value: object) -> str:
    """Quote a bad input for a message, DRF style, without echoing huge values.

    >>> print(_quote("invalid"), _quote(5))
    "invalid" 5
    """
    if isinstance(value, str):
        text = value if len(value) <= _QUOTE_LENGTH else value[: _QUOTE_LENGTH - 3] + "..."
        return json.dumps(text, ensure_ascii=False)
    text = repr(value)
    return text if len(text) <= _QUOTE_LENGTH else text[: _QUOTE_LENGTH - 3] + "..."
