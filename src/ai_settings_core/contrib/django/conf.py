"""The app's settings: ``AI_SETTINGS`` in the host's settings, with every default here.

One dict, read once and re-read when a test overrides it (``override_settings``)::

    AI_SETTINGS = {
        "ACTOR": "myapp.auth.settings_actor",  # required by the views
        "DATABASE": "default",
    }

A key this module does not know is refused with ``ImproperlyConfigured``, so a typo cannot
silently fall back to a default.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final

import attrs
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

__all__ = ["DEFAULTS", "AppSettings", "app_settings"]

DEFAULTS: Final[dict[str, Any]] = {
    # Dotted path to `(request, organization_id) -> Actor | None`; None answers 401.
    "ACTOR": None,
    # The database alias the settings live in (the tables of `migrate ai_settings`).
    "DATABASE": "default",
    # Dotted path to an EventSink that gets the analytics events too (after the commit).
    "EVENT_SINK": None,
    # Bodies larger than this many bytes are answered 413 (JSON), whatever
    # DATA_UPLOAD_MAX_MEMORY_SIZE says.
    "MAX_BODY_BYTES": 1_048_576,
    # The largest `limit` a listing accepts.
    "MAX_PAGE_SIZE": 1000,
    # The challenge sent with a 401.
    "WWW_AUTHENTICATE": 'Bearer realm="ai-settings"',
    # Whether `openapi.json` is served (without authentication).
    "SERVE_OPENAPI": True,
}
"""Every setting of the app and its default."""


@attrs.frozen
class AppSettings:
    """The settings in force (``AI_SETTINGS`` over :data:`DEFAULTS`); see :data:`DEFAULTS`."""

    actor: str | None
    database: str
    event_sink: str | None
    max_body_bytes: int
    max_page_size: int
    www_authenticate: str
    serve_openapi: bool

    def actor_function(self) -> Callable[..., Any]:
        """The host's actor callable, imported from its dotted path."""
        if not self.actor:
            raise ImproperlyConfigured(
                'AI_SETTINGS["ACTOR"] must name the callable that turns a request into an '
                'Actor, for example "myapp.auth.settings_actor" (see docs/django.md).'
            )
        function: Callable[..., Any] = import_string(self.actor)
        return function


@functools.cache
def app_settings() -> AppSettings:
    """The settings in force, read from ``settings.AI_SETTINGS`` once (until it changes)."""
    given = getattr(settings, "AI_SETTINGS", None) or {}
    if not isinstance(given, dict):
        raise ImproperlyConfigured("AI_SETTINGS must be a dict (see docs/django.md).")
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise ImproperlyConfigured(
            f"Unknown AI_SETTINGS keys: {', '.join(unknown)}; known: {', '.join(sorted(DEFAULTS))}."
        )
    merged = {**DEFAULTS, **given}
    return AppSettings(**{key.lower(): value for key, value in merged.items()})


def _reload(*, setting: str, **_: object) -> None:
    if setting in {"AI_SETTINGS", "DATABASES"}:
        app_settings.cache_clear()


setting_changed.connect(_reload, dispatch_uid="ai_settings_core.contrib.django.conf")
