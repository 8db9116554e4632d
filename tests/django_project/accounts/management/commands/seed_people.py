"""``manage.py seed_people``: the scenario's users, for a real server's database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tests.django_project.accounts.seed import seed


class Command(BaseCommand):
    help = "Create the scenario's users, memberships and tokens."

    def handle(self, *args: Any, **options: Any) -> None:
        seed()
