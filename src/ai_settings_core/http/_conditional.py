"""Conditional requests: versions travel as ``ETag`` and come back as ``If-Match``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from ai_settings_core.http._messages import detail_error

__all__ = ["etag", "expected_version"]

_MAX_VERSION_DIGITS: Final = 19
_ETAG_LIST_RE: Final = re.compile(r'(?:W/)?"[^"]*"(?:\s*,\s*(?:W/)?"[^"]*")*')
_ETAG_RE: Final = re.compile(r'(W/)?"([^"]*)"')


def etag(version: int) -> tuple[str, str]:
    """The ``ETag`` header of a record at ``version``.

    >>> etag(3)
    ('ETag', '"3"')
    """
    return ("ETag", f'"{version}"')


def _tag_version(weak: str, tag: str) -> int | None:
    """The version a strong entity tag names (``"3"``); ``None`` if weak or not ours."""
    if weak or not (tag.isascii() and tag.isdigit()) or len(tag) > _MAX_VERSION_DIGITS:
        return None
    return int(tag)


def expected_version(header: str | None, current: Callable[[], int]) -> int | None:
    """``If-Match`` as the version a write expects (``None`` when absent or ``*``).

    An entity tag that is not one of ours (``"abc"``) can match nothing: 412, and neither can
    a weak one (``W/"3"``): ``If-Match`` compares strongly (RFC 9110 §13.1.1). Several tags
    name several acceptable versions: the stored one is expected when it is among them (the
    write still checks it atomically). A value that is not a list of entity tags is a 400.
    ``current`` reads the stored version, only when it is needed.
    """
    if header is None:
        return None
    text = header.strip()
    if text == "*":
        return None
    if _ETAG_LIST_RE.fullmatch(text) is None:
        raise detail_error(
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
    raise detail_error(
        412,
        f"If-Match {header!r} does not name the stored version ({stored}){weak}; nothing was "
        "written. Reload and try again.",
        "precondition_failed",
    )
