"""The storage contract suite: what every adapter must do, as pytest tests a host can run.

Subclass :class:`AdapterContract` in a test module (the subclass's name must start with
``Test``) and implement :meth:`~AdapterContract.make_uow_factory`::

    from ai_settings_core.testing import AdapterContract

    class TestMyStore(AdapterContract):
        def make_uow_factory(self, tmp_path):
            return MyStore(tmp_path / "db")

The library runs the same suite against its in-memory and SQLite adapters. Importing this
module needs pytest (a test dependency, not a runtime one).
"""

from __future__ import annotations

import datetime as dt
import pathlib
import threading
from collections.abc import Callable
from typing import Any, Final

import attrs
import pytest

from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.changes import FieldChange
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import BranchPattern, RepositoryRef, StoppingPoint
from ai_settings_core.errors import ConflictError, StorageError, ValidationError
from ai_settings_core.ports import Page, UnitOfWork, UnitOfWorkFactory
from ai_settings_core.testing._scoping import ScopedUnitContract

__all__ = ["AdapterContract", "sample_audit_entry", "sample_project"]

_T0 = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)


def sample_project(organization_id: str = "acme", project_id: str = "web") -> ProjectSettings:
    """A project that uses every stored field: overrides, repositories, patterns, environments."""
    return ProjectSettings(
        organization_id=organization_id,
        project_id=project_id,
        scan_enabled_override=False,
        fix_enabled_override=True,
        stopping_point_override=StoppingPoint.SUGGESTION,
        repositories=(
            RepositorySettings(
                RepositoryRef.parse("github:Acme/API"),
                ai_enabled=True,
                branch_patterns=(BranchPattern("main"), BranchPattern("release/*")),
                stopping_point_override=StoppingPoint.MERGE,
            ),
            RepositorySettings(
                RepositoryRef.parse("gitlab:group/sub/tools"),
                ai_enabled=False,
            ),
        ),
        environments=frozenset({"production", "staging"}),
    )


def sample_audit_entry(
    organization_id: str = "acme",
    project_id: str | None = "web",
    *,
    minutes: int = 0,
    event: AuditEvent = AuditEvent.PROJECT_AI_SETTINGS_EDIT,
) -> AuditEntry:
    """An audit entry with stored and effective changes, ``minutes`` after a fixed instant."""
    return AuditEntry(
        organization_id=organization_id,
        project_id=project_id,
        actor="user:1",
        event=event,
        target=project_id if project_id is not None else organization_id,
        occurred_at=_T0 + dt.timedelta(minutes=minutes),
        stored_changes=(
            FieldChange("fix_enabled_override", None, True),
            FieldChange(
                "repositories",
                (),
                (("github:acme/api", True, ("main", "release/*"), None),),
            ),
        ),
        effective_changes=(FieldChange("fix_enabled", False, True),),
    )


_REPOSITORY: Final = RepositoryRef.parse("github:acme/api")
_SURROGATE: Final = "\ud800"  # a lone surrogate: a str, but not Unicode text (no UTF-8 form)

_BAD_PROJECTS: Final[dict[str, tuple[ProjectSettings, dict[str, Any]]]] = {
    "organization_id_not_text": (
        ProjectSettings("acme" + _SURROGATE, "web"),
        {"organization_id": ["invalid_identifier"]},
    ),
    "project_id_not_text": (
        ProjectSettings("acme", "web" + _SURROGATE),
        {"project_id": ["invalid_identifier"]},
    ),
    "project_id_blank": (ProjectSettings("acme", ""), {"project_id": ["blank"]}),
    "project_id_not_a_string": (
        ProjectSettings("acme", 7),  # type: ignore[arg-type]
        {"project_id": ["invalid"]},
    ),
    "environment_not_text": (
        ProjectSettings("acme", "web", environments=frozenset({"prod", _SURROGATE})),
        {"environments": ["invalid_identifier"]},
    ),
    "environment_blank": (
        ProjectSettings("acme", "web", environments=frozenset({""})),
        {"environments": ["blank"]},
    ),
    "override_a_string": (
        ProjectSettings("acme", "web", scan_enabled_override="yes"),  # type: ignore[arg-type]
        {"scan_enabled_override": ["invalid"]},
    ),
    "override_an_int": (
        ProjectSettings("acme", "web", fix_enabled_override=1),  # type: ignore[arg-type]
        {"fix_enabled_override": ["invalid"]},
    ),
    "stopping_point_a_string": (
        ProjectSettings("acme", "web", stopping_point_override="merge"),  # type: ignore[arg-type]
        {"stopping_point_override": ["invalid"]},
    ),
    "repository_a_string": (
        ProjectSettings("acme", "web", repositories=("github:acme/api",)),  # type: ignore[arg-type]
        {"repositories": {"0": ["invalid"]}},
    ),
    "repository_ref_a_string": (
        ProjectSettings(
            "acme",
            "web",
            repositories=(RepositorySettings("github:acme/api"),),  # type: ignore[arg-type]
        ),
        {"repositories": [{"repository": ["invalid"]}]},
    ),
    "ai_enabled_an_int": (
        ProjectSettings(
            "acme",
            "web",
            repositories=(RepositorySettings(_REPOSITORY, ai_enabled=1),),  # type: ignore[arg-type]
        ),
        {"repositories": [{"ai_enabled": ["invalid"]}]},
    ),
    "branch_pattern_a_string": (
        ProjectSettings(
            "acme",
            "web",
            repositories=(RepositorySettings(_REPOSITORY, branch_patterns=("main",)),),  # type: ignore[arg-type]
        ),
        {"repositories": [{"branch_patterns": {"0": ["invalid"]}}]},
    ),
    "repository_stopping_point_a_string": (
        ProjectSettings(
            "acme",
            "web",
            repositories=(
                RepositorySettings(_REPOSITORY, stopping_point_override="merge"),  # type: ignore[arg-type]
            ),
        ),
        {"repositories": [{"stopping_point_override": ["invalid"]}]},
    ),
}
"""Projects no adapter may store, with the codes of the ``ValidationError`` each must raise."""

_BAD_ORGANIZATIONS: Final[dict[str, tuple[OrganizationSettings, dict[str, Any]]]] = {
    "id_not_text": (
        OrganizationSettings(_SURROGATE),
        {"organization_id": ["invalid_identifier"]},
    ),
    "id_blank": (OrganizationSettings(""), {"organization_id": ["blank"]}),
    "flag_a_string": (
        OrganizationSettings("acme", fix_enabled="no"),  # type: ignore[arg-type]
        {"fix_enabled": ["invalid"]},
    ),
    "flag_none": (
        OrganizationSettings("acme", scan_enabled=None),  # type: ignore[arg-type]
        {"scan_enabled": ["invalid"]},
    ),
    "stopping_point_a_string": (
        OrganizationSettings("acme", stopping_point="merge"),  # type: ignore[arg-type]
        {"stopping_point": ["invalid"]},
    ),
    "locked_strings": (
        OrganizationSettings("acme", locked=frozenset({"scan_enabled"})),  # type: ignore[arg-type]
        {"locked": ["invalid"]},
    ),
    "ceiling_a_string": (
        OrganizationSettings("acme", max_stopping_point="merge"),  # type: ignore[arg-type]
        {"max_stopping_point": ["invalid"]},
    ),
}
"""Organizations no adapter may store, with the codes each must raise."""


def _all_pages(
    fetch: Callable[[str | None], Page[ProjectSettings]],
) -> list[Page[ProjectSettings]]:
    pages = [fetch(None)]
    while pages[-1].next_cursor is not None:
        pages.append(fetch(pages[-1].next_cursor))
    return pages


class AdapterContract(ScopedUnitContract):
    """The contract every storage adapter passes; subclass it as ``Test...`` to run it."""

    def make_uow_factory(self, tmp_path: pathlib.Path) -> UnitOfWorkFactory:
        """Return a new, empty store (a unit-of-work factory); ``tmp_path`` is private to it.

        The one method a host's subclass must provide: the contract has no store of its own.
        """
        msg = f"{type(self).__name__} must override make_uow_factory() to return its store"
        raise NotImplementedError(msg)

    @pytest.fixture
    def uow_factory(self, tmp_path: pathlib.Path) -> UnitOfWorkFactory:
        """The store under test, empty."""
        return self.make_uow_factory(tmp_path)

    # Helpers.

    @staticmethod
    def _save_projects(factory: UnitOfWorkFactory, *projects: ProjectSettings) -> None:
        with factory() as uow:
            for project in projects:
                uow.projects.save(project)
            uow.commit()

    # An empty store.

    def test_an_empty_store_reads_as_nothing_stored(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory(read_only=True) as uow:
            assert uow.organizations.get("acme") is None
            assert uow.projects.get("acme", "web") is None
            assert uow.projects.get_many("acme", ["web", "api"]) == {}
            assert uow.projects.list("acme") == Page((), None)
            state = uow.projects.load_organization("acme")
            assert (state.organization_id, state.organization, state.projects) == ("acme", None, ())
            assert uow.audit.query("acme") == Page((), None)

    # Versions and compare-and-set.

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

    def test_a_project_round_trips_with_every_field(self, uow_factory: UnitOfWorkFactory) -> None:
        project = sample_project()
        with uow_factory() as uow:
            saved = uow.projects.save(project)
            uow.commit()
        assert saved == attrs.evolve(project, version=1)
        with uow_factory(read_only=True) as uow:
            loaded = uow.projects.get("acme", "web")
        assert loaded == saved
        assert loaded is not None
        assert [str(r.repository) for r in loaded.repositories] == [
            "github:Acme/API",
            "gitlab:group/sub/tools",
        ]
        assert [p.text for p in loaded.repositories[0].branch_patterns] == ["main", "release/*"]
        assert loaded.repositories[0].branch_patterns[1].matches("release/2")

    def test_an_unset_override_stays_distinct_from_a_pin(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        inherit = ProjectSettings("acme", "inherit")
        pinned = ProjectSettings(
            "acme",
            "pinned",
            scan_enabled_override=True,
            fix_enabled_override=False,
            stopping_point_override=StoppingPoint.PULL_REQUEST,
        )
        self._save_projects(uow_factory, inherit, pinned)
        with uow_factory(read_only=True) as uow:
            found = uow.projects.get_many("acme", ["inherit", "pinned", "missing"])
        assert found == {
            "inherit": attrs.evolve(inherit, version=1),
            "pinned": attrs.evolve(pinned, version=1),
        }

    def test_saving_a_project_replaces_its_repositories_and_environments(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._save_projects(uow_factory, sample_project())
        replacement = ProjectSettings(
            "acme",
            "web",
            repositories=(RepositorySettings(RepositoryRef.parse("bitbucket:acme/web")),),
        )
        with uow_factory() as uow:
            saved = uow.projects.save(replacement, expected_version=1)
            uow.commit()
        with uow_factory(read_only=True) as uow:
            assert uow.projects.get("acme", "web") == saved == attrs.evolve(replacement, version=2)

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

    def test_a_project_is_scoped_to_its_organization(self, uow_factory: UnitOfWorkFactory) -> None:
        self._save_projects(uow_factory, sample_project("acme", "web"))
        with uow_factory(read_only=True) as uow:
            assert uow.projects.get("other", "web") is None
            assert uow.projects.list("other").items == ()
            assert uow.projects.load_organization("other").projects == ()

    def test_a_duplicate_repository_is_refused_and_nothing_is_written(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        duplicate = ProjectSettings(
            "acme",
            "web",
            repositories=(
                RepositorySettings(RepositoryRef.parse("github:acme/api")),
                RepositorySettings(RepositoryRef.parse("github:ACME/Api")),
            ),
        )
        with uow_factory() as uow:
            with pytest.raises(ValidationError) as caught:
                uow.projects.save(duplicate)
            uow.commit()
        assert caught.value.codes == {
            "repositories": [{}, {"repository": ["duplicate_repository"]}]
        }
        with uow_factory(read_only=True) as uow:
            assert uow.projects.get("acme", "web") is None

    def test_a_repository_without_branch_patterns_is_refused(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        project = ProjectSettings(
            "acme",
            "web",
            repositories=(RepositorySettings(RepositoryRef.parse("github:a/b"), True, ()),),
        )
        with uow_factory() as uow, pytest.raises(ValidationError) as caught:
            uow.projects.save(project)
        assert caught.value.codes == {"repositories": [{"branch_patterns": ["required"]}]}

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

    @pytest.mark.parametrize("case", sorted(_BAD_PROJECTS))
    def test_a_project_the_store_cannot_hold_is_refused_with_a_field_path(
        self, uow_factory: UnitOfWorkFactory, case: str
    ) -> None:
        project, codes = _BAD_PROJECTS[case]
        with uow_factory() as uow:
            with pytest.raises(ValidationError) as caught:
                uow.projects.save(project)
            uow.commit()
        assert caught.value.codes == codes
        with uow_factory(read_only=True) as uow:
            assert uow.projects.list("acme").items == ()

    @pytest.mark.parametrize("case", sorted(_BAD_ORGANIZATIONS))
    def test_an_organization_the_store_cannot_hold_is_refused_with_a_field_path(
        self, uow_factory: UnitOfWorkFactory, case: str
    ) -> None:
        organization, codes = _BAD_ORGANIZATIONS[case]
        with uow_factory() as uow:
            with pytest.raises(ValidationError) as caught:
                uow.organizations.save(organization)
            uow.commit()
        assert caught.value.codes == codes
        with uow_factory(read_only=True) as uow:
            assert uow.organizations.get("acme") is None

    def test_a_lookup_of_text_no_store_can_hold_is_refused(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        bad = "web" + _SURROGATE
        with uow_factory() as uow:
            calls: dict[str, Callable[[], object]] = {
                "get": lambda: uow.projects.get("acme", bad),
                "get_many": lambda: uow.projects.get_many("acme", ["web", bad]),
                "delete": lambda: uow.projects.delete("acme", bad),
                "organization": lambda: uow.organizations.get(bad),
                "list": lambda: uow.projects.list(bad),
                "load": lambda: uow.projects.load_organization(bad),
                "audit": lambda: uow.audit.query("acme", project_id=bad),
            }
            refused = {}
            for name, call in calls.items():
                with pytest.raises(ValidationError) as caught:
                    call()
                refused[name] = caught.value.codes
            with pytest.raises(ValidationError) as cursor:
                uow.projects.list("acme", cursor="after:" + bad)
            with pytest.raises(ValidationError) as entry:
                uow.audit.append(attrs.evolve(sample_audit_entry(), actor="user:" + _SURROGATE))
        assert refused == {
            "get": {"project_id": ["invalid_identifier"]},
            "get_many": {"project_ids": ["invalid_identifier"]},
            "delete": {"project_id": ["invalid_identifier"]},
            "organization": {"organization_id": ["invalid_identifier"]},
            "list": {"organization_id": ["invalid_identifier"]},
            "load": {"organization_id": ["invalid_identifier"]},
            "audit": {"project_id": ["invalid_identifier"]},
        }
        assert cursor.value.codes == {"cursor": ["invalid_cursor"]}
        assert entry.value.codes == {"non_field_errors": ["invalid_text"]}

    def test_a_failed_save_then_commit_keeps_the_state_before_it(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        stored = sample_project()
        self._save_projects(uow_factory, stored)
        broken = attrs.evolve(
            stored,
            scan_enabled_override=True,
            repositories=(),
            environments=frozenset({"production", _SURROGATE}),
        )
        with uow_factory() as uow:
            other = uow.projects.save(sample_project("acme", "api"))
            with pytest.raises(ValidationError):
                uow.projects.save(broken, expected_version=1)
            with pytest.raises(ValidationError):
                uow.organizations.save(OrganizationSettings("acme", stopping_point="merge"))  # type: ignore[arg-type]
            assert uow.projects.get("acme", "web") == attrs.evolve(stored, version=1)
            uow.commit()
        with uow_factory(read_only=True) as uow:
            assert uow.projects.get("acme", "web") == attrs.evolve(stored, version=1)
            assert uow.projects.get("acme", "api") == other
            assert uow.organizations.get("acme") is None

    # Units of work.

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

    # Listing.

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

    # The audit log.

    def test_audit_entries_round_trip_with_increasing_ids(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        entries = [
            sample_audit_entry(minutes=0),
            sample_audit_entry(project_id=None, event=AuditEvent.ORG_AI_SETTINGS_EDIT),
            sample_audit_entry(minutes=5, event=AuditEvent.REPOSITORY_ADDED),
        ]
        with uow_factory() as uow:
            appended = [uow.audit.append(entry) for entry in entries]
            uow.commit()
        ids = [entry.id for entry in appended]
        assert ids == sorted(ids)
        assert len(set(ids)) == 3
        assert all(i > 0 for i in ids)
        assert [attrs.evolve(entry, id=0) for entry in appended] == entries
        with uow_factory(read_only=True) as uow:
            page = uow.audit.query("acme")
        assert page.items == tuple(reversed(appended))
        assert page.items[-1].stored_changes[1].after == (
            ("github:acme/api", True, ("main", "release/*"), None),
        )
        assert page.items[0].occurred_at.utcoffset() == dt.timedelta(0)

    def test_audit_queries_filter_by_project_and_time(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            web = [uow.audit.append(sample_audit_entry(minutes=m)) for m in range(4)]
            api = uow.audit.append(sample_audit_entry(project_id="api", minutes=2))
            uow.audit.append(sample_audit_entry("other", minutes=2))
            uow.commit()
        since = _T0 + dt.timedelta(minutes=1)
        until = _T0 + dt.timedelta(minutes=3)
        with uow_factory(read_only=True) as uow:
            assert uow.audit.query("acme", project_id="web").items == tuple(reversed(web))
            assert uow.audit.query("acme", since=since, until=until).items == (api, web[2], web[1])
            in_paris = dt.timezone(dt.timedelta(hours=1))
            assert uow.audit.query("acme", until=_T0.astimezone(in_paris)).items == ()
            assert len(uow.audit.query("other").items) == 1
            with pytest.raises(ValidationError) as caught:
                uow.audit.query("acme", since=dt.datetime(2025, 1, 1))  # noqa: DTZ001
        assert caught.value.codes == {"since": ["invalid_timestamp"]}

    def test_audit_pages_are_newest_first_and_complete(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            appended = [uow.audit.append(sample_audit_entry(minutes=m)) for m in range(5)]
            uow.commit()
        pages = []
        cursor: str | None = None
        with uow_factory(read_only=True) as uow:
            while True:
                page = uow.audit.query("acme", project_id="web", cursor=cursor, limit=2)
                pages.append(page)
                cursor = page.next_cursor
                if cursor is None:
                    break
        assert [len(page.items) for page in pages] == [2, 2, 1]
        assert [entry for page in pages for entry in page.items] == list(reversed(appended))
