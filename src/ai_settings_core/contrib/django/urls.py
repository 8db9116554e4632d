"""The URLs of the API: ``path("api/0/", include("ai_settings_core.contrib.django.urls"))``.

Every route of the kit sits under the mount point (``organizations/...``, ``projects/...``,
``openapi.json``); nothing else is taken, so the app can share a prefix with the host's URLs.
:data:`urlpatterns` checks CSRF on unsafe methods (session authentication);
``include(api_urls(csrf_protect=False))`` is for hosts whose clients authenticate with a token
(see ``docs/django.md``).
"""

from __future__ import annotations

from django.urls import URLPattern, re_path

from ai_settings_core.contrib.django.views import api_view, csrf_exempt_api_view

__all__ = ["api_urls", "app_name", "urlpatterns"]

app_name = "ai_settings"

_ROUTE = r"^(?P<route>(?:organizations|projects)/.*|openapi\.json)\Z"


def api_urls(*, csrf_protect: bool = True) -> list[URLPattern]:
    """The URL patterns of the API; ``csrf_protect=False`` leaves CSRF out, for token clients."""
    view = api_view if csrf_protect else csrf_exempt_api_view
    return [re_path(_ROUTE, view, name="api")]


urlpatterns = api_urls()
