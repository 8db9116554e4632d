"""Invariants through the service: every write path is checked, and enforce keeps its promise.

The stores are the in-memory reference and SQLite on a file; the property test at the end
holds any sequence of accepted writes to the reference model's violations.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_settings_core import (
    ALL_SCOPES,
    ORG_ADMIN,
    Actor,
    BranchPattern,
    NotFoundError,
    OrganizationPatch,
    OrganizationSettings,
    PermissionDeniedError,
    ProjectPatch,
    ProjectSettings,
    RepositoryPatch,
    RepositoryRef,
    RepositorySettings,
    SettingsService,
    StoppingPoint,
    ValidationError,
)
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.invariants import (
    INVARIANT_VIOLATED,
    FixRequiresScan,
    MergeOnlyOnBranches,
    StoppingPointAtMost,
)
from ai_settings_core.service import AuditEvent
from tests import strategies as s
from tests.adapters import make_store
from tests.reference import reference_violations

MERGE, PR = StoppingPoint.MERGE, StoppingPoint.PULL_REQUEST
API = RepositoryRef.parse("github:acme/api")
INFRA = RepositoryRef.parse("github:acme/infra")
ADMIN = Actor("user:admin", "acme", ALL_SCOPES)
AT_MOST_PR = StoppingPointAtMost("pr-at-most", PR, (INFRA,))
MERGE_ON_MAIN = MergeOnlyOnBranches("merge-on-main", (BranchPattern("main"),))
FIX_NEEDS_SCAN = FixRequiresScan("fix-needs-scan")


@pytest.fixture(params=["memory", "sqlite"])
def service(request, tmp_path):
    service = SettingsService(make_store(request.param, tmp_path))
    service.update_project(ADMIN, "acme", "web", ProjectPatch(scan_enabled_override=True))
    service.add_repository(
        ADMIN,
        "acme",
        "web",
        RepositorySettings(
            INFRA, branch_patterns=(BranchPattern("main"),), stopping_point_override=MERGE
        ),
    )
    for invariant in (AT_MOST_PR, MERGE_ON_MAIN, FIX_NEEDS_SCAN):
        service.add_invariant(ADMIN, "acme", invariant)
    return service


def _kept_by_enforce(service, patch):
    """Apply an organization ``patch`` the invariants refuse, then enforce them again."""
    invariants = service.get_invariants(ADMIN, "acme").invariants
    service.update_organization(ADMIN, "acme", OrganizationPatch(invariants=()))
    service.update_organization(ADMIN, "acme", patch)
    patch = OrganizationPatch(invariants=invariants)
    service.update_organization(ADMIN, "acme", patch, enforce=True)


def _refused(service, write, *args, **kwargs):
    """Run a write that must be refused; check that nothing was written; return its codes."""
    before = service.get_invariants(ADMIN, "acme").version
    audit = service.audit_log(ADMIN, "acme").items
    with pytest.raises(ValidationError) as caught:
        write(ADMIN, "acme", *args, **kwargs)
    assert service.get_invariants(ADMIN, "acme").version == before
    assert service.audit_log(ADMIN, "acme").items == audit
    return caught.value


# One test per write path ----------------------------------------------------------------------


def test_an_organization_change_is_checked_against_every_project(service):
    error = _refused(
        service,
        service.update_organization,
        OrganizationPatch(fix_enabled=True, scan_enabled=False),
    )
    assert error.codes == {"fix_enabled": [INVARIANT_VIOLATED]}
    assert "Invariant 'fix-needs-scan' is violated by the organization's default" in str(error)
    error = _refused(service, service.update_organization, OrganizationPatch(stopping_point=MERGE))
    assert error.detail == {
        "stopping_point": [
            (
                "Invariant 'pr-at-most' is violated by the organization's default: the stopping "
                "point is merge, above pull_request."
            ),
            (
                "Invariant 'pr-at-most' is violated by project 'web': the stopping point is "
                "merge, above pull_request."
            ),
        ]
    }


def test_an_organization_change_that_breaks_a_stored_project_names_the_organizations_field(service):
    service.update_project(ADMIN, "acme", "api", ProjectPatch(scan_enabled_override=False))
    error = _refused(service, service.update_organization, OrganizationPatch(fix_enabled=True))
    assert error.codes == {"fix_enabled": [INVARIANT_VIOLATED]}
    assert error.detail["fix_enabled"] == [
        "Invariant 'fix-needs-scan' is violated by project 'api': fix is on while scan is off."
    ]


def test_a_project_change(service):
    error = _refused(
        service, service.update_project, "api", ProjectPatch(stopping_point_override=MERGE)
    )
    assert error.codes == {"stopping_point_override": [INVARIANT_VIOLATED]}
    assert "'pr-at-most'" in error.detail["stopping_point_override"][0]


def test_a_reset_that_would_inherit_a_violation(service):
    # An enforced default above the invariant; "api" pins pull_request, so it keeps it.
    service.update_project(ADMIN, "acme", "api", ProjectPatch(stopping_point_override=PR))
    _kept_by_enforce(service, OrganizationPatch(stopping_point=MERGE))
    error = _refused(service, service.reset_project, "api")
    assert error.codes == {"stopping_point_override": [INVARIANT_VIOLATED]}


def test_adding_a_repository(service):
    repository = RepositorySettings(API, stopping_point_override=MERGE)
    error = _refused(service, service.add_repository, "web", repository)
    assert error.codes == {
        "repositories": [
            {},
            {
                "stopping_point_override": [INVARIANT_VIOLATED],  # pr-at-most
                "branch_patterns": {"0": [INVARIANT_VIOLATED]},  # merge-on-main: "*"
            },
        ]
    }
    # The excepted repository may merge, but only on main.
    other = RepositorySettings(INFRA, stopping_point_override=MERGE)
    error = _refused(service, service.add_repository, "api", other)
    assert error.codes == {"repositories": [{"branch_patterns": {"0": [INVARIANT_VIOLATED]}}]}


def test_changing_a_repository(service):
    patch = RepositoryPatch(branch_patterns=(BranchPattern("main"), BranchPattern("release/*")))
    error = _refused(service, service.update_repository, "web", INFRA, patch)
    assert error.codes == {"repositories": [{"branch_patterns": {"1": [INVARIANT_VIOLATED]}}]}


def test_removing_a_repository_cannot_add_a_violation_and_is_not_refused(service):
    # Removing takes a place away: every value elsewhere stays as it was.
    view = service.remove_repository(ADMIN, "acme", "web", INFRA)
    assert view.project.repositories == ()


def test_a_bulk_change_names_each_failing_project(service):
    error = _refused(
        service, service.bulk_update, ["web", "api"], ProjectPatch(stopping_point_override=MERGE)
    )
    assert error.codes == {
        "projects": {
            "web": {"stopping_point_override": [INVARIANT_VIOLATED]},
            "api": {"stopping_point_override": [INVARIANT_VIOLATED]},
        }
    }


def test_a_bulk_preview_is_refused_as_the_bulk_change_would_be(service):
    patch = ProjectPatch(stopping_point_override=MERGE)
    with pytest.raises(ValidationError) as preview:
        service.preview_bulk_update(ADMIN, "acme", ["web", "api"], patch)
    with pytest.raises(ValidationError) as change:
        service.bulk_update(ADMIN, "acme", ["web", "api"], patch)
    assert preview.value.codes == change.value.codes
    assert "projects" in preview.value.codes


def test_a_bulk_reset(service):
    service.update_project(ADMIN, "acme", "api", ProjectPatch(scan_enabled_override=True))
    _kept_by_enforce(service, OrganizationPatch(scan_enabled=False, fix_enabled=True))
    error = _refused(service, service.bulk_update, ["api"], reset=True)
    assert error.codes == {"projects": {"api": {"fix_enabled_override": [INVARIANT_VIOLATED]}}}


def test_an_import_is_checked_with_the_documents_paths(service):
    organization = service.get_organization(ADMIN, "acme").settings
    project = ProjectSettings("acme", "api", fix_enabled_override=True, scan_enabled_override=False)
    error = _refused(
        service, lambda a, _org: service.import_organization(a, organization, [project])
    )
    assert error.codes == {"projects": [{"fix_enabled_override": [INVARIANT_VIOLATED]}]}


def test_an_import_that_adds_invariants_its_projects_break_needs_enforce(tmp_path):
    service = SettingsService(MemoryStore())
    organization = OrganizationSettings("acme", invariants=(FIX_NEEDS_SCAN,))
    project = ProjectSettings("acme", "api", fix_enabled_override=True, scan_enabled_override=False)
    with pytest.raises(ValidationError) as caught:
        service.import_organization(ADMIN, organization, [project])
    assert caught.value.codes == {"invariants": {"0": [INVARIANT_VIOLATED]}}
    assert service.get_organization(ADMIN, "acme").version == 0
    service.import_organization(ADMIN, organization, [project], enforce=True)
    view = service.get_invariants(ADMIN, "acme")
    assert [(v.invariant, v.project_id) for v in view.violations] == [("fix-needs-scan", "api")]


def test_adding_an_invariant_reports_the_existing_violations_and_changes_nothing(service):
    service.update_project(ADMIN, "acme", "api", ProjectPatch(stopping_point_override=PR))
    at_most_suggestion = StoppingPointAtMost("suggest-only", StoppingPoint.SUGGESTION)
    error = _refused(service, service.add_invariant, at_most_suggestion)
    assert error.codes == {"non_field_errors": [INVARIANT_VIOLATED] * 4}
    places = [message.rsplit(": ", 1)[0] for message in error.detail["non_field_errors"]]
    assert places == [
        "Invariant 'suggest-only' is violated by the organization's default",
        "Invariant 'suggest-only' is violated by project 'api'",
        "Invariant 'suggest-only' is violated by project 'web'",
        "Invariant 'suggest-only' is violated by project 'web', repository github:acme/infra",
    ]


def test_an_organization_patch_that_adds_invariants_needs_enforce_too(service):
    invariants = (
        *service.get_invariants(ADMIN, "acme").invariants,
        StoppingPointAtMost("s", StoppingPoint.SUGGESTION),
    )
    error = _refused(service, service.update_organization, OrganizationPatch(invariants=invariants))
    assert set(error.codes) == {"invariants"}
    view = service.update_organization(
        ADMIN, "acme", OrganizationPatch(invariants=invariants), enforce=True
    )
    assert view.settings.invariants == invariants


# What enforce means ---------------------------------------------------------------------------


def test_enforce_keeps_existing_violations_and_refuses_new_ones(service):
    service.update_project(ADMIN, "acme", "api", ProjectPatch(stopping_point_override=PR))
    suggest = StoppingPointAtMost("suggest-only", StoppingPoint.SUGGESTION)
    view = service.add_invariant(ADMIN, "acme", suggest, enforce=True)
    kept = {
        (v.project_id, None if v.repository is None else str(v.repository))
        for v in view.violations
        if v.invariant == "suggest-only"
    }
    assert kept == {(None, None), ("api", None), ("web", None), ("web", "github:acme/infra")}
    # A write that keeps a violation where it was is accepted (here: an unrelated field).
    service.update_project(ADMIN, "acme", "api", ProjectPatch(environments=frozenset({"prod"})))
    # One that adds a violation is not: a new repository, at pull_request like its project...
    main_only = RepositorySettings(API, branch_patterns=(BranchPattern("main"),))
    _refused(service, service.add_repository, "api", main_only)
    # ...and once a violation is fixed, it cannot come back.
    service.update_project(
        ADMIN, "acme", "api", ProjectPatch(stopping_point_override=StoppingPoint.SUGGESTION)
    )
    _refused(service, service.update_project, "api", ProjectPatch(stopping_point_override=PR))


def test_a_new_project_that_only_inherits_an_enforced_default_adds_nothing(service):
    _kept_by_enforce(service, OrganizationPatch(stopping_point=MERGE))
    # "docs" stored nothing, so it already stood where the organization's default stands.
    view = service.update_project(
        ADMIN, "acme", "docs", ProjectPatch(environments=frozenset({"prod"}))
    )
    assert view.resolution.stopping_point.value is MERGE


# The use cases --------------------------------------------------------------------------------


def test_invariant_changes_are_audited_and_versioned(service):
    before = service.get_invariants(ADMIN, "acme").version
    view = service.remove_invariant(ADMIN, "acme", "fix-needs-scan", expected_version=before)
    assert view.version == before + 1
    assert [i.name for i in view.invariants] == ["pr-at-most", "merge-on-main"]
    entry = service.audit_log(ADMIN, "acme").items[0]
    assert entry.event is AuditEvent.ORG_AI_SETTINGS_EDIT
    (change,) = entry.stored_changes
    assert change.field == "invariants"
    assert len(change.before) == 3
    assert change.before[2] == '{"name":"fix-needs-scan","kind":"fix_requires_scan"}'
    assert len(change.after) == 2


def test_a_name_is_used_once_and_removing_an_unknown_name_is_not_found(service):
    error = _refused(service, service.add_invariant, FixRequiresScan("pr-at-most"))
    assert error.codes == {"name": ["duplicate_invariant"]}
    with pytest.raises(NotFoundError):
        service.remove_invariant(ADMIN, "acme", "nope")


def test_permissions_and_reach():
    service = SettingsService(MemoryStore())
    service.update_project(ADMIN, "acme", "api", ProjectPatch(stopping_point_override=MERGE))
    service.update_project(ADMIN, "acme", "web", ProjectPatch(stopping_point_override=MERGE))
    service.add_invariant(ADMIN, "acme", AT_MOST_PR, enforce=True)
    org_admin_only = Actor("user:2", "acme", frozenset({ORG_ADMIN}))
    with pytest.raises(PermissionDeniedError):
        service.add_invariant(org_admin_only, "acme", FIX_NEEDS_SCAN)
    web_only = Actor("user:3", "acme", ALL_SCOPES, projects=frozenset({"web"}))
    assert [v.project_id for v in service.get_invariants(web_only, "acme").violations] == ["web"]


def test_host_rules_and_invariants_both_apply():
    def no_merge_default(organization, _limits):
        if organization.stopping_point is MERGE:
            from ai_settings_core import Finding, Severity

            yield Finding("no_merge", Severity.ERROR, ("stopping_point",), "Not here.")

    service = SettingsService(MemoryStore(), organization_rules=[no_merge_default])
    service.add_invariant(ADMIN, "acme", FIX_NEEDS_SCAN)
    with pytest.raises(ValidationError) as caught:
        service.update_organization(ADMIN, "acme", OrganizationPatch(stopping_point=MERGE))
    assert caught.value.codes == {"stopping_point": ["no_merge"]}
    with pytest.raises(ValidationError) as caught:
        service.update_organization(
            ADMIN, "acme", OrganizationPatch(scan_enabled=False, fix_enabled=True)
        )
    assert caught.value.codes == {"fix_enabled": [INVARIANT_VIOLATED]}


# The law: accepted writes never add a violation -----------------------------------------------

PROJECTS = ("web", "api", "docs")
_project_ids = st.sampled_from(PROJECTS)
_writes = st.one_of(
    st.tuples(
        st.just("org"),
        st.builds(
            OrganizationPatch,
            scan_enabled=st.booleans(),
            fix_enabled=st.booleans(),
            stopping_point=s.stopping_points,
            max_stopping_point=s.optional_stopping_points,
        ),
    ),
    st.tuples(
        st.just("project"),
        _project_ids,
        st.builds(
            ProjectPatch,
            scan_enabled_override=s.optional_bools,
            fix_enabled_override=s.optional_bools,
            stopping_point_override=s.optional_stopping_points,
            repositories=st.lists(
                s.repository_settings(), max_size=2, unique_by=lambda r: r.repository.key
            ).map(tuple),
        ),
    ),
    st.tuples(st.just("reset"), _project_ids),
    st.tuples(
        st.just("bulk"),
        st.lists(_project_ids, min_size=1, unique=True),
        st.builds(
            ProjectPatch,
            stopping_point_override=s.optional_stopping_points,
            fix_enabled_override=s.optional_bools,
        ),
    ),
    st.tuples(st.just("invariant"), s.invariants(), st.booleans()),
    st.tuples(
        st.just("import"),
        st.lists(
            _project_ids.flatmap(lambda project_id: s.project_settings("acme", project_id)),
            max_size=2,
            unique_by=lambda project: project.project_id,
        ),
    ),
)


def _apply(service, write):
    kind = write[0]
    if kind == "org":
        service.update_organization(ADMIN, "acme", write[1])
    elif kind == "project":
        service.update_project(ADMIN, "acme", write[1], write[2])
    elif kind == "reset":
        service.reset_project(ADMIN, "acme", write[1])
    elif kind == "bulk":
        service.bulk_update(ADMIN, "acme", write[1], write[2])
    elif kind == "import":
        organization = service.get_organization(ADMIN, "acme").settings
        service.import_organization(ADMIN, organization, write[1])
    elif kind == "invariant":
        invariants = service.get_invariants(ADMIN, "acme").invariants
        if all(i.name != write[1].name for i in invariants):
            service.add_invariant(ADMIN, "acme", write[1], enforce=write[2])


def _state(service):
    with service._uow(read_only=True) as uow:
        state = uow.projects.load_organization("acme")
    invariants = () if state.organization is None else state.organization.invariants
    # A project the host knows that stored nothing stands where the organization's default
    # stands: it counts, with no overrides.
    stored = {project.project_id for project in state.projects}
    known = [*state.projects, *(ProjectSettings("acme", p) for p in PROJECTS if p not in stored)]
    return state, reference_violations(state.organization, known, invariants)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s.invariant_lists, st.lists(_writes, max_size=8))
def test_accepted_writes_never_add_a_violation(invariants, writes):
    service = SettingsService(MemoryStore())
    for invariant in invariants:
        service.add_invariant(ADMIN, "acme", invariant, enforce=True)
    _, allowed = _state(service)
    for write in writes:
        before, _ = _state(service)
        try:
            _apply(service, write)
        except (ValidationError, NotFoundError):  # a reset of a project never stored: not found
            assert _state(service)[0] == before  # refused: nothing written
            continue
        _, found = _state(service)
        held = () if before.organization is None else before.organization.invariants
        added = write[0] == "invariant" and all(i.name != write[1].name for i in held)
        if added and write[2]:
            # Saved with enforce: its violations as found now are the ones it keeps.
            allowed |= {v for v in found if v[0] == write[1].name}
        elif added:
            assert not {v for v in found if v[0] == write[1].name}  # saved: none at all
        assert found <= allowed, found - allowed
        allowed = found  # a fixed violation may not come back
