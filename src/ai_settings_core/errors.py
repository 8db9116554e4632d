"""The exceptions of ai_settings_core.

Few, documented, and each a subclass of the builtin a caller would catch. Every error that an
HTTP endpoint may see derives from :class:`AISettingsError` and carries the status it should
answer, so an endpoint maps all of them with one ``except``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Self

from ai_settings_core.domain.findings import Finding, build_detail

__all__ = [
    "AISettingsError",
    "ConflictError",
    "InvalidValueError",
    "NotFoundError",
    "PermissionDeniedError",
    "StorageError",
    "StorageUnavailableError",
    "ValidationError",
]


class AISettingsError(Exception):
    """Base of every error an endpoint may map to an HTTP answer.

    Attributes:
        status: The HTTP status an endpoint should answer with.
        code: A stable machine code.
    """

    status: int = 500
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValueError(ValueError):
    """One value failed to parse (a stopping point, a repository, a branch pattern...).

    Raised by the constructors of the domain values; the message quotes the input.

    Attributes:
        code: A stable machine code such as ``"invalid_choice"``.
        message: A sentence a person can read, quoting the bad input.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ValidationError(AISettingsError, ValueError):
    """Input was rejected; nothing was written.

    Attributes:
        detail: The body Django REST Framework would answer with:
            ``{"field": ["message", ...], "non_field_errors": [...]}``, nested dicts for
            nested fields and, for a list of objects, a list aligned with the input items.
        codes: The same shape as ``detail`` with stable machine codes instead of messages.
        findings: The findings (errors and warnings) behind the error, when rules produced it.
    """

    status = 400
    code = "invalid"

    def __init__(
        self,
        detail: Mapping[str, Any] | Sequence[Any],
        codes: Mapping[str, Any] | Sequence[Any],
        findings: Sequence[Any] = (),
    ) -> None:
        super().__init__(_summarise(detail))
        self.detail = detail
        self.codes = codes
        self.findings = tuple(findings)

    @classmethod
    def from_findings(cls, findings: Iterable[Finding]) -> Self:
        """The error for ``findings``: the DRF-shaped detail and codes of their errors.

        The one constructor every layer uses to turn findings into an error (warnings ride
        along in :attr:`findings` but are not part of the detail).

        >>> from ai_settings_core import Finding, Severity
        >>> error = ValidationError.from_findings(
        ...     [Finding("required", Severity.ERROR, ("name",), "This field is required.")]
        ... )
        >>> error.detail, error.codes
        ({'name': ['This field is required.']}, {'name': ['required']})
        """
        kept = tuple(findings)
        detail, codes = build_detail(kept)
        return cls(detail, codes, kept)


class PermissionDeniedError(AISettingsError, PermissionError):
    """The actor lacks a scope the use case needs (HTTP 403)."""

    status = 403
    code = "permission_denied"


class NotFoundError(AISettingsError, LookupError):
    """The organization, project or repository does not exist for this actor (HTTP 404)."""

    status = 404
    code = "not_found"


class ConflictError(AISettingsError):
    """A write named a version that is no longer current; nothing was written (HTTP 409).

    Attributes:
        expected: The version the caller read.
        actual: The version stored now (0 when nothing is stored).
    """

    status = 409
    code = "version_conflict"

    def __init__(
        self, message: str, *, expected: int | None = None, actual: int | None = None
    ) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class StorageError(AISettingsError, RuntimeError):
    """A store cannot be used: not ours, from a newer version, corrupt, read-only, full.

    Not the caller's input: HTTP 500, and the command line's own exit status for storage
    faults.
    """

    status = 500
    code = "storage_error"


class StorageUnavailableError(StorageError):
    """The store is there but cannot answer now: busy, locked, unreachable (HTTP 503).

    Trying again later may succeed; nothing was written.

    Attributes:
        retry_after: Seconds after which a retry is reasonable (an HTTP ``Retry-After``).
    """

    status = 503
    code = "storage_unavailable"

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _summarise(detail: object, prefix: str = "") -> str:
    """Flatten a DRF ``detail`` into one line: ``field: message; other.sub: message``."""
    parts: list[str] = []
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            path = str(key) if not prefix else f"{prefix}.{key}"
            parts.append(_summarise(value, path))
    elif isinstance(detail, list | tuple):
        if all(isinstance(item, str) for item in detail):
            label = prefix or "non_field_errors"
            parts.extend(f"{label}: {item}" for item in detail)
        else:
            for index, item in enumerate(detail):
                if item:
                    parts.append(_summarise(item, f"{prefix}[{index}]"))
    else:
        parts.append(f"{prefix}: {detail}" if prefix else str(detail))
    return "; ".join(part for part in parts if part)
