"""Revert from the audit log (issue 15): examples on every store, and the laws as properties.

A revert restores the stored values a change wrote to their "before", as a new audited change
that names the entry it reverts; it is refused when a record changed since (unless forced),
validated like any write, atomic for a bulk change, and scoped to the organization.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_settings_core import (
    ALL_SCOPES,
    Actor,
    BranchRule,
    ConflictError,
    NotFoundError,
    OrganizationPatch,
    OrganizationSettings,
    PermissionDeniedError,
    ProjectPatch,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    Setting,
    SettingsService,
    StoppingPoint,
    ValidationError,
)
from ai_settings_core.changes import FieldChange
from ai_settings_core.invariants import FixRequiresScan, StoppingPointAtMost
from ai_settings_core.service import AuditEntry, AuditEvent
from tests import strategies
from tests.adapters import any_store, make_store

OWNER = Actor("user:owner", "acme", ALL_SCOPES)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def service(request, tmp_path) -> Iterator[SettingsService]:
    with any_store(request.param, tmp_path) as store:
        yield SettingsService(store)


def _newest(service: SettingsService) -> int:
    return service.audit_log(OWNER, "acme", limit=1).items[0].id


def _project(service: SettingsService, project_id: str) -> ProjectSettings:
    return service.get_project(OWNER, "acme", project_id).project


def test_a_revert_restores_the_before_values_as_a_new_change_naming_the_entry(service):
    service.update_project(OWNER, "acme", "web", ProjectPatch(fix_enabled_override=True))
    service.update_project(
        OWNER, "acme", "web", ProjectPatch(stopping_point_override=StoppingPoint.MERGE)
    )
    entry = _newest(service)
    result = service.revert(OWNER, "acme", entry)
    assert result.reverted == (entry,)
    assert result.changed == ("web",)
    project = _project(service, "web")
    assert (project.fix_enabled_override, project.stopping_point_override) == (True, None)
    revert = service.audit_log(OWNER, "acme", limit=1).items[0]
    assert revert.reverts == entry
    assert revert.project_id == "web"
    assert [(c.field, c.before, c.after) for c in revert.stored_changes] == [
        ("stopping_point_override", "merge", None)
    ]


def test_a_revert_of_an_organization_change_restores_its_policy(service):
    service.update_organization(OWNER, "acme", OrganizationPatch(fix_enabled=True))
    service.update_organization(
        OWNER, "acme", OrganizationPatch(lock=frozenset({Setting.SCAN_ENABLED}), fix_enabled=False)
    )
    result = service.revert(OWNER, "acme", _newest(service))
    assert result.organization is not None
    assert result.organization.settings.locked == frozenset()
    assert result.organization.settings.fix_enabled is True


def test_a_record_changed_since_is_a_conflict_unless_forced(service):
    service.update_project(OWNER, "acme", "web", ProjectPatch(fix_enabled_override=True))
    entry = _newest(service)
    service.update_project(OWNER, "acme", "web", ProjectPatch(scan_enabled_override=False))
    with pytest.raises(ConflictError, match=rf"audit entry {entry + 1} changed it"):
        service.revert(OWNER, "acme", entry)
    assert _project(service, "web").fix_enabled_override is True  # nothing written
    service.revert(OWNER, "acme", entry, force=True)
    project = _project(service, "web")
    # Forced, it restores only the fields the entry changed; the later change stays.
    assert (project.fix_enabled_override, project.scan_enabled_override) == (None, False)


def test_reverting_twice_is_a_conflict_and_a_revert_can_itself_be_reverted(service):
    service.update_project(OWNER, "acme", "web", ProjectPatch(fix_enabled_override=True))
    entry = _newest(service)
    service.revert(OWNER, "acme", entry)
    with pytest.raises(ConflictError):
        service.revert(OWNER, "acme", entry)
    service.revert(OWNER, "acme", _newest(service))  # undo the undo
    assert _project(service, "web").fix_enabled_override is True


def test_a_revert_a_lock_now_forbids_reports_the_findings_and_writes_nothing(service):
    service.update_project(OWNER, "acme", "web", ProjectPatch(fix_enabled_override=True))
    service.update_organization(
        OWNER, "acme", OrganizationPatch(lock=frozenset({Setting.FIX_ENABLED}))
    )
    service.update_project(OWNER, "acme", "web", ProjectPatch(fix_enabled_override=None))
    entry = _newest(service)
    before = service.audit_log(OWNER, "acme").items
    with pytest.raises(ValidationError) as caught:
        service.revert(OWNER, "acme", entry)
    assert [(f.code, f.path) for f in caught.value.findings] == [
        ("locked", ("fix_enabled_override",))
    ]
    assert _project(service, "web").fix_enabled_override is None
    assert service.audit_log(OWNER, "acme").items == before


def test_a_bulk_change_reverts_as_one_atomic_change(service):
    for project_id in ("web", "api", "docs"):
        service.update_project(OWNER, "acme", project_id, ProjectPatch(scan_enabled_override=True))
    service.bulk_update(OWNER, "acme", ["web", "api"], ProjectPatch(fix_enabled_override=True))
    entries = service.audit_log(OWNER, "acme", limit=2).items
    assert {e.event for e in entries} == {AuditEvent.BULK_EDIT}
    assert len({e.change_id for e in entries}) == 1
    # Naming either entry of the bulk change reverts both.
    result = service.revert(OWNER, "acme", entries[1].id)
    assert result.reverted == tuple(sorted(e.id for e in entries))
    assert set(result.changed) == {"web", "api"}
    assert {_project(service, p).fix_enabled_override for p in ("web", "api")} == {None}
    reverts = service.audit_log(OWNER, "acme", limit=2).items
    assert {(e.reverts, e.event) for e in reverts} == {(entries[1].id, AuditEvent.BULK_EDIT)}
    assert len({e.change_id for e in reverts}) == 1


def test_a_bulk_revert_that_fails_for_one_project_writes_none(service):
    for project_id, point in (("web", StoppingPoint.SUGGESTION), ("api", StoppingPoint.MERGE)):
        service.update_project(
            OWNER, "acme", project_id, ProjectPatch(stopping_point_override=point)
        )
    service.bulk_update(OWNER, "acme", ["web", "api"], ProjectPatch(stopping_point_override=None))
    bulk = _newest(service)
    # The organization now caps the stopping point: restoring api's "merge" would break it,
    # restoring web's "suggestion" would not; the bulk revert is all or none.
    service.update_organization(
        OWNER, "acme", OrganizationPatch(max_stopping_point=StoppingPoint.PULL_REQUEST)
    )
    with pytest.raises(ValidationError) as caught:
        service.revert(OWNER, "acme", bulk)
    assert {(f.code, f.path) for f in caught.value.findings} == {
        ("above_ceiling", ("projects", "api", "stopping_point_override"))
    }
    assert {_project(service, p).stopping_point_override for p in ("web", "api")} == {None}


def test_an_entry_of_another_organization_is_not_found(service):
    other = Actor("user:other", "globex", ALL_SCOPES)
    service.update_project(other, "globex", "web", ProjectPatch(fix_enabled_override=True))
    theirs = service.audit_log(other, "globex").items[0].id
    service.update_project(OWNER, "acme", "web", ProjectPatch(fix_enabled_override=True))
    with pytest.raises(NotFoundError, match=f"Audit entry {theirs} not found"):
        service.revert(OWNER, "acme", theirs)
    with pytest.raises(NotFoundError):
        service.revert(OWNER, "acme", 10**12)
    with pytest.raises(NotFoundError):  # an actor of acme never reaches globex
        service.revert(OWNER, "globex", theirs)


@pytest.mark.parametrize("bad", [0, -1, True, "1", 1.0, None])
def test_an_entry_id_that_is_not_a_positive_integer_is_invalid(service, bad):
    with pytest.raises(ValidationError) as caught:
        service.revert(OWNER, "acme", bad)
    assert caught.value.findings[0].path == ("audit_entry_id",)


def test_a_revert_needs_the_permissions_of_the_write_it_undoes(service):
    service.update_organization(OWNER, "acme", OrganizationPatch(fix_enabled=True))
    organization_entry = _newest(service)
    service.update_project(OWNER, "acme", "secret", ProjectPatch(fix_enabled_override=True))
    secret_entry = _newest(service)
    project_admin = Actor("user:pa", "acme", {"project:admin", "project:read"})
    with pytest.raises(PermissionDeniedError, match="org:admin"):
        service.revert(project_admin, "acme", organization_entry)
    limited = Actor("user:l", "acme", {"project:admin"}, projects=frozenset({"web"}))
    with pytest.raises(PermissionDeniedError, match="secret"):
        service.revert(limited, "acme", secret_entry)
    reader = Actor("user:r", "acme", {"org:read", "project:read"})
    with pytest.raises(PermissionDeniedError):
        service.revert(reader, "acme", secret_entry)
    assert service.revert(project_admin, "acme", secret_entry).changed == ("secret",)


def test_a_repository_change_reverts_to_the_repositories_before(service):
    repo = RepositorySettings(RepositoryRef.parse("github:acme/web"))
    service.add_repository(OWNER, "acme", "web", repo)
    service.remove_repository(OWNER, "acme", "web", repo.repository)
    service.revert(OWNER, "acme", _newest(service))
    assert _project(service, "web").repositories == (repo,)


def test_a_branch_rule_with_its_own_stopping_point_reverts_with_it(service):
    rules = (BranchRule("main"), BranchRule("release/*", StoppingPoint.SUGGESTION))
    repo = RepositorySettings(RepositoryRef.parse("github:acme/web"), branch_patterns=rules)
    service.add_repository(OWNER, "acme", "web", repo)
    service.remove_repository(OWNER, "acme", "web", repo.repository)
    service.revert(OWNER, "acme", _newest(service))
    assert _project(service, "web").repositories == (repo,)


def test_a_change_of_the_invariants_reverts_to_the_invariants_before(service):
    invariants = (
        StoppingPointAtMost("pr-at-most", StoppingPoint.PULL_REQUEST),
        FixRequiresScan("fix-needs-scan"),
    )
    service.update_organization(OWNER, "acme", OrganizationPatch(invariants=invariants))
    service.update_organization(OWNER, "acme", OrganizationPatch(invariants=()))
    service.revert(OWNER, "acme", _newest(service))
    assert service.get_organization(OWNER, "acme").settings.invariants == invariants


# The laws, as properties (the in-memory store and SQLite) ----------------------------------


def _state(service: SettingsService) -> tuple[object, dict[str, ProjectSettings]]:
    """What is stored, versions aside; a project that stores nothing counts as absent."""
    with service._uow(read_only=True) as uow:
        state = uow.projects.load_organization("acme")
    organization = attrs.evolve(state.organization or OrganizationSettings("acme"), version=0)
    projects = {
        p.project_id: attrs.evolve(p, version=0)
        for p in state.projects
        if attrs.evolve(p, version=0) != ProjectSettings("acme", p.project_id)
    }
    return organization, projects


_projects = st.lists(
    strategies.project_settings("acme"), max_size=3, unique_by=lambda p: p.project_id
)
_project_patches = st.builds(
    ProjectPatch,
    scan_enabled_override=strategies.optional_bools,
    fix_enabled_override=strategies.optional_bools,
    stopping_point_override=strategies.optional_stopping_points,
)
_organization_patches = st.builds(
    OrganizationPatch,
    fix_enabled=st.booleans(),
    stopping_point=strategies.stopping_points,
    locked=st.frozensets(strategies.settings_names),
    max_stopping_point=strategies.optional_stopping_points,
)


@st.composite
def _changes(draw: st.DrawFn, project_ids: list[str]):
    ids = [*project_ids, "new"]
    kind = draw(st.sampled_from(["project", "organization", "bulk"]))
    if kind == "organization":
        patch = draw(_organization_patches)
        return lambda s: s.update_organization(OWNER, "acme", patch)
    patch = draw(_project_patches)
    if kind == "project":
        project_id = draw(st.sampled_from(ids))
        return lambda s: s.update_project(OWNER, "acme", project_id, patch)
    chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
    return lambda s: s.bulk_update(OWNER, "acme", chosen, patch)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    organization=strategies.organization_settings("acme"),
    projects=_projects,
    data=st.data(),
)
def test_revert_then_reapply_restores_each_state(kind, organization, projects, data):
    with tempfile.TemporaryDirectory() as folder:
        service = SettingsService(make_store(kind, Path(folder)))
        service.import_organization(OWNER, organization, projects)
        change = data.draw(_changes([p.project_id for p in projects]))
        before, last = _state(service), _newest(service)
        try:
            change(service)
        except ValidationError:
            return  # a change the rules refuse writes nothing: nothing to revert
        after, newest = _state(service), _newest(service)
        if newest == last:
            return  # the change changed nothing, so it recorded nothing
        try:
            service.revert(OWNER, "acme", newest)
        except ValidationError:
            assert _state(service) == after  # refused: nothing written
            return
        assert _state(service) == before
        change(service)
        assert _state(service) == after


def test_an_entry_this_version_cannot_read_back_is_refused_with_a_finding(service):
    service.update_project(OWNER, "acme", "web", ProjectPatch(fix_enabled_override=True))
    with service._uow(organization_id="acme") as uow:
        entry = uow.audit.append(
            AuditEntry(
                organization_id="acme",
                project_id="web",
                actor="user:elsewhere",
                event=AuditEvent.PROJECT_AI_SETTINGS_EDIT,
                target="web",
                occurred_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
                stored_changes=(FieldChange("fix_enabled_override", "maybe", True),),
            )
        )
        uow.commit()
    with pytest.raises(ValidationError) as caught:
        service.revert(OWNER, "acme", entry.id)
    assert [(f.code, f.path) for f in caught.value.findings] == [
        ("invalid_audit_changes", ("audit_entry_id",))
    ]
    assert _project(service, "web").fix_enabled_override is True


def test_a_revert_restores_an_expiring_override_with_its_expiry(tmp_path):
    now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    until = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    service = SettingsService(make_store("sqlite", tmp_path), clock=lambda: now)
    patch = ProjectPatch(fix_enabled_override=False, fix_enabled_override_expires_at=until)
    service.update_project(OWNER, "acme", "web", patch)
    service.update_project(OWNER, "acme", "web", ProjectPatch(fix_enabled_override=None))
    service.revert(OWNER, "acme", _newest(service))
    project = _project(service, "web")
    assert (project.fix_enabled_override, project.fix_enabled_override_expires_at) == (
        False,
        until,
    )
