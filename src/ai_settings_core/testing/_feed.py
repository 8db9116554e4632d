"""The contract on the change feed: generations, change records, and listeners."""

from __future__ import annotations

import threading

import pytest

from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.errors import ValidationError
from ai_settings_core.ports import Change, ChangesSince, UnitOfWorkFactory
from ai_settings_core.testing._base import ContractBase
from ai_settings_core.testing._samples import sample_audit_entry, sample_project

__all__ = ["FeedContract"]


def _since(factory: UnitOfWorkFactory, organization_id: str, generation: int) -> ChangesSince:
    with factory(read_only=True) as uow:
        return uow.feed.since(organization_id, generation)


def _generation(factory: UnitOfWorkFactory, organization_id: str) -> int:
    with factory(read_only=True) as uow:
        return uow.feed.generations([organization_id])[organization_id]


class FeedContract(ContractBase):
    """The change feed: one generation per commit, what it changed, and waking listeners."""

    def test_an_organization_never_written_is_at_generation_0(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory(read_only=True) as uow:
            assert uow.feed.generations(["acme", "other"]) == {"acme": 0, "other": 0}
            assert uow.feed.since("acme", 0) == ChangesSince("acme", 0, 0)
            assert uow.projects.load_organization("acme").generation == 0

    def test_each_commit_advances_the_generation_by_one_and_says_what_changed(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory(organization_id="acme") as uow:
            uow.organizations.save(OrganizationSettings("acme", fix_enabled=True))
            uow.projects.save(sample_project("acme", "web"))
            uow.projects.save(ProjectSettings("acme", "api"))
            uow.audit.append(sample_audit_entry())
            uow.commit()
        with uow_factory(organization_id="acme") as uow:
            uow.projects.delete("acme", "api")
            uow.commit()
        with uow_factory(organization_id="acme") as uow:
            uow.audit.append(sample_audit_entry())
            uow.commit()
        assert _since(uow_factory, "acme", 0) == ChangesSince(
            "acme",
            0,
            3,
            (
                Change("acme", 1, organization=True, project_ids=frozenset({"web", "api"})),
                Change("acme", 2, project_ids=frozenset({"api"})),
                Change("acme", 3),
            ),
        )
        changes = _since(uow_factory, "acme", 1)
        assert [change.generation for change in changes.changes] == [2, 3]
        assert (changes.organization_changed, changes.project_ids) == (False, frozenset({"api"}))
        assert _since(uow_factory, "acme", 3) == ChangesSince("acme", 3, 3)
        with uow_factory(read_only=True) as uow:
            assert uow.projects.load_organization("acme").generation == 3
            assert uow.feed.generations(["acme", "other", "acme"]) == {"acme": 3, "other": 0}

    def test_a_rolled_back_or_read_only_unit_advances_nothing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._save_projects(uow_factory, sample_project())
        with uow_factory() as uow:
            uow.projects.save(ProjectSettings("acme", "api"))
            uow.rollback()
        with uow_factory() as uow:
            uow.projects.save(ProjectSettings("acme", "api"))
        with uow_factory(read_only=True) as uow:
            uow.projects.load_organization("acme")
        with uow_factory() as uow:  # a writing unit that wrote nothing
            uow.projects.get("acme", "web")
            uow.commit()
        assert _generation(uow_factory, "acme") == 1

    def test_a_failed_write_inside_a_committed_unit_never_hides_a_change(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._save_projects(uow_factory, sample_project())
        with uow_factory() as uow:
            with pytest.raises(Exception):  # noqa: B017, PT011 - a conflict, whatever its class
                uow.projects.save(ProjectSettings("acme", "web"), expected_version=7)
            uow.projects.save(ProjectSettings("acme", "api"))
            uow.commit()
        changes = _since(uow_factory, "acme", 1)
        assert changes.generation == 2
        assert "api" in changes.project_ids

    def test_one_commit_writing_two_organizations_advances_each(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._save_projects(uow_factory, sample_project("acme", "web"), sample_project("beta"))
        with uow_factory(read_only=True) as uow:
            assert uow.feed.generations(["acme", "beta"]) == {"acme": 1, "beta": 1}
            assert uow.feed.since("beta", 0).project_ids == {"web"}

    def test_a_reader_ahead_of_the_store_must_reload(self, uow_factory: UnitOfWorkFactory) -> None:
        self._save_projects(uow_factory, sample_project())
        assert _since(uow_factory, "acme", 5) == ChangesSince("acme", 5, 1, (), complete=False)

    @pytest.mark.parametrize("generation", [-1, True, "1", 1.0, None, 2**64])
    def test_a_bad_generation_is_refused(
        self, uow_factory: UnitOfWorkFactory, generation: object
    ) -> None:
        with uow_factory(read_only=True) as uow, pytest.raises(ValidationError) as caught:
            uow.feed.since("acme", generation)  # type: ignore[arg-type]
        assert caught.value.codes == {"generation": ["invalid_generation"]}

    def test_a_reader_learns_of_each_commit_by_its_listener_or_by_polling(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        listen = getattr(uow_factory, "listen", None)
        if listen is None:
            # A store without a listener (Django's) is polled: the feed is how a reader
            # learns of a commit, so the next poll must show it, and nothing before it.
            before = _generation(uow_factory, "acme")
            assert _since(uow_factory, "acme", before).changes == ()
            self._save_projects(uow_factory, sample_project())
            changes = _since(uow_factory, "acme", before)
            assert changes.generation == before + 1
            assert sample_project().project_id in changes.project_ids
            return
        listener = listen()
        try:
            listener.wait(0.05)  # connects, if it must; may say so
            assert listener.wait(0.05) is False
            writer = threading.Thread(
                target=self._save_projects, args=(uow_factory, sample_project())
            )
            writer.start()
            woke = listener.wait(30.0)
            writer.join()
            assert woke is True
        finally:
            listener.close()
