"""The tables of the app (label ``ai_settings``): one model per stored concept.

:class:`~ai_settings_core.contrib.django.store.DjangoStore` is the only writer; the models are
public so a host can read them (the admin, reports), never to write around the store.
"""

from __future__ import annotations

from typing import Final

from django.db import models

from ai_settings_core.domain.audit import AuditEvent
from ai_settings_core.domain.values import Provider, StoppingPoint

__all__ = [
    "AuditRecord",
    "EnvironmentRecord",
    "FeedChange",
    "FeedGeneration",
    "OrganizationRecord",
    "ProjectRecord",
    "RepositoryRecord",
    "WriterLock",
]

_POINTS: Final = [(point.value, point.value) for point in StoppingPoint]
_PROVIDERS: Final = [(provider.value, provider.value) for provider in Provider]
_EVENTS: Final = [(event.value, event.value) for event in AuditEvent]


class OrganizationRecord(models.Model):
    """An organization's stored settings (none stored: the system defaults apply)."""

    organization_id = models.TextField(primary_key=True)
    scan_enabled = models.BooleanField()
    fix_enabled = models.BooleanField()
    stopping_point = models.CharField(max_length=16, choices=_POINTS)
    scan_enabled_locked = models.BooleanField()
    fix_enabled_locked = models.BooleanField()
    stopping_point_locked = models.BooleanField()
    max_stopping_point = models.CharField(max_length=16, choices=_POINTS, null=True)
    version = models.PositiveBigIntegerField()
    invariants = models.TextField(default="[]", help_text="JSON array of invariant payloads")
    scan_enabled_lock_expires_at = models.DateTimeField(null=True)
    fix_enabled_lock_expires_at = models.DateTimeField(null=True)
    stopping_point_lock_expires_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "ai_settings_organization"
        verbose_name = "organization AI settings"
        verbose_name_plural = "organizations' AI settings"

    def __str__(self) -> str:
        return str(self.organization_id)


class ProjectRecord(models.Model):
    """A project's stored overrides (``NULL``: inherit from the organization)."""

    organization_id = models.TextField()
    project_id = models.TextField()
    scan_enabled_override = models.BooleanField(null=True)
    fix_enabled_override = models.BooleanField(null=True)
    stopping_point_override = models.CharField(max_length=16, choices=_POINTS, null=True)
    version = models.PositiveBigIntegerField()
    scan_enabled_override_expires_at = models.DateTimeField(null=True)
    fix_enabled_override_expires_at = models.DateTimeField(null=True)
    stopping_point_override_expires_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "ai_settings_project"
        verbose_name = "project AI settings"
        verbose_name_plural = "projects' AI settings"
        constraints = (
            models.UniqueConstraint(
                fields=("organization_id", "project_id"), name="ai_settings_project_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.project_id}"


class RepositoryRecord(models.Model):
    """One repository listed on a project, at its position in the list."""

    project = models.ForeignKey(
        ProjectRecord, on_delete=models.CASCADE, related_name="repositories"
    )
    position = models.PositiveIntegerField()
    provider = models.CharField(max_length=16, choices=_PROVIDERS)
    owner = models.TextField()
    name = models.TextField()
    owner_key = models.TextField()
    name_key = models.TextField()
    ai_enabled = models.BooleanField()
    branch_patterns = models.JSONField()
    stopping_point_override = models.CharField(max_length=16, choices=_POINTS, null=True)
    stopping_point_override_expires_at = models.DateTimeField(null=True)
    # Each branch rule's own stopping point, aligned with ``branch_patterns``; null when no rule
    # of the repository has one (as in every row written before rules had them).
    branch_stopping_points = models.JSONField(null=True)

    class Meta:
        db_table = "ai_settings_repository"
        constraints = (
            models.UniqueConstraint(
                fields=("project", "provider", "owner_key", "name_key"),
                name="ai_settings_repository_unique",
            ),
            models.UniqueConstraint(
                fields=("project", "position"), name="ai_settings_repository_position"
            ),
        )

    def __str__(self) -> str:
        return f"{self.provider}:{self.owner}/{self.name}"


class EnvironmentRecord(models.Model):
    """One environment a project is deployed to."""

    project = models.ForeignKey(
        ProjectRecord, on_delete=models.CASCADE, related_name="environments"
    )
    name = models.TextField()

    class Meta:
        db_table = "ai_settings_environment"
        constraints = (
            models.UniqueConstraint(
                fields=("project", "name"), name="ai_settings_environment_unique"
            ),
        )

    def __str__(self) -> str:
        return str(self.name)


class AuditRecord(models.Model):
    """One entry of the append-only audit log; ids increase with every append."""

    organization_id = models.TextField()
    project_id = models.TextField(null=True)
    actor = models.TextField()
    event = models.CharField(max_length=64, choices=_EVENTS)
    target = models.TextField()
    occurred_at = models.DateTimeField()
    stored_changes = models.TextField(help_text="JSON array of {field, before, after}")
    effective_changes = models.TextField(help_text="JSON array of {field, before, after}")
    change_id = models.TextField(null=True, help_text="The write the entry belongs to")
    reverts = models.BigIntegerField(null=True, help_text="The id of the entry it reverts")

    class Meta:
        db_table = "ai_settings_audit"
        verbose_name = "AI settings audit entry"
        verbose_name_plural = "AI settings audit log"
        indexes = (
            models.Index(fields=("organization_id", "id"), name="ai_settings_audit_org"),
            models.Index(
                fields=("organization_id", "project_id", "id"), name="ai_settings_audit_project"
            ),
        )

    def __str__(self) -> str:
        return f"{self.event} {self.target}"


class WriterLock(models.Model):
    """One row per organization that writing units of work lock (``SELECT ... FOR UPDATE``).

    The row ``""`` is the store-wide lock on backends without per-organization locking.
    """

    organization_id = models.TextField(primary_key=True)

    class Meta:
        db_table = "ai_settings_writer_lock"

    def __str__(self) -> str:
        return str(self.organization_id or "(store)")


class FeedGeneration(models.Model):
    """An organization's generation (advanced by every commit that wrote it) and its floor.

    The change records of generations above ``floor`` are all kept (see
    :class:`~ai_settings_core.ports.ChangesSince`).
    """

    organization_id = models.TextField(primary_key=True)
    generation = models.PositiveBigIntegerField()
    floor = models.PositiveBigIntegerField()

    class Meta:
        db_table = "ai_settings_feed_generation"

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.generation}"


class FeedChange(models.Model):
    """What one generation of an organization changed (see :class:`~ai_settings_core.ports.Change`).

    ``project_ids`` is a JSON array of project ids, or ``NULL`` for "too many to list".
    """

    organization_id = models.TextField()
    generation = models.PositiveBigIntegerField()
    organization = models.BooleanField()
    project_ids = models.TextField(null=True)

    class Meta:
        db_table = "ai_settings_feed_change"
        constraints = (
            models.UniqueConstraint(
                fields=("organization_id", "generation"), name="ai_settings_feed_change_key"
            ),
        )

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.generation}"
