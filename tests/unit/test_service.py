"""The service layer end to end, on both adapters: the seed's cases and inheritance scenarios."""

from __future__ import annotations

import datetime as dt
import logging

import attrs
import pytest

from ai_settings_core import (
    ALL_SCOPES,
    Actor,
    AISettingsError,
    BranchPattern,
    BranchRule,
    ConflictError,
    Level,
    NotFoundError,
    OrganizationPatch,
    ProjectPatch,
    Reason,
    RepositoryPatch,
    RepositoryRef,
    RepositorySettings,
    Setting,
    SettingsService,
    StoppingPoint,
    ValidationError,
)
from ai_settings_core.changes import KEEP, FieldChange
from ai_settings_core.events import RecordingSink
from ai_settings_core.service import AuditEvent
from tests.adapters import make_store

MERGE, PR, SUGGESTION = StoppingPoint.MERGE, StoppingPoint.PULL_REQUEST, StoppingPoint.SUGGESTION
REPO = RepositoryRef.parse("github:acme/api")
ADMIN = Actor("user:admin", "acme", ALL_SCOPES, role="owner")


class FixedClock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    return make_store(request.param, tmp_path)


@pytest.fixture
def sink():
    return RecordingSink()


@pytest.fixture
def service(store, sink):
    return SettingsService(store, events=sink, clock=FixedClock())


# The seed's backend tests, through the service.


def test_get_default_settings(service):
    view = service.get_organization(ADMIN, "acme")
    assert view.settings.scan_enabled is True
    assert view.settings.fix_enabled is False
    assert view.settings.stopping_point is PR
    assert not view.stored
    assert view.version == 0
    assert view.resolution.scan_enabled.reason is Reason.DEFAULT


def test_update_settings(service):
    view = service.update_organization(
        ADMIN,
        "acme",
        OrganizationPatch(scan_enabled=False, fix_enabled=True, stopping_point=MERGE),
    )
    assert (view.settings.scan_enabled, view.settings.fix_enabled) == (False, True)
    assert view.settings.stopping_point is MERGE
    again = service.get_organization(ADMIN, "acme")
    assert again.settings == view.settings
    assert again.resolution.fix_enabled.level is Level.ORGANIZATION
    # Fix on with scan off is allowed, with a warning for the UI.
    assert [w.code for w in view.warnings] == ["fix_without_scan"]


def test_invalid_stopping_point_changes_nothing(service):
    with pytest.raises(ValidationError) as info:
        service.update_organization(
            ADMIN,
            "acme",
            OrganizationPatch(stopping_point=MERGE, max_stopping_point=PR),
        )
    assert info.value.detail == {
        "stopping_point": [
            '"merge" is above the organization\'s maximum stopping point "pull_request".'
        ]
    }
    assert info.value.status == 400
    assert not service.get_organization(ADMIN, "acme").stored
    assert service.audit_log(ADMIN, "acme").items == ()


# Inheritance end to end.


def test_organization_change_reaches_inheriting_projects_not_pinned_ones(service):
    service.update_project(ADMIN, "acme", "inheriting", ProjectPatch())
    service.update_project(ADMIN, "acme", "pinned", ProjectPatch(fix_enabled_override=False))
    service.update_organization(ADMIN, "acme", OrganizationPatch(fix_enabled=True))
    inheriting = service.get_project(ADMIN, "acme", "inheriting").resolution.fix_enabled
    pinned = service.get_project(ADMIN, "acme", "pinned").resolution.fix_enabled
    assert (inheriting.value, inheriting.reason) == (True, Reason.INHERITED)
    assert (pinned.value, pinned.reason) == (False, Reason.OVERRIDDEN)


def test_null_override_inherits_again(service):
    service.update_project(ADMIN, "acme", "web", ProjectPatch(scan_enabled_override=False))
    view = service.update_project(ADMIN, "acme", "web", ProjectPatch(scan_enabled_override=None))
    assert view.project.scan_enabled_override is None
    assert view.resolution.scan_enabled.reason is Reason.DEFAULT


def test_lock_refuses_new_overrides_and_shadows_old_ones(service):
    service.update_project(ADMIN, "acme", "web", ProjectPatch(scan_enabled_override=False))
    service.update_organization(
        ADMIN, "acme", OrganizationPatch(locked=frozenset({Setting.SCAN_ENABLED}))
    )
    view = service.get_project(ADMIN, "acme", "web")
    assert view.project.scan_enabled_override is False  # kept, not deleted
    assert view.resolution.scan_enabled.value is True
    assert view.resolution.scan_enabled.reason is Reason.LOCKED
    assert view.resolution.scan_enabled.shadowed[0].value is False
    with pytest.raises(ValidationError) as info:
        service.update_project(ADMIN, "acme", "other", ProjectPatch(scan_enabled_override=True))
    assert info.value.codes == {"scan_enabled_override": ["locked"]}
    # An unrelated write to the project with the inert override is fine.
    service.update_project(ADMIN, "acme", "web", ProjectPatch(fix_enabled_override=True))
    # Lifting the lock brings the override back into force.
    service.update_organization(ADMIN, "acme", OrganizationPatch(locked=frozenset()))
    assert service.get_project(ADMIN, "acme", "web").resolution.scan_enabled.value is False


def test_ceiling_refuses_writes_above_and_clamps_old_values(service):
    service.update_project(ADMIN, "acme", "web", ProjectPatch(stopping_point_override=MERGE))
    service.update_organization(ADMIN, "acme", OrganizationPatch(max_stopping_point=PR))
    trace = service.get_project(ADMIN, "acme", "web").resolution.stopping_point
    assert (trace.value, trace.reason) == (PR, Reason.CAPPED)
    with pytest.raises(ValidationError) as info:
        service.add_repository(
            ADMIN, "acme", "web", RepositorySettings(REPO, stopping_point_override=MERGE)
        )
    assert info.value.codes == {"repositories": [{"stopping_point_override": ["above_ceiling"]}]}


def test_reset_clears_overrides_and_keeps_repositories(service):
    service.add_repository(
        ADMIN, "acme", "web", RepositorySettings(REPO, stopping_point_override=SUGGESTION)
    )
    service.update_project(
        ADMIN, "acme", "web", ProjectPatch(scan_enabled_override=False, fix_enabled_override=True)
    )
    view = service.reset_project(ADMIN, "acme", "web")
    assert not view.project.has_overrides
    assert view.project.repositories[0].repository == REPO
    assert view.project.repositories[0].stopping_point_override is None
    entries = service.audit_log(ADMIN, "acme", project_id="web").items
    assert entries[0].event is AuditEvent.PROJECT_AI_SETTINGS_RESET


def test_expected_version_conflicts_change_nothing(service):
    first = service.update_project(ADMIN, "acme", "web", ProjectPatch(fix_enabled_override=True))
    assert first.version == 1
    service.update_project(
        ADMIN, "acme", "web", ProjectPatch(scan_enabled_override=False), expected_version=1
    )
    with pytest.raises(ConflictError) as info:
        service.update_project(
            ADMIN, "acme", "web", ProjectPatch(scan_enabled_override=True), expected_version=1
        )
    assert (info.value.status, info.value.expected, info.value.actual) == (409, 1, 2)
    assert service.get_project(ADMIN, "acme", "web").project.scan_enabled_override is False
    with pytest.raises(ConflictError):
        service.update_organization(
            ADMIN, "acme", OrganizationPatch(fix_enabled=True), expected_version=3
        )


def test_repository_use_cases(service, sink):
    service.add_repository(ADMIN, "acme", "web", RepositorySettings(REPO))
    with pytest.raises(ValidationError) as info:
        service.add_repository(ADMIN, "acme", "web", RepositorySettings(REPO))
    assert info.value.codes == {"repository": ["duplicate_repository"]}
    view = service.update_repository(
        ADMIN,
        "acme",
        "web",
        RepositoryRef.parse("github:ACME/API"),
        RepositoryPatch(ai_enabled=False, branch_patterns=(BranchPattern("main"),)),
    )
    assert view.project.repositories[0].ai_enabled is False
    assert view.project.repositories[0].branch_patterns == (BranchRule("main"),)
    with pytest.raises(NotFoundError):
        service.remove_repository(ADMIN, "acme", "web", RepositoryRef.parse("github:acme/nope"))
    view = service.remove_repository(ADMIN, "acme", "web", REPO)
    assert view.project.repositories == ()
    events = [entry.event for entry in service.audit_log(ADMIN, "acme", project_id="web").items]
    assert events == [
        AuditEvent.REPOSITORY_REMOVED,
        AuditEvent.REPOSITORY_CHANGED,
        AuditEvent.REPOSITORY_ADDED,
    ]
    assert [e.properties["action"] for e in sink.events] == ["added", "modified", "removed"]
    assert sink.events[1].properties == {
        "action": "modified",
        "repository_provider": "github",
        "ai_enabled": False,
        "branch_pattern": "main",
    }


def test_unknown_project_is_not_found_for_reads(service):
    with pytest.raises(NotFoundError) as info:
        service.get_project(ADMIN, "acme", "nope")
    assert info.value.status == 404
    with pytest.raises(NotFoundError):
        service.reset_project(ADMIN, "acme", "nope")


def test_host_known_projects_read_as_inheriting(store):
    service = SettingsService(store, project_exists=lambda org, project: project == "known")
    view = service.get_project(ADMIN, "acme", "known")
    assert view.version == 0
    assert view.resolution.fix_enabled.reason is Reason.DEFAULT
    with pytest.raises(NotFoundError):
        service.update_project(ADMIN, "acme", "unknown", ProjectPatch(fix_enabled_override=True))


# Bulk.


def test_bulk_patch_applies_to_all(service):
    ids = [f"p{i:04d}" for i in range(1000)]
    result = service.bulk_update(ADMIN, "acme", ids, ProjectPatch(fix_enabled_override=True))
    assert len(result.changed) == 1000
    page = service.list_projects(ADMIN, "acme", limit=5, overriding_only=True)
    assert [view.project.project_id for view in page.items] == ids[:5]
    assert all(view.resolution.fix_enabled.value for view in page.items)


def test_bulk_with_one_bad_project_in_a_thousand_changes_nothing(store):
    def refuse_p0500(context):
        from ai_settings_core import Finding, Severity

        if context.project.project_id == "p0500" and context.project.fix_enabled_override:
            yield Finding("frozen", Severity.ERROR, ("fix_enabled_override",), "Frozen project.")

    service = SettingsService(store, project_rules=[refuse_p0500])
    ids = [f"p{i:04d}" for i in range(1000)]
    with pytest.raises(ValidationError) as info:
        service.bulk_update(ADMIN, "acme", ids, ProjectPatch(fix_enabled_override=True))
    assert info.value.detail == {
        "projects": {"p0500": {"fix_enabled_override": ["Frozen project."]}}
    }
    assert service.list_projects(ADMIN, "acme").items == ()
    assert service.audit_log(ADMIN, "acme").items == ()


def test_bulk_reset_and_limits(service):
    service.bulk_update(ADMIN, "acme", ["a", "b"], ProjectPatch(fix_enabled_override=True))
    result = service.bulk_update(ADMIN, "acme", ["a", "b"], reset=True)
    assert result.changed == ("a", "b")
    assert not any(view.project.has_overrides for view in result.projects)
    with pytest.raises(ValidationError) as info:
        service.bulk_update(ADMIN, "acme", [], reset=True)
    assert info.value.codes == {"projects": ["empty"]}
    small = SettingsService(service._uow, limits=attrs.evolve(service.limits, max_bulk_projects=2))
    with pytest.raises(ValidationError) as info:
        small.bulk_update(ADMIN, "acme", ["a", "b", "c"], reset=True)
    assert info.value.codes == {"projects": ["max_length"]}
    with pytest.raises(TypeError):
        service.bulk_update(ADMIN, "acme", ["a"])


# Lists, explain, preview.


def test_override_visibility_lists_only_overriding_projects(service):
    service.update_project(ADMIN, "acme", "a", ProjectPatch())
    service.update_project(ADMIN, "acme", "b", ProjectPatch(stopping_point_override=SUGGESTION))
    page = service.list_projects(ADMIN, "acme", overriding_only=True)
    assert [(v.project.project_id, v.project.overridden) for v in page.items] == [
        ("b", frozenset({Setting.STOPPING_POINT}))
    ]
    assert [v.project.project_id for v in service.list_projects(ADMIN, "acme").items] == ["a", "b"]


def test_explain_and_decide(service):
    service.update_organization(ADMIN, "acme", OrganizationPatch(fix_enabled=True))
    service.add_repository(
        ADMIN, "acme", "web", RepositorySettings(REPO, branch_patterns=(BranchPattern("main"),))
    )
    explanation = service.explain(ADMIN, "acme", "web", repository=REPO, branch="main")
    assert explanation.decision.fix is True
    assert explanation.repository_settings is not None
    assert explanation.repository_resolution.stopping_point.value is PR
    assert (
        service.explain(ADMIN, "acme", "web", repository=REPO, branch="dev").decision.scan is False
    )


def test_preview_names_only_what_changes(service):
    service.update_project(ADMIN, "acme", "inheriting", ProjectPatch())
    service.update_project(ADMIN, "acme", "pinned", ProjectPatch(fix_enabled_override=False))
    impact = service.preview_organization_change(ADMIN, "acme", OrganizationPatch(fix_enabled=True))
    assert [(p.project_id, p.changes) for p in impact.projects] == [
        ("inheriting", (FieldChange("fix_enabled", False, True),))
    ]
    assert not service.get_organization(ADMIN, "acme").stored


# Audit and events.


def test_audit_entries_record_actor_target_and_changes(service):
    service.update_organization(ADMIN, "acme", OrganizationPatch(fix_enabled=True))
    service.update_project(ADMIN, "acme", "web", ProjectPatch(stopping_point_override=MERGE))
    (org_entry,) = service.audit_log(ADMIN, "acme", limit=10).items[1:]
    project_entry = service.audit_log(ADMIN, "acme", project_id="web").items[0]
    assert org_entry.event is AuditEvent.ORG_AI_SETTINGS_EDIT
    assert org_entry.actor == "user:admin"
    assert org_entry.stored_changes == (FieldChange("fix_enabled", False, True),)
    assert org_entry.effective_changes == (FieldChange("fix_enabled", False, True),)
    assert project_entry.event is AuditEvent.PROJECT_AI_SETTINGS_EDIT
    assert project_entry.target == "web"
    assert project_entry.stored_changes == (FieldChange("stopping_point_override", None, "merge"),)
    assert project_entry.effective_changes == (
        FieldChange("stopping_point", "pull_request", "merge"),
    )
    assert project_entry.occurred_at > org_entry.occurred_at


def test_a_write_that_changes_nothing_records_nothing(service, sink):
    service.update_organization(ADMIN, "acme", OrganizationPatch(fix_enabled=True))
    view = service.update_organization(ADMIN, "acme", OrganizationPatch(fix_enabled=True))
    assert view.version == 1
    assert len(service.audit_log(ADMIN, "acme").items) == 1
    assert len(sink.events) == 1


def test_events_carry_the_seeds_properties(service, sink):
    service.update_project(ADMIN, "acme", "web", ProjectPatch())
    service.update_organization(
        ADMIN, "acme", OrganizationPatch(scan_enabled=False, stopping_point=MERGE)
    )
    service.update_project(ADMIN, "acme", "web", ProjectPatch(fix_enabled_override=True))
    service.update_project(ADMIN, "acme", "web", ProjectPatch(fix_enabled_override=None))
    by_name = [(e.name, e.properties) for e in sink.events]
    assert by_name[1:3] == [
        (
            "ai_settings_org_changed",
            {
                "setting_type": "scan_enabled",
                "new_value": False,
                "project_count": 1,
                "user_role": "owner",
            },
        ),
        (
            "ai_settings_org_changed",
            {
                "setting_type": "stopping_point",
                "new_value": "merge",
                "project_count": 1,
                "user_role": "owner",
            },
        ),
    ]
    assert [p["action"] for n, p in by_name if n == "ai_settings_project_override"] == [
        "modified",
        "enabled",
        "disabled",
    ]
    assert by_name[3][1]["settings_changed"] == ["fix_enabled_override"]
    assert by_name[3][1]["inheritance_broken"] is True


def test_a_failing_sink_is_logged_and_does_not_undo_the_write(store, caplog):
    class Broken:
        def emit(self, name, properties):
            raise RuntimeError("analytics down")

    service = SettingsService(store, events=Broken())
    with caplog.at_level(logging.ERROR, logger="ai_settings_core"):
        view = service.update_organization(ADMIN, "acme", OrganizationPatch(fix_enabled=True))
    assert view.settings.fix_enabled is True
    assert service.get_organization(ADMIN, "acme").settings.fix_enabled is True
    assert "event sink failed" in caplog.text


def test_errors_map_to_http_statuses_with_one_except(service):
    stranger = Actor("user:x", "other-org", ALL_SCOPES)
    reader = Actor("user:r", "acme", {"org:read"})
    outcomes = []
    for call in (
        lambda: service.get_organization(stranger, "acme"),
        lambda: service.update_organization(reader, "acme", OrganizationPatch()),
        lambda: service.get_project(ADMIN, "acme", "missing"),
    ):
        try:
            call()
        except AISettingsError as error:
            outcomes.append(error.status)
    assert outcomes == [404, 403, 404]


def test_patch_fields_left_at_keep_are_untouched(service):
    service.update_project(
        ADMIN, "acme", "web", ProjectPatch(scan_enabled_override=False, fix_enabled_override=True)
    )
    view = service.update_project(
        ADMIN, "acme", "web", ProjectPatch(scan_enabled_override=KEEP, fix_enabled_override=None)
    )
    assert view.project.scan_enabled_override is False
    assert view.project.fix_enabled_override is None


def test_concurrent_lock_changes_both_survive(service):
    """Two people lock different settings from the same stale read: neither lock is lost."""
    seen = service.get_organization(ADMIN, "acme")
    service.update_organization(
        ADMIN, "acme", OrganizationPatch(lock=frozenset({Setting.FIX_ENABLED}))
    )
    assert seen.version == 0  # the second writer read before the first wrote
    view = service.update_organization(
        ADMIN, "acme", OrganizationPatch(lock=frozenset({Setting.SCAN_ENABLED}))
    )
    assert view.settings.locked == {Setting.FIX_ENABLED, Setting.SCAN_ENABLED}


def test_an_empty_patch_does_not_store_an_organization(service):
    view = service.update_organization(ADMIN, "acme", OrganizationPatch())
    assert not view.stored
    assert service.audit_log(ADMIN, "acme").items == ()


def test_bulk_error_paths_are_the_inputs_indices(service):
    with pytest.raises(ValidationError) as info:
        service.bulk_update(
            ADMIN, "acme", ["a", "a", "b c", 7], ProjectPatch(fix_enabled_override=True)
        )
    assert info.value.codes == {"projects": {"2": ["invalid_identifier"], "3": ["invalid"]}}


def test_import_sends_events_after_the_commit(service, sink):
    from ai_settings_core import OrganizationSettings, ProjectSettings

    service.import_organization(
        ADMIN,
        OrganizationSettings("acme", fix_enabled=True),
        [ProjectSettings("acme", "p", scan_enabled_override=False)],
    )
    assert [event.name for event in sink.events] == [
        "ai_settings_org_changed",
        "ai_settings_project_override",
    ]
