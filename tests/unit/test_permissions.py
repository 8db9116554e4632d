"""The whole permission matrix: every use case x scope set x organization x project reach."""

from __future__ import annotations

import itertools

import pytest

from ai_settings_core import (
    ALL_SCOPES,
    Actor,
    NotFoundError,
    OrganizationPatch,
    PermissionDeniedError,
    ProjectPatch,
    RepositoryPatch,
    RepositoryRef,
    RepositorySettings,
    SettingsService,
)
from tests.adapters import make_store

REPO = RepositoryRef.parse("github:acme/api")
OWNER = Actor("user:owner", "acme", ALL_SCOPES)

# Each use case: (name, the scope or scopes it needs, whether it concerns the project "web",
# the call).
USE_CASES = [
    ("get_organization", "org:read", False, lambda s, a, org: s.get_organization(a, org)),
    (
        "update_organization",
        "org:admin",
        False,
        lambda s, a, org: s.update_organization(a, org, OrganizationPatch(fix_enabled=True)),
    ),
    (
        "preview_organization_change",
        ("org:read", "project:read"),
        False,
        lambda s, a, org: s.preview_organization_change(
            a, org, OrganizationPatch(fix_enabled=True)
        ),
    ),
    ("audit_log_organization", "org:admin", False, lambda s, a, org: s.audit_log(a, org)),
    ("list_projects", "project:read", False, lambda s, a, org: s.list_projects(a, org)),
    ("get_project", "project:read", True, lambda s, a, org: s.get_project(a, org, "web")),
    (
        "explain",
        "project:read",
        True,
        lambda s, a, org: s.explain(a, org, "web", repository=REPO, branch="main"),
    ),
    (
        "audit_log_project",
        "project:read",
        True,
        lambda s, a, org: s.audit_log(a, org, project_id="web"),
    ),
    (
        "update_project",
        "project:admin",
        True,
        lambda s, a, org: s.update_project(a, org, "web", ProjectPatch(fix_enabled_override=True)),
    ),
    ("reset_project", "project:admin", True, lambda s, a, org: s.reset_project(a, org, "web")),
    (
        "add_repository",
        "project:admin",
        True,
        lambda s, a, org: s.add_repository(
            a, org, "web", RepositorySettings(RepositoryRef.parse("gitlab:acme/new"))
        ),
    ),
    (
        "update_repository",
        "project:admin",
        True,
        lambda s, a, org: s.update_repository(
            a, org, "web", REPO, RepositoryPatch(ai_enabled=False)
        ),
    ),
    (
        "remove_repository",
        "project:admin",
        True,
        lambda s, a, org: s.remove_repository(a, org, "web", REPO),
    ),
    (
        "bulk_update",
        "project:admin",
        True,
        lambda s, a, org: s.bulk_update(a, org, ["web"], ProjectPatch(fix_enabled_override=True)),
    ),
]

SCOPE_SETS = {
    "none": frozenset(),
    "org:read": frozenset({"org:read"}),
    "org:admin": frozenset({"org:admin"}),
    "project:read": frozenset({"project:read"}),
    "project:admin": frozenset({"project:admin"}),
    "all": ALL_SCOPES,
}

IMPLIES = {
    "org:read": {"org:read", "org:admin"},
    "org:admin": {"org:admin"},
    "project:read": {"project:read", "project:admin"},
    "project:admin": {"project:admin"},
}


def expected_outcome(needed, scopes_name, own_org, reachable, concerns_project):
    if not own_org:
        return "not_found"
    granted = SCOPE_SETS[scopes_name]
    for scope in (needed,) if isinstance(needed, str) else needed:
        if not (granted & IMPLIES[scope]):
            return "forbidden"
    if concerns_project and not reachable:
        return "forbidden"
    return "ok"


CELLS = list(itertools.product(USE_CASES, SCOPE_SETS, [True, False], [True, False]))


@pytest.mark.parametrize(
    ("use_case", "scopes_name", "own_org", "reachable"),
    CELLS,
    ids=[
        f"{uc[0]}-{sc}-{'own' if own else 'other'}-{'reach' if r else 'noreach'}"
        for uc, sc, own, r in CELLS
    ],
)
def test_permission_matrix(tmp_path, use_case, scopes_name, own_org, reachable):
    _name, needed, concerns_project, call = use_case
    service = SettingsService(make_store("memory", tmp_path))
    # The other organization holds a project of the same name, which must never be revealed.
    service.add_repository(OWNER, "acme", "web", RepositorySettings(REPO))
    other_owner = Actor("user:o", "globex", ALL_SCOPES)
    service.add_repository(other_owner, "globex", "web", RepositorySettings(REPO))
    actor = Actor(
        "user:x",
        "acme" if own_org else "globex",
        SCOPE_SETS[scopes_name],
        projects=None if reachable else frozenset({"elsewhere"}),
    )
    expected = expected_outcome(needed, scopes_name, own_org, reachable, concerns_project)
    if expected == "not_found":
        with pytest.raises(NotFoundError):
            call(service, actor, "acme")
    elif expected == "forbidden":
        with pytest.raises(PermissionDeniedError):
            call(service, actor, "acme")
    else:
        call(service, actor, "acme")
    # Nothing of the other organization changed, whatever happened.
    assert service.get_project(other_owner, "globex", "web").version == 1


def test_listing_leaves_out_unreachable_projects(tmp_path):
    service = SettingsService(make_store("memory", tmp_path))
    for project in ("a", "b", "c"):
        service.update_project(OWNER, "acme", project, ProjectPatch(fix_enabled_override=True))
    limited = Actor("user:l", "acme", {"project:read"}, projects=frozenset({"b"}))
    assert [v.project.project_id for v in service.list_projects(limited, "acme").items] == ["b"]
    impact = service.preview_organization_change(
        Actor("user:m", "acme", {"org:read", "project:read"}, projects=frozenset({"a"})),
        "acme",
        OrganizationPatch(scan_enabled=False),
    )
    assert [p.project_id for p in impact.projects] == ["a"]


def test_pages_of_a_limited_actor_never_name_unreachable_projects(tmp_path):
    service = SettingsService(make_store("memory", tmp_path))
    for project in ("a", "b", "c", "secret"):
        service.update_project(OWNER, "acme", project, ProjectPatch(fix_enabled_override=True))
    limited = Actor("user:l", "acme", {"project:read"}, projects=frozenset({"a", "c", "zz"}))
    first = service.list_projects(limited, "acme", limit=1)
    assert [v.project.project_id for v in first.items] == ["a"]
    assert first.next_cursor == "after:a"
    second = service.list_projects(limited, "acme", limit=1, cursor=first.next_cursor)
    assert [v.project.project_id for v in second.items] == ["c"]
    assert second.next_cursor is None
    # Even a cursor naming another project leaks nothing beyond the reachable ones.
    after_b = service.list_projects(limited, "acme", cursor="after:b")
    assert [v.project.project_id for v in after_b.items] == ["c"]
