"""The app's configuration: label ``ai_settings``."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["AISettingsConfig"]


class AISettingsConfig(AppConfig):
    """The AI settings app (``INSTALLED_APPS = [..., "ai_settings_core.contrib.django"]``)."""

    name = "ai_settings_core.contrib.django"
    label = "ai_settings"
    verbose_name = "AI settings"
    default_auto_field = "django.db.models.BigAutoField"
