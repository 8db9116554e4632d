"""The test project's URLs: the API for session clients, and again for token clients."""

from __future__ import annotations

from django.urls import include, path

from ai_settings_core.contrib.django.urls import api_urls
from tests.django_project.accounts.views import login_view

urlpatterns = [
    path("login/", login_view),
    path("api/0/", include("ai_settings_core.contrib.django.urls")),
    # Clients that send `Authorization: Bearer <token>` (never a cookie): no CSRF check.
    path("token-api/0/", include(api_urls(csrf_protect=False))),
]
