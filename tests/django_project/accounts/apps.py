"""The accounts app of the test project."""

from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tests.django_project.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
