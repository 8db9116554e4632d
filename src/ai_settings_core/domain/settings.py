"""The settings at each level: system defaults, organization, project, repository.

Organization settings always hold values (they are the defaults every project inherits) plus
the organization's policy: locked settings and a stopping-point ceiling. Project and repository
settings hold *overrides*: ``None`` means "inherit", any value (even one equal to the inherited
value) is explicit and stays put when the parent changes (a *pin*).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final

import attrs

from ai_settings_core.domain.values import ALL_BRANCHES, BranchPattern, RepositoryRef, StoppingPoint

__all__ = [
    "SYSTEM_DEFAULTS",
    "EffectiveSettings",
    "OrganizationSettings",
    "ProjectSettings",
    "RepositorySettings",
    "Setting",
]


class Setting(enum.Enum):
    """One of the three settings; its value is the organization payload's field name."""

    SCAN_ENABLED = "scan_enabled"
    FIX_ENABLED = "fix_enabled"
    STOPPING_POINT = "stopping_point"

    @property
    def override_field(self) -> str:
        """The project payload's field for this setting's override (``scan_enabled_override``)."""
        return f"{self.value}_override"

    def __str__(self) -> str:
        return self.value


# The overridden settings of a project, by which of its three overrides are set (in the
# order scan, fix, stopping point): eight shared sets, looked up instead of built.
_OVERRIDDEN: Final = {
    (scan, fix, point): frozenset(
        setting
        for setting, chosen in zip(
            (Setting.SCAN_ENABLED, Setting.FIX_ENABLED, Setting.STOPPING_POINT),
            (scan, fix, point),
            strict=True,
        )
        if chosen
    )
    for scan in (False, True)
    for fix in (False, True)
    for point in (False, True)
}


@attrs.frozen
class EffectiveSettings:
    """The three values in force, with nothing left to inherit.

    The defaults of this class are the system defaults: scan on, fix off, pull request.

    Attributes:
        scan_enabled: Whether AI scans new issues.
        fix_enabled: Whether AI attempts fixes.
        stopping_point: How far an automated fix may go.
    """

    scan_enabled: bool = True
    fix_enabled: bool = False
    stopping_point: StoppingPoint = StoppingPoint.PULL_REQUEST

    def get(self, setting: Setting) -> bool | StoppingPoint:
        """The value of one setting."""
        value: bool | StoppingPoint = getattr(self, setting.value)
        return value


SYSTEM_DEFAULTS: Final = EffectiveSettings()
"""What applies when an organization has stored nothing: scan on, fix off, pull request."""


def _settings_set(value: Iterable[Setting]) -> frozenset[Setting]:
    return value if type(value) is frozenset else frozenset(value)


def _patterns(value: Iterable[BranchPattern]) -> tuple[BranchPattern, ...]:
    return value if type(value) is tuple else tuple(value)


def _repositories(value: Iterable[RepositorySettings]) -> tuple[RepositorySettings, ...]:
    return value if type(value) is tuple else tuple(value)


def _environments(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        msg = f"environments must be a collection of names, not the string {value!r}"
        raise TypeError(msg)
    return value if type(value) is frozenset else frozenset(value)


@attrs.frozen
class OrganizationSettings:
    """An organization's defaults and policy.

    Attributes:
        organization_id: The host's identifier (id or slug) of the organization.
        scan_enabled: Default for every project.
        fix_enabled: Default for every project.
        stopping_point: Default for every project and repository.
        locked: Settings the organization enforces on all its projects; the locked value is
            the organization's own. Overrides stored before a lock are kept but inert.
        max_stopping_point: The ceiling: no project or repository goes beyond it.
        version: The stored version; 0 for a record that was never saved.
    """

    organization_id: str
    scan_enabled: bool = True
    fix_enabled: bool = False
    stopping_point: StoppingPoint = StoppingPoint.PULL_REQUEST
    locked: frozenset[Setting] = attrs.field(default=frozenset(), converter=_settings_set)
    max_stopping_point: StoppingPoint | None = None
    version: int = 0

    @property
    def defaults(self) -> EffectiveSettings:
        """The organization's three default values."""
        return EffectiveSettings(self.scan_enabled, self.fix_enabled, self.stopping_point)

    def get(self, setting: Setting) -> bool | StoppingPoint:
        """The organization's default value of one setting."""
        value: bool | StoppingPoint = getattr(self, setting.value)
        return value


@attrs.frozen
class RepositorySettings:
    """A repository of a project and how AI treats it.

    Attributes:
        repository: Which repository.
        ai_enabled: Whether AI acts on events from this repository at all.
        branch_patterns: Branches AI acts on (``*`` for all); at least one.
        stopping_point_override: The stopping point for this repository alone, or ``None``
            to inherit the project's.
    """

    repository: RepositoryRef
    ai_enabled: bool = True
    branch_patterns: tuple[BranchPattern, ...] = attrs.field(
        default=(ALL_BRANCHES,), converter=_patterns
    )
    stopping_point_override: StoppingPoint | None = None

    def matches_branch(self, branch: str) -> bool:
        """Whether any of the branch patterns matches ``branch``."""
        return any(pattern.matches(branch) for pattern in self.branch_patterns)


@attrs.frozen
class ProjectSettings:
    """A project's overrides, repositories and environments.

    ``None`` in an override means "inherit from the organization"; a value is explicit, even
    when it equals the inherited one.

    Attributes:
        organization_id: The organization the project belongs to.
        project_id: The host's identifier (id or slug) of the project.
        scan_enabled_override: Explicit scan setting, or ``None`` to inherit.
        fix_enabled_override: Explicit fix setting, or ``None`` to inherit.
        stopping_point_override: Explicit stopping point, or ``None`` to inherit.
        repositories: The project's repositories, in the order they were added.
        environments: Environments AI is restricted to; empty means all.
        version: The stored version; 0 for a record that was never saved.
    """

    organization_id: str
    project_id: str
    scan_enabled_override: bool | None = None
    fix_enabled_override: bool | None = None
    stopping_point_override: StoppingPoint | None = None
    repositories: tuple[RepositorySettings, ...] = attrs.field(default=(), converter=_repositories)
    environments: frozenset[str] = attrs.field(default=frozenset(), converter=_environments)
    version: int = 0

    def override(self, setting: Setting) -> bool | StoppingPoint | None:
        """The stored override of one setting, ``None`` when it inherits."""
        value: bool | StoppingPoint | None = getattr(self, setting.override_field)
        return value

    @property
    def overridden(self) -> frozenset[Setting]:
        """The settings this project overrides (pins included)."""
        return _OVERRIDDEN[
            (
                self.scan_enabled_override is not None,
                self.fix_enabled_override is not None,
                self.stopping_point_override is not None,
            )
        ]

    @property
    def has_overrides(self) -> bool:
        """Whether the project overrides any of the three settings."""
        return (
            self.scan_enabled_override is not None
            or self.fix_enabled_override is not None
            or self.stopping_point_override is not None
        )

    def repository(self, ref: RepositoryRef) -> RepositorySettings | None:
        """The settings of one repository of this project, or ``None``."""
        key = ref.key
        for repository in self.repositories:
            if repository.repository.key == key:
                return repository
        return None
