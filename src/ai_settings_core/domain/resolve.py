"""Resolution: the effective settings of a project or repository, each with its trace.

Inheritance happens here, at read time. For each setting the chain is, outermost first:
system default → organization → project → repository → branch (the last two for the stopping
point only; the branch level is the repository's first branch rule matching); the innermost
explicit value wins, then the organization's policy applies: a lock enforces the
organization's value, and the ceiling clamps the stopping point. Whatever the policy
overrode is kept in the trace as *shadowed*, so the answer explains itself.

Overrides and locks may expire. Resolution takes the moment it answers for (``now``) and treats
an override or a lock whose expiry has passed as absent: the trace keeps it as shadowed with
the reason ``EXPIRED``, and a value in force that will end says when (``expires_at``). Settings
that carry an expiry need ``now``; without one they raise ``TypeError`` rather than guess the
time (the domain never reads the clock: the service passes its own).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Generic, TypeVar

import attrs

from ai_settings_core.domain.settings import (
    SYSTEM_DEFAULTS,
    BranchRule,
    EffectiveSettings,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
    is_live,
)
from ai_settings_core.domain.values import RepositoryRef, StoppingPoint

__all__ = [
    "Level",
    "Reason",
    "Resolution",
    "Shadowed",
    "Trace",
    "resolve_branch",
    "resolve_organization",
    "resolve_project",
    "resolve_repository",
]

T = TypeVar("T", bool, StoppingPoint)


class Level(enum.Enum):
    """Where a value came from, outermost first."""

    DEFAULT = "default"
    ORGANIZATION = "organization"
    PROJECT = "project"
    REPOSITORY = "repository"
    BRANCH = "branch"

    def __str__(self) -> str:
        return self.value


class Reason(enum.Enum):
    """Why a value is in force, in the spirit of OpenFeature's resolution reasons.

    - ``DEFAULT``: the system default; nothing is stored for the organization.
    - ``INHERITED``: the organization's default, not overridden below it.
    - ``OVERRIDDEN``: set explicitly at the level named by the trace.
    - ``LOCKED``: the organization enforces its value.
    - ``CAPPED``: the value was above the organization's ceiling and was clamped to it.
    - ``EXPIRED``: (shadowed values only) an override or a lock whose expiry has passed.
    """

    DEFAULT = "DEFAULT"
    INHERITED = "INHERITED"
    OVERRIDDEN = "OVERRIDDEN"
    LOCKED = "LOCKED"
    CAPPED = "CAPPED"
    EXPIRED = "EXPIRED"

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Shadowed(Generic[T]):
    """A stored value that the organization's policy keeps out of force.

    Attributes:
        level: Where the value is stored.
        value: The stored value (for an expired lock, the organization's value it enforced).
        reason: ``LOCKED``, ``CAPPED`` or ``EXPIRED``.
        expires_at: When the stored override (or the expired lock) ends or ended; ``None``
            when it does not.
    """

    level: Level
    value: T
    reason: Reason
    expires_at: dt.datetime | None = None


@attrs.frozen
class Trace(Generic[T]):
    """One setting's effective value and where it came from.

    Attributes:
        setting: Which setting.
        value: The value in force.
        level: The level that supplied it.
        reason: Why it is in force.
        shadowed: Stored values the policy or their expiry kept out of force, innermost
            first.
        expires_at: When the override or lock that supplies the value ends; ``None`` when it
            does not.
    """

    setting: Setting
    value: T
    level: Level
    reason: Reason
    shadowed: tuple[Shadowed[T], ...] = ()
    expires_at: dt.datetime | None = None


@attrs.frozen
class Resolution:
    """The effective settings of an organization, project or repository, with traces.

    Attributes:
        scan_enabled: The trace of the scan setting.
        fix_enabled: The trace of the fix setting.
        stopping_point: The trace of the stopping point.
    """

    scan_enabled: Trace[bool]
    fix_enabled: Trace[bool]
    stopping_point: Trace[StoppingPoint]

    @property
    def effective(self) -> EffectiveSettings:
        """The three values in force."""
        return EffectiveSettings(
            self.scan_enabled.value, self.fix_enabled.value, self.stopping_point.value
        )

    def trace(self, setting: Setting) -> Trace[bool] | Trace[StoppingPoint]:
        """The trace of one setting."""
        trace: Trace[bool] | Trace[StoppingPoint] = getattr(self, setting.value)
        return trace

    @property
    def traces(self) -> tuple[Trace[bool], Trace[bool], Trace[StoppingPoint]]:
        """The three traces, in the order scan, fix, stopping point."""
        return (self.scan_enabled, self.fix_enabled, self.stopping_point)


def _needs_now(expires_at: dt.datetime, now: dt.datetime | None) -> dt.datetime:
    if now is None:
        msg = (
            f"these settings carry an expiry ({expires_at.isoformat()}): "
            "pass now= (an aware datetime) to say which moment to resolve for"
        )
        raise TypeError(msg)
    return now


def _base(
    organization: OrganizationSettings | None, setting: Setting, now: dt.datetime | None = None
) -> Trace[T]:
    if organization is None:
        default: T = getattr(SYSTEM_DEFAULTS, setting.value)
        return Trace(setting, default, Level.DEFAULT, Reason.DEFAULT)
    value: T = getattr(organization, setting.value)
    if setting in organization.locked:
        expires_at = organization.lock_expires_at(setting)
        if expires_at is not None and not is_live(expires_at, _needs_now(expires_at, now)):
            expired: Shadowed[T] = Shadowed(Level.ORGANIZATION, value, Reason.EXPIRED, expires_at)
            return Trace(setting, value, Level.ORGANIZATION, Reason.INHERITED, (expired,))
    return Trace(setting, value, Level.ORGANIZATION, Reason.INHERITED)


def _lock(
    organization: OrganizationSettings | None, setting: Setting, now: dt.datetime | None
) -> tuple[bool, dt.datetime | None]:
    """Whether ``setting`` is locked at ``now``, and when that lock ends."""
    if organization is None or setting not in organization.locked:
        return False, None
    expires_at = organization.lock_expires_at(setting)
    if expires_at is None:
        return True, None
    return is_live(expires_at, _needs_now(expires_at, now)), expires_at


def _apply_override(
    trace: Trace[T],
    organization: OrganizationSettings | None,
    level: Level,
    override: T | None,
    *,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Trace[T]:
    if (
        override is not None
        and expires_at is not None
        and not is_live(expires_at, _needs_now(expires_at, now))
    ):
        expired: tuple[Shadowed[T], ...] = (Shadowed(level, override, Reason.EXPIRED, expires_at),)
        trace = attrs.evolve(trace, shadowed=expired + trace.shadowed)
        override = None
    locked, lock_expires_at = _lock(organization, trace.setting, now)
    if override is None:
        if locked and trace.reason is not Reason.LOCKED:
            return attrs.evolve(
                trace, level=Level.ORGANIZATION, reason=Reason.LOCKED, expires_at=lock_expires_at
            )
        return trace
    if locked:
        shadow: Shadowed[T] = Shadowed(level, override, Reason.LOCKED, expires_at)
        return Trace(
            trace.setting,
            trace.value,
            Level.ORGANIZATION,
            Reason.LOCKED,
            (shadow,) + trace.shadowed,
            lock_expires_at,
        )
    return Trace(trace.setting, override, level, Reason.OVERRIDDEN, trace.shadowed, expires_at)


def _cap(
    trace: Trace[StoppingPoint], organization: OrganizationSettings | None
) -> Trace[StoppingPoint]:
    ceiling = None if organization is None else organization.max_stopping_point
    if ceiling is None or trace.value <= ceiling:
        return trace
    shadow: Shadowed[StoppingPoint] = Shadowed(
        trace.level, trace.value, Reason.CAPPED, trace.expires_at
    )
    return Trace(
        trace.setting,
        ceiling,
        Level.ORGANIZATION,
        Reason.CAPPED,
        (shadow, *trace.shadowed),
        trace.expires_at,
    )


def resolve_organization(organization: OrganizationSettings | None) -> Resolution:
    """The organization's own values with their source.

    With nothing stored (``None``) they are the system defaults (reason ``DEFAULT``); a stored
    organization supplies them itself (level ``ORGANIZATION``, reason ``OVERRIDDEN``: set
    explicitly at that level). A default above the organization's own ceiling is ``CAPPED``.

        >>> resolution = resolve_organization(None)
        >>> resolution.fix_enabled.value, resolution.fix_enabled.reason
        (False, <Reason.DEFAULT: 'DEFAULT'>)
    """
    if organization is None:
        return Resolution(
            _base(None, Setting.SCAN_ENABLED),
            _base(None, Setting.FIX_ENABLED),
            _base(None, Setting.STOPPING_POINT),
        )
    return Resolution(
        Trace(
            Setting.SCAN_ENABLED, organization.scan_enabled, Level.ORGANIZATION, Reason.OVERRIDDEN
        ),
        Trace(Setting.FIX_ENABLED, organization.fix_enabled, Level.ORGANIZATION, Reason.OVERRIDDEN),
        _cap(
            Trace(
                Setting.STOPPING_POINT,
                organization.stopping_point,
                Level.ORGANIZATION,
                Reason.OVERRIDDEN,
            ),
            organization,
        ),
    )


def resolve_project(
    organization: OrganizationSettings | None,
    project: ProjectSettings | None,
    *,
    now: dt.datetime | None = None,
) -> Resolution:
    """The effective settings of a project, each with its trace.

    ``organization`` is ``None`` when the organization stored nothing (system defaults apply);
    ``project`` is ``None`` when the project stored nothing (it inherits everything).
    ``now`` is the moment to resolve for: needed when an override or a lock carries an expiry.

        >>> from ai_settings_core import OrganizationSettings, ProjectSettings
        >>> org = OrganizationSettings("acme", fix_enabled=True)
        >>> project = ProjectSettings("acme", "web", scan_enabled_override=False)
        >>> resolution = resolve_project(org, project)
        >>> resolution.scan_enabled.value, resolution.scan_enabled.reason
        (False, <Reason.OVERRIDDEN: 'OVERRIDDEN'>)
        >>> resolution.fix_enabled.value, resolution.fix_enabled.reason
        (True, <Reason.INHERITED: 'INHERITED'>)
    """
    return _resolve(organization, project, None, None, now)


def resolve_repository(
    organization: OrganizationSettings | None,
    project: ProjectSettings | None,
    repository: RepositorySettings | RepositoryRef,
    *,
    now: dt.datetime | None = None,
) -> Resolution:
    """The effective settings for one repository of a project.

    Scan and fix are the project's; the stopping point may be overridden by the repository
    (within the lock and the ceiling). A repository the project does not list inherits
    everything from the project. ``now`` as for :func:`resolve_project`.
    """
    if isinstance(repository, RepositoryRef):
        found = None if project is None else project.repository(repository)
    else:
        found = repository
    return _resolve(organization, project, found, None, now)


def resolve_branch(
    organization: OrganizationSettings | None,
    project: ProjectSettings | None,
    repository: RepositorySettings | RepositoryRef,
    branch: str | BranchRule,
    *,
    now: dt.datetime | None = None,
) -> Resolution:
    """The effective settings on one branch of a repository of a project.

    ``branch`` is a branch name, matched against the repository's rules (the first rule that
    matches applies), or the rule itself. A rule's stopping point overrides the repository's
    (level ``BRANCH``), within the lock and the ceiling; a branch that no rule matches, and a
    repository the project does not list, resolve as the repository does. ``now`` as for
    :func:`resolve_project`; a branch rule's stopping point has no expiry of its own.

        >>> from ai_settings_core import OrganizationSettings, ProjectSettings, RepositoryRef
        >>> from ai_settings_core import RepositorySettings, BranchRule, StoppingPoint
        >>> api = RepositorySettings(
        ...     RepositoryRef.parse("github:acme/api"),
        ...     branch_patterns=("main", BranchRule("release/*", StoppingPoint.MERGE)),
        ... )
        >>> org = OrganizationSettings("acme", max_stopping_point=StoppingPoint.PULL_REQUEST)
        >>> project = ProjectSettings("acme", "api", repositories=(api,))
        >>> trace = resolve_branch(org, project, api, "release/2.0").stopping_point
        >>> str(trace.value), str(trace.reason), [str(s.level) for s in trace.shadowed]
        ('pull_request', 'CAPPED', ['branch'])
    """
    if isinstance(repository, RepositoryRef):
        found = None if project is None else project.repository(repository)
    else:
        found = repository
    if isinstance(branch, BranchRule) or found is None:
        rule = branch if isinstance(branch, BranchRule) else None
    else:
        rule = found.rule_for(branch)
    return _resolve(organization, project, found, rule, now)


def _resolve(
    organization: OrganizationSettings | None,
    project: ProjectSettings | None,
    repository: RepositorySettings | None,
    rule: BranchRule | None,
    now: dt.datetime | None,
) -> Resolution:
    scan: Trace[bool] = _base(organization, Setting.SCAN_ENABLED, now)
    fix: Trace[bool] = _base(organization, Setting.FIX_ENABLED, now)
    point: Trace[StoppingPoint] = _base(organization, Setting.STOPPING_POINT, now)
    if organization is not None or project is not None:
        stored = project if project is not None else _NOTHING_STORED
        scan = _apply_override(
            scan,
            organization,
            Level.PROJECT,
            stored.scan_enabled_override,
            expires_at=stored.scan_enabled_override_expires_at,
            now=now,
        )
        fix = _apply_override(
            fix,
            organization,
            Level.PROJECT,
            stored.fix_enabled_override,
            expires_at=stored.fix_enabled_override_expires_at,
            now=now,
        )
        point = _apply_override(
            point,
            organization,
            Level.PROJECT,
            stored.stopping_point_override,
            expires_at=stored.stopping_point_override_expires_at,
            now=now,
        )
    if repository is not None:
        point = _apply_override(
            point,
            organization,
            Level.REPOSITORY,
            repository.stopping_point_override,
            expires_at=repository.stopping_point_override_expires_at,
            now=now,
        )
    if rule is not None:
        point = _apply_override(
            point, organization, Level.BRANCH, rule.stopping_point_override, now=now
        )
    return Resolution(scan, fix, _cap(point, organization))


_NOTHING_STORED = ProjectSettings("", "")
