"""The contract on the audit log: increasing ids, exact round trips, filters, newest first."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from ai_settings_core.domain.audit import AuditEvent
from ai_settings_core.errors import ValidationError
from ai_settings_core.ports import UnitOfWorkFactory
from ai_settings_core.testing._base import ContractBase
from ai_settings_core.testing._samples import T0, sample_audit_entry

__all__ = ["AuditContract"]


class AuditContract(ContractBase):
    """Appending to and querying the audit log."""

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

    def test_audit_entries_keep_their_change_and_what_they_revert(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory() as uow:
            first = uow.audit.append(sample_audit_entry(minutes=0))
            tagged = sample_audit_entry(minutes=1)
            change = attrs.evolve(tagged, change_id="c0ffee", reverts=first.id)
            appended = uow.audit.append(change)
            uow.commit()
        assert attrs.evolve(appended, id=0) == change
        with uow_factory(read_only=True) as uow:
            newest, oldest = uow.audit.query("acme").items
        assert (newest.change_id, newest.reverts) == ("c0ffee", first.id)
        assert (oldest.change_id, oldest.reverts) == (None, None)

    def test_audit_queries_filter_by_project_and_time(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory() as uow:
            web = [uow.audit.append(sample_audit_entry(minutes=m)) for m in range(4)]
            api = uow.audit.append(sample_audit_entry(project_id="api", minutes=2))
            uow.audit.append(sample_audit_entry("other", minutes=2))
            uow.commit()
        since = T0 + dt.timedelta(minutes=1)
        until = T0 + dt.timedelta(minutes=3)
        with uow_factory(read_only=True) as uow:
            assert uow.audit.query("acme", project_id="web").items == tuple(reversed(web))
            assert uow.audit.query("acme", since=since, until=until).items == (api, web[2], web[1])
            in_paris = dt.timezone(dt.timedelta(hours=1))
            assert uow.audit.query("acme", until=T0.astimezone(in_paris)).items == ()
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
