"""The settings at each level: system defaults, organization, project, repository.

Organization settings always hold values (they are the defaults every project inherits) plus
the organization's policy: locked settings and a stopping-point ceiling. Project and repository
settings hold *overrides*: ``None`` means "inherit", any value (even one equal to the inherited
value) is explicit and stays put when the parent changes (a *pin*).

Any override and any lock may carry an expiry (``..._expires_at``, an aware UTC datetime): from
that instant on, resolution treats it as absent. Nothing is deleted when it expires; the stored
record keeps it (see ``docs/expiry.md``).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import Final

import attrs

from ai_settings_core.domain.invariants import Invariant
from ai_settings_core.domain.values import ALL_BRANCHES, BranchPattern, RepositoryRef, StoppingPoint

__all__ = [
    "SYSTEM_DEFAULTS",
    "BranchRule",
    "EffectiveSettings",
    "OrganizationSettings",
    "ProjectSettings",
    "RepositorySettings",
    "Setting",
    "is_live",
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

    @property
    def expires_field(self) -> str:
        """The project payload's field for the expiry of this setting's override."""
        return f"{self.value}_override_expires_at"

    @property
    def lock_expires_field(self) -> str:
        """The organization payload's field for the expiry of this setting's lock."""
        return f"{self.value}_lock_expires_at"

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


def is_live(expires_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a value with this expiry is in force at ``now`` (``None``: it never expires).

    A value expires *at* its instant: at ``now == expires_at`` it is already absent.
    """
    return expires_at is None or now < expires_at


def _settings_set(value: Iterable[Setting]) -> frozenset[Setting]:
    return value if type(value) is frozenset else frozenset(value)


def _pattern(value: BranchPattern | str) -> BranchPattern:
    return value if type(value) is BranchPattern else BranchPattern.parse(value)


@attrs.frozen
class BranchRule:
    """A branch pattern of a repository, with the stopping point on the branches it matches.

    A repository's rules are checked in order and the first whose pattern matches the branch
    applies. A rule without an override (``None``) leaves the repository's stopping point in
    force; one with an override sets the stopping point for those branches alone, within the
    organization's lock and ceiling, like the overrides at the other levels::

        >>> rule = BranchRule(BranchPattern("release/*"), StoppingPoint.SUGGESTION)
        >>> rule.matches("release/2.0"), rule.text
        (True, 'release/*')

    Attributes:
        pattern: The branches the rule covers (a :class:`BranchPattern`, or its text).
        stopping_point_override: The stopping point on those branches, or ``None`` to inherit
            the repository's.
    """

    pattern: BranchPattern = attrs.field(converter=_pattern)
    stopping_point_override: StoppingPoint | None = None

    @property
    def text(self) -> str:
        """The pattern's text."""
        return self.pattern.text

    def matches(self, branch: str) -> bool:
        """Whether the rule's pattern matches ``branch`` (case-sensitively)."""
        return self.pattern.matches(branch)


ALL_BRANCHES_RULE: Final = BranchRule(ALL_BRANCHES)
"""The default rule of a repository: every branch, no stopping point of its own."""


def _rule(value: BranchRule | BranchPattern | str) -> BranchRule:
    if type(value) is BranchRule:
        return value
    if value is ALL_BRANCHES:
        return ALL_BRANCHES_RULE
    return BranchRule(value)  # type: ignore[arg-type]


def _rules(value: Iterable[BranchRule | BranchPattern | str]) -> tuple[BranchRule, ...]:
    """Rules from rules, patterns (a rule without an override each) or their texts."""
    rules = value if type(value) is tuple else tuple(value)
    for rule in rules:
        if type(rule) is not BranchRule:
            return tuple(_rule(item) for item in rules)
    return rules  # type: ignore[return-value]


def _invariants(value: Iterable[Invariant]) -> tuple[Invariant, ...]:
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
        invariants: Statements every write must keep true (``docs/invariants.md``), in the
            order they were added; names are unique.
        version: The stored version; 0 for a record that was never saved.
        scan_enabled_lock_expires_at: When the lock of ``scan_enabled`` ends; ``None``: never.
        fix_enabled_lock_expires_at: When the lock of ``fix_enabled`` ends; ``None``: never.
        stopping_point_lock_expires_at: When the lock of the stopping point ends; ``None``:
            never.
    """

    organization_id: str
    scan_enabled: bool = True
    fix_enabled: bool = False
    stopping_point: StoppingPoint = StoppingPoint.PULL_REQUEST
    locked: frozenset[Setting] = attrs.field(default=frozenset(), converter=_settings_set)
    max_stopping_point: StoppingPoint | None = None
    invariants: tuple[Invariant, ...] = attrs.field(default=(), converter=_invariants)
    version: int = 0
    scan_enabled_lock_expires_at: dt.datetime | None = None
    fix_enabled_lock_expires_at: dt.datetime | None = None
    stopping_point_lock_expires_at: dt.datetime | None = None

    def invariant(self, name: str) -> Invariant | None:
        """The invariant called ``name``, or ``None``."""
        for invariant in self.invariants:
            if invariant.name == name:
                return invariant
        return None

    @property
    def defaults(self) -> EffectiveSettings:
        """The organization's three default values."""
        return EffectiveSettings(self.scan_enabled, self.fix_enabled, self.stopping_point)

    def get(self, setting: Setting) -> bool | StoppingPoint:
        """The organization's default value of one setting."""
        value: bool | StoppingPoint = getattr(self, setting.value)
        return value

    def lock_expires_at(self, setting: Setting) -> dt.datetime | None:
        """When the lock of one setting ends, ``None`` when it does not (or is not locked)."""
        value: dt.datetime | None = getattr(self, setting.lock_expires_field)
        return value

    def locked_at(self, now: dt.datetime) -> frozenset[Setting]:
        """The settings locked at ``now``: the locks that have not expired."""
        locked = self.locked
        if not locked or not self.has_expiries:
            return locked
        return frozenset(s for s in locked if is_live(self.lock_expires_at(s), now))

    @property
    def has_expiries(self) -> bool:
        """Whether any lock carries an expiry."""
        return (
            self.scan_enabled_lock_expires_at is not None
            or self.fix_enabled_lock_expires_at is not None
            or self.stopping_point_lock_expires_at is not None
        )

    def expiries(self) -> tuple[dt.datetime, ...]:
        """The expiries of the locks, in setting order (empty when none carries one)."""
        if not self.has_expiries:
            return ()
        return tuple(e for s in Setting if (e := self.lock_expires_at(s)) is not None)

    def at(self, now: dt.datetime) -> OrganizationSettings:
        """The organization as it stands at ``now``: expired locks removed, no expiries left.

        What remains holds until the earliest expiry after ``now``; a decision snapshot
        prepares from it.
        """
        if not self.has_expiries:
            return self
        return attrs.evolve(
            self,
            locked=self.locked_at(now),
            scan_enabled_lock_expires_at=None,
            fix_enabled_lock_expires_at=None,
            stopping_point_lock_expires_at=None,
        )


@attrs.frozen
class RepositorySettings:
    """A repository of a project and how AI treats it.

    ``branch_patterns`` (the payload's name for them) holds the repository's branch rules; a
    :class:`BranchPattern` or a pattern's text given there is a rule without an override::

        >>> repository = RepositorySettings(
        ...     RepositoryRef.parse("github:acme/api"),
        ...     branch_patterns=("main", BranchRule("release/*", StoppingPoint.SUGGESTION)),
        ... )
        >>> repository.rule_for("release/1").stopping_point_override
        <StoppingPoint.SUGGESTION: 'suggestion'>
        >>> repository.rule_for("feature/x") is None
        True

    Attributes:
        repository: Which repository.
        ai_enabled: Whether AI acts on events from this repository at all.
        branch_patterns: The branch rules, checked in order, first match wins: the branches AI
            acts on (``*`` for all) and their own stopping points; at least one.
        stopping_point_override: The stopping point for this repository alone, or ``None``
            to inherit the project's.
        stopping_point_override_expires_at: When that override ends; ``None``: never.
    """

    repository: RepositoryRef
    ai_enabled: bool = True
    branch_patterns: tuple[BranchRule, ...] = attrs.field(
        default=(ALL_BRANCHES_RULE,), converter=_rules
    )
    stopping_point_override: StoppingPoint | None = None
    stopping_point_override_expires_at: dt.datetime | None = None

    def matches_branch(self, branch: str) -> bool:
        """Whether any of the branch rules matches ``branch``."""
        return self.rule_for(branch) is not None

    def rule_for(self, branch: str) -> BranchRule | None:
        """The first branch rule matching ``branch``, or ``None`` when none does."""
        for rule in self.branch_patterns:
            if rule.pattern.matches(branch):
                return rule
        return None


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
        scan_enabled_override_expires_at: When the scan override ends; ``None``: never.
        fix_enabled_override_expires_at: When the fix override ends; ``None``: never.
        stopping_point_override_expires_at: When the stopping-point override ends; ``None``:
            never.
    """

    organization_id: str
    project_id: str
    scan_enabled_override: bool | None = None
    fix_enabled_override: bool | None = None
    stopping_point_override: StoppingPoint | None = None
    repositories: tuple[RepositorySettings, ...] = attrs.field(default=(), converter=_repositories)
    environments: frozenset[str] = attrs.field(default=frozenset(), converter=_environments)
    version: int = 0
    scan_enabled_override_expires_at: dt.datetime | None = None
    fix_enabled_override_expires_at: dt.datetime | None = None
    stopping_point_override_expires_at: dt.datetime | None = None

    def override(self, setting: Setting) -> bool | StoppingPoint | None:
        """The stored override of one setting, ``None`` when it inherits."""
        value: bool | StoppingPoint | None = getattr(self, setting.override_field)
        return value

    def override_expires_at(self, setting: Setting) -> dt.datetime | None:
        """When the stored override of one setting ends, ``None`` when it does not."""
        value: dt.datetime | None = getattr(self, setting.expires_field)
        return value

    def expiries(self) -> tuple[dt.datetime, ...]:
        """Every expiry the project stores: its overrides', then its repositories'."""
        found = [e for s in Setting if (e := self.override_expires_at(s)) is not None]
        found.extend(
            r.stopping_point_override_expires_at
            for r in self.repositories
            if r.stopping_point_override_expires_at is not None
        )
        return tuple(found)

    def at(self, now: dt.datetime) -> ProjectSettings:
        """The project as it stands at ``now``: expired overrides removed, no expiries left.

        What remains holds until the earliest expiry after ``now``; a decision snapshot
        prepares from it.
        """
        if not self.expiries():
            return self
        changes: dict[str, object] = {}
        for setting in Setting:
            expires_at = self.override_expires_at(setting)
            if expires_at is not None:
                changes[setting.expires_field] = None
                if not is_live(expires_at, now):
                    changes[setting.override_field] = None
        changes["repositories"] = tuple(
            repository
            if repository.stopping_point_override_expires_at is None
            else attrs.evolve(
                repository,
                stopping_point_override=(
                    repository.stopping_point_override
                    if is_live(repository.stopping_point_override_expires_at, now)
                    else None
                ),
                stopping_point_override_expires_at=None,
            )
            for repository in self.repositories
        )
        return attrs.evolve(self, **changes)  # type: ignore[arg-type]

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
