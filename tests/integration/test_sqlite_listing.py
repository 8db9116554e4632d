"""The listing of a SQLite store's projects without their repositories resolved (the HTTP page).

The page shows each project's own values only, so ``resolve_repositories=False`` must give
the same projects, resolutions and cursors as the full listing, with no repository views.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ai_settings_core import (
    ALL_SCOPES,
    Actor,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    SettingsService,
)
from ai_settings_core.adapters.sqlite import SqliteStore

ADMIN = Actor("user:admin", "acme", ALL_SCOPES, role="owner")


def _projects(count: int) -> list[ProjectSettings]:
    repository = RepositorySettings(RepositoryRef.parse("github:acme/app"), ai_enabled=False)
    return [
        ProjectSettings(
            "acme",
            f"p{index:03}",
            fix_enabled_override=(None, True, False)[index % 3],
            repositories=(repository,) if index % 2 else (),
        )
        for index in range(count)
    ]


@settings(max_examples=5, deadline=None)
@given(count=st.integers(0, 12), limit=st.integers(1, 5), overriding_only=st.booleans())
def test_a_page_without_repositories_is_the_full_page_less_its_repository_views(
    tmp_path_factory: pytest.TempPathFactory, count: int, limit: int, overriding_only: bool
) -> None:
    store = SqliteStore(tmp_path_factory.mktemp("listing") / "settings.db")
    with store() as uow:
        uow.organizations.save(OrganizationSettings("acme", fix_enabled=True))
        for project in _projects(count):
            uow.projects.save(project)
        uow.commit()
    service = SettingsService(store)
    cursor = None
    while True:
        full = service.list_projects(
            ADMIN, "acme", cursor=cursor, limit=limit, overriding_only=overriding_only
        )
        bare = service.list_projects(
            ADMIN,
            "acme",
            cursor=cursor,
            limit=limit,
            overriding_only=overriding_only,
            resolve_repositories=False,
        )
        assert bare.next_cursor == full.next_cursor
        assert [view.project for view in bare.items] == [view.project for view in full.items]
        assert [view.resolution for view in bare.items] == [view.resolution for view in full.items]
        assert all(view.repositories == () for view in bare.items)
        assert all(view.warnings == () for view in bare.items)
        if full.next_cursor is None:
            break
        cursor = full.next_cursor
    store.close()
