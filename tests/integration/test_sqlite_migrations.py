"""A database at schema version 1 opens with the current code, is migrated, and loses nothing."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import attrs
import pytest

from ai_settings_core import (
    BranchPattern,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
)
from ai_settings_core.adapters.sqlite import SqliteStore, _schema
from ai_settings_core.changes import FieldChange
from ai_settings_core.service import AuditEvent
from ai_settings_core.testing import sample_invariants
from tests.adapters import upgraded_store_holds_rules

V1_ROWS = [
    (
        "INSERT INTO organizations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ("acme", 1, 1, "suggestion", 0, 1, 0, "pull_request", 4),
    ),
    (
        (
            "INSERT INTO projects (id, organization_id, project_id, scan_enabled_override, "
            "fix_enabled_override, stopping_point_override, version) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ),
        (1, "acme", "web", 0, None, "suggestion", 3),
    ),
    (
        (
            "INSERT INTO projects (id, organization_id, project_id, scan_enabled_override, "
            "fix_enabled_override, stopping_point_override, version) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ),
        (2, "acme", "api", None, None, None, 1),
    ),
    (
        (
            "INSERT INTO repositories (id, project_row, position, provider, owner, name, owner_key, "
            "name_key, ai_enabled, stopping_point_override) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        (10, 1, 0, "github", "Acme", "Web", "acme", "web", 1, "suggestion"),
    ),
    (
        (
            "INSERT INTO repositories (id, project_row, position, provider, owner, name, owner_key, "
            "name_key, ai_enabled, stopping_point_override) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        (11, 1, 1, "gitlab", "g/sub", "lib", "g/sub", "lib", 0, None),
    ),
    ("INSERT INTO branch_patterns VALUES (?, ?, ?)", (10, 0, "main")),
    ("INSERT INTO branch_patterns VALUES (?, ?, ?)", (10, 1, "release/*")),
    ("INSERT INTO branch_patterns VALUES (?, ?, ?)", (11, 0, "*")),
    ("INSERT INTO environments VALUES (?, ?)", (1, "production")),
    (
        (
            "INSERT INTO audit_log (organization_id, project_id, actor, event, target, occurred_at, "
            "stored_changes, effective_changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        (
            "acme",
            "web",
            "user:7",
            "project_ai_settings.edit",
            "web",
            "2024-06-01T10:00:00.000000Z",
            '[{"field":"environments","before":[],"after":["production"]}]',
            '[{"field":"scan_enabled","before":true,"after":false}]',
        ),
    ),
    (
        (
            "INSERT INTO audit_log (organization_id, project_id, actor, event, target, occurred_at, "
            "stored_changes, effective_changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        (
            "acme",
            None,
            "user:7",
            "org_ai_settings.edit",
            "acme",
            "2024-06-02T10:00:00.250000Z",
            '[{"field":"locked","before":[],"after":["fix_enabled"]}]',
            "[]",
        ),
    ),
]


@pytest.fixture
def version_1(tmp_path: Path) -> Path:
    """A database as version 1 of the schema left it, with data in every table."""
    return _database(tmp_path / "v1.db", 1)


def _database(path: Path, version: int) -> Path:
    """A database at schema ``version`` holding ``V1_ROWS`` (rows every version can hold)."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    _schema.migrate(connection, f"v{version} fixture", target=version)
    connection.execute("BEGIN")
    for statement, parameters in V1_ROWS:
        connection.execute(statement, parameters)
    connection.execute("COMMIT")
    assert connection.execute("PRAGMA user_version").fetchone() == (version,)
    connection.close()
    return path


def indexes(path: Path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        return {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
    finally:
        connection.close()


def test_the_fixture_is_at_version_1_without_version_2_indexes(version_1: Path) -> None:
    assert indexes(version_1) == {"audit_log_by_organization"}


def test_a_version_1_database_is_migrated_and_loses_nothing(version_1: Path) -> None:
    store = SqliteStore(version_1)
    assert store.schema_version() == _schema.CURRENT_VERSION
    assert indexes(version_1) == {
        "audit_log_by_organization",
        "audit_log_by_project",
        "projects_overriding",
    }
    with store(read_only=True) as uow:
        state = uow.projects.load_organization("acme")
        audit = uow.audit.query("acme")
        overriding = uow.projects.list("acme", overriding_only=True)
        by_project = uow.audit.query("acme", project_id="web")
    assert state.organization == OrganizationSettings(
        "acme",
        scan_enabled=True,
        fix_enabled=True,
        stopping_point=StoppingPoint.SUGGESTION,
        locked=frozenset({Setting.FIX_ENABLED}),
        max_stopping_point=StoppingPoint.PULL_REQUEST,
        version=4,
    )
    web = ProjectSettings(
        "acme",
        "web",
        scan_enabled_override=False,
        stopping_point_override=StoppingPoint.SUGGESTION,
        repositories=(
            RepositorySettings(
                RepositoryRef.parse("github:Acme/Web"),
                True,
                (BranchPattern("main"), BranchPattern("release/*")),
                StoppingPoint.SUGGESTION,
            ),
            RepositorySettings(RepositoryRef.parse("gitlab:g/sub/lib"), ai_enabled=False),
        ),
        environments=frozenset({"production"}),
        version=3,
    )
    assert state.projects == (ProjectSettings("acme", "api", version=1), web)
    assert overriding.items == (web,)
    assert [(e.id, e.event, e.project_id) for e in audit.items] == [
        (2, AuditEvent.ORG_AI_SETTINGS_EDIT, None),
        (1, AuditEvent.PROJECT_AI_SETTINGS_EDIT, "web"),
    ]
    assert audit.items[0].occurred_at == dt.datetime(2024, 6, 2, 10, 0, 0, 250000, tzinfo=dt.UTC)
    assert audit.items[0].stored_changes == (FieldChange("locked", (), ("fix_enabled",)),)
    assert audit.items[1].effective_changes == (FieldChange("scan_enabled", True, False),)
    assert by_project.items == audit.items[1:]
    # Entries written before version 3 name no change and revert nothing.
    assert {(e.change_id, e.reverts) for e in audit.items} == {(None, None)}

    # The migrated file takes writes, with versions carried on.
    with store() as uow:
        saved = uow.projects.save(ProjectSettings("acme", "web"), expected_version=3)
        uow.commit()
    assert saved.version == 4
    # The change feed starts at generation 0 for what the old file held.
    assert state.generation == 0
    with store(read_only=True) as uow:
        changes = uow.feed.since("acme", 0)
    assert (changes.generation, changes.project_ids, changes.complete) == (1, {"web"}, True)


def test_migrating_twice_is_a_no_op(version_1: Path) -> None:
    assert SqliteStore(version_1).schema_version() == _schema.CURRENT_VERSION
    assert SqliteStore(version_1).schema_version() == _schema.CURRENT_VERSION
    with SqliteStore(version_1)(read_only=True) as uow:
        assert len(uow.projects.load_organization("acme").projects) == 2


def test_branch_patterns_of_a_version_2_database_become_rules_without_overrides(
    tmp_path: Path,
) -> None:
    store = SqliteStore(_database(tmp_path / "v2.db", 2))
    assert store.schema_version() == _schema.CURRENT_VERSION
    upgraded_store_holds_rules(store, 3)


def test_a_migrated_organization_has_no_invariants_and_takes_them(version_1: Path) -> None:
    store = SqliteStore(version_1)
    with store() as uow:
        organization = uow.organizations.get("acme")
        assert organization is not None
        assert organization.invariants == ()
        saved = uow.organizations.save(
            attrs.evolve(organization, invariants=sample_invariants()), expected_version=4
        )
        uow.commit()
    with store(read_only=True) as uow:
        assert uow.organizations.get("acme") == saved
