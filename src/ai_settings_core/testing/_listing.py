"""The contract on listing: pages in project-id order, cursors, limits, a whole organization."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import RepositoryRef, StoppingPoint
from ai_settings_core.errors import ValidationError
from ai_settings_core.ports import Page, UnitOfWorkFactory
from ai_settings_core.testing._base import ContractBase
from ai_settings_core.testing._samples import sample_project

__all__ = ["ListingContract"]


def _all_pages(
    fetch: Callable[[str | None], Page[ProjectSettings]],
) -> list[Page[ProjectSettings]]:
    pages = [fetch(None)]
    while pages[-1].next_cursor is not None:
        pages.append(fetch(pages[-1].next_cursor))
    return pages


class ListingContract(ContractBase):
    """Listing projects page by page (cursors, limits), and loading a whole organization."""

    def test_projects_are_listed_in_project_id_order_across_pages(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        ids = ["b", "a", "C", "é", "a-1", "z", "10", "9", "B"]
        self._save_projects(uow_factory, *(ProjectSettings("acme", i) for i in ids))
        self._save_projects(uow_factory, ProjectSettings("other", "a"))
        with uow_factory(read_only=True) as uow:
            pages = _all_pages(lambda cursor: uow.projects.list("acme", cursor=cursor, limit=2))
            everything = uow.projects.list("acme", limit=100)
        assert [len(page.items) for page in pages] == [2, 2, 2, 2, 1]
        listed = [project.project_id for page in pages for project in page.items]
        assert listed == sorted(ids)
        assert [p.project_id for p in everything.items] == sorted(ids)
        assert everything.next_cursor is None

    def test_the_last_full_page_has_no_next_cursor(self, uow_factory: UnitOfWorkFactory) -> None:
        self._save_projects(uow_factory, *(ProjectSettings("acme", f"p{i}") for i in range(4)))
        with uow_factory(read_only=True) as uow:
            first = uow.projects.list("acme", limit=2)
            second = uow.projects.list("acme", limit=2, cursor=first.next_cursor)
        assert first.next_cursor is not None
        assert [p.project_id for p in second.items] == ["p2", "p3"]
        assert second.next_cursor is None

    def test_listing_only_overriding_projects(self, uow_factory: UnitOfWorkFactory) -> None:
        repository = RepositorySettings(
            RepositoryRef.parse("github:a/b"), stopping_point_override=StoppingPoint.MERGE
        )
        self._save_projects(
            uow_factory,
            ProjectSettings("acme", "a", fix_enabled_override=False),
            ProjectSettings("acme", "b", repositories=(repository,)),
            ProjectSettings("acme", "c", environments=frozenset({"production"})),
            ProjectSettings("acme", "d", stopping_point_override=StoppingPoint.SUGGESTION),
            ProjectSettings("acme", "e", scan_enabled_override=True),
        )
        with uow_factory(read_only=True) as uow:
            pages = _all_pages(
                lambda cursor: uow.projects.list(
                    "acme", cursor=cursor, limit=1, overriding_only=True
                )
            )
        found = [project for page in pages for project in page.items]
        assert [p.project_id for p in found] == ["a", "d", "e"]
        assert [p.overridden for p in found] == [
            frozenset({Setting.FIX_ENABLED}),
            frozenset({Setting.STOPPING_POINT}),
            frozenset({Setting.SCAN_ENABLED}),
        ]

    @pytest.mark.parametrize("limit", [0, -1, True, 1.5, "10"])
    def test_a_bad_limit_is_a_validation_error(
        self, uow_factory: UnitOfWorkFactory, limit: object
    ) -> None:
        with uow_factory(read_only=True) as uow:
            with pytest.raises(ValidationError) as listing:
                uow.projects.list("acme", limit=limit)  # type: ignore[arg-type]
            with pytest.raises(ValidationError) as query:
                uow.audit.query("acme", limit=limit)  # type: ignore[arg-type]
        assert listing.value.codes == query.value.codes == {"limit": ["invalid_limit"]}

    @pytest.mark.parametrize("cursor", ["", "garbage", "before:1"])
    def test_a_foreign_project_cursor_is_a_validation_error(
        self, uow_factory: UnitOfWorkFactory, cursor: str
    ) -> None:
        with uow_factory(read_only=True) as uow, pytest.raises(ValidationError) as caught:
            uow.projects.list("acme", cursor=cursor)
        assert caught.value.codes == {"cursor": ["invalid_cursor"]}

    @pytest.mark.parametrize("cursor", ["", "garbage", "after:web", "before:x", "before:-1"])
    def test_a_foreign_audit_cursor_is_a_validation_error(
        self, uow_factory: UnitOfWorkFactory, cursor: str
    ) -> None:
        with uow_factory(read_only=True) as uow, pytest.raises(ValidationError) as caught:
            uow.audit.query("acme", cursor=cursor)
        assert caught.value.codes == {"cursor": ["invalid_cursor"]}

    def test_loading_an_organization_gives_everything_sorted(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        projects = [sample_project("acme", i) for i in ["m", "a", "z"]]
        self._save_projects(uow_factory, *projects, sample_project("other", "b"))
        with uow_factory() as uow:
            organization = uow.organizations.save(OrganizationSettings("acme", fix_enabled=True))
            uow.commit()
        with uow_factory(read_only=True) as uow:
            state = uow.projects.load_organization("acme")
        assert state.organization == organization
        assert state.projects == tuple(
            attrs.evolve(p, version=1) for p in sorted(projects, key=lambda p: p.project_id)
        )
