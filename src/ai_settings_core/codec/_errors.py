"""Error translation: what the converter and the codec's hooks raise, as findings with paths.

Hooks raise :class:`_Invalid` with findings relative to the value they were given; cattrs
wraps them (and its own errors: missing and extra keys) with notes naming the attribute or
index. :func:`findings_of` walks that tree into findings whose paths point into the input,
and every message that quotes the input quotes it with the domain's bounded summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)

from ai_settings_core.domain.changes import OrganizationPatch, ProjectPatch, RepositoryPatch
from ai_settings_core.domain.findings import NON_FIELD_ERRORS, Finding, Path, Severity
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.domain.values import _quote, _type_name

__all__ = [
    "ERROR",
    "READ_ONLY",
    "Invalid",
    "fail",
    "findings_of",
    "not_a_boolean",
    "not_a_choice",
    "not_a_dict",
    "not_a_list",
    "not_a_string",
    "null",
    "prefixed",
    "required",
    "too_many",
    "unknown_keys",
]

ERROR: Final = Severity.ERROR


class Invalid(Exception):  # noqa: N818 - internal signal, never escapes the codec
    """Errors found by a hook, with paths relative to the value the hook was given."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(findings)
        self.findings = findings


def fail(code: str, message: str, path: Path = ()) -> Invalid:
    """One finding as the hooks' signal."""
    return Invalid([Finding(code, ERROR, path, message)])


def null() -> Invalid:
    """``null`` where no ``null`` is allowed."""
    return fail("null", "This field may not be null.")


def not_a_boolean() -> Invalid:
    """A value that is not ``true`` or ``false``."""
    return fail("invalid", "Must be a valid boolean.")


def not_a_string(value: object) -> Invalid:
    """A value that is not text (``null`` has its own code)."""
    return null() if value is None else fail("invalid", "Not a valid string.")


def not_a_list(value: object) -> Invalid:
    """A value that is not a list (``null`` has its own code)."""
    if value is None:
        return null()
    return fail("not_a_list", f'Expected a list of items but got type "{_type_name(value)}".')


def not_a_dict(value: object, path: Path = ()) -> Invalid:
    """A document or item that is not an object."""
    message = f"Invalid data. Expected a dictionary, but got {_type_name(value)}."
    return fail("invalid", message, path)


def too_many(limit: int) -> Invalid:
    """A list longer than its limit."""
    return fail("max_length", f"Ensure this field has no more than {limit} elements.")


def not_a_choice(value: object) -> Invalid:
    """A value that names no member of a choice field."""
    if value is None:
        return null()
    return fail("invalid_choice", f"{_quote(value)} is not a valid choice.")


def required(path: Path) -> Finding:
    """A missing key."""
    return Finding("required", ERROR, path, "This field is required.")


def unknown_keys(
    data: Mapping[object, object], known: Iterable[object], path: Path = ()
) -> list[Finding]:
    """The keys of ``data`` that are not in ``known``: text keys by name (sorted), others quoted.

    A key that is not a string cannot name a field: it is an error of the object itself.
    """
    known = frozenset(known)
    texts = sorted(key for key in data if isinstance(key, str) and key not in known)
    return [Finding("unknown_field", ERROR, (*path, key), "Unknown field.") for key in texts] + [
        Finding("unknown_field", ERROR, (*path, NON_FIELD_ERRORS), f"Unknown field {_quote(key)}.")
        for key in data
        if not isinstance(key, str)
    ]


def prefixed(findings: Iterable[Finding], prefix: Path) -> list[Finding]:
    """``findings`` moved under ``prefix``."""
    return [Finding(f.code, f.severity, prefix + f.path, f.message) for f in findings]


READ_ONLY: Final[dict[type, frozenset[str]]] = {
    OrganizationSettings: frozenset({"sources", "warnings"}),
    ProjectSettings: frozenset({"effective", "sources", "warnings"}),
    OrganizationPatch: frozenset({"organization_id", "version", "sources", "warnings"}),
    ProjectPatch: frozenset(
        {"organization_id", "project_id", "version", "effective", "sources", "warnings"}
    ),
    RepositoryPatch: frozenset({"repository"}),
}
"""Keys of output documents that input documents refuse as read-only (not as unknown)."""


def findings_of(error: BaseException, path: Path) -> list[Finding]:
    """Turn what the converter raised into findings with paths into the input."""
    if isinstance(error, Invalid):
        return prefixed(error.findings, path)
    if isinstance(error, ForbiddenExtraKeysError):
        read_only = READ_ONLY.get(error.cl, frozenset())
        return [
            Finding("read_only", ERROR, (*path, key), "This field is read-only.")
            if key in read_only
            else Finding("unknown_field", ERROR, (*path, key), "Unknown field.")
            for key in sorted(key for key in error.extra_fields if isinstance(key, str))
        ] + [
            Finding(
                "unknown_field", ERROR, (*path, NON_FIELD_ERRORS), f"Unknown field {_quote(key)}."
            )
            for key in error.extra_fields
            if not isinstance(key, str)
        ]
    if isinstance(error, ClassValidationError):
        findings: list[Finding] = []
        for sub in error.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", ()):
                if isinstance(note, AttributeValidationNote):
                    sub_path = (*sub_path, note.name)
                elif isinstance(note, IterableValidationNote) and isinstance(note.index, int):
                    sub_path = (*sub_path, note.index)
            if isinstance(sub, KeyError) and sub_path != path:
                findings.append(required(sub_path))
            else:
                findings.extend(findings_of(sub, sub_path))
        return findings
    raise error
