"""Findings: what validation says about a value, and the DRF-shaped error body built from them.

A finding has a stable code, a severity, a path into the payload and a message. Errors block a
write; warnings are returned for the UI. The same findings become the body Django REST
Framework would answer with, so a browser shows them as they are.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, TypeAlias

import attrs

__all__ = ["Finding", "Path", "Severity", "build_detail", "format_path"]

Path: TypeAlias = tuple[str | int, ...]
"""A path into a payload: field names and list indices, ``("repositories", 1, "repository")``."""

NON_FIELD_ERRORS = "non_field_errors"


class Severity(enum.Enum):
    """Whether a finding blocks a write (``error``) or is shown to the user (``warning``)."""

    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Finding:
    """One thing validation found.

    Attributes:
        code: A stable machine code (``locked``, ``above_ceiling``, ``invalid_choice``...).
        severity: ``ERROR`` blocks the write; ``WARNING`` is advice.
        path: Where in the payload; empty for the payload as a whole.
        message: A sentence a person can read.
    """

    code: str
    severity: Severity
    path: Path
    message: str

    @property
    def is_error(self) -> bool:
        """Whether this finding blocks a write."""
        return self.severity is Severity.ERROR

    @property
    def field(self) -> str:
        """The path as text: ``repositories[1].branch_patterns[0]``; empty for the whole."""
        return format_path(self.path)


def format_path(path: Path) -> str:
    """Write a path the way people read it: ``repositories[1].repository``.

    >>> format_path(("repositories", 1, "repository"))
    'repositories[1].repository'
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def build_detail(findings: Iterable[Finding]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Build DRF's error body, and the same shape with codes, from findings.

    Field errors go under their field; errors of the whole payload under
    ``non_field_errors``; a nested field is a nested dict; a list of objects becomes a list
    aligned with the input items, ``{}`` for an item without errors. Only errors are included.

    >>> from ai_settings_core import Finding, Severity
    >>> detail, codes = build_detail([
    ...     Finding("invalid_choice", Severity.ERROR, ("stopping_point",),
    ...             '"invalid" is not a valid choice.'),
    ...     Finding("invalid_pattern", Severity.ERROR,
    ...             ("repositories", 1, "branch_patterns", 0), "Invalid branch pattern."),
    ... ])
    >>> detail["stopping_point"]
    ['"invalid" is not a valid choice.']
    >>> detail["repositories"]
    [{}, {'branch_patterns': {'0': ['Invalid branch pattern.']}}]
    >>> codes["stopping_point"]
    ['invalid_choice']
    """
    detail: dict[str, Any] = {}
    codes: dict[str, Any] = {}
    for finding in findings:
        if not finding.is_error:
            continue
        path = finding.path or (NON_FIELD_ERRORS,)
        _insert(detail, path, finding.message)
        _insert(codes, path, finding.code)
    return detail, codes


def _insert(node: dict[str, Any], path: Path, leaf: str) -> None:
    """Put one message at ``path``, shaping containers the way DRF does.

    A field holds a list of messages; a nested object a dict; a list of objects an aligned
    list (``{}`` for valid items); an item of a list of scalars a dict keyed by its index.
    Where two shapes meet at one key, the messages move under ``non_field_errors`` there.
    """
    key, rest = str(path[0]), path[1:]
    existing = node.get(key)
    if not rest:
        if existing is None:
            node[key] = [leaf]
        elif isinstance(existing, dict):
            existing.setdefault(NON_FIELD_ERRORS, []).append(leaf)
        elif all(isinstance(item, str) for item in existing):
            existing.append(leaf)
        else:  # an aligned list already: the message goes to the whole payload, with its path
            node.setdefault(NON_FIELD_ERRORS, []).append(f"{key}: {leaf}")
        return
    head = rest[0]
    objects_list = isinstance(head, int) and len(rest) > 1 and isinstance(rest[1], str)
    if objects_list:
        if existing is None:
            existing = node[key] = []
        if isinstance(existing, list) and all(isinstance(item, dict) for item in existing):
            index = int(head)
            existing.extend({} for _ in range(index + 1 - len(existing)))
            _insert(existing[index], rest[1:], leaf)
            return
        node.setdefault(NON_FIELD_ERRORS, []).append(f"{format_path(path)}: {leaf}")
        return
    if existing is None:
        existing = node[key] = {}
    elif isinstance(existing, list):
        if existing and not all(isinstance(item, str) for item in existing):
            node.setdefault(NON_FIELD_ERRORS, []).append(f"{format_path(path)}: {leaf}")
            return
        existing = node[key] = {NON_FIELD_ERRORS: existing} if existing else {}
    _insert(existing, (str(head), *rest[1:]), leaf)
