"""The actor: who acts, in which organization, with which scopes.

The organization comes from the user's memberships, never from the URL: a user who is not a
member of the organization in the URL acts as a member of their own organization, and the
library answers 404 for the other one (it does not even say that it exists).
"""

from __future__ import annotations

from typing import Final

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from ai_settings_core import ALL_SCOPES, Actor
from tests.django_project.accounts.models import Membership, Token

SCOPES: Final = {
    "admin": ALL_SCOPES,
    "member": frozenset({"org:read", "project:read", "project:write"}),
    "viewer": frozenset({"org:read", "project:read"}),
}


def _user(request: HttpRequest) -> object | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = Token.objects.filter(key=header.removeprefix("Bearer ")).first()
        return None if token is None else token.user
    user = getattr(request, "user", AnonymousUser())
    return user if user.is_authenticated else None


def settings_actor(request: HttpRequest, organization_id: str) -> Actor | None:
    """The acting user, or ``None`` (401) when the request carries no valid credentials."""
    user = _user(request)
    if user is None:
        return None
    memberships = list(Membership.objects.filter(user=user).order_by("pk"))
    if not memberships:
        return None
    # The URL only chooses among the user's own organizations.
    membership = next(
        (m for m in memberships if m.organization_id == organization_id), memberships[0]
    )
    return Actor(f"user:{user.pk}", membership.organization_id, SCOPES[membership.role])
