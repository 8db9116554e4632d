"""Settings as code (issue 15): plan a desired-state document, apply the plan.

Examples on every store; the laws as properties: applying a plan leaves nothing to plan, and
plan/apply stores what import stores.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ai_settings_core import (
    ALL_SCOPES,
    Actor,
    ConflictError,
    OrganizationPatch,
    OrganizationSettings,
    PermissionDeniedError,
    ProjectPatch,
    ProjectSettings,
    Setting,
    SettingsService,
    StoppingPoint,
    ValidationError,
    codec,
)
from ai_settings_core.service import PlanAction, SettingsDocument, SettingsPlan
from tests import strategies
from tests.adapters import any_store, make_store

OWNER = Actor("user:owner", "acme", ALL_SCOPES)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def service(request, tmp_path) -> Iterator[SettingsService]:
    with any_store(request.param, tmp_path) as store:
        yield SettingsService(store)


def _document(*projects: ProjectSettings, **organization: object) -> SettingsDocument:
    return SettingsDocument(OrganizationSettings("acme", **organization), projects)


def _export(service: SettingsService) -> dict[str, object]:
    with service._uow(read_only=True) as uow:
        state = uow.projects.load_organization("acme")
    organization = state.organization or OrganizationSettings("acme")
    return codec.dump_export(organization, state.projects, versions=False)


def test_a_plan_shows_each_record_stored_and_effective_and_its_versions(service):
    service.update_project(OWNER, "acme", "web", ProjectPatch(fix_enabled_override=False))
    document = _document(
        ProjectSettings("acme", "web", stopping_point_override=StoppingPoint.SUGGESTION),
        ProjectSettings("acme", "api"),
        fix_enabled=True,
    )
    plan = service.plan(OWNER, document)
    assert plan.organization_version == 0
    assert plan.project_versions == (("api", 0), ("web", 1))
    summary = [
        (
            c.project_id,
            c.action,
            [(f.field, f.before, f.after) for f in c.stored],
            [(f.field, f.before, f.after) for f in c.effective],
        )
        for c in plan.changes
    ]
    assert summary == [
        (
            None,
            PlanAction.CREATE,
            [("fix_enabled", False, True)],
            [("fix_enabled", False, True)],
        ),
        (
            "web",
            PlanAction.UPDATE,
            [
                ("fix_enabled_override", False, None),
                ("stopping_point_override", None, "suggestion"),
            ],
            [("fix_enabled", False, True), ("stopping_point", "pull_request", "suggestion")],
        ),
        # api stores nothing of its own, but inherits the organization's new fix_enabled.
        ("api", PlanAction.CREATE, [], [("fix_enabled", False, True)]),
    ]
    # Nothing was written by planning.
    assert service.get_organization(OWNER, "acme").stored is False


def test_apply_then_plan_is_empty_and_apply_is_atomic_and_audited(service):
    document = _document(
        ProjectSettings("acme", "web", fix_enabled_override=True), fix_enabled=False
    )
    result = service.apply(OWNER, service.plan(OWNER, document))
    assert result.changed == ("web",)
    assert service.plan(OWNER, document).is_empty
    entries = service.audit_log(OWNER, "acme").items
    assert len(entries) == 2
    assert len({entry.change_id for entry in entries}) == 1  # one change: revertible as one


def test_apply_is_refused_when_anything_changed_since_the_plan(service):
    document = _document(ProjectSettings("acme", "web", fix_enabled_override=True))
    plan = service.plan(OWNER, document)
    service.update_project(OWNER, "acme", "web", ProjectPatch(scan_enabled_override=False))
    with pytest.raises(ConflictError, match="Project 'web' changed since the plan"):
        service.apply(OWNER, plan)
    assert service.get_organization(OWNER, "acme").stored is False  # nothing written
    plan = service.plan(OWNER, document)
    service.update_organization(OWNER, "acme", OrganizationPatch(fix_enabled=True))
    with pytest.raises(ConflictError, match="Organization 'acme' changed"):
        service.apply(OWNER, plan)


def test_projects_left_out_are_left_alone_unless_pruned(service):
    for project_id in ("web", "old"):
        service.update_project(OWNER, "acme", project_id, ProjectPatch(fix_enabled_override=True))
    document = _document(ProjectSettings("acme", "web", fix_enabled_override=True))
    assert [c.project_id for c in service.plan(OWNER, document).changes] == [None]
    pruned = service.plan(OWNER, document, prune=True)
    assert [(c.project_id, c.action) for c in pruned.changes] == [
        (None, PlanAction.CREATE),
        ("old", PlanAction.PRUNE),
    ]
    service.apply(OWNER, pruned)
    assert service.get_project(OWNER, "acme", "old").project.fix_enabled_override is None
    assert service.plan(OWNER, document, prune=True).is_empty


def test_a_project_stored_after_a_pruning_plan_is_a_conflict(service):
    plan = service.plan(OWNER, _document(), prune=True)
    service.update_project(OWNER, "acme", "new", ProjectPatch(fix_enabled_override=True))
    with pytest.raises(ConflictError, match="Project 'new'"):
        service.apply(OWNER, plan)


def test_a_document_a_lock_forbids_is_refused_by_plan_with_the_document_paths(service):
    service.update_organization(
        OWNER, "acme", OrganizationPatch(lock=frozenset({Setting.FIX_ENABLED}))
    )
    document = _document(
        ProjectSettings("acme", "web"),
        ProjectSettings("acme", "api", fix_enabled_override=True),
        locked=frozenset({Setting.FIX_ENABLED}),
    )
    with pytest.raises(ValidationError) as caught:
        service.plan(OWNER, document)
    assert [(f.code, f.path) for f in caught.value.findings] == [
        ("locked", ("projects", 1, "fix_enabled_override"))
    ]


def test_plan_needs_read_scopes_and_apply_admin_scopes(service):
    document = _document(ProjectSettings("acme", "web", fix_enabled_override=True))
    reader = Actor("user:r", "acme", {"org:read", "project:read"})
    plan = service.plan(reader, document)
    with pytest.raises(PermissionDeniedError):
        service.apply(reader, plan)
    limited = Actor("user:l", "acme", {"org:read", "project:read"}, projects=frozenset({"api"}))
    with pytest.raises(PermissionDeniedError, match="web"):
        service.plan(limited, document)
    service.update_project(OWNER, "acme", "secret", ProjectPatch(fix_enabled_override=True))
    with pytest.raises(PermissionDeniedError, match="secret"):
        service.plan(limited, _document(), prune=True)


def test_a_plan_round_trips_through_its_json_form(service):
    service.update_project(OWNER, "acme", "old", ProjectPatch(fix_enabled_override=True))
    document = _document(
        ProjectSettings("acme", "web", environments=frozenset({"production"})),
        max_stopping_point=StoppingPoint.MERGE,
    )
    plan = service.plan(OWNER, document, prune=True)
    assert codec.parse_plan(codec.dump_plan(plan)) == plan
    assert service.apply(OWNER, codec.parse_plan(codec.dump_plan(plan))).changed == (
        "web",
        "old",
    )


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (lambda d: d.pop("document"), "required", ("document",)),
        (lambda d: d.update(prune="false"), "invalid", ("prune",)),
        (lambda d: d.update(organization_version=-1), "invalid_version", ("organization_version",)),
        (
            lambda d: d.update(organization_version=True),
            "invalid_version",
            ("organization_version",),
        ),
        (lambda d: d.update(project_versions={}), "invalid_plan", ("project_versions",)),
        (
            lambda d: d.update(organization_id="globex"),
            "organization_mismatch",
            ("organization_id",),
        ),
        (lambda d: d.update(extra=1), "unknown_field", ("extra",)),
        (
            lambda d: d["changes"][0].update(action="drop"),
            "invalid_choice",
            ("changes", 0, "action"),
        ),
        (lambda d: d["document"].update(fix_enabled="yes"), "invalid", ("document", "fix_enabled")),
    ],
)
def test_a_broken_plan_file_is_refused_with_a_path_and_a_code(change, code, path):
    plan = SettingsService(make_store("memory", Path())).plan(
        OWNER, _document(ProjectSettings("acme", "web")), prune=False
    )
    data = codec.dump_plan(plan)
    change(data)
    with pytest.raises(ValidationError) as caught:
        codec.parse_plan(data)
    assert (code, path) in [(f.code, f.path) for f in caught.value.findings]


@given(strategies.hostile_documents)
def test_arbitrary_json_is_a_plan_or_a_validation_error(data):
    try:
        parsed: object = codec.parse_plan(data)
    except ValidationError as error:
        parsed = error.findings
    assert isinstance(parsed, SettingsPlan) or parsed


# The laws, as properties (the in-memory store and SQLite) ----------------------------------

_documents = st.builds(
    SettingsDocument,
    strategies.organization_settings("acme"),
    st.lists(strategies.project_settings("acme"), max_size=3, unique_by=lambda p: p.project_id),
)


def _fresh(kind: str, folder: str, start: SettingsDocument) -> SettingsService:
    service = SettingsService(make_store(kind, Path(folder)))
    service.import_organization(OWNER, start.organization, start.projects)
    return service


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@settings(max_examples=40)
@given(start=_documents, desired=_documents, prune=st.booleans())
def test_apply_of_a_plan_leaves_nothing_to_plan(kind, start, desired, prune):
    with tempfile.TemporaryDirectory() as folder:
        service = _fresh(kind, folder, start)
        try:
            plan = service.plan(OWNER, desired, prune=prune)
        except ValidationError:
            return  # a document the stored policy refuses: nothing to apply
        service.apply(OWNER, plan)
        assert service.plan(OWNER, desired, prune=prune).is_empty


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@settings(max_examples=40)
@given(start=_documents, desired=_documents)
def test_plan_and_apply_store_what_import_stores(kind, start, desired):
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as other:
        applied, imported = _fresh(kind, one, start), _fresh(kind, other, start)
        refused = None
        try:
            applied.apply(OWNER, applied.plan(OWNER, desired))
        except ValidationError as error:
            refused = error.findings
        if refused is not None:
            with pytest.raises(ValidationError) as caught:
                imported.import_organization(OWNER, desired.organization, desired.projects)
            assert caught.value.findings == refused
            return
        imported.import_organization(OWNER, desired.organization, desired.projects)
        assert _export(applied) == _export(imported)
        # And the document, exported, plans to nothing.
        exported = codec.parse_document(_export(applied))
        assert applied.plan(OWNER, exported).is_empty
        assert attrs.evolve(exported.organization, version=0) == attrs.evolve(
            desired.organization, version=0
        )


def test_plan_and_apply_carry_expiries_through_the_export_format(tmp_path):
    now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    service = SettingsService(make_store("sqlite", tmp_path), clock=lambda: now)
    document = codec.parse_document(
        {
            "organization_id": "acme",
            "locked": ["fix_enabled"],
            "fix_enabled_lock_expires_at": "2026-12-24T00:00:00Z",
            "projects": [
                {
                    "organization_id": "acme",
                    "project_id": "payments",
                    "scan_enabled_override": False,
                    "scan_enabled_override_expires_at": "2026-12-01T09:00:00Z",
                }
            ],
        }
    )
    plan = service.plan(OWNER, document)
    fields = {f.field for change in plan.changes for f in change.stored}
    assert {"fix_enabled_lock_expires_at", "scan_enabled_override_expires_at"} <= fields
    service.apply(OWNER, codec.parse_plan(codec.dump_plan(plan)))
    exported = _export(service)
    assert exported["fix_enabled_lock_expires_at"] == "2026-12-24T00:00:00Z"
    assert service.plan(OWNER, codec.parse_document(exported)).is_empty
