"""The repositories of a :class:`~ai_settings_core.contrib.django.store.DjangoUnitOfWork`.

Organizations, projects (with their repositories and environments) and the audit log, each
read and written through the unit's connection, every write inside the unit's savepoint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs
from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Collate

from ai_settings_core.adapters import _common, _feed
from ai_settings_core.contrib.django.models import (
    AuditRecord,
    EnvironmentRecord,
    FeedChange,
    FeedGeneration,
    OrganizationRecord,
    ProjectRecord,
    RepositoryRecord,
)
from ai_settings_core.domain.audit import AuditEntry, AuditEvent
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import (
    STOPPING_POINTS,
    Provider,
    StoppingPoint,
    trusted_repository_ref,
)
from ai_settings_core.ports import (
    DEFAULT_PAGE_SIZE,
    Change,
    ChangesSince,
    OrganizationState,
    Page,
)

if TYPE_CHECKING:
    from ai_settings_core.contrib.django.store import DjangoUnitOfWork

__all__ = ["Audit", "Organizations", "Projects"]

_PROVIDERS: Final = {provider.value: provider for provider in Provider}
_EVENTS: Final = {event.value: event for event in AuditEvent}
# Code-point order of text, whatever the database's default collation.
_BINARY_COLLATION: Final = {"postgresql": "C", "sqlite": "BINARY"}


def _point(value: str | None) -> StoppingPoint | None:
    return None if value is None else STOPPING_POINTS[value]


def _text(value: StoppingPoint | None) -> str | None:
    return None if value is None else value.value


def _collated(unit: DjangoUnitOfWork, field: str) -> Any:  # noqa: ANN401 - an ORM expression
    collation = _BINARY_COLLATION.get(unit._vendor())  # noqa: SLF001
    return F(field) if collation is None else Collate(F(field), collation)


# Organizations -----------------------------------------------------------------------------

_LOCKED: Final = (
    (Setting.SCAN_ENABLED, "scan_enabled_locked"),
    (Setting.FIX_ENABLED, "fix_enabled_locked"),
    (Setting.STOPPING_POINT, "stopping_point_locked"),
)


def _organization(record: OrganizationRecord) -> OrganizationSettings:
    return OrganizationSettings(
        record.organization_id,
        record.scan_enabled,
        record.fix_enabled,
        STOPPING_POINTS[record.stopping_point],
        frozenset(setting for setting, name in _LOCKED if getattr(record, name)),
        _point(record.max_stopping_point),
        _common.invariants_from_stored(record.invariants),
        int(record.version),
        _read_moment(record.scan_enabled_lock_expires_at),
        _read_moment(record.fix_enabled_lock_expires_at),
        _read_moment(record.stopping_point_lock_expires_at),
    )


@attrs.frozen
class Organizations:
    _uow: DjangoUnitOfWork

    def get(self, organization_id: str) -> OrganizationSettings | None:
        with self._uow._reading() as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            record = OrganizationRecord.objects.using(using).filter(pk=organization_id).first()
            return None if record is None else _organization(record)

    def save(
        self, settings: OrganizationSettings, expected_version: int | None = None
    ) -> OrganizationSettings:
        with self._uow._writing(settings.organization_id) as using:  # noqa: SLF001
            _common.check_organization(settings)
            records = OrganizationRecord.objects.using(using)
            current = records.filter(pk=settings.organization_id).values_list("version").first()
            actual = 0 if current is None else int(current[0])
            _common.check_expected(
                f"Organization {settings.organization_id!r}", expected_version, actual
            )
            saved = attrs.evolve(settings, version=actual + 1)
            records.update_or_create(
                organization_id=saved.organization_id,
                defaults={
                    "scan_enabled": saved.scan_enabled,
                    "fix_enabled": saved.fix_enabled,
                    "stopping_point": saved.stopping_point.value,
                    "max_stopping_point": _text(saved.max_stopping_point),
                    "version": saved.version,
                    "invariants": _common.invariants_to_stored(saved.invariants),
                    **{name: setting in saved.locked for setting, name in _LOCKED},
                    **{
                        setting.lock_expires_field: _stored_moment(saved.lock_expires_at(setting))
                        for setting in Setting
                    },
                },
            )
            return saved


# Projects ----------------------------------------------------------------------------------


def _projects(using: str, records: list[ProjectRecord]) -> list[ProjectSettings]:
    """Build projects from their records, with two more queries for all their children."""
    rows = [record.pk for record in records]
    repositories: dict[int, list[RepositorySettings]] = {row: [] for row in rows}
    environments: dict[int, set[str]] = {row: set() for row in rows}
    if rows:
        for repository in (
            RepositoryRecord.objects.using(using)
            .filter(project_id__in=rows)
            .order_by("project_id", "position")
        ):
            repositories[repository.project_id].append(
                RepositorySettings(
                    trusted_repository_ref(
                        _PROVIDERS[repository.provider], repository.owner, repository.name
                    ),
                    repository.ai_enabled,
                    _common.branch_rules(
                        _common.rule_key(
                            repository.branch_patterns, repository.branch_stopping_points
                        )
                    ),
                    _point(repository.stopping_point_override),
                    _read_moment(repository.stopping_point_override_expires_at),
                )
            )
        for project_row, name in (
            EnvironmentRecord.objects.using(using)
            .filter(project_id__in=rows)
            .values_list("project_id", "name")
        ):
            environments[project_row].add(name)
    return [
        ProjectSettings(
            organization_id=record.organization_id,
            project_id=record.project_id,
            scan_enabled_override=record.scan_enabled_override,
            fix_enabled_override=record.fix_enabled_override,
            stopping_point_override=_point(record.stopping_point_override),
            repositories=tuple(repositories[record.pk]),
            environments=frozenset(environments[record.pk]),
            version=int(record.version),
            scan_enabled_override_expires_at=_read_moment(record.scan_enabled_override_expires_at),
            fix_enabled_override_expires_at=_read_moment(record.fix_enabled_override_expires_at),
            stopping_point_override_expires_at=_read_moment(
                record.stopping_point_override_expires_at
            ),
        )
        for record in records
    ]


_CHUNK: Final = 500
_OVERRIDING: Final = (
    Q(scan_enabled_override__isnull=False)
    | Q(fix_enabled_override__isnull=False)
    | Q(stopping_point_override__isnull=False)
)


@attrs.frozen
class Projects:
    _uow: DjangoUnitOfWork

    def get(self, organization_id: str, project_id: str) -> ProjectSettings | None:
        with self._uow._reading():  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            _common.check_lookup(("project_id",), project_id)
        return self.get_many(organization_id, (project_id,)).get(project_id)

    def get_many(
        self, organization_id: str, project_ids: Iterable[str]
    ) -> Mapping[str, ProjectSettings]:
        with self._uow._reading() as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            asked = list(project_ids)
            for project_id in asked:
                _common.check_lookup(("project_ids",), project_id)
            wanted = list(dict.fromkeys(asked))
            records: list[ProjectRecord] = []
            for start in range(0, len(wanted), _CHUNK):
                records += ProjectRecord.objects.using(using).filter(
                    organization_id=organization_id, project_id__in=wanted[start : start + _CHUNK]
                )
            return {project.project_id: project for project in _projects(using, records)}

    def save(
        self, project: ProjectSettings, expected_version: int | None = None
    ) -> ProjectSettings:
        with self._uow._writing(  # noqa: SLF001
            project.organization_id, project_id=project.project_id
        ) as using:
            _common.check_project(project)
            records = ProjectRecord.objects.using(using)
            record = records.filter(
                organization_id=project.organization_id, project_id=project.project_id
            ).first()
            actual = 0 if record is None else int(record.version)
            _common.check_expected(
                f"Project {project.project_id!r} of organization {project.organization_id!r}",
                expected_version,
                actual,
            )
            saved = attrs.evolve(project, version=actual + 1)
            if record is None:
                record = ProjectRecord(
                    organization_id=saved.organization_id, project_id=saved.project_id
                )
            else:
                RepositoryRecord.objects.using(using).filter(project=record).delete()
                EnvironmentRecord.objects.using(using).filter(project=record).delete()
            record.scan_enabled_override = saved.scan_enabled_override
            record.fix_enabled_override = saved.fix_enabled_override
            record.stopping_point_override = _text(saved.stopping_point_override)
            record.version = saved.version
            for setting in Setting:
                setattr(
                    record,
                    setting.expires_field,
                    _stored_moment(saved.override_expires_at(setting)),
                )
            record.save(using=using)
            RepositoryRecord.objects.using(using).bulk_create(
                RepositoryRecord(
                    project=record,
                    position=position,
                    provider=repository.repository.provider.value,
                    owner=repository.repository.owner,
                    name=repository.repository.name,
                    owner_key=repository.repository.key[1],
                    name_key=repository.repository.key[2],
                    ai_enabled=repository.ai_enabled,
                    branch_patterns=[rule.pattern.text for rule in repository.branch_patterns],
                    branch_stopping_points=_common.rule_points(repository.branch_patterns),
                    stopping_point_override=_text(repository.stopping_point_override),
                    stopping_point_override_expires_at=_stored_moment(
                        repository.stopping_point_override_expires_at
                    ),
                )
                for position, repository in enumerate(saved.repositories)
            )
            EnvironmentRecord.objects.using(using).bulk_create(
                EnvironmentRecord(project=record, name=name) for name in saved.environments
            )
            return saved

    def delete(
        self, organization_id: str, project_id: str, expected_version: int | None = None
    ) -> bool:
        with self._uow._writing(organization_id, project_id=project_id) as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            _common.check_lookup(("project_id",), project_id)
            record = (
                ProjectRecord.objects.using(using)
                .filter(organization_id=organization_id, project_id=project_id)
                .first()
            )
            actual = 0 if record is None else int(record.version)
            _common.check_expected(
                f"Project {project_id!r} of organization {organization_id!r}",
                expected_version,
                actual,
            )
            if record is None:
                return False
            record.delete()
            return True

    def list(
        self,
        organization_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        overriding_only: bool = False,
    ) -> Page[ProjectSettings]:
        with self._uow._reading() as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
            limit = _common.check_limit(limit)
            after = _common.decode_project_cursor(cursor)
            query = ProjectRecord.objects.using(using).filter(organization_id=organization_id)
            query = query.annotate(key=_collated(self._uow, "project_id"))
            if after is not None:
                query = query.filter(key__gt=after)
            if overriding_only:
                query = query.filter(_OVERRIDING)
            records = list(query.order_by("key")[: limit + 1])
            more = len(records) > limit
            items = _projects(using, records[:limit])
            next_cursor = _common.encode_project_cursor(items[-1].project_id) if more else None
            return Page(tuple(items), next_cursor)

    def load_organization(self, organization_id: str) -> OrganizationState:
        with self._uow._reading() as using:  # noqa: SLF001
            _common.check_lookup(("organization_id",), organization_id)
        organization = self._uow.organizations.get(organization_id)
        with self._uow._reading() as using:  # noqa: SLF001
            records = list(
                ProjectRecord.objects.using(using)
                .filter(organization_id=organization_id)
                .annotate(key=_collated(self._uow, "project_id"))
                .order_by("key")
            )
            generation = _generations(using, [organization_id])[organization_id]
            return OrganizationState(
                organization_id, organization, tuple(_projects(using, records)), generation
            )


# The audit log ---------------------------------------------------------------------------


def _stored_time(value: dt.datetime) -> dt.datetime:
    """An aware UTC time as the database takes it (naive UTC when ``USE_TZ`` is off)."""
    utc = value.astimezone(dt.UTC)
    return utc if settings.USE_TZ else utc.replace(tzinfo=None)


def _read_time(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.utcoffset() is None else value.astimezone(dt.UTC)


def _stored_moment(value: dt.datetime | None) -> dt.datetime | None:
    """An expiry as the database takes it (``None``: it never expires)."""
    return None if value is None else _stored_time(value)


def _read_moment(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else _read_time(value)


def _audit_entry(record: AuditRecord) -> AuditEntry:
    return AuditEntry(
        organization_id=record.organization_id,
        project_id=record.project_id,
        actor=record.actor,
        event=_EVENTS[record.event],
        target=record.target,
        occurred_at=_read_time(record.occurred_at),
        stored_changes=_common.changes_from_json(record.stored_changes),
        effective_changes=_common.changes_from_json(record.effective_changes),
        id=int(record.pk),
        change_id=record.change_id,
        reverts=None if record.reverts is None else int(record.reverts),
    )


@attrs.frozen
class Audit:
    _uow: DjangoUnitOfWork

    def append(self, entry: AuditEntry) -> AuditEntry:
        with self._uow._writing(entry.organization_id, settings=False) as using:  # noqa: SLF001
            _common.check_audit_entry(entry)
            record = AuditRecord.objects.using(using).create(
                organization_id=entry.organization_id,
                project_id=entry.project_id,
                actor=entry.actor,
                event=entry.event.value,
                target=entry.target,
                occurred_at=_stored_time(entry.occurred_at),
                stored_changes=_common.changes_to_json(entry.stored_changes),
                effective_changes=_common.changes_to_json(entry.effective_changes),
                change_id=entry.change_id,
                reverts=entry.reverts,
            )
            return attrs.evolve(entry, id=int(record.pk))

    def query(
        self,
        organization_id: str,
        *,
        project_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[AuditEntry]:
        with self._uow._reading() as using:  # noqa: SLF001
            limit, since, until, before = _common.check_audit_query(
                organization_id,
                project_id=project_id,
                since=since,
                until=until,
                cursor=cursor,
                limit=limit,
            )
            query = AuditRecord.objects.using(using).filter(organization_id=organization_id)
            if project_id is not None:
                query = query.filter(project_id=project_id)
            if since is not None:
                query = query.filter(occurred_at__gte=_stored_time(since))
            if until is not None:
                query = query.filter(occurred_at__lt=_stored_time(until))
            if before is not None:
                query = query.filter(pk__lt=before)
            records = list(query.order_by("-pk")[: limit + 1])
            items = tuple(_audit_entry(record) for record in records[:limit])
            more = len(records) > limit
            return Page(items, _common.encode_audit_cursor(items[-1].id) if more else None)


# The change feed -------------------------------------------------------------------------


def _generations(using: str, organization_ids: list[str]) -> dict[str, int]:
    found = dict(
        FeedGeneration.objects.using(using)
        .filter(organization_id__in=organization_ids)
        .values_list("organization_id", "generation")
    )
    return {key: int(found.get(key, 0)) for key in organization_ids}


def publish(using: str, changes: list[Change]) -> None:
    """Advance each organization's generation and keep its change record (in the commit)."""
    for change in changes:
        organization_id = change.organization_id
        generations = FeedGeneration.objects.using(using)
        record = generations.select_for_update().filter(organization_id=organization_id).first()
        if record is None:
            record = FeedGeneration(organization_id=organization_id, generation=0, floor=0)
        record.generation += 1
        pruned = _feed.prune_below(record.generation)
        FeedChange.objects.using(using).create(
            organization_id=organization_id,
            generation=record.generation,
            organization=change.organization,
            project_ids=_feed.projects_to_json(change),
        )
        if pruned > record.floor:
            record.floor = pruned
            FeedChange.objects.using(using).filter(
                organization_id=organization_id, generation__lte=pruned
            ).delete()
        record.save(using=using)


@attrs.frozen
class ChangeFeed:
    """The change feed of one unit of work (polled: Django has no listener)."""

    _uow: DjangoUnitOfWork

    def generations(self, organization_ids: Iterable[str]) -> Mapping[str, int]:
        with self._uow._reading() as using:  # noqa: SLF001
            return _generations(using, _feed.check_organizations(organization_ids))

    def since(self, organization_id: str, generation: int) -> ChangesSince:
        with self._uow._reading() as using:  # noqa: SLF001
            since = _feed.check_since(organization_id, generation)
            record = FeedGeneration.objects.using(using).filter(organization_id=organization_id)
            found = record.values_list("generation", "floor").first()
            current, floor = (0, 0) if found is None else (int(found[0]), int(found[1]))
            if not floor <= since <= current:
                return _feed.answer(organization_id, since, current, floor, ())
            rows = (
                FeedChange.objects.using(using)
                .filter(organization_id=organization_id, generation__gt=since)
                .order_by("generation")
                .values_list("generation", "organization", "project_ids")
            )
            records = [_feed.change_from_row(organization_id, *row) for row in rows]
            return _feed.answer(organization_id, since, current, floor, records)
