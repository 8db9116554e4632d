"""What every part of the contract suite stands on: the store under test, and a helper."""

from __future__ import annotations

import pathlib

import pytest

from ai_settings_core.domain.settings import ProjectSettings
from ai_settings_core.ports import UnitOfWorkFactory

__all__ = ["ContractBase"]


class ContractBase:
    """The store under test: each part of the contract (a mixin) subclasses this.

    A subclass provides :meth:`make_uow_factory`; the ``uow_factory`` fixture calls it once per
    test, with the test's own ``tmp_path``.
    """

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

    @staticmethod
    def _save_projects(factory: UnitOfWorkFactory, *projects: ProjectSettings) -> None:
        with factory() as uow:
            for project in projects:
                uow.projects.save(project)
            uow.commit()
