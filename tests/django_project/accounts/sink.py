"""An event sink named in AI_SETTINGS["EVENT_SINK"]: it keeps what it gets, for the tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class KeptEvents:
    events: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def emit(self, name: str, properties: Mapping[str, Any]) -> None:
        self.events.append((name, dict(properties)))
