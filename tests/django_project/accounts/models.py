"""Memberships (a user in an organization, with a role) and API tokens, as a host has them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Membership(models.Model):
    ROLES = (("admin", "admin"), ("member", "member"), ("viewer", "viewer"))

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization_id = models.CharField(max_length=100)
    role = models.CharField(max_length=10, choices=ROLES)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("user", "organization_id"), name="one_membership"),
        )

    def __str__(self) -> str:
        return f"{self.user} in {self.organization_id} ({self.role})"


class Token(models.Model):
    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    def __str__(self) -> str:
        return f"token of {self.user}"
