"""The contract on values: what is saved comes back equal; what no store can hold is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import attrs
import pytest

from ai_settings_core.domain.settings import (
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
)
from ai_settings_core.domain.values import RepositoryRef, StoppingPoint
from ai_settings_core.errors import ValidationError
from ai_settings_core.ports import UnitOfWorkFactory
from ai_settings_core.testing._base import ContractBase
from ai_settings_core.testing._samples import sample_audit_entry, sample_invariants, sample_project

__all__ = ["RoundTripsContract"]

_REPOSITORY: Final = RepositoryRef.parse("github:acme/api")
_SURROGATE: Final = "\ud800"  # a lone surrogate: a str, but not Unicode text (no UTF-8 form)


def _with_rules(repository: RepositorySettings, rules: tuple[object, ...]) -> RepositorySettings:
    """``repository`` holding ``rules`` as given: what a host bypassing the constructor makes."""
    object.__setattr__(repository, "branch_patterns", rules)
    return repository


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
            repositories=(_with_rules(RepositorySettings(_REPOSITORY), ("main",)),),
        ),
        {"repositories": [{"branch_patterns": {"0": ["invalid"]}}]},
    ),
    "branch_rule_stopping_point_a_string": (
        ProjectSettings(
            "acme",
            "web",
            repositories=(
                RepositorySettings(
                    _REPOSITORY,
                    branch_patterns=(BranchRule("main", "merge"),),  # type: ignore[arg-type]
                ),
            ),
        ),
        {"repositories": [{"branch_patterns": [{"stopping_point_override": ["invalid"]}]}]},
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
    "invariants_payloads": (
        OrganizationSettings("acme", invariants=({"name": "x", "kind": "fix_requires_scan"},)),  # type: ignore[arg-type]
        {"invariants": ["invalid"]},
    ),
}
"""Organizations no adapter may store, with the codes each must raise."""


class RoundTripsContract(ContractBase):
    """Round trips of every stored field, and refusals with a field path that write nothing."""

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
        rules = loaded.repositories[0].branch_patterns
        assert [rule.text for rule in rules] == ["main", "release/*"]
        assert [rule.stopping_point_override for rule in rules] == [
            None,
            StoppingPoint.SUGGESTION,
        ]
        assert rules[1].matches("release/2")

    def test_branch_rules_round_trip_in_order_with_their_overrides(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        rules = (
            BranchRule("release/1.*", StoppingPoint.MERGE),
            BranchRule("release/*", StoppingPoint.SUGGESTION),
            BranchRule("main"),
            BranchRule("*", StoppingPoint.PULL_REQUEST),
        )
        project = ProjectSettings(
            "acme", "web", repositories=(RepositorySettings(_REPOSITORY, branch_patterns=rules),)
        )
        self._save_projects(uow_factory, project)
        with uow_factory(read_only=True) as uow:
            loaded = uow.projects.get("acme", "web")
            organization = uow.projects.load_organization("acme").projects
        assert loaded == attrs.evolve(project, version=1)
        assert loaded is not None
        assert loaded.repositories[0].branch_patterns == rules
        assert organization == (loaded,)

    def test_an_organizations_invariants_round_trip_in_order_and_are_replaced_on_save(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        every = sample_invariants()
        with uow_factory() as uow:
            uow.organizations.save(OrganizationSettings("acme", invariants=every))
            uow.commit()
        with uow_factory(read_only=True) as uow:
            stored = uow.organizations.get("acme")
            assert stored is not None
            assert stored.invariants == every
        fewer = (every[2], every[0])
        with uow_factory() as uow:
            uow.organizations.save(attrs.evolve(stored, invariants=fewer), expected_version=1)
            uow.commit()
        with uow_factory(read_only=True) as uow:
            organization = uow.projects.load_organization("acme").organization
            assert organization is not None
            assert organization.invariants == fewer

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
