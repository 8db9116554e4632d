"""The reference settings page: server-rendered HTML, a little plain JavaScript, the JSON API.

:class:`SettingsPage` serves ``/organizations/{org}/settings/ai/`` (the seed's settings page:
organization defaults and policy, every project with where its values come from, overrides,
repositories, bulk changes with their impact preview) beside the
:class:`~ai_settings_core.http.SettingsApi` it wraps, which the page's script calls.
``ai-settings serve`` runs it on a store; a host mounts it like the API (see ``docs/ui.md``).
The page's CSS and script ship inside this package; nothing is fetched from elsewhere.
"""

from __future__ import annotations

from ai_settings_core.ui._access import TokenAccess, is_loopback
from ai_settings_core.ui._page import STATIC_PATH, SettingsPage

__all__ = ["STATIC_PATH", "SettingsPage", "TokenAccess", "is_loopback"]


def __dir__() -> list[str]:
    return list(__all__)
