"""Analytics events: what the settings page reports after a change is saved.

Events go to a pluggable sink *after* the commit. A sink that raises is logged and never
undoes or fails the saved change. The names and properties are the seed's.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Final

import attrs

from ai_settings_core.ports import EventSink

__all__ = [
    "ORG_CHANGED",
    "PROJECT_OVERRIDE",
    "REPOSITORY_CONFIG",
    "Event",
    "EventSink",
    "RecordingSink",
]

ORG_CHANGED: Final = "ai_settings_org_changed"
PROJECT_OVERRIDE: Final = "ai_settings_project_override"
REPOSITORY_CONFIG: Final = "ai_settings_repository_config"


@attrs.frozen
class Event:
    """One analytics event.

    Attributes:
        name: ``ai_settings_org_changed``, ``ai_settings_project_override`` or
            ``ai_settings_repository_config``.
        properties: The seed's properties of that event.
    """

    name: str
    properties: Mapping[str, Any]


class RecordingSink:
    """A sink that keeps every event in memory, in order (for tests and for the CLI).

    >>> sink = RecordingSink()
    >>> sink.emit("ai_settings_org_changed", {"setting_type": "fix_enabled"})
    >>> [event.name for event in sink.events]
    ['ai_settings_org_changed']
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[Event] = []

    def emit(self, name: str, properties: Mapping[str, Any]) -> None:
        """Keep the event."""
        with self._lock:
            self._events.append(Event(name, dict(properties)))

    @property
    def events(self) -> tuple[Event, ...]:
        """The events emitted so far, oldest first."""
        with self._lock:
            return tuple(self._events)
