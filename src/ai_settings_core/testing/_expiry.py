"""The contract on expiries: every expiry a store holds comes back as the same instant.

Overrides and locks may carry ``expires_at``; a store keeps it to the microsecond, gives it
back as an aware datetime naming the same instant (whatever offset it was saved with; aware
datetimes compare by instant), clears it when a later save has none, and refuses a naive
datetime or a value of another type with a field path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

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
from ai_settings_core.ports import UnitOfWorkFactory
from ai_settings_core.testing._base import ContractBase
from ai_settings_core.testing._samples import sample_project

__all__ = ["ExpiryContract"]

_PARIS: Final = dt.timezone(dt.timedelta(hours=1))
_MONDAY: Final = dt.datetime(2026, 12, 7, 9, 0, 0, 123456, tzinfo=dt.UTC)
_LATER: Final = dt.datetime(2027, 1, 4, 10, 30, tzinfo=_PARIS)  # 09:30 UTC


def _expiring_project(project_id: str = "web") -> ProjectSettings:
    """The sample project with every override expiring, at different instants and offsets."""
    project = sample_project("acme", project_id)
    first, *rest = project.repositories
    return attrs.evolve(
        project,
        scan_enabled_override_expires_at=_MONDAY,
        fix_enabled_override_expires_at=_LATER,
        stopping_point_override_expires_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC),
        repositories=(
            attrs.evolve(first, stopping_point_override_expires_at=_LATER),
            *rest,
        ),
    )


def _aware(value: dt.datetime | None) -> bool:
    return value is None or value.utcoffset() is not None


def _expiries_aware(project: ProjectSettings) -> bool:
    return all(_aware(project.override_expires_at(s)) for s in Setting) and all(
        _aware(r.stopping_point_override_expires_at) for r in project.repositories
    )


_NAIVE: Final = dt.datetime(2026, 12, 7, 9)  # noqa: DTZ001 - the point of the test
_BAD: Final[dict[str, tuple[ProjectSettings | OrganizationSettings, dict[str, Any]]]] = {
    "project_naive": (
        ProjectSettings(
            "acme", "web", fix_enabled_override=False, fix_enabled_override_expires_at=_NAIVE
        ),
        {"fix_enabled_override_expires_at": ["naive_datetime"]},
    ),
    "project_text": (
        ProjectSettings(
            "acme",
            "web",
            scan_enabled_override=False,
            scan_enabled_override_expires_at="2026-12-07T09:00:00Z",  # type: ignore[arg-type]
        ),
        {"scan_enabled_override_expires_at": ["invalid"]},
    ),
    "repository_naive": (
        ProjectSettings(
            "acme",
            "web",
            repositories=(
                RepositorySettings(
                    RepositoryRef.parse("github:acme/api"),
                    stopping_point_override=StoppingPoint.MERGE,
                    stopping_point_override_expires_at=_NAIVE,
                ),
            ),
        ),
        {"repositories": [{"stopping_point_override_expires_at": ["naive_datetime"]}]},
    ),
    "lock_a_number": (
        OrganizationSettings(
            "acme",
            locked=frozenset({Setting.FIX_ENABLED}),
            fix_enabled_lock_expires_at=1_800_000_000,  # type: ignore[arg-type]
        ),
        {"fix_enabled_lock_expires_at": ["invalid"]},
    ),
}


class ExpiryContract(ContractBase):
    """Expiries of overrides and locks: round trips, clearing, and refusals."""

    def test_every_expiry_of_a_project_round_trips(self, uow_factory: UnitOfWorkFactory) -> None:
        project = _expiring_project()
        self._save_projects(uow_factory, project, sample_project("acme", "api"))
        with uow_factory(read_only=True) as uow:
            got = uow.projects.get("acme", "web")
            many = uow.projects.get_many("acme", ["web"])["web"]
            loaded = {p.project_id: p for p in uow.projects.load_organization("acme").projects}
            listed = {p.project_id: p for p in uow.projects.list("acme").items}
        expected = attrs.evolve(project, version=1)
        for found in (got, many, loaded["web"], listed["web"]):
            assert found == expected
            assert found is not None
            assert _expiries_aware(found)
        assert loaded["api"].expiries() == ()

    def test_a_save_without_expiries_clears_them(self, uow_factory: UnitOfWorkFactory) -> None:
        self._save_projects(uow_factory, _expiring_project())
        with uow_factory() as uow:
            uow.projects.save(sample_project(), expected_version=1)
            uow.commit()
        with uow_factory(read_only=True) as uow:
            found = uow.projects.get("acme", "web")
        assert found == attrs.evolve(sample_project(), version=2)

    def test_the_expiries_of_locks_round_trip_and_clear(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        organization = OrganizationSettings(
            "acme",
            locked=frozenset(Setting),
            scan_enabled_lock_expires_at=_MONDAY,
            stopping_point_lock_expires_at=_LATER,
        )
        with uow_factory() as uow:
            uow.organizations.save(organization)
            uow.commit()
        with uow_factory(read_only=True) as uow:
            found = uow.organizations.get("acme")
            state = uow.projects.load_organization("acme").organization
        assert found == state == attrs.evolve(organization, version=1)
        assert found is not None
        assert all(_aware(found.lock_expires_at(s)) for s in Setting)
        cleared = attrs.evolve(found, scan_enabled_lock_expires_at=None)
        with uow_factory() as uow:
            uow.organizations.save(cleared, expected_version=1)
            uow.commit()
        with uow_factory(read_only=True) as uow:
            again = uow.organizations.get("acme")
        assert again == attrs.evolve(cleared, version=2)
        assert again is not None
        assert again.scan_enabled_lock_expires_at is None

    @pytest.mark.parametrize("case", sorted(_BAD))
    def test_an_expiry_no_store_can_hold_is_refused_with_a_field_path(
        self, uow_factory: UnitOfWorkFactory, case: str
    ) -> None:
        value, codes = _BAD[case]
        with uow_factory() as uow:
            save: Any = (
                uow.organizations.save
                if isinstance(value, OrganizationSettings)
                else uow.projects.save
            )
            with pytest.raises(ValidationError) as caught:
                save(value)
            uow.commit()
        assert caught.value.codes == codes
        with uow_factory(read_only=True) as uow:
            assert uow.organizations.get("acme") is None
            assert uow.projects.list("acme").items == ()
