"""Real concurrency on PostgreSQL: 8 processes x 200 read-modify-writes on one and on several
organizations, and compare-and-set writers racing on one project.

Locked writers (a unit scoped to their organization) lose nothing: every project ends at the
number of writes made to it, and its audit log, in id order, records versions 1, 2, 3... with
no gap and no repeat. Compare-and-set writers (the version read in a read-only unit, written
with ``expected_version``) conflict exactly when another writer moved the version in between.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from ai_settings_core.adapters.postgres import PostgresStore
from tests.postgres import postgres_store, server_url

__all__ = ["postgres_store"]

PROCESSES = 8
ROUNDS = 200

WORKER = textwrap.dedent(
    """
    import datetime, json, sys
    import attrs
    from ai_settings_core import ConflictError, ProjectSettings
    from ai_settings_core.adapters.postgres import PostgresStore
    from ai_settings_core.changes import FieldChange
    from ai_settings_core.service import AuditEntry, AuditEvent

    url, schema, mode, organization, rounds = sys.argv[1:6]
    store = PostgresStore(url, schema=schema, max_size=1, lock_timeout=120)
    now = datetime.datetime.now(datetime.UTC)
    results = []

    def entry(before, after):
        return AuditEntry(organization, "p", "user:1", AuditEvent.PROJECT_AI_SETTINGS_EDIT,
                          "p", now, stored_changes=(FieldChange("version", before, after),))

    for _ in range(int(rounds)):
        if mode == "locked":
            with store(organization_id=organization) as uow:
                current = uow.projects.get(organization, "p") or ProjectSettings(organization, "p")
                saved = uow.projects.save(
                    attrs.evolve(current, fix_enabled_override=not current.fix_enabled_override)
                )
                uow.audit.append(entry(current.version, saved.version))
                uow.commit()
            results.append(["ok", current.version])
        else:
            with store(read_only=True) as uow:
                current = uow.projects.get(organization, "p") or ProjectSettings(organization, "p")
            try:
                with store(organization_id=organization) as uow:
                    saved = uow.projects.save(
                        attrs.evolve(current, scan_enabled_override=True), current.version
                    )
                    uow.audit.append(entry(current.version, saved.version))
                    uow.commit()
                results.append(["ok", current.version])
            except ConflictError as error:
                results.append(["conflict", error.expected, error.actual])
    store.close()
    print(json.dumps(results))
    """
)

# (mode, organization) per process: four on one organization, two on their own, two racing.
PLAN = [
    ("locked", "shared"),
    ("locked", "shared"),
    ("locked", "shared"),
    ("locked", "shared"),
    ("locked", "solo-1"),
    ("locked", "solo-2"),
    ("cas", "race"),
    ("cas", "race"),
]


def _audit_versions(store: PostgresStore, organization: str) -> list[tuple[int, int]]:
    entries = []
    with store(read_only=True) as uow:
        page = uow.audit.query(organization, limit=10_000)
        assert page.next_cursor is None
        entries = list(reversed(page.items))  # oldest first, by id
    return [(e.stored_changes[0].before, e.stored_changes[0].after) for e in entries]


def test_processes_lose_no_update_and_conflict_exactly_when_stale(
    postgres_store: PostgresStore, tmp_path: Path
) -> None:
    assert len(PLAN) == PROCESSES
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    children = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                server_url(),
                postgres_store.schema,
                mode,
                organization,
                str(ROUNDS),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for mode, organization in PLAN
    ]
    outputs = [child.communicate(timeout=600)[0] for child in children]
    assert [child.returncode for child in children] == [0] * PROCESSES
    results = [json.loads(output) for output in outputs]
    writes = {"shared": 4 * ROUNDS, "solo-1": ROUNDS, "solo-2": ROUNDS}
    with postgres_store(read_only=True) as uow:
        for organization, count in writes.items():
            stored = uow.projects.get(organization, "p")
            assert stored is not None
            assert stored.version == count  # nothing lost
    for organization, count in writes.items():
        # Audit complete, and in id order the versions are contiguous: 0->1, 1->2, ...
        assert _audit_versions(postgres_store, organization) == [(v, v + 1) for v in range(count)]

    race = [outcome for result in results[6:] for outcome in result]
    wins = sorted(outcome[1] for outcome in race if outcome[0] == "ok")
    conflicts = [outcome for outcome in race if outcome[0] == "conflict"]
    assert len(wins) + len(conflicts) == 2 * ROUNDS
    # Each win moved the version from the one its writer read: no two wins from one version.
    assert wins == list(range(len(wins)))
    with postgres_store(read_only=True) as uow:
        stored = uow.projects.get("race", "p")
    assert stored is not None
    assert stored.version == len(wins)
    # Each conflict was stale: the version had moved on, and someone else's win moved it.
    won_from = set(wins)
    for _, expected, actual in conflicts:
        assert actual > expected
        assert expected in won_from
    assert _audit_versions(postgres_store, "race") == [(v, v + 1) for v in wins]
    print(json.dumps({"race_wins": len(wins), "race_conflicts": len(conflicts)}))  # noqa: T201 - counts for the report (-s)
