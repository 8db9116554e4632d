"""The organization audit log of an actor limited to some projects (issue 11, item 5).

An actor with ``org:admin`` that reaches only some projects sees the organization's own entries
and those of the projects it reaches: never an entry of a project that answers 403 to it, on
any page, and the pages stay full with cursors that resume exactly where they stopped.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_settings_core import (
    ALL_SCOPES,
    Actor,
    OrganizationPatch,
    ProjectPatch,
    SettingsService,
    ValidationError,
)
from ai_settings_core.adapters.memory import MemoryStore
from tests.adapters import make_store

OWNER = Actor("user:owner", "acme", ALL_SCOPES)
PROJECTS = ("a", "b", "c", "d", "e")


def _limited(projects: frozenset[str]) -> Actor:
    return Actor("user:limited", "acme", {"org:admin"}, projects=projects)


def _all_pages(service: SettingsService, actor: Actor, limit: int) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor = None
    while True:
        page = service.audit_log(actor, "acme", cursor=cursor, limit=limit)
        pages.append([entry.id for entry in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.fixture(params=["memory", "sqlite"])
def service(request, tmp_path):
    return SettingsService(make_store(request.param, tmp_path))


def test_the_organization_log_hides_entries_of_unreachable_projects(service):
    service.update_project(OWNER, "acme", "secret", ProjectPatch(fix_enabled_override=True))
    service.update_organization(OWNER, "acme", OrganizationPatch(fix_enabled=True))
    service.update_project(OWNER, "acme", "web", ProjectPatch(scan_enabled_override=False))
    limited = _limited(frozenset({"web"}))
    entries = service.audit_log(limited, "acme").items
    assert [(entry.project_id, entry.target) for entry in entries] == [
        ("web", "web"),
        (None, "acme"),
    ]
    # The owner, who reaches every project, still sees all three.
    assert len(service.audit_log(OWNER, "acme").items) == 3


def test_pages_of_a_limited_actor_stay_full_and_resume_where_they_stopped(service):
    for project in ("secret", "web", "secret", "secret", "web", "secret", "web"):
        service.update_project(
            OWNER, "acme", project, ProjectPatch(fix_enabled_override=project == "web")
        )
        service.update_project(OWNER, "acme", project, ProjectPatch(fix_enabled_override=None))
    limited = _limited(frozenset({"web"}))
    visible = [e.id for e in service.audit_log(OWNER, "acme").items if e.project_id == "web"]
    assert len(visible) == 6
    pages = _all_pages(service, limited, limit=4)
    assert pages == [visible[:4], visible[4:]]
    # A page that ends exactly on the last reachable entry says so: no cursor to an empty page.
    assert _all_pages(service, limited, limit=6) == [visible]
    assert _all_pages(service, limited, limit=3) == [visible[:3], visible[3:]]


def test_a_limited_actor_gets_the_same_limit_and_cursor_checks(service):
    limited = _limited(frozenset({"web"}))
    with pytest.raises(ValidationError) as limit:
        service.audit_log(limited, "acme", limit=0)
    assert limit.value.codes == {"limit": ["invalid_limit"]}
    with pytest.raises(ValidationError) as cursor:
        service.audit_log(limited, "acme", cursor="nonsense")
    assert cursor.value.codes == {"cursor": ["invalid_cursor"]}


def test_a_limited_actor_filters_within_the_time_bounds(service):
    service.update_project(OWNER, "acme", "web", ProjectPatch(fix_enabled_override=True))
    service.update_project(OWNER, "acme", "secret", ProjectPatch(fix_enabled_override=True))
    limited = _limited(frozenset({"web"}))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert [e.project_id for e in service.audit_log(limited, "acme", until=later).items] == ["web"]
    assert service.audit_log(limited, "acme", since=later).items == ()


# The law: every entry returned is reachable, and every reachable entry comes exactly once.

_writes = st.lists(st.sampled_from((None, *PROJECTS)), min_size=0, max_size=25)
_reach = st.frozensets(st.sampled_from((*PROJECTS, "elsewhere")), max_size=len(PROJECTS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writes=_writes, reach=_reach, limit=st.integers(min_value=1, max_value=7))
def test_a_limited_actor_pages_through_exactly_the_reachable_entries(writes, reach, limit):
    service = SettingsService(MemoryStore())
    for index, target in enumerate(writes):
        if target is None:
            service.update_organization(
                OWNER, "acme", OrganizationPatch(fix_enabled=index % 2 == 0)
            )
        else:
            service.update_project(
                OWNER, "acme", target, ProjectPatch(fix_enabled_override=index % 2 == 0)
            )
    everything = service.audit_log(OWNER, "acme", limit=1000).items
    expected = [e.id for e in everything if e.project_id is None or e.project_id in reach]
    pages = _all_pages(service, _limited(reach), limit)
    returned = [entry_id for page in pages for entry_id in page]
    assert returned == expected  # each reachable entry once, newest first, nothing else
    assert all(len(page) == limit for page in pages[:-1])  # every page but the last is full
    assert pages[-1] or len(pages) == 1  # no cursor that leads to an empty page
