"""The read side: what the use cases return, as the settings page shows it.

Plain immutable values built by the service and rendered by the edges (the codec's documents,
the command line's tables); they hold no storage and do no I/O.
"""

from __future__ import annotations

import attrs

from ai_settings_core.domain.decide import Decision
from ai_settings_core.domain.findings import Finding
from ai_settings_core.domain.invariants import Invariant
from ai_settings_core.domain.resolve import Resolution
from ai_settings_core.domain.settings import (
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
)
from ai_settings_core.domain.values import RepositoryRef
from ai_settings_core.domain.violations import Violation

__all__ = [
    "BulkResult",
    "Explanation",
    "InvariantsView",
    "OrganizationView",
    "ProjectView",
    "RepositoryView",
    "RevertResult",
]


@attrs.frozen
class OrganizationView:
    """An organization's settings as the settings page shows them.

    Attributes:
        settings: The stored settings, or the system defaults (version 0) when none are stored.
        stored: Whether anything is stored for the organization.
        resolution: The values with their source (``DEFAULT`` when nothing is stored).
        warnings: Advice for the UI (after a write, or for the stored state on a read).
    """

    settings: OrganizationSettings
    stored: bool
    resolution: Resolution
    warnings: tuple[Finding, ...] = ()

    @property
    def version(self) -> int:
        """The stored version (0 when nothing is stored): the value of an ``ETag``."""
        return self.settings.version


@attrs.frozen
class RepositoryView:
    """One repository of a project with its effective settings.

    Attributes:
        settings: The repository's stored settings.
        resolution: Its effective values with traces (the stopping point may be its own).
    """

    settings: RepositorySettings
    resolution: Resolution


@attrs.frozen
class ProjectView:
    """A project's settings as the settings page shows them.

    Attributes:
        project: The stored project (version 0 when the host knows it but nothing is stored).
        organization: The organization's stored settings, ``None`` when none are stored.
        resolution: The project's effective values with traces.
        repositories: Each repository with its effective values.
        warnings: Advice for the UI.
    """

    project: ProjectSettings
    organization: OrganizationSettings | None
    resolution: Resolution
    repositories: tuple[RepositoryView, ...]
    warnings: tuple[Finding, ...] = ()

    @property
    def version(self) -> int:
        """The stored version (0 when nothing is stored): the value of an ``ETag``."""
        return self.project.version


@attrs.frozen
class Explanation:
    """Where a project's values come from and, for one event, what AI may do.

    Attributes:
        view: The project with its traces.
        repository: The repository asked about, as the event named it (or ``None``).
        repository_settings: The project's settings for that repository, if it lists it.
        repository_resolution: The effective values for that repository on the event's branch
            (``None`` without a repository): its stopping point's trace shows the branch level
            when a branch rule applies.
        decision: What AI may do for the event.
        branch_rule: The repository's first branch rule matching the event's branch (an event
            without a branch is matched as the empty name, as ``decide`` does), or ``None``.
    """

    view: ProjectView
    repository: RepositoryRef | None
    repository_settings: RepositorySettings | None
    repository_resolution: Resolution | None
    decision: Decision
    branch_rule: BranchRule | None = None


@attrs.frozen
class BulkResult:
    """What a bulk change did.

    Attributes:
        projects: Every project named, after the change, in the order given.
        changed: The ids of the projects whose stored settings changed.
        warnings: Advice for the UI, with paths ``("projects", project_id, field...)``.
    """

    projects: tuple[ProjectView, ...]
    changed: tuple[str, ...]
    warnings: tuple[Finding, ...] = ()


@attrs.frozen
class RevertResult:
    """What a revert did.

    Attributes:
        reverted: The ids of the audit entries undone: the one named, and every other entry of
            the same change (a bulk change is reverted as one), oldest first.
        organization: The organization after the revert, when the change had touched it.
        projects: Each project the change had touched, after the revert.
        changed: The ids of the projects whose stored settings the revert changed.
        warnings: Advice for the UI.
    """

    reverted: tuple[int, ...]
    organization: OrganizationView | None
    projects: tuple[ProjectView, ...]
    changed: tuple[str, ...]
    warnings: tuple[Finding, ...] = ()


@attrs.frozen
class InvariantsView:
    """An organization's invariants and where stored settings break them now.

    Attributes:
        organization_id: The organization.
        invariants: Its invariants, in the order they were added.
        violations: The violations of the stored settings (those an invariant saved with
            ``enforce`` kept), in the projects the actor reaches.
        version: The organization's stored version (the ``ETag`` of its settings).
    """

    organization_id: str
    invariants: tuple[Invariant, ...]
    violations: tuple[Violation, ...]
    version: int
