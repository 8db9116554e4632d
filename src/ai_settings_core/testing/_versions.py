"""The contract on versions: a record starts at 0, each save adds one, a stale version conflicts."""

from __future__ import annotations

import attrs
import pytest

from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings, Setting
from ai_settings_core.domain.values import StoppingPoint
from ai_settings_core.errors import ConflictError
from ai_settings_core.ports import Page, UnitOfWorkFactory
from ai_settings_core.testing._base import ContractBase
from ai_settings_core.testing._samples import sample_invariants, sample_project

__all__ = ["VersionsContract"]


class VersionsContract(ContractBase):
    """Versions and compare-and-set: ``save`` and ``delete``, with or without a version."""

    def test_an_empty_store_reads_as_nothing_stored(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory(read_only=True) as uow:
            assert uow.organizations.get("acme") is None
            assert uow.projects.get("acme", "web") is None
            assert uow.projects.get_many("acme", ["web", "api"]) == {}
            assert uow.projects.list("acme") == Page((), None)
            state = uow.projects.load_organization("acme")
            assert (state.organization_id, state.organization, state.projects) == ("acme", None, ())
            assert uow.audit.query("acme") == Page((), None)

    def test_saving_an_organization_returns_it_with_the_next_version(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        organization = OrganizationSettings(
            "acme",
            scan_enabled=False,
            fix_enabled=True,
            stopping_point=StoppingPoint.SUGGESTION,
            locked=frozenset({Setting.FIX_ENABLED, Setting.STOPPING_POINT}),
            max_stopping_point=StoppingPoint.PULL_REQUEST,
            invariants=sample_invariants(),
            version=77,
        )
        with uow_factory() as uow:
            first = uow.organizations.save(organization)
            second = uow.organizations.save(organization, expected_version=1)
            uow.commit()
        assert first == attrs.evolve(organization, version=1)
        assert second == attrs.evolve(organization, version=2)
        with uow_factory(read_only=True) as uow:
            assert uow.organizations.get("acme") == second
            assert uow.projects.load_organization("acme").organization == second

    def test_a_stale_organization_version_conflicts_and_changes_nothing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            stored = uow.organizations.save(OrganizationSettings("acme"), expected_version=0)
            uow.commit()
        with uow_factory() as uow, pytest.raises(ConflictError) as caught:
            uow.organizations.save(OrganizationSettings("acme", fix_enabled=True), 0)
        assert (caught.value.expected, caught.value.actual) == (0, 1)
        assert caught.value.status == 409
        with uow_factory() as uow, pytest.raises(ConflictError):
            uow.organizations.save(OrganizationSettings("other"), expected_version=3)
        with uow_factory(read_only=True) as uow:
            assert uow.organizations.get("acme") == stored
            assert uow.organizations.get("other") is None

    def test_a_stale_project_version_conflicts_and_changes_nothing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._save_projects(uow_factory, sample_project())
        with uow_factory() as uow:
            uow.projects.save(ProjectSettings("acme", "web"), expected_version=1)
            uow.commit()
        with uow_factory() as uow:
            with pytest.raises(ConflictError) as caught:
                uow.projects.save(sample_project(), expected_version=1)
            uow.commit()
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        with uow_factory(read_only=True) as uow:
            assert uow.projects.get("acme", "web") == ProjectSettings("acme", "web", version=2)

    def test_deleting_a_project_forgets_it(self, uow_factory: UnitOfWorkFactory) -> None:
        self._save_projects(uow_factory, sample_project())
        with uow_factory() as uow:
            with pytest.raises(ConflictError):
                uow.projects.delete("acme", "web", expected_version=2)
            assert uow.projects.delete("acme", "web", expected_version=1) is True
            assert uow.projects.delete("acme", "web") is False
            assert uow.projects.get("acme", "web") is None
            uow.commit()
        with uow_factory() as uow:
            assert uow.projects.save(sample_project()).version == 1
            uow.commit()
