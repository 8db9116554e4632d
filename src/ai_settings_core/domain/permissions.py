"""Actors and scopes: who may read and write what.

The scope map is the seed's: reading organization settings needs ``org:read``, writing them
``org:admin``; reading project settings needs ``project:read``, writing them or their
repositories ``project:admin``. A broader scope implies the narrower ones of its family
(``org:admin`` ⊇ ``org:write`` ⊇ ``org:read``, likewise for ``project:``).

An actor never reaches another organization: naming one is "not found", so that its existence
is not revealed. An actor limited to some projects is refused the others.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Final

import attrs

from ai_settings_core.errors import NotFoundError, PermissionDeniedError

__all__ = [
    "ALL_SCOPES",
    "ORG_ADMIN",
    "ORG_READ",
    "ORG_WRITE",
    "PROJECT_ADMIN",
    "PROJECT_READ",
    "PROJECT_WRITE",
    "Actor",
]

ORG_READ: Final = "org:read"
ORG_WRITE: Final = "org:write"
ORG_ADMIN: Final = "org:admin"
PROJECT_READ: Final = "project:read"
PROJECT_WRITE: Final = "project:write"
PROJECT_ADMIN: Final = "project:admin"

ALL_SCOPES: Final = frozenset(
    {ORG_READ, ORG_WRITE, ORG_ADMIN, PROJECT_READ, PROJECT_WRITE, PROJECT_ADMIN}
)
"""Every scope the library knows: what the local operator of the command line holds."""

_IMPLIED: Final = {
    ORG_ADMIN: frozenset({ORG_ADMIN, ORG_WRITE, ORG_READ}),
    ORG_WRITE: frozenset({ORG_WRITE, ORG_READ}),
    PROJECT_ADMIN: frozenset({PROJECT_ADMIN, PROJECT_WRITE, PROJECT_READ}),
    PROJECT_WRITE: frozenset({PROJECT_WRITE, PROJECT_READ}),
}


def _scopes(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes as a frozenset (a caller may pass any iterable of names, not one string)."""
    if isinstance(scopes, str):
        msg = f"scopes must be a collection of scope names, not the string {scopes!r}"
        raise TypeError(msg)
    return frozenset(scopes)


@functools.lru_cache(maxsize=256)  # a host has a few sets of scopes and an actor per request
def _expand(scopes: frozenset[str]) -> frozenset[str]:
    expanded: set[str] = set()
    for scope in scopes:
        expanded |= _IMPLIED.get(scope, {scope})
    return frozenset(expanded)


@attrs.frozen
class Actor:
    """The acting user of a use case, as the host authenticated it.

    >>> actor = Actor("user:7", "acme", frozenset({"org:admin"}))
    >>> actor.has("org:read"), actor.has("project:read")
    (True, False)

    Attributes:
        id: How the audit log names the actor (``"user:7"``, ``"cli:alice"``).
        organization_id: The one organization the actor acts in.
        scopes: The actor's scopes; broader ones imply narrower ones of their family.
        projects: The projects the actor may reach, or ``None`` for all of the organization's.
        role: The actor's role in the organization, for analytics (``user_role``).
    """

    id: str
    organization_id: str
    scopes: frozenset[str] = attrs.field(converter=_scopes)
    projects: frozenset[str] | None = None
    role: str | None = None
    _granted: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_granted", _expand(self.scopes))

    def has(self, scope: str) -> bool:
        """Whether the actor holds ``scope`` (directly or through a broader one)."""
        return scope in self._granted

    def reaches(self, project_id: str) -> bool:
        """Whether the actor may reach ``project_id`` of its organization."""
        return self.projects is None or project_id in self.projects

    def require(self, organization_id: str, scope: str) -> None:
        """Raise unless the actor may act in ``organization_id`` with ``scope``.

        Another organization is "not found" (404), a missing scope "permission denied" (403).
        """
        if organization_id != self.organization_id:
            raise NotFoundError(f"Organization {organization_id!r} not found.")
        if not self.has(scope):
            raise PermissionDeniedError(
                f"You do not have permission to do this (it needs the {scope!r} scope)."
            )

    def require_project(self, organization_id: str, project_id: str, scope: str) -> None:
        """Like :meth:`require`, and the actor must reach ``project_id`` too (else 403)."""
        self.require(organization_id, scope)
        if not self.reaches(project_id):
            raise PermissionDeniedError(f"You do not have access to the project {project_id!r}.")
