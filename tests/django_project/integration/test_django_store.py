"""DjangoStore passes the storage contract on SQLite and on PostgreSQL, and locks as documented."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connections, transaction

from ai_settings_core import OrganizationSettings, ProjectSettings
from ai_settings_core.contrib.django.store import DjangoStore
from ai_settings_core.testing import AdapterContract


@pytest.mark.django_db(transaction=True)
class TestDjangoStoreOnSqlite(AdapterContract):
    def make_uow_factory(self, tmp_path):
        return DjangoStore("default")


@pytest.mark.django_db(transaction=True, databases=["default", "postgres"])
@pytest.mark.skipif("postgres" not in settings.DATABASES, reason="no PostgreSQL server answers")
class TestDjangoStoreOnPostgres(AdapterContract):
    concurrent_organizations = True  # a row lock per organization (select_for_update)

    def make_uow_factory(self, tmp_path):
        return DjangoStore("postgres")


postgres_only = pytest.mark.skipif(
    "postgres" not in settings.DATABASES, reason="no PostgreSQL server answers"
)


def _in_thread(work):
    """Run ``work`` in a thread; return the thread and the list its error (if any) lands in."""
    errors: list[BaseException] = []

    def run():
        try:
            work()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def _waiting_for_a_lock(alias: str) -> bool:
    """Whether some other session of the test database waits for a lock right now."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees one snapshot
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


def _wait_until(predicate) -> None:
    event = threading.Event()
    while not predicate():
        event.wait(0.02)


@postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "postgres"])
def test_writers_of_two_organizations_do_not_wait_for_each_other():
    store = DjangoStore("postgres")
    with store(organization_id="acme") as holder:
        holder.organizations.save(OrganizationSettings("acme", fix_enabled=True))
        # Another organization's writer commits while acme's unit is still open.
        thread, errors = _in_thread(lambda: _save(store, "globex"))
        thread.join()
        assert errors == []
        with store(read_only=True) as reader:
            assert reader.organizations.get("globex").version == 1
        holder.commit()
    connections["postgres"].close()


@postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "postgres"])
def test_writers_of_one_organization_take_turns():
    store = DjangoStore("postgres")
    with store(organization_id="acme") as holder:
        thread, errors = _in_thread(lambda: _save(store, "acme"))
        _wait_until(lambda: _waiting_for_a_lock("postgres"))
        with store(read_only=True) as reader:
            assert reader.organizations.get("acme") is None  # the second writer waits
        holder.organizations.save(OrganizationSettings("acme", scan_enabled=False))
        holder.commit()
    thread.join()
    assert errors == []
    with store(read_only=True) as reader:
        saved = reader.organizations.get("acme")
    # The waiting writer read after the first committed: nothing was lost.
    assert (saved.version, saved.scan_enabled, saved.fix_enabled) == (2, False, True)


@postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "postgres"])
def test_a_store_wide_writer_waits_for_every_scoped_writer():
    store = DjangoStore("postgres")
    with store(organization_id="acme") as holder:
        thread, errors = _in_thread(lambda: _save(store, None))
        _wait_until(lambda: _waiting_for_a_lock("postgres"))
        holder.commit()
    thread.join()
    assert errors == []


def _save(store: DjangoStore, organization_id: str | None) -> None:
    """Read-modify-write of an organization (``"store"`` for a store-wide unit)."""
    target = organization_id or "store"
    with store(organization_id=organization_id) as uow:
        current = uow.organizations.get(target) or OrganizationSettings(target)
        uow.organizations.save(
            OrganizationSettings(
                target,
                scan_enabled=current.scan_enabled,
                fix_enabled=True,
                stopping_point=current.stopping_point,
            )
        )
        uow.commit()


@pytest.mark.django_db(transaction=True)
def test_a_unit_inside_the_hosts_transaction_commits_and_rolls_back_with_it():
    store = DjangoStore("default")
    with transaction.atomic(), store(organization_id="acme") as uow:
        uow.projects.save(ProjectSettings("acme", "kept"))
        uow.commit()

    def fail_after_the_unit_committed():
        with transaction.atomic():
            with store(organization_id="acme") as uow:
                uow.projects.save(ProjectSettings("acme", "lost"))
                uow.commit()
            raise RuntimeError("the host's transaction fails after the unit committed")

    with pytest.raises(RuntimeError):
        fail_after_the_unit_committed()
    with store(read_only=True) as uow:
        assert [p.project_id for p in uow.projects.list("acme").items] == ["kept"]


def test_a_repository_row_from_before_branch_rules_reads_as_rules_without_overrides(alias):
    """Rows written before migration 0002 hold no ``branch_stopping_points`` (null)."""
    from ai_settings_core import BranchRule, RepositoryRef, RepositorySettings, StoppingPoint
    from ai_settings_core.contrib.django.models import ProjectRecord, RepositoryRecord

    store = DjangoStore(alias)
    rules = (BranchRule("release/*", StoppingPoint.SUGGESTION), BranchRule("main"))
    project = ProjectSettings(
        "acme",
        "web",
        repositories=(RepositorySettings(RepositoryRef.parse("github:acme/api"), True, rules),),
    )
    with store() as uow:
        uow.projects.save(project)
        uow.commit()
    record = RepositoryRecord.objects.using(alias).get()
    assert (record.branch_patterns, record.branch_stopping_points) == (
        ["release/*", "main"],
        ["suggestion", None],
    )
    RepositoryRecord.objects.using(alias).update(branch_stopping_points=None)
    assert ProjectRecord.objects.using(alias).count() == 1
    with store(read_only=True) as uow:
        loaded = uow.projects.get("acme", "web")
    assert loaded is not None
    assert loaded.repositories[0].branch_patterns == (BranchRule("release/*"), BranchRule("main"))
