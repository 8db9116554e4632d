"""The change feed every shipped adapter keeps: what a unit wrote, and how a reader asks.

A unit of work records, in its one write path, which organization each successful write
touched and whether it wrote the organization's settings or a project (:class:`Recorder`).
At commit, in the same transaction, the store advances each touched organization's
generation by one and keeps one record of the change (:meth:`Recorder.changes`); it keeps the
records of the last :data:`~ai_settings_core.ports.FEED_RETENTION` generations and forgets
older ones, remembering from which generation on its records are complete (the *floor*).
:func:`answer` turns what a store read into a :class:`~ai_settings_core.ports.ChangesSince`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Final

from ai_settings_core.adapters._common import check_lookup, invalid
from ai_settings_core.ports import FEED_RETENTION, MAX_LISTED_PROJECTS, Change, ChangesSince

__all__: list[str] = []

_MAX_GENERATION: Final = 2**63 - 1


class Recorder:
    """What one unit of work wrote, by organization, in the order it first wrote each."""

    def __init__(self) -> None:
        self._organizations: dict[str, bool] = {}
        self._projects: dict[str, set[str]] = {}

    def record(
        self, organization_id: str, project_id: str | None = None, *, settings: bool = True
    ) -> None:
        """One successful write of ``organization_id``'s records.

        ``project_id``: it wrote that project; else, with ``settings`` (the default, and the
        safe one for a new kind of write), the organization's own settings; with
        ``settings=False`` nothing a decision depends on (an audit entry).
        """
        written = self._organizations.get(organization_id, False)
        projects = self._projects.setdefault(organization_id, set())
        if project_id is not None:
            projects.add(project_id)
        elif settings:
            written = True
        self._organizations[organization_id] = written

    def clear(self) -> None:
        """Forget everything recorded (the unit ended)."""
        self._organizations.clear()
        self._projects.clear()

    def changes(self) -> list[Change]:
        """One change per organization written, with generation 0 (the store assigns it)."""
        return [
            pending_change(organization_id, 0, written, self._projects[organization_id])
            for organization_id, written in self._organizations.items()
        ]


def pending_change(
    organization_id: str, generation: int, organization: bool, project_ids: Iterable[str]
) -> Change:
    """A change record, with "all projects" in place of a list longer than the store keeps."""
    listed = frozenset(project_ids)
    if len(listed) > MAX_LISTED_PROJECTS:
        return Change(organization_id, generation, organization, frozenset(), all_projects=True)
    return Change(organization_id, generation, organization, listed)


def prune_below(generation: int) -> int:
    """The floor after a commit reached ``generation``: records at or below it may go."""
    return max(0, generation - FEED_RETENTION)


def projects_to_json(change: Change) -> str | None:
    """A change's project ids as stored: a sorted JSON array, or ``None`` for "all"."""
    if change.all_projects:
        return None
    return json.dumps(sorted(change.project_ids), ensure_ascii=False)


def change_from_row(
    organization_id: str, generation: int, organization: object, project_ids: str | None
) -> Change:
    """A stored change record (see :func:`projects_to_json`) as a :class:`Change`."""
    if project_ids is None:
        return Change(organization_id, generation, bool(organization), frozenset(), True)
    listed = frozenset(json.loads(project_ids))
    return Change(organization_id, generation, bool(organization), listed)


def check_since(organization_id: object, generation: object) -> int:
    """Check the arguments of ``since``; return the generation.

    Raises:
        ValidationError: A bad organization id, or a generation that is not a whole number
            from 0 (code ``invalid_generation`` at ``("generation",)``).
    """
    check_lookup(("organization_id",), organization_id)
    if (
        isinstance(generation, bool)
        or not isinstance(generation, int)
        or not 0 <= generation <= _MAX_GENERATION
    ):
        raise invalid(
            ("generation",),
            "invalid_generation",
            "A generation is a whole number, 0 or more.",
        )
    return generation


def check_organizations(organization_ids: Iterable[str]) -> list[str]:
    """The organization ids of ``generations``, checked, without repeats."""
    wanted = list(dict.fromkeys(organization_ids))
    for organization_id in wanted:
        check_lookup(("organization_ids",), organization_id)
    return wanted


def answer(
    organization_id: str,
    since: int,
    generation: int,
    floor: int,
    records: Iterable[Change],
) -> ChangesSince:
    """What changed after ``since``, from a store's generation, floor and records after it."""
    if not floor <= since <= generation:
        return ChangesSince(organization_id, since, generation, (), complete=False)
    changes = tuple(sorted(records, key=lambda change: change.generation))
    return ChangesSince(organization_id, since, generation, changes)
