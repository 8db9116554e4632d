"""Strict JSON: the one decoder every edge uses for JSON from outside."""

from __future__ import annotations

import json
import re
from typing import Final

from ai_settings_core.domain.values import _type_name

__all__ = ["load_json"]


def load_json(data: str | bytes | bytearray) -> object:
    """Decode one JSON document strictly, for every edge that reads JSON from outside.

    UTF-8 only; ``NaN`` and ``Infinity`` are not JSON; nesting too deep for the decoder is an
    error, not a crash. Raises ``ValueError`` with a message a person can read.

    >>> load_json(b'{"scan_enabled": false}')
    {'scan_enabled': False}
    >>> load_json("[NaN]")
    Traceback (most recent call last):
    ...
    ValueError: JSON parse error - NaN is not valid JSON
    """
    if not isinstance(data, str | bytes | bytearray):
        message = f"JSON parse error - expected text or bytes, not {_type_name(data)}"
        raise ValueError(message)  # noqa: TRY004 - the one error of load_json is ValueError
    try:
        text = data if isinstance(data, str) else bytes(data).decode("utf-8")
        document = json.loads(text, parse_constant=_no_constant)
        if _SURROGATE_ESCAPE.search(text) is not None or not text.isascii():
            _check_text(document)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ValueError(f"JSON parse error - {error}") from None
    return document


# An escaped surrogate; a proper pair decodes to one character, a lone one stays a surrogate.
_SURROGATE_ESCAPE: Final = re.compile(r"\\[uU][dD][89a-fA-F]")


def _check_text(value: object) -> None:
    """Refuse strings that are not Unicode text (lone surrogates): nothing can encode them."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                shown = ascii(item)[:40]
                raise ValueError(f"{shown} is not Unicode text (a lone surrogate)") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")
