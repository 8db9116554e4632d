"""The storage contract suite on PostgreSQL, and PostgreSQL held to the in-memory reference.

Audit ids are the one difference the comparison allows: the contract promises ids that
increase with every append, and PostgreSQL's sequence never hands an id out twice, where the
in-memory store reuses the ids of a rolled-back unit. So each PostgreSQL id is mapped to the
id the in-memory store gave the same append (in cursors too) before the results are compared:
order, content and paging are held to the reference exactly.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
from hypothesis import settings
from hypothesis.stateful import invariant

from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.ports import Page, UnitOfWork, UnitOfWorkFactory
from ai_settings_core.service import AuditEntry
from ai_settings_core.testing import AdapterContract
from tests.integration.test_storage_stateful import (
    ORGANIZATIONS,
    PROJECTS,
    StorageMachine,
    audit_pages,
    outcome,
    project_pages,
)
from tests.postgres import drop_schema, fresh_store, schema_name, server_url


class TestPostgresStore(AdapterContract):
    concurrent_organizations = True

    @pytest.fixture
    def uow_factory(self, tmp_path: pathlib.Path) -> Iterator[UnitOfWorkFactory]:
        with fresh_store(lock_timeout=60.0) as store:
            yield store


class PostgresMachine(StorageMachine):
    """The stateful comparison of ``test_storage_stateful``, memory against PostgreSQL."""

    def __init__(self) -> None:
        super().__init__()
        from ai_settings_core.adapters.postgres import PostgresStore

        self.url = server_url()
        self.schema = schema_name()
        self.postgres = PostgresStore(self.url, schema=self.schema, max_size=2)
        self.postgres.migrate()
        self.stores: tuple[Any, Any] = (MemoryStore(), self.postgres)
        self.ids: dict[int, int] = {}

    def _entries(self, value: Any) -> list[AuditEntry]:
        if isinstance(value, AuditEntry):
            return [value]
        if isinstance(value, Page):
            return self._entries(value.items)
        if isinstance(value, tuple | list):
            return [entry for item in value for entry in self._entries(item)]
        return []

    def _learn(self, reference: Any, candidate: Any) -> None:
        expected, found = self._entries(reference), self._entries(candidate)
        if len(expected) == len(found):
            self.ids.update((b.id, a.id) for a, b in zip(expected, found, strict=True))

    def _mapped(self, value: Any) -> Any:
        if isinstance(value, AuditEntry):
            return attrs.evolve(value, id=self.ids.get(value.id, value.id))
        if isinstance(value, Page):
            cursor = value.next_cursor
            if cursor is not None and cursor.startswith("before:"):
                number = int(cursor.removeprefix("before:"))
                cursor = f"before:{self.ids.get(number, number)}"
            return Page(self._mapped(value.items), cursor)
        if isinstance(value, tuple):
            return tuple(self._mapped(item) for item in value)
        if isinstance(value, list):
            return [self._mapped(item) for item in value]
        return value

    def both(self, action: Callable[[UnitOfWork], Any], *, commit: bool = True) -> Any:
        results = []
        for store in self.stores:
            with store() as uow:
                result = outcome(lambda uow=uow: action(uow))
                if commit:
                    uow.commit()
            results.append(result)
        self._learn(results[0], results[1])
        assert results[0] == self._mapped(results[1])
        return results[0]

    @invariant()
    def same_observable_state(self) -> None:
        views = []
        for store in self.stores:
            with store(read_only=True) as uow:
                views.append(
                    [
                        (
                            uow.projects.load_organization(organization_id),
                            uow.organizations.get(organization_id),
                            [uow.projects.get(organization_id, pid) for pid in PROJECTS],
                            uow.audit.query(organization_id, limit=10_000),
                            audit_pages(uow, organization_id),
                            project_pages(uow, organization_id),
                        )
                        for organization_id in ORGANIZATIONS
                    ]
                )
        assert views[0] == self._mapped(views[1])

    def teardown(self) -> None:
        self.postgres.close()
        drop_schema(self.url, self.schema)
        super().teardown()


PostgresMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=25, deadline=None)
TestPostgresMachine = PostgresMachine.TestCase
