"""The URLs of the shared HTTP scenario's Django host: the API at the scenario's prefix, for
token clients (no CSRF check), as ``docs/django.md`` mounts it for them."""

from __future__ import annotations

from django.urls import include, path

from ai_settings_core.contrib.django.urls import api_urls
from tests.e2e.host_scenario import PREFIX

urlpatterns = [path(PREFIX.strip("/") + "/", include(api_urls(csrf_protect=False)))]
