"""The people of the scenario: who belongs to which organization, with which role."""

from __future__ import annotations

from typing import Final

from django.contrib.auth import get_user_model

from tests.django_project.accounts.models import Membership, Token

PASSWORD: Final = "correct horse battery staple"  # noqa: S105 - test users
PEOPLE: Final = (
    ("alice", "acme", "admin"),
    ("bob", "acme", "member"),
    ("carol", "acme", "viewer"),
    ("mallory", "globex", "admin"),
)
TOKENS: Final = {"alice": "alice-token", "mallory": "mallory-token"}


def seed() -> None:
    """Create the users, their memberships and their API tokens."""
    users = get_user_model()
    for username, organization_id, role in PEOPLE:
        user = users.objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=user, organization_id=organization_id, role=role)
        if username in TOKENS:
            Token.objects.create(key=TOKENS[username], user=user)
