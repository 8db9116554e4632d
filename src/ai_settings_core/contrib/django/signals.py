"""The analytics events as Django signals, sent after the commit (``transaction.on_commit``).

Connect a receiver to forward them to the host's analytics or its own audit log::

    from django.dispatch import receiver
    from ai_settings_core.contrib.django.signals import settings_event

    @receiver(settings_event)
    def forward(sender, name, properties, **kwargs):
        analytics.record(name, **properties)

``name`` is one of :mod:`ai_settings_core.events`' names (``ai_settings_org_changed``...) and
``properties`` the seed's properties of that event. A receiver that raises is logged by the
service and never undoes the saved change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils.module_loading import import_string

from ai_settings_core.ports import EventSink

__all__ = ["SignalSink", "settings_event"]

settings_event = Signal()
"""Sent once per analytics event, after the change is committed: ``name``, ``properties``."""


class SignalSink:
    """An :class:`~ai_settings_core.ports.EventSink` that sends :data:`settings_event`.

    Inside the host's own ``transaction.atomic`` the signal waits for the host's commit (and is
    never sent if it rolls back); outside one, it is sent at once.

    Args:
        using: The database alias whose commit the signal waits for.
        forward: Dotted path to another sink that gets every event too (after the commit),
            or ``None``.
    """

    def __init__(self, using: str = "default", forward: str | None = None) -> None:
        self.using = using
        self.forward: EventSink | None = import_string(forward)() if forward else None

    def emit(self, name: str, properties: Mapping[str, Any]) -> None:
        """Send the event after the commit of the transaction in progress."""
        frozen = dict(properties)

        def send() -> None:
            settings_event.send(sender=SignalSink, name=name, properties=frozen)
            if self.forward is not None:
                self.forward.emit(name, frozen)

        transaction.on_commit(send, using=self.using, robust=True)
