"""The Django app: ORM storage, the HTTP API as Django views, a management command, signals.

Add ``"ai_settings_core.contrib.django"`` to ``INSTALLED_APPS`` (app label ``ai_settings``),
include ``ai_settings_core.contrib.django.urls``, run ``migrate``, and name the actor callable
in ``AI_SETTINGS = {"ACTOR": "myapp.auth.settings_actor"}``. ``docs/django.md`` walks through
it. Importing this package loads nothing of Django's: the models and views load with the app.
"""

from __future__ import annotations

__all__: list[str] = []
