"""The output documents, by example: what a reader of the API gets for known settings.

Round trips (tests/unit/test_codec.py) prove that parsing reads back what dumping writes; these
examples pin the documents themselves (keys, values, order of lists), field by field, for the
documents nothing parses back: traces, decisions, impact previews, explanations, audit
entries, bulk results.
"""

from __future__ import annotations

import datetime as dt
import json

import attrs
from hypothesis import given

from ai_settings_core import (
    BranchPattern,
    BranchRule,
    Finding,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    Setting,
    Severity,
    StoppingPoint,
    decide,
    resolve_organization,
    resolve_project,
    resolve_repository,
)
from ai_settings_core.codec import (
    dump_audit_entry,
    dump_audit_page,
    dump_bulk_result,
    dump_decision,
    dump_explanation,
    dump_export,
    dump_exposure,
    dump_findings,
    dump_impact,
    dump_invariants_view,
    dump_organization,
    dump_project,
    dumps_export,
    parse_organization,
    parse_project,
)
from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.changes import FieldChange, preview_impact
from ai_settings_core.domain.exposure import exposure
from ai_settings_core.domain.views import (
    BulkResult,
    Explanation,
    InvariantsView,
    ProjectView,
    RepositoryView,
)
from ai_settings_core.domain.violations import find_violations
from ai_settings_core.ports import Page
from tests import strategies as s
from tests.unit.test_codec import check

API = RepositoryRef.parse("github:acme/api")
WEB = RepositoryRef.parse("github:acme/web")
# Fixing on, merging allowed, scanning and fixing locked.
LOCKING = OrganizationSettings(
    "acme",
    fix_enabled=True,
    stopping_point=StoppingPoint.MERGE,
    locked=frozenset({Setting.SCAN_ENABLED, Setting.FIX_ENABLED}),
    max_stopping_point=StoppingPoint.MERGE,
    version=3,
)
# A project that tries to turn fixing off (the lock wins) and stops at pull requests.
WEB_PROJECT = ProjectSettings(
    "acme",
    "web",
    fix_enabled_override=False,
    stopping_point_override=StoppingPoint.PULL_REQUEST,
    repositories=(
        RepositorySettings(
            API,
            branch_patterns=(BranchPattern("main"), BranchPattern("release/*")),
            stopping_point_override=StoppingPoint.MERGE,
        ),
    ),
    environments=frozenset({"prod", "dev"}),
    version=2,
)
WARNING = Finding("fix_without_scan", Severity.WARNING, ("fix_enabled",), "Fix needs scan.")


def trace(value, level, reason, shadowed=()):
    return {
        "value": value,
        "level": level,
        "reason": reason,
        "shadowed": [{"level": lv, "value": v, "reason": r} for lv, v, r in shadowed],
    }


def test_the_organization_read_document() -> None:
    document = dump_organization(LOCKING, resolve_organization(LOCKING), [WARNING])
    assert document == {
        "organization_id": "acme",
        "scan_enabled": True,
        "fix_enabled": True,
        "stopping_point": "merge",
        "locked": ["fix_enabled", "scan_enabled"],  # sorted
        "max_stopping_point": "merge",
        "invariants": [],
        "version": 3,
        "sources": {
            "scan_enabled": trace(True, "organization", "OVERRIDDEN"),
            "fix_enabled": trace(True, "organization", "OVERRIDDEN"),
            "stopping_point": trace("merge", "organization", "OVERRIDDEN"),
        },
        "warnings": [
            {
                "code": "fix_without_scan",
                "severity": "warning",
                "path": ["fix_enabled"],
                "field": "fix_enabled",
                "message": "Fix needs scan.",
            }
        ],
    }
    # Without a resolution nor warnings: the stored document alone.
    assert set(dump_organization(LOCKING)) == set(document) - {"sources", "warnings"}


def test_the_project_read_document_shows_what_a_lock_shadows() -> None:
    document = dump_project(WEB_PROJECT, resolve_project(LOCKING, WEB_PROJECT), ())
    assert document == {
        "organization_id": "acme",
        "project_id": "web",
        "scan_enabled_override": None,
        "fix_enabled_override": False,
        "stopping_point_override": "pull_request",
        "repositories": [
            {
                "repository": "github:acme/api",
                "ai_enabled": True,
                "branch_patterns": ["main", "release/*"],
                "stopping_point_override": "merge",
            }
        ],
        "environments": ["dev", "prod"],  # sorted
        "version": 2,
        "effective": {"scan_enabled": True, "fix_enabled": True, "stopping_point": "pull_request"},
        "sources": {
            "scan_enabled": trace(True, "organization", "LOCKED"),
            "fix_enabled": trace(True, "organization", "LOCKED", [("project", False, "LOCKED")]),
            "stopping_point": trace("pull_request", "project", "OVERRIDDEN"),
        },
        "warnings": [],  # given, even empty
    }
    assert set(dump_project(WEB_PROJECT)) == set(document) - {"effective", "sources", "warnings"}


def test_a_decision() -> None:
    allowed = decide(LOCKING, WEB_PROJECT, repository=API, branch="release/2", environment="prod")
    assert dump_decision(allowed) == {
        "scan": True,
        "fix": True,
        "stopping_point": "merge",
        "reasons": [],
    }
    refused = decide(LOCKING, WEB_PROJECT, repository=API, branch="feature", environment="dev")
    assert dump_decision(refused) == {
        "scan": False,
        "fix": False,
        "stopping_point": None,
        "reasons": ["branch_not_matched"],
    }


def test_an_impact_preview_lists_the_organization_projects_and_repositories() -> None:
    before = OrganizationSettings("acme", fix_enabled=True, stopping_point=StoppingPoint.MERGE)
    after = attrs.evolve(before, stopping_point=StoppingPoint.PULL_REQUEST)
    project = ProjectSettings(
        "acme",
        "web",
        repositories=(
            RepositorySettings(API, stopping_point_override=StoppingPoint.MERGE),
            RepositorySettings(WEB),
        ),
    )
    # A project with its own stopping point is considered, and not affected.
    untouched = ProjectSettings("acme", "docs", stopping_point_override=StoppingPoint.SUGGESTION)
    change = {"field": "stopping_point", "before": "merge", "after": "pull_request"}
    assert dump_impact(preview_impact(before, after, [project, untouched])) == {
        "organization": [change],
        "projects": [
            {
                "project_id": "web",
                "changes": [change],
                # github:acme/api keeps its own stopping point.
                "repositories": [{"repository": "github:acme/web", "changes": [change]}],
            }
        ],
        "projects_considered": 2,
    }


def test_field_changes_write_tuples_as_lists() -> None:
    locked = FieldChange("locked", (), ("fix_enabled", "scan_enabled"))
    entry = AuditEntry(
        organization_id="acme",
        project_id="web",
        actor="user:42",
        event=AuditEvent.PROJECT_AI_SETTINGS_EDIT,
        target="web",
        occurred_at=dt.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
        stored_changes=(locked,),
        effective_changes=(FieldChange("fix_enabled", False, True),),
        id=7,
    )
    document = {
        "id": 7,
        "organization_id": "acme",
        "project_id": "web",
        "actor": "user:42",
        "event": "project_ai_settings.edit",
        "target": "web",
        "occurred_at": "2025-01-02T03:04:05.000006Z",
        "stored_changes": [
            {"field": "locked", "before": [], "after": ["fix_enabled", "scan_enabled"]}
        ],
        "effective_changes": [{"field": "fix_enabled", "before": False, "after": True}],
        "change_id": None,
        "reverts": None,
    }
    assert dump_audit_entry(entry) == document
    assert dump_audit_page(Page((entry, entry), "cursor-2")) == {
        "results": [document, document],
        "next_cursor": "cursor-2",
    }
    assert dump_audit_page(Page(())) == {"results": [], "next_cursor": None}


def view(project: ProjectSettings, warnings: tuple[Finding, ...] = ()) -> ProjectView:
    repositories = tuple(
        RepositoryView(repository, resolve_repository(LOCKING, project, repository))
        for repository in project.repositories
    )
    return ProjectView(project, LOCKING, resolve_project(LOCKING, project), repositories, warnings)


def test_an_explanation_of_a_listed_an_unlisted_and_no_repository() -> None:
    web = view(WEB_PROJECT, (WARNING,))
    listed = Explanation(
        web,
        API,
        WEB_PROJECT.repositories[0],
        resolve_repository(LOCKING, WEB_PROJECT, API),
        decide(LOCKING, WEB_PROJECT, repository=API, branch="main", environment="prod"),
    )
    assert dump_explanation(listed) == {
        "project": dump_project(WEB_PROJECT, web.resolution, (WARNING,)),
        "repository": {
            "repository": "github:acme/api",
            "configured": True,
            "settings": {
                "repository": "github:acme/api",
                "ai_enabled": True,
                "branch_patterns": ["main", "release/*"],
                "stopping_point_override": "merge",
            },
            "sources": {
                "scan_enabled": trace(True, "organization", "LOCKED"),
                "fix_enabled": trace(
                    True, "organization", "LOCKED", [("project", False, "LOCKED")]
                ),
                "stopping_point": trace("merge", "repository", "OVERRIDDEN"),
            },
        },
        "decision": {"scan": True, "fix": True, "stopping_point": "merge", "reasons": []},
    }
    unlisted = Explanation(
        web, WEB, None, None, decide(LOCKING, WEB_PROJECT, repository=WEB, environment="prod")
    )
    assert dump_explanation(unlisted)["repository"] == {
        "repository": "github:acme/web",
        "configured": False,
        "settings": None,
        "sources": None,
    }
    without = Explanation(web, None, None, None, decide(LOCKING, WEB_PROJECT, environment="prod"))
    assert dump_explanation(without)["repository"] is None


def test_a_bulk_result() -> None:
    bare = ProjectSettings("acme", "docs")
    warning = Finding("w", Severity.WARNING, ("projects", "docs", "fix_enabled"), "Advice.")
    result = BulkResult((view(WEB_PROJECT), view(bare)), ("docs",), (warning,))
    assert dump_bulk_result(result) == {
        "changed": ["docs"],
        "projects": [
            dump_project(WEB_PROJECT, resolve_project(LOCKING, WEB_PROJECT), ()),
            dump_project(bare, resolve_project(LOCKING, bare), ()),
        ],
        "warnings": dump_findings([warning]),
    }


def test_an_export_sorts_the_projects_and_may_leave_the_versions_out() -> None:
    docs = ProjectSettings("acme", "docs", version=5)
    document = dump_export(LOCKING, [WEB_PROJECT, docs], versions=False)
    assert [project["project_id"] for project in document["projects"]] == ["docs", "web"]
    assert "version" not in document
    assert all("version" not in project for project in document["projects"])
    with_versions = dump_export(LOCKING, [WEB_PROJECT, docs])
    assert with_versions["version"] == 3
    assert [project["version"] for project in with_versions["projects"]] == [5, 2]


def test_dumps_export_is_indented_json_ending_with_a_newline() -> None:
    text = dumps_export(None, [ProjectSettings("acme", "café")], "acme", versions=False)
    assert text.endswith("}\n")
    assert '\n  "organization_id": "acme",\n' in text
    assert '"project_id": "café"' in text  # not escaped
    assert json.loads(text) == dump_export(
        OrganizationSettings("acme"), [ProjectSettings("acme", "café")], versions=False
    )


def test_dumps_export_writes_the_stored_organization_with_its_versions() -> None:
    text = dumps_export(LOCKING, [WEB_PROJECT], "acme")
    assert json.loads(text) == dump_export(LOCKING, [WEB_PROJECT])


# --- issue 20: expiries, shared resolutions, exposure and invariants in the documents --------


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@given(s.optional_expiring_organizations, s.expiring_project_settings())
def test_expiries_round_trip_and_each_trace_says_when_its_value_ends(organization, project):
    stored = organization or OrganizationSettings("acme")
    assert parse_organization(dump_organization(stored)) == stored
    assert parse_project(dump_project(project)) == project
    resolution = resolve_project(organization, project, now=s.EPOCH)
    document = dump_project(project, resolution, ())
    check(document, "project_read")
    for setting in Setting:
        trace = getattr(resolution, setting.value)
        dumped = document["sources"][setting.value]
        assert (trace.expires_at is None) == ("expires_at" not in dumped)
        if trace.expires_at is not None:
            assert _instant(dumped["expires_at"]) == trace.expires_at
        for shadow, item in zip(trace.shadowed, dumped["shadowed"], strict=True):
            assert (shadow.expires_at is None) == ("expires_at" not in item)
            if shadow.expires_at is not None:
                assert _instant(item["expires_at"]) == shadow.expires_at


@given(s.optional_expiring_organizations, s.expiring_project_lists)
def test_read_documents_built_with_shared_resolutions_are_those_built_alone(organization, projects):
    shared: dict = {}
    for project in projects:
        resolution = resolve_project(organization, project, now=s.EPOCH)
        alone = dump_project(project, resolution, ())
        assert dump_project(project, resolution, (), shared=shared) == alone
        assert dump_project(project, resolution, (), shared=shared) == alone


@given(s.optional_expiring_organizations, s.expiring_project_lists, s.invariant_lists)
def test_the_exposure_and_invariants_documents_say_what_the_reports_hold(
    organization, projects, invariants
):
    report = exposure("acme", organization, projects, now=s.EPOCH)
    document = dump_exposure(report)
    check(document, "exposure")
    assert document["organization_id"] == "acme"
    assert document["at"] is None
    assert [project["project_id"] for project in document["projects"]] == [
        project.project_id for project in report.projects
    ]
    for dumped, project in zip(document["projects"], report.projects, strict=True):
        effective = project.resolution.effective
        assert dumped["effective"] == {
            "scan_enabled": effective.scan_enabled,
            "fix_enabled": effective.fix_enabled,
            "stopping_point": effective.stopping_point.value,
        }
        assert dumped["environments"] == sorted(project.environments)
        assert dumped["unlisted"] == dump_decision(project.unlisted)
        assert dumped["repositories"] == [
            {
                "repository": str(repository.repository),
                "ai_enabled": repository.ai_enabled,
                "branches": [
                    {"pattern": branch.pattern.text, "decision": dump_decision(branch.decision)}
                    for branch in repository.branches
                ],
            }
            for repository in project.repositories
        ]
    for point in StoppingPoint:
        at = dump_exposure(report, point)
        assert at["at"] == point.value
        assert at == dump_exposure(report.reaching(point), point)
        places = report.reaching(point).places(point)
        assert at["places"] == {
            reached.value: [
                {
                    "project_id": place.project_id,
                    "repository": str(place.repository),
                    "branch_pattern": place.pattern.text,
                    "environments": sorted(place.environments),
                    "stopping_point": place.stopping_point.value,
                }
                for place in group
            ]
            for reached, group in places.items()
        }
    violations = find_violations(organization, projects, invariants, now=s.EPOCH)
    view = InvariantsView("acme", tuple(invariants), violations, 7)
    document = dump_invariants_view(view)
    check(document, "invariants_read")
    assert (document["organization_id"], document["version"]) == ("acme", 7)
    assert len(document["invariants"]) == len(invariants)
    assert [
        (v["invariant"], v["project_id"], v["repository"], tuple(v["path"]), v["message"])
        for v in document["violations"]
    ] == [
        (
            v.invariant,
            v.project_id,
            None if v.repository is None else str(v.repository),
            v.path,
            v.message,
        )
        for v in violations
    ]


def test_a_rule_without_an_override_is_written_as_its_pattern_and_invariants_round_trip() -> None:
    project = parse_project(
        {
            "organization_id": "acme",
            "project_id": "web",
            "repositories": [
                {
                    "repository": "github:acme/api",
                    "branch_patterns": [
                        {"pattern": "main"},
                        {"pattern": "release/*", "stopping_point_override": "suggestion"},
                    ],
                }
            ],
        }
    )
    assert dump_project(project)["repositories"][0]["branch_patterns"] == [
        "main",
        {"pattern": "release/*", "stopping_point_override": "suggestion"},
    ]
    invariant = {"name": "m", "kind": "merge_only_on_branches", "branches": ["main"]}
    organization = parse_organization({"organization_id": "acme", "invariants": [invariant]})
    assert dump_organization(organization)["invariants"] == [invariant]
    assert parse_organization(dump_organization(organization)) == organization


def test_an_expiry_is_written_to_the_second_unless_it_has_microseconds() -> None:
    whole = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    project = ProjectSettings(
        "acme",
        "web",
        scan_enabled_override=True,
        scan_enabled_override_expires_at=whole,
        fix_enabled_override=True,
        fix_enabled_override_expires_at=whole.replace(microsecond=500000),
    )
    document = dump_project(project)
    assert document["scan_enabled_override_expires_at"] == "2026-12-01T09:00:00Z"
    assert document["fix_enabled_override_expires_at"] == "2026-12-01T09:00:00.500000Z"
    only_scan = attrs.evolve(
        project, fix_enabled_override=None, fix_enabled_override_expires_at=None
    )
    assert dump_project(only_scan)["scan_enabled_override_expires_at"] == "2026-12-01T09:00:00Z"


def test_each_dump_is_a_new_document_even_for_rules_dumped_before() -> None:
    # Repositories configured alike share one tuple of rules; their items are dumped once
    # and copied into each document, so a document changed in place changes no other.
    rules = (BranchPattern("main"), BranchPattern("release/*"))
    ruled = (BranchRule(BranchPattern("hotfix-*"), StoppingPoint.SUGGESTION),)
    project = ProjectSettings(
        "acme",
        "web",
        repositories=(
            RepositorySettings(RepositoryRef.parse("github:acme/api"), branch_patterns=rules),
            RepositorySettings(RepositoryRef.parse("github:acme/web"), branch_patterns=ruled),
        ),
    )
    first = dump_project(project)
    first["repositories"][0]["branch_patterns"].append("changed")
    first["repositories"][1]["branch_patterns"][0]["pattern"] = "changed"
    again = dump_project(project)
    assert again["repositories"][0]["branch_patterns"] == ["main", "release/*"]
    assert again["repositories"][1]["branch_patterns"] == [
        {"pattern": "hotfix-*", "stopping_point_override": "suggestion"}
    ]
    assert again == dump_project(attrs.evolve(project))


def test_every_repository_whose_override_expires_writes_its_expiry() -> None:
    later = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)

    def repository(name: str, expires_at: dt.datetime | None) -> RepositorySettings:
        return RepositorySettings(
            RepositoryRef.parse(f"github:acme/{name}"),
            stopping_point_override=StoppingPoint.SUGGESTION,
            stopping_point_override_expires_at=expires_at,
        )

    def expiries(*repositories: RepositorySettings) -> list[str | None]:
        document = dump_project(ProjectSettings("acme", "web", repositories=repositories))
        return [item.get("stopping_point_override_expires_at") for item in document["repositories"]]

    assert expiries(repository("api", later)) == ["2026-12-01T09:00:00Z"]
    assert expiries(repository("api", later), repository("web", later)) == [
        "2026-12-01T09:00:00Z",
        "2026-12-01T09:00:00Z",
    ]
    assert expiries(repository("api", None), repository("web", later)) == [
        None,
        "2026-12-01T09:00:00Z",
    ]
    assert expiries(repository("api", later), repository("web", None)) == [
        "2026-12-01T09:00:00Z",
        None,
    ]
    assert expiries(repository("api", None)) == [None]
