"""The app as Django sees it: migrations, settings, signals after the commit, the import graph."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from ai_settings_core import ALL_SCOPES, Actor, OrganizationPatch, SettingsService
from ai_settings_core.contrib.django.conf import DEFAULTS, app_settings
from ai_settings_core.contrib.django.signals import SignalSink, settings_event
from ai_settings_core.contrib.django.store import DjangoStore

PACKAGE = Path(__file__).resolve().parents[3] / "src" / "ai_settings_core"


@pytest.mark.django_db
def test_the_shipped_migrations_match_the_models():
    out = io.StringIO()
    call_command("makemigrations", "ai_settings", "--check", "--dry-run", stdout=out)
    assert out.getvalue() == "No changes detected in app 'ai_settings'\n"


def test_settings_have_their_defaults_in_one_place():
    with override_settings(AI_SETTINGS={"ACTOR": "x.y"}):
        chosen = app_settings()
        assert (chosen.actor, chosen.database, chosen.max_body_bytes) == (
            "x.y",
            DEFAULTS["DATABASE"],
            DEFAULTS["MAX_BODY_BYTES"],
        )
    with (
        override_settings(AI_SETTINGS={"ACTORS": "x.y"}),
        pytest.raises(ImproperlyConfigured, match="Unknown AI_SETTINGS keys: ACTORS"),
    ):
        app_settings()
    with override_settings(AI_SETTINGS={}), pytest.raises(ImproperlyConfigured, match="ACTOR"):
        app_settings().actor_function()


def test_signals_are_sent_after_the_commit_and_never_for_a_rollback(alias):
    sent = []

    def record(sender, name, properties, **kwargs):
        sent.append((name, properties["setting_type"]))

    service = SettingsService(DjangoStore(alias), events=SignalSink(alias))
    actor = Actor("user:1", "acme", ALL_SCOPES)
    settings_event.connect(record)
    try:
        with transaction.atomic(using=alias):
            service.update_organization(actor, "acme", OrganizationPatch(fix_enabled=True))
            assert sent == []  # the host's transaction has not committed yet
        assert sent == [("ai_settings_org_changed", "fix_enabled")]

        def fail_after_the_change():
            with transaction.atomic(using=alias):
                service.update_organization(actor, "acme", OrganizationPatch(scan_enabled=False))
                raise RuntimeError("the host's transaction fails")

        with pytest.raises(RuntimeError):
            fail_after_the_change()
        assert len(sent) == 1
        service.update_organization(actor, "acme", OrganizationPatch(scan_enabled=False))
        assert sent[-1] == ("ai_settings_org_changed", "scan_enabled")
    finally:
        settings_event.disconnect(record)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_only_the_django_app_imports_django():
    contrib = PACKAGE / "contrib" / "django"
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if contrib not in path.parents
        and any(name == "django" or name.startswith("django.") for name in _imports(path))
    ]
    assert offenders == []


def test_the_event_sink_setting_gets_every_event_after_the_commit(alias):
    from tests.django_project.accounts.sink import KeptEvents

    KeptEvents.events.clear()
    sink = SignalSink(alias, "tests.django_project.accounts.sink.KeptEvents")
    service = SettingsService(DjangoStore(alias), events=sink)
    with transaction.atomic(using=alias):
        service.update_organization(
            Actor("user:1", "acme", ALL_SCOPES), "acme", OrganizationPatch(fix_enabled=True)
        )
        assert KeptEvents.events == []
    assert [name for name, _ in KeptEvents.events] == ["ai_settings_org_changed"]
