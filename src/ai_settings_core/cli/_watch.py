"""``ai-settings watch ORG``: one line per committed change of an organization, from the feed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Final

from ai_settings_core.cli._app import App
from ai_settings_core.ports import ChangeListener, ChangesSince

__all__ = ["watch"]

_POLL: Final = 0.25
"""Seconds between looks at the feed when no listener woke the command."""


def _lines(changes: ChangesSince, *, as_json: bool) -> Iterator[str]:
    organization_id = changes.organization_id
    if not changes.complete:
        if as_json:
            yield json.dumps(
                {
                    "organization_id": organization_id,
                    "generation": changes.generation,
                    "complete": False,
                }
            )
        else:
            yield (
                f"{organization_id} generation {changes.generation}: "
                "the changes since the last one shown are no longer kept; anything may have changed"
            )
        return
    for change in changes.changes:
        projects = sorted(change.project_ids)
        if as_json:
            yield json.dumps(
                {
                    "organization_id": organization_id,
                    "generation": change.generation,
                    "organization": change.organization,
                    "project_ids": projects,
                    "all_projects": change.all_projects,
                },
                ensure_ascii=False,
            )
            continue
        parts = []
        if change.organization:
            parts.append("organization settings")
        if change.all_projects:
            parts.append("all projects")
        elif projects:
            parts.append("projects " + ", ".join(projects))
        text = "; ".join(parts) if parts else "audit only"
        yield f"{organization_id} generation {change.generation}: {text}"


def watch(app: App) -> int:
    """``watch ORG``: print each committed change as it happens, until interrupted."""
    organization_id = app.args.org
    store = app.store
    with store(read_only=True) as uow:
        generation = uow.feed.generations([organization_id])[organization_id]
    listen: Callable[[], ChangeListener] | None = getattr(store, "listen", None)
    listener = listen() if listen is not None else None
    try:
        while True:
            if listener is not None:
                listener.wait(_POLL)
            else:
                time.sleep(_POLL)
            with store(read_only=True) as uow:
                changes = uow.feed.since(organization_id, generation)
            for line in _lines(changes, as_json=app.as_json):
                app.out.write(line + "\n")
            app.out.flush()
            generation = changes.generation
    except KeyboardInterrupt:
        return 0
    finally:
        if listener is not None:
            listener.close()
