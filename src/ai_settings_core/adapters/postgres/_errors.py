"""How psycopg's errors become the library's, and the refusals of values PostgreSQL cannot hold.

PostgreSQL text cannot hold the NUL character, and an index entry is at most a third of a page:
both are refused before anything is sent, with the same codes the other adapters use for text
no store can encode (``invalid_identifier``, ``invalid_text``) and ``max_length``.
"""

from __future__ import annotations

from typing import Final, cast

import psycopg
import psycopg_pool

from ai_settings_core.adapters import _common
from ai_settings_core.domain.audit import AuditEntry
from ai_settings_core.domain.findings import Path
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.errors import AISettingsError, StorageError, StorageUnavailableError

__all__: list[str] = []

MAX_KEY_BYTES: Final = 512
"""The longest organization or project id (in UTF-8 bytes) the indexes can hold with room."""

# SQLSTATEs that mean "try again later": the server is starting or shutting down, the backend
# was terminated, too many connections, a lock or statement timeout, a serialization failure.
_UNAVAILABLE: Final = frozenset(
    {"57P01", "57P02", "57P03", "57P05", "53300", "55P03", "57014", "40001", "40P01"}
)


def translate(label: str, error: Exception) -> StorageError:
    """A psycopg or pool error as a :class:`StorageError`; unavailability as its 503 subclass."""
    if isinstance(error, psycopg_pool.PoolTimeout):
        return StorageUnavailableError(
            f"{label} is busy: no connection became free in time ({error})."
        )
    if isinstance(error, psycopg_pool.PoolClosed):
        return StorageError(f"{label}: the store was closed.")
    state = getattr(error, "sqlstate", None)
    text = str(error).strip().replace("\n", " ")
    if state in _UNAVAILABLE or (
        isinstance(error, psycopg.OperationalError) and (state is None or state.startswith("08"))
    ):
        return StorageUnavailableError(f"{label} is unavailable: {text}")
    return StorageError(f"{label}: {text}")


def lost(label: str) -> StorageError:
    """The error for a unit of work whose transaction could not keep its writes."""
    return StorageError(
        f"{label}: the transaction was rolled back after an earlier error; "
        "nothing of this unit of work was written."
    )


def _nul(path: Path, code: str, what: str) -> AISettingsError:
    return _common.invalid(
        path, code, f"{what} contains a NUL character, which PostgreSQL text cannot hold."
    )


def _key(path: Path, value: str, what: str) -> None:
    if "\x00" in value:
        raise _nul(path, "invalid_identifier", what)
    if len(value) * 4 > MAX_KEY_BYTES and len(value.encode("utf-8")) > MAX_KEY_BYTES:
        raise _common.invalid(
            path,
            "max_length",
            f"{what} is longer than {MAX_KEY_BYTES} bytes in UTF-8, the most this store holds.",
        )


def check_lookup(path: Path, value: object) -> str:
    """A looked-up identifier any store could hold and PostgreSQL can send."""
    _common.check_lookup(path, value)
    text = cast("str", value)
    if "\x00" in text:
        raise _nul(path, "invalid_identifier", "Identifier")
    return text


def check_project(project: ProjectSettings) -> None:
    """The shared checks of a project, then PostgreSQL's own (NUL characters, key length)."""
    _common.check_project(project)
    _key(("organization_id",), project.organization_id, "Organization id")
    _key(("project_id",), project.project_id, "Project id")
    for environment in project.environments:
        if "\x00" in environment:
            raise _nul(("environments",), "invalid_identifier", "Environment")


def check_organization(settings: OrganizationSettings) -> None:
    """The shared checks of an organization, then PostgreSQL's own."""
    _common.check_organization(settings)
    _key(("organization_id",), settings.organization_id, "Organization id")


def check_audit_entry(entry: AuditEntry) -> None:
    """The shared checks of an audit entry, then PostgreSQL's own (its JSON escapes NUL)."""
    _common.check_audit_entry(entry)
    texts = (entry.organization_id, entry.project_id, entry.actor, entry.target)
    if any(text is not None and "\x00" in text for text in texts):
        raise _nul((), "invalid_text", "Audit entry text")
    _key(("organization_id",), entry.organization_id, "Organization id")
    if entry.project_id is not None:
        _key(("project_id",), entry.project_id, "Project id")


def decode_project_cursor(cursor: str | None) -> str | None:
    """The project id a listing resumes after; a cursor holding NUL was never ours."""
    after = _common.decode_project_cursor(cursor)
    if after is not None and "\x00" in after:
        raise _common.invalid(("cursor",), "invalid_cursor", "Invalid cursor.")
    return after
