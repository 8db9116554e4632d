"""The contract on units of work: one transaction each, isolated, atomic read-modify-write."""

from __future__ import annotations

import threading
from collections.abc import Callable

import attrs
import pytest

from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.domain.values import StoppingPoint
from ai_settings_core.errors import StorageError
from ai_settings_core.ports import UnitOfWork, UnitOfWorkFactory
from ai_settings_core.testing._base import ContractBase
from ai_settings_core.testing._samples import sample_audit_entry, sample_project

__all__ = ["UnitsOfWorkContract"]


class UnitsOfWorkContract(ContractBase):
    """Units of work: commit, rollback, snapshots, refusals after the end, no lost update."""

    def test_a_read_only_unit_sees_the_store_as_of_its_entry(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._save_projects(uow_factory, ProjectSettings("acme", "web"))
        with uow_factory(read_only=True) as reader:
            # The writer commits after the reader entered but before its first read.
            with uow_factory() as writer:
                writer.projects.save(sample_project("acme", "web"), expected_version=1)
                writer.projects.save(sample_project("acme", "api"))
                writer.organizations.save(OrganizationSettings("acme"))
                writer.commit()
            assert reader.projects.get("acme", "web") == ProjectSettings("acme", "web", version=1)
            assert reader.projects.get("acme", "api") is None
            assert reader.organizations.get("acme") is None
            assert [p.project_id for p in reader.projects.load_organization("acme").projects] == [
                "web"
            ]
        with uow_factory(read_only=True) as uow:
            assert uow.projects.get("acme", "web") == attrs.evolve(sample_project(), version=2)

    def test_reads_inside_a_unit_of_work_see_its_own_writes(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            saved = uow.projects.save(sample_project())
            uow.organizations.save(OrganizationSettings("acme"))
            assert uow.projects.get("acme", "web") == saved
            assert uow.projects.list("acme").items == (saved,)
            state = uow.projects.load_organization("acme")
            assert state.projects == (saved,)
            assert state.organization == OrganizationSettings("acme", version=1)
            entry = uow.audit.append(sample_audit_entry())
            assert uow.audit.query("acme").items == (entry,)
            uow.commit()

    def test_without_commit_nothing_is_kept(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.projects.save(sample_project())
            uow.organizations.save(OrganizationSettings("acme"))
            uow.audit.append(sample_audit_entry())
        with uow_factory(read_only=True) as uow:
            assert uow.projects.get("acme", "web") is None
            assert uow.organizations.get("acme") is None
            assert uow.audit.query("acme").items == ()

    def test_an_exception_rolls_everything_back(self, uow_factory: UnitOfWorkFactory) -> None:
        self._save_projects(uow_factory, sample_project("acme", "kept"))
        message = "boom"

        def fail() -> None:
            with uow_factory() as uow:
                uow.projects.save(sample_project("acme", "web"))
                uow.projects.save(ProjectSettings("acme", "kept"))
                uow.audit.append(sample_audit_entry())
                raise RuntimeError(message)

        with pytest.raises(RuntimeError, match=message):
            fail()
        with uow_factory(read_only=True) as uow:
            assert [p.project_id for p in uow.projects.list("acme").items] == ["kept"]
            assert uow.projects.get("acme", "kept") == attrs.evolve(
                sample_project("acme", "kept"), version=1
            )
            assert uow.audit.query("acme").items == ()

    def test_an_explicit_rollback_discards_writes(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            uow.projects.save(sample_project())
            uow.rollback()
        with uow_factory(read_only=True) as uow:
            assert uow.projects.get("acme", "web") is None

    def test_a_read_only_unit_of_work_refuses_writes(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory(read_only=True) as uow:
            with pytest.raises(StorageError):
                uow.projects.save(sample_project())
            with pytest.raises(StorageError):
                uow.organizations.save(OrganizationSettings("acme"))
            with pytest.raises(StorageError):
                uow.audit.append(sample_audit_entry())
            with pytest.raises(StorageError):
                uow.projects.delete("acme", "web")

    def test_a_finished_unit_of_work_refuses_use(self, uow_factory: UnitOfWorkFactory) -> None:
        unit = uow_factory()
        with pytest.raises(StorageError):
            unit.projects.get("acme", "web")
        with unit as uow:
            uow.commit()
            with pytest.raises(StorageError):
                uow.projects.get("acme", "web")
            with pytest.raises(StorageError):
                uow.commit()
        with pytest.raises(StorageError), unit:
            pass

    def test_read_modify_write_from_threads_loses_no_update(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._save_projects(uow_factory, ProjectSettings("acme", "web"))
        rounds = 5
        fields: dict[str, Callable[[ProjectSettings, int], ProjectSettings]] = {
            "scan": lambda p, _: attrs.evolve(p, scan_enabled_override=True),
            "fix": lambda p, _: attrs.evolve(p, fix_enabled_override=True),
            "point": lambda p, _: attrs.evolve(p, stopping_point_override=StoppingPoint.MERGE),
            "envs": lambda p, i: attrs.evolve(p, environments=p.environments | {f"env{i}"}),
        }
        errors: list[BaseException] = []

        def work(change: Callable[[ProjectSettings, int], ProjectSettings]) -> None:
            try:
                for index in range(rounds):
                    uow: UnitOfWork
                    with uow_factory() as uow:
                        current = uow.projects.get("acme", "web")
                        assert current is not None
                        uow.projects.save(change(current, index))
                        uow.commit()
            except BaseException as error:  # noqa: BLE001 - reported to the test thread below
                errors.append(error)

        threads = [threading.Thread(target=work, args=(change,)) for change in fields.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with uow_factory(read_only=True) as uow:
            final = uow.projects.get("acme", "web")
        assert final == ProjectSettings(
            "acme",
            "web",
            scan_enabled_override=True,
            fix_enabled_override=True,
            stopping_point_override=StoppingPoint.MERGE,
            environments=frozenset(f"env{i}" for i in range(rounds)),
            version=1 + rounds * len(fields),
        )
