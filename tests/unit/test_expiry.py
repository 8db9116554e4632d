"""Overrides and locks that expire: resolution at ``now``, snapshots across the instant, writes.

The laws: an override or lock is in force strictly before its expiry and absent from it on
(never resurrected after it expired, never hidden before); a decision snapshot answers what
``decide`` answers at every moment, across any number of expiries, without being rebuilt by its
caller; a write may not set an expiry that has passed.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    Actor,
    DecisionReason,
    DecisionSnapshot,
    Level,
    OrganizationSettings,
    ProjectSettings,
    Reason,
    RepositoryRef,
    RepositorySettings,
    Setting,
    SettingsService,
    StoppingPoint,
    ValidationError,
    decide,
    next_expiry,
    resolve_project,
    resolve_repository,
)
from ai_settings_core.changes import OrganizationPatch, ProjectPatch, RepositoryPatch
from ai_settings_core.codec import (
    dump_project,
    dump_resolution,
    parse_organization_patch,
    parse_project,
    parse_project_patch,
)
from ai_settings_core.domain.permissions import ALL_SCOPES
from ai_settings_core.domain.resolve_all import resolve_all
from ai_settings_core.rules import validate_organization, validate_project
from tests import strategies as s
from tests.adapters import make_store
from tests.clocks import ManualClock
from tests.reference import org_dict, plain, project_dict, reference_effective, repository_dict

EPOCH = s.EPOCH
HOUR = dt.timedelta(hours=1)
API = RepositoryRef.parse("github:acme/api")
ADMIN = Actor("user:admin", "acme", ALL_SCOPES, role="owner")
ORG = OrganizationSettings("acme", fix_enabled=True, stopping_point=StoppingPoint.MERGE)


def paused(until: dt.datetime = EPOCH) -> ProjectSettings:
    """ "No automated fixes on this project until ``until``"."""
    return ProjectSettings(
        "acme",
        "payments",
        fix_enabled_override=False,
        fix_enabled_override_expires_at=until,
        repositories=(RepositorySettings(API),),
    )


# The laws, against the reference model ------------------------------------------------------


@given(s.optional_expiring_organizations, s.expiring_project_settings(), s.moments)
def test_resolution_at_any_moment_matches_the_reference(org, project, now):
    expected = reference_effective(org_dict(org), project_dict(project), now=now)
    assert plain(resolve_project(org, project, now=now).effective) == expected
    for repository in project.repositories:
        expected = reference_effective(
            org_dict(org), project_dict(project), repository_dict(repository), now=now
        )
        assert plain(resolve_repository(org, project, repository, now=now).effective) == expected


@given(s.optional_expiring_organizations, s.expiring_project_settings(), s.moments)
def test_an_expired_value_is_absent_and_a_live_one_present(org, project, now):
    """Resolving at ``now`` is resolving what stands at ``now``, expiries removed."""
    standing_org = None if org is None else org.at(now)
    assert standing_org is None or not standing_org.has_expiries
    assert project.at(now).expiries() == ()
    assert (
        resolve_project(org, project, now=now).effective
        == resolve_project(standing_org, project.at(now)).effective
    )
    for repository in project.at(now).repositories:
        assert (
            resolve_repository(org, project, repository.repository, now=now).effective
            == resolve_repository(standing_org, project.at(now), repository).effective
        )


@given(s.expiring_organization_settings("acme"), s.expiring_project_settings(), s.moments)
def test_an_expiry_is_never_undone_and_never_early(org, project, now):
    """What expired by ``now`` stays expired later; nothing expires before its instant."""
    for later in (now, now + HOUR, now + 10 * HOUR):
        traces = resolve_project(org, project, now=later).traces
        expired = {
            (t.setting, sh.level)
            for t in traces
            for sh in t.shadowed
            if sh.reason is Reason.EXPIRED
        }
        for setting in Setting:
            ends = project.override_expires_at(setting)
            gone = ends is not None and ends <= later
            assert ((setting, Level.PROJECT) in expired) == gone
            lock_ends = org.lock_expires_at(setting)
            lock_gone = setting in org.locked and lock_ends is not None and lock_ends <= later
            assert ((setting, Level.ORGANIZATION) in expired) == lock_gone
            trace = resolve_project(org, project, now=later).trace(setting)
            locked_now = setting in org.locked and not lock_gone
            assert (trace.reason is Reason.LOCKED) == locked_now


@given(
    s.optional_expiring_organizations,
    s.expiring_project_lists,
    st.lists(s.moments, min_size=1, max_size=5),
)
def test_a_snapshot_answers_what_decide_answers_at_every_moment(org, projects, moments):
    clock = ManualClock(min(moments))
    snapshot = DecisionSnapshot.prepare(org, projects, clock=clock)
    for now in sorted(moments):
        clock.now = now
        for project in [*projects, ProjectSettings("acme", "unknown")]:
            refs = [None, API, *(r.repository for r in project.repositories)]
            for ref in refs:
                for branch in ("main", "feature/x"):
                    expected = decide(org, project, repository=ref, branch=branch, now=now)
                    got = snapshot.decide(project.project_id, ref, branch)
                    assert got == expected, (now, project.project_id, ref, branch)


@given(s.optional_expiring_organizations, s.expiring_project_settings(), s.moments)
def test_resolve_all_resolves_each_project_at_now(org, project, now):
    other = ProjectSettings("acme", "plain", fix_enabled_override=project.fix_enabled_override)
    resolved = resolve_all(org, [project, other], now=now)
    assert resolved[project.project_id] == resolve_project(org, project, now=now)
    assert resolved["plain"] == resolve_project(org, other, now=now)


# Resolution: the trace says EXPIRED, and when a live value ends ------------------------------


def test_a_live_override_says_when_it_ends():
    trace = resolve_project(ORG, paused(), now=EPOCH - HOUR).fix_enabled
    assert (trace.value, trace.reason, trace.level, trace.expires_at) == (
        False,
        Reason.OVERRIDDEN,
        Level.PROJECT,
        EPOCH,
    )
    assert trace.shadowed == ()


def test_at_its_instant_an_override_has_expired_and_the_trace_keeps_it():
    trace = resolve_project(ORG, paused(), now=EPOCH).fix_enabled
    assert (trace.value, trace.reason, trace.level, trace.expires_at) == (
        True,
        Reason.INHERITED,
        Level.ORGANIZATION,
        None,
    )
    (shadow,) = trace.shadowed
    assert (shadow.level, shadow.value, shadow.reason, shadow.expires_at) == (
        Level.PROJECT,
        False,
        Reason.EXPIRED,
        EPOCH,
    )
    assert dump_resolution(resolve_project(ORG, paused(), now=EPOCH))["fix_enabled"] == {
        "value": True,
        "level": "organization",
        "reason": "INHERITED",
        "shadowed": [
            {
                "level": "project",
                "value": False,
                "reason": "EXPIRED",
                "expires_at": "2026-12-01T09:00:00Z",
            }
        ],
    }


def test_a_lock_that_expires_frees_the_overrides_it_shadowed():
    org = attrs.evolve(
        ORG, locked=frozenset({Setting.FIX_ENABLED}), fix_enabled_lock_expires_at=EPOCH
    )
    project = ProjectSettings("acme", "web", fix_enabled_override=False)
    before = resolve_project(org, project, now=EPOCH - HOUR).fix_enabled
    assert (before.value, before.reason, before.expires_at) == (True, Reason.LOCKED, EPOCH)
    assert [sh.reason for sh in before.shadowed] == [Reason.LOCKED]
    after = resolve_project(org, project, now=EPOCH).fix_enabled
    assert (after.value, after.reason, after.level) == (False, Reason.OVERRIDDEN, Level.PROJECT)
    assert [(sh.level, sh.reason, sh.expires_at) for sh in after.shadowed] == [
        (Level.ORGANIZATION, Reason.EXPIRED, EPOCH)
    ]


def test_a_repository_override_expires_back_to_the_projects_stopping_point():
    repository = RepositorySettings(
        API,
        stopping_point_override=StoppingPoint.SUGGESTION,
        stopping_point_override_expires_at=EPOCH,
    )
    project = ProjectSettings("acme", "web", repositories=(repository,))
    live = resolve_repository(ORG, project, API, now=EPOCH - HOUR).stopping_point
    assert (live.value, live.level, live.expires_at) == (
        StoppingPoint.SUGGESTION,
        Level.REPOSITORY,
        EPOCH,
    )
    gone = resolve_repository(ORG, project, API, now=EPOCH).stopping_point
    assert (gone.value, gone.level) == (StoppingPoint.MERGE, Level.ORGANIZATION)
    assert [sh.reason for sh in gone.shadowed] == [Reason.EXPIRED]


def test_settings_that_expire_need_now():
    with pytest.raises(TypeError, match="now="):
        resolve_project(ORG, paused())
    with pytest.raises(TypeError, match="now="):
        decide(ORG, paused())
    with pytest.raises(TypeError, match="clock="):
        DecisionSnapshot.prepare(ORG, [paused()])
    # Settings without an expiry do not.
    assert resolve_project(ORG, attrs.evolve(paused(), fix_enabled_override_expires_at=None))


def test_next_expiry_is_the_earliest_after_now():
    org = attrs.evolve(
        ORG, locked=frozenset({Setting.SCAN_ENABLED}), scan_enabled_lock_expires_at=EPOCH + HOUR
    )
    projects = [paused(EPOCH), paused(EPOCH + 2 * HOUR)]
    assert next_expiry(org, projects, EPOCH - HOUR) == EPOCH
    assert next_expiry(org, projects, EPOCH) == EPOCH + HOUR
    assert next_expiry(org, projects, EPOCH + 2 * HOUR) is None


# The snapshot across the instant ------------------------------------------------------------


def test_a_snapshot_answers_from_a_fresh_preparation_after_the_instant():
    clock = ManualClock(EPOCH - dt.timedelta(microseconds=1))
    snapshot = DecisionSnapshot.prepare(ORG, [paused()], clock=clock)
    assert snapshot.decide("payments", API, "main").reasons == (DecisionReason.FIX_DISABLED,)
    clock.now = EPOCH
    after = snapshot.decide("payments", API, "main")
    assert (after.fix, after.stopping_point) == (True, StoppingPoint.MERGE)
    # The fresh preparation is made once and kept.
    fresh = snapshot._later[0]
    assert snapshot.decide("payments", API, "main") is after
    assert snapshot._later[0] is fresh


def test_a_snapshot_without_expiries_never_reads_its_clock():
    def clock() -> dt.datetime:
        raise AssertionError("read")

    snapshot = DecisionSnapshot.prepare(ORG, [ProjectSettings("acme", "web")], clock=clock)
    assert snapshot.decide("web").scan
    assert snapshot.replace_project(ProjectSettings("acme", "api")).decide("api").scan


def test_snapshots_derived_across_the_instant_stay_correct():
    clock = ManualClock(EPOCH - HOUR)
    snapshot = DecisionSnapshot.prepare(ORG, [paused()], clock=clock)
    locked = attrs.evolve(
        ORG,
        locked=frozenset({Setting.STOPPING_POINT}),
        stopping_point_lock_expires_at=EPOCH + HOUR,
        stopping_point=StoppingPoint.SUGGESTION,
    )
    web = ProjectSettings(
        "acme",
        "web",
        stopping_point_override=StoppingPoint.PULL_REQUEST,
        repositories=(RepositorySettings(API),),
    )
    derived = snapshot.with_organization(locked).replace_project(web)
    clock.now = EPOCH + HOUR / 2
    assert derived.decide("payments", API, "main") == decide(
        locked, paused(), repository=API, branch="main", now=clock.now
    )
    assert derived.decide("web", API, "main").stopping_point is StoppingPoint.SUGGESTION
    clock.now = EPOCH + HOUR
    assert derived.decide("web", API, "main").stopping_point is StoppingPoint.PULL_REQUEST
    again = derived.remove_project("payments").replace_project(paused(EPOCH + 3 * HOUR))
    for hours in (1, 2, 3, 4):
        clock.now = EPOCH + hours * HOUR
        for project in (paused(EPOCH + 3 * HOUR), web):
            assert again.decide(project.project_id, API, "main") == decide(
                locked, project, repository=API, branch="main", now=clock.now
            )


# Patches: an expiry belongs to the value it ends ---------------------------------------------


def test_writing_an_override_without_an_expiry_writes_it_for_good():
    project = paused()
    assert (
        ProjectPatch(fix_enabled_override=True).apply(project).fix_enabled_override_expires_at
        is None
    )
    assert ProjectPatch(fix_enabled_override=None).apply(project).expiries() == ()
    later = EPOCH + HOUR
    moved = ProjectPatch(fix_enabled_override_expires_at=later).apply(project)
    assert (moved.fix_enabled_override, moved.fix_enabled_override_expires_at) == (False, later)
    repository = RepositorySettings(
        API, stopping_point_override=StoppingPoint.MERGE, stopping_point_override_expires_at=EPOCH
    )
    assert (
        RepositoryPatch(stopping_point_override=StoppingPoint.SUGGESTION)
        .apply(repository)
        .stopping_point_override_expires_at
        is None
    )


def test_a_new_lock_is_for_good_and_an_unlocked_setting_keeps_no_expiry():
    org = attrs.evolve(
        ORG, locked=frozenset({Setting.FIX_ENABLED}), fix_enabled_lock_expires_at=EPOCH
    )
    relocked = OrganizationPatch(lock=frozenset({Setting.SCAN_ENABLED})).apply(org)
    assert relocked.fix_enabled_lock_expires_at == EPOCH  # an untouched lock keeps its end
    assert relocked.scan_enabled_lock_expires_at is None
    assert OrganizationPatch(unlock=frozenset({Setting.FIX_ENABLED})).apply(org).expiries() == ()
    ending = OrganizationPatch(
        lock=frozenset({Setting.SCAN_ENABLED}), scan_enabled_lock_expires_at=EPOCH + HOUR
    ).apply(org)
    assert ending.scan_enabled_lock_expires_at == EPOCH + HOUR


# Rules: a past expiry is refused; an expiry must end something -------------------------------


def test_an_expiry_in_the_past_is_refused_with_a_path():
    project = paused(EPOCH)
    codes = [(f.code, f.path) for f in validate_project(ORG, project, now=EPOCH) if f.is_error]
    assert codes == [("expired", ("fix_enabled_override_expires_at",))]
    assert not [f for f in validate_project(ORG, project, now=EPOCH - HOUR) if f.is_error]
    # Kept from before, it blocks nothing.
    assert not [
        f for f in validate_project(ORG, project, previous=project, now=EPOCH) if f.is_error
    ]


def test_an_expiry_without_its_value_is_refused():
    project = ProjectSettings(
        "acme",
        "web",
        scan_enabled_override_expires_at=EPOCH,
        repositories=(RepositorySettings(API, stopping_point_override_expires_at=EPOCH),),
    )
    found = {(f.code, f.path) for f in validate_project(ORG, project, now=EPOCH - HOUR)}
    assert ("not_overridden", ("scan_enabled_override_expires_at",)) in found
    assert ("not_overridden", ("repositories", 0, "stopping_point_override_expires_at")) in found
    org = OrganizationSettings("acme", fix_enabled_lock_expires_at=EPOCH)
    assert [(f.code, f.path) for f in validate_organization(org, now=EPOCH - HOUR)] == [
        ("not_locked", ("fix_enabled_lock_expires_at",))
    ]


def test_an_expired_lock_no_longer_forbids_an_override():
    org = attrs.evolve(
        ORG, locked=frozenset({Setting.FIX_ENABLED}), fix_enabled_lock_expires_at=EPOCH
    )
    project = ProjectSettings("acme", "web", fix_enabled_override=False)
    assert [f.code for f in validate_project(org, project, now=EPOCH - HOUR) if f.is_error] == [
        "locked"
    ]
    assert not [f for f in validate_project(org, project, now=EPOCH) if f.is_error]


# Payloads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2026-12-01T09:00", "naive_datetime"),
        ("2026-12-01T09:00:00.5", "naive_datetime"),
        ("next monday", "invalid_datetime"),
        ("2026-12-01", "invalid_datetime"),
        ("2026-13-01T09:00Z", "invalid_datetime"),
        ("2026-12-01T09:00Z" + " " * 100, "invalid_datetime"),
        ("0001-01-01T00:00+01:00", "invalid_datetime"),
        (1_800_000_000, "invalid"),
        (True, "invalid"),
        (["2026-12-01T09:00Z"], "invalid"),
    ],
)
def test_a_bad_expiry_is_refused_with_a_clear_code(value, code):
    with pytest.raises(ValidationError) as caught:
        parse_project_patch(
            {"fix_enabled_override": False, "fix_enabled_override_expires_at": value}
        )
    assert caught.value.codes == {"fix_enabled_override_expires_at": [code]}
    with pytest.raises(ValidationError) as caught:
        parse_organization_patch({"lock": ["fix_enabled"], "fix_enabled_lock_expires_at": value})
    assert caught.value.codes == {"fix_enabled_lock_expires_at": [code]}


def test_an_expiry_is_read_in_any_offset_and_written_in_utc():
    document = {
        "organization_id": "acme",
        "project_id": "payments",
        "fix_enabled_override": False,
        "fix_enabled_override_expires_at": "2026-12-01T10:00:00+01:00",
        "repositories": [
            {
                "repository": "github:acme/api",
                "stopping_point_override": "suggestion",
                "stopping_point_override_expires_at": "2026-12-01T09:00:00.250Z",
            }
        ],
    }
    project = parse_project(document)
    assert project.fix_enabled_override_expires_at == EPOCH
    dumped = dump_project(project)
    assert dumped["fix_enabled_override_expires_at"] == "2026-12-01T09:00:00Z"
    assert dumped["repositories"][0]["stopping_point_override_expires_at"] == (
        "2026-12-01T09:00:00.250000Z"
    )
    assert parse_project(dumped) == project
    # A project without expiries dumps exactly as before: no new keys.
    assert "fix_enabled_override_expires_at" not in dump_project(ProjectSettings("acme", "web"))


@given(s.expiring_project_settings())
def test_an_expiring_project_round_trips_through_its_payload(project):
    assert parse_project(dump_project(project)) == project


# The service: its clock decides -------------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def service_and_clock(request, tmp_path):
    clock = ManualClock(EPOCH - 2 * HOUR)
    return SettingsService(make_store(request.param, tmp_path), clock=clock), clock


def test_the_service_refuses_a_past_expiry_and_writes_nothing(service_and_clock):
    service, _clock = service_and_clock
    patch = parse_project_patch(
        {"fix_enabled_override": False, "fix_enabled_override_expires_at": "2026-12-01T06:00Z"}
    )
    with pytest.raises(ValidationError) as caught:
        service.update_project(ADMIN, "acme", "payments", patch)
    assert caught.value.codes == {"fix_enabled_override_expires_at": ["expired"]}
    assert service.audit_log(ADMIN, "acme").items == ()
    assert service.list_projects(ADMIN, "acme").items == ()


def test_an_override_expires_with_the_service_clock_and_nothing_is_deleted(service_and_clock):
    service, clock = service_and_clock
    patch = ProjectPatch(fix_enabled_override=True, fix_enabled_override_expires_at=EPOCH)
    view = service.update_project(ADMIN, "acme", "payments", patch)
    assert view.resolution.fix_enabled.value is True
    assert view.resolution.fix_enabled.expires_at == EPOCH
    (entry,) = service.audit_log(ADMIN, "acme").items
    assert {c.field: c.after for c in entry.stored_changes} == {
        "fix_enabled_override": True,
        "fix_enabled_override_expires_at": "2026-12-01T09:00:00Z",
    }
    clock.now = EPOCH
    view = service.get_project(ADMIN, "acme", "payments")
    assert view.project.fix_enabled_override is True  # still stored
    assert view.resolution.fix_enabled.value is False
    assert [sh.reason for sh in view.resolution.fix_enabled.shadowed] == [Reason.EXPIRED]
    (listed,) = service.list_projects(ADMIN, "acme").items
    assert listed.resolution == view.resolution
    explanation = service.explain(ADMIN, "acme", "payments")
    assert explanation.decision.reasons == (DecisionReason.FIX_DISABLED,)
    # A later, unrelated write is not blocked by the expired value it keeps.
    service.update_project(ADMIN, "acme", "payments", ProjectPatch(scan_enabled_override=True))


# The HTTP kit: the same payloads, the same codes, the service's clock -----------------------


def test_the_http_kit_carries_expiries_and_refuses_a_past_one():
    import json

    from ai_settings_core import MemoryStore
    from ai_settings_core.http import Request, SettingsApi

    clock = ManualClock(EPOCH - HOUR)
    api = SettingsApi(SettingsService(MemoryStore(), clock=clock), lambda request, org: ADMIN)

    def put(target, body):
        request = Request.from_target(
            "PUT", target, [("Content-Type", "application/json")], json.dumps(body).encode()
        )
        return api.handle(request)

    late = put(
        "/projects/acme/payments/ai-settings/",
        {"fix_enabled_override": False, "fix_enabled_override_expires_at": "2026-12-01T07:00Z"},
    )
    assert late.status == 400
    assert late.json() == {
        "fix_enabled_override_expires_at": [
            "This moment (2026-12-01T07:00:00Z) has already passed: an expiry must be in the future."
        ]
    }
    naive = put(
        "/organizations/acme/ai-settings/",
        {"lock": ["fix_enabled"], "fix_enabled_lock_expires_at": "2026-12-01T10:00"},
    )
    assert naive.status == 400
    assert "fix_enabled_lock_expires_at" in naive.json()
    saved = put(
        "/projects/acme/payments/ai-settings/",
        {"fix_enabled_override": False, "fix_enabled_override_expires_at": "2026-12-01T09:00Z"},
    )
    assert saved.status == 200
    body = saved.json()
    assert body["fix_enabled_override_expires_at"] == "2026-12-01T09:00:00Z"
    assert body["sources"]["fix_enabled"]["expires_at"] == "2026-12-01T09:00:00Z"


def test_an_export_with_an_expired_value_restores_where_it_came_from_only(tmp_path):
    from ai_settings_core.codec import dump_export, parse_export

    clock = ManualClock(EPOCH - HOUR)
    service = SettingsService(make_store("sqlite", tmp_path), clock=clock)
    service.update_project(
        ADMIN,
        "acme",
        "payments",
        ProjectPatch(fix_enabled_override=False, fix_enabled_override_expires_at=EPOCH),
    )
    clock.now = EPOCH + HOUR
    (view,) = service.list_projects(ADMIN, "acme").items
    document = dump_export(OrganizationSettings("acme"), [view.project])
    assert document["projects"][0]["fix_enabled_override_expires_at"] == "2026-12-01T09:00:00Z"
    organization, projects = parse_export(document)
    service.import_organization(ADMIN, organization, projects)  # nothing changes: accepted
    fresh = SettingsService(make_store("memory", tmp_path), clock=clock)
    with pytest.raises(ValidationError) as caught:
        fresh.import_organization(ADMIN, organization, projects)
    assert caught.value.codes == {"projects": [{"fix_enabled_override_expires_at": ["expired"]}]}
