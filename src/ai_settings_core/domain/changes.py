"""Changes: patches, reset, diffs and the impact preview of an organization change.

A patch names only what changes: a field left at :data:`KEEP` is unchanged; on an override,
``None`` means "inherit again". Applying a patch is pure and idempotent.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Iterable
from typing import Any, Final, Literal, TypeAlias, TypeVar

import attrs
from attrs import AttrsInstance

from ai_settings_core.domain.invariants import (
    FixRequiresScan,
    Invariant,
    InvariantKind,
    MergeOnlyOnBranches,
    StoppingPointAtMost,
)
from ai_settings_core.domain.resolve import resolve_project, resolve_repository
from ai_settings_core.domain.settings import (
    BranchRule,
    EffectiveSettings,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import (
    BranchPattern,
    RepositoryRef,
    StoppingPoint,
    format_timestamp,
)
from ai_settings_core.errors import InvalidValueError

__all__ = [
    "KEEP",
    "FieldChange",
    "Impact",
    "Keep",
    "OrganizationPatch",
    "ProjectImpact",
    "ProjectPatch",
    "RepositoryImpact",
    "RepositoryPatch",
    "diff_effective",
    "diff_organization",
    "diff_project",
    "diff_settings",
    "preview_impact",
    "reset_project",
    "restore_fields",
    "stale_fields",
]


class _Keep(enum.Enum):
    KEEP = "KEEP"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep.KEEP
"""The value of a patch field that leaves the stored value unchanged."""

Keep: TypeAlias = Literal[_Keep.KEEP]
"""The type of :data:`KEEP`."""


def _changed_fields(patch: AttrsInstance) -> dict[str, Any]:
    """The fields of a patch that are not ``KEEP``, by name."""
    return {
        name: value
        for name in attrs.fields_dict(type(patch))
        if (value := getattr(patch, name)) is not KEEP
    }


_PROJECT_EXPIRIES: Final = tuple((s.override_field, s.expires_field) for s in Setting)
_REPOSITORY_EXPIRIES: Final = (("stopping_point_override", "stopping_point_override_expires_at"),)


def _with_expiries(changes: dict[str, Any], fields: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """A patch's changes, with the expiry of every override it writes without one cleared."""
    for value_field, expiry_field in fields:
        if value_field in changes and expiry_field not in changes:
            changes[expiry_field] = None
    return changes


@attrs.frozen
class OrganizationPatch:
    """A change to an organization's defaults and policy; fields at ``KEEP`` stay as they are.

    ``locked`` replaces the set of locked settings; ``lock`` and ``unlock`` change it relative
    to what is stored *when the patch is applied* (inside the write's transaction), so two
    people locking different settings at once both keep their lock. They apply in that order:
    ``locked``, then ``lock``, then ``unlock``.

        >>> from ai_settings_core import OrganizationSettings, Setting
        >>> org = OrganizationSettings("acme", locked=frozenset({Setting.FIX_ENABLED}))
        >>> sorted(s.value for s in OrganizationPatch(lock=frozenset({Setting.SCAN_ENABLED}))
        ...        .apply(org).locked)
        ['fix_enabled', 'scan_enabled']

    Attributes:
        scan_enabled: New default, or ``KEEP``.
        fix_enabled: New default, or ``KEEP``.
        stopping_point: New default, or ``KEEP``.
        locked: The new set of locked settings (it replaces the old one), or ``KEEP``.
        max_stopping_point: The new ceiling, ``None`` to remove it, or ``KEEP``.
        invariants: The new list of invariants (it replaces the old one), or ``KEEP``.
        lock: Settings to add to the locked ones, or ``KEEP``.
        unlock: Settings to remove from the locked ones, or ``KEEP``.
        scan_enabled_lock_expires_at: When the lock of ``scan_enabled`` ends (``None``:
            never), or ``KEEP``.
        fix_enabled_lock_expires_at: The same for ``fix_enabled``.
        stopping_point_lock_expires_at: The same for the stopping point.

    An expiry belongs to the lock it ends: a setting this patch locks (through ``locked`` or
    ``lock``) without naming its expiry is locked for good, and an unlocked setting keeps no
    expiry. An expiry named for a setting that is not locked afterwards is refused by the
    rules (code ``not_locked``).
    """

    scan_enabled: bool | Keep = KEEP
    fix_enabled: bool | Keep = KEEP
    stopping_point: StoppingPoint | Keep = KEEP
    locked: frozenset[Setting] | Keep = KEEP
    max_stopping_point: StoppingPoint | None | Keep = KEEP
    invariants: tuple[Invariant, ...] | Keep = KEEP
    lock: frozenset[Setting] | Keep = KEEP
    unlock: frozenset[Setting] | Keep = KEEP
    scan_enabled_lock_expires_at: dt.datetime | None | Keep = KEEP
    fix_enabled_lock_expires_at: dt.datetime | None | Keep = KEEP
    stopping_point_lock_expires_at: dt.datetime | None | Keep = KEEP

    @property
    def is_empty(self) -> bool:
        """Whether the patch changes nothing."""
        return not _changed_fields(self)

    def apply(self, organization: OrganizationSettings) -> OrganizationSettings:
        """The organization with this patch applied (the version is the store's business)."""
        changes = _changed_fields(self)
        lock = changes.pop("lock", frozenset())
        unlock = changes.pop("unlock", frozenset())
        if lock or unlock:
            locked = changes.get("locked", organization.locked)
            changes["locked"] = (locked | lock) - unlock
        if "locked" in changes:
            before, after = organization.locked, changes["locked"]
            for setting in Setting:
                name = setting.lock_expires_field
                if name not in changes and (setting not in after or setting not in before):
                    changes[name] = None  # a new lock is for good; no lock keeps no expiry
        return attrs.evolve(organization, **changes) if changes else organization


@attrs.frozen
class ProjectPatch:
    """A change to a project; fields at ``KEEP`` stay, ``None`` on an override inherits again.

    Attributes:
        scan_enabled_override: New override, ``None`` to inherit, or ``KEEP``.
        fix_enabled_override: New override, ``None`` to inherit, or ``KEEP``.
        stopping_point_override: New override, ``None`` to inherit, or ``KEEP``.
        repositories: The new list of repositories (it replaces the old one), or ``KEEP``.
        environments: The new environment allow-list (empty for all), or ``KEEP``.
        scan_enabled_override_expires_at: When the scan override ends (``None``: never), or
            ``KEEP``.
        fix_enabled_override_expires_at: The same for the fix override.
        stopping_point_override_expires_at: The same for the stopping-point override.

    An expiry belongs to the override it ends: writing an override without naming its expiry
    writes it for good, and an override set back to ``None`` keeps no expiry. An expiry
    written alone changes the end of the stored override (the rules refuse one without an
    override, code ``not_overridden``).
    """

    scan_enabled_override: bool | None | Keep = KEEP
    fix_enabled_override: bool | None | Keep = KEEP
    stopping_point_override: StoppingPoint | None | Keep = KEEP
    repositories: tuple[RepositorySettings, ...] | Keep = KEEP
    environments: frozenset[str] | Keep = KEEP
    scan_enabled_override_expires_at: dt.datetime | None | Keep = KEEP
    fix_enabled_override_expires_at: dt.datetime | None | Keep = KEEP
    stopping_point_override_expires_at: dt.datetime | None | Keep = KEEP

    @property
    def is_empty(self) -> bool:
        """Whether the patch changes nothing."""
        return not _changed_fields(self)

    def apply(self, project: ProjectSettings) -> ProjectSettings:
        """The project with this patch applied (the version is the store's business)."""
        changes = _with_expiries(_changed_fields(self), _PROJECT_EXPIRIES)
        return attrs.evolve(project, **changes) if changes else project


@attrs.frozen
class RepositoryPatch:
    """A change to one repository of a project; fields at ``KEEP`` stay as they are.

    Attributes:
        ai_enabled: New value, or ``KEEP``.
        branch_patterns: The new branch rules (they replace the old ones), or ``KEEP``.
        stopping_point_override: New override, ``None`` to inherit the project's, or ``KEEP``.
        stopping_point_override_expires_at: When that override ends (``None``: never), or
            ``KEEP``; it belongs to the override as in :class:`ProjectPatch`.
    """

    ai_enabled: bool | Keep = KEEP
    branch_patterns: tuple[BranchRule, ...] | Keep = KEEP
    stopping_point_override: StoppingPoint | None | Keep = KEEP
    stopping_point_override_expires_at: dt.datetime | None | Keep = KEEP

    @property
    def is_empty(self) -> bool:
        """Whether the patch changes nothing."""
        return not _changed_fields(self)

    def apply(self, repository: RepositorySettings) -> RepositorySettings:
        """The repository with this patch applied."""
        changes = _with_expiries(_changed_fields(self), _REPOSITORY_EXPIRIES)
        return attrs.evolve(repository, **changes) if changes else repository


def reset_project(project: ProjectSettings) -> ProjectSettings:
    """Clear every override of a project: it inherits all three settings again.

    The project's own three overrides, each repository's stopping-point override and each
    branch rule's are cleared; the repositories themselves, their ``ai_enabled`` and branch
    patterns, and the environment allow-list are configuration, not overrides, and stay.
    """
    return attrs.evolve(
        project,
        scan_enabled_override=None,
        fix_enabled_override=None,
        stopping_point_override=None,
        scan_enabled_override_expires_at=None,
        fix_enabled_override_expires_at=None,
        stopping_point_override_expires_at=None,
        repositories=tuple(
            attrs.evolve(
                repository,
                stopping_point_override=None,
                stopping_point_override_expires_at=None,
                branch_patterns=tuple(
                    BranchRule(rule.pattern) for rule in repository.branch_patterns
                ),
            )
            for repository in project.repositories
        ),
    )


@attrs.frozen
class FieldChange:
    """One field that differs between two states.

    Attributes:
        field: The payload's field name (``scan_enabled_override``, ``repositories``...).
        before: The value before, in payload form (enums as their text, sets sorted).
        after: The value after, in the same form.
    """

    field: str
    before: object
    after: object


def _plain(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return format_timestamp(value, timespec="auto")
    if isinstance(value, frozenset):
        return tuple(sorted(_plain(item) for item in value))  # type: ignore[type-var]
    if isinstance(value, RepositorySettings):
        return (
            str(value.repository),
            value.ai_enabled,
            tuple(_plain(rule) for rule in value.branch_patterns),
            _plain(value.stopping_point_override),
            *(
                ()
                if value.stopping_point_override_expires_at is None
                else (_plain(value.stopping_point_override_expires_at),)
            ),
        )
    if isinstance(value, BranchRule):
        point = value.stopping_point_override
        return value.text if point is None else (value.text, point.value)
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, StoppingPointAtMost | MergeOnlyOnBranches | FixRequiresScan):
        return _plain_invariant(value)
    if isinstance(value, RepositoryRef | BranchPattern):
        return str(value)
    return value


def _plain_invariant(invariant: Invariant) -> str:
    """An invariant as the compact JSON text of its payload (audit changes hold plain values)."""
    plain: dict[str, object] = {"name": invariant.name, "kind": invariant.kind.value}
    if isinstance(invariant, StoppingPointAtMost):
        plain["at_most"] = invariant.at_most.value
        plain["except_repositories"] = [str(ref) for ref in invariant.except_repositories]
    elif isinstance(invariant, MergeOnlyOnBranches):
        plain["branches"] = [pattern.text for pattern in invariant.branches]
    return json.dumps(plain, ensure_ascii=False, separators=(",", ":"))


def _diff(before: object, after: object, names: Iterable[str]) -> tuple[FieldChange, ...]:
    changes = []
    for name in names:
        old, new = _plain(getattr(before, name)), _plain(getattr(after, name))
        if old != new:
            changes.append(FieldChange(name, old, new))
    return tuple(changes)


_ORGANIZATION_FIELDS: Final = (
    "scan_enabled",
    "fix_enabled",
    "stopping_point",
    "locked",
    "max_stopping_point",
    "invariants",
    *(setting.lock_expires_field for setting in Setting),
)
_PROJECT_FIELDS: Final = (
    "scan_enabled_override",
    "fix_enabled_override",
    "stopping_point_override",
    "repositories",
    "environments",
    *(setting.expires_field for setting in Setting),
)
_EFFECTIVE_FIELDS: Final = ("scan_enabled", "fix_enabled", "stopping_point")


def diff_organization(
    before: OrganizationSettings, after: OrganizationSettings
) -> tuple[FieldChange, ...]:
    """The stored fields that differ between two states of an organization."""
    return _diff(before, after, _ORGANIZATION_FIELDS)


def diff_project(before: ProjectSettings, after: ProjectSettings) -> tuple[FieldChange, ...]:
    """The stored fields that differ between two states of a project."""
    return _diff(before, after, _PROJECT_FIELDS)


def diff_effective(
    organization_before: OrganizationSettings | None,
    project_before: ProjectSettings | None,
    organization_after: OrganizationSettings | None,
    project_after: ProjectSettings | None,
    *,
    now: dt.datetime | None = None,
) -> tuple[FieldChange, ...]:
    """The effective values of a project that differ between two states (at ``now``)."""
    return diff_settings(
        resolve_project(organization_before, project_before, now=now).effective,
        resolve_project(organization_after, project_after, now=now).effective,
    )


def diff_settings(before: EffectiveSettings, after: EffectiveSettings) -> tuple[FieldChange, ...]:
    """The values that differ between two sets of effective settings."""
    return _diff(before, after, _EFFECTIVE_FIELDS)


def _point(value: object) -> StoppingPoint | None:
    return None if value is None else StoppingPoint.parse(value)


def _moment(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"Not a recorded time: {value!r}.")
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def _repository(value: object) -> RepositorySettings:
    # _plain's four items, and a fifth when the override expires.
    if not isinstance(value, tuple) or len(value) not in {4, 5}:
        raise ValueError(f"Not a recorded repository: {value!r}.")
    ref, ai_enabled, patterns, point, *expires = value
    if not isinstance(ai_enabled, bool) or not isinstance(patterns, tuple):
        raise TypeError(f"Not a recorded repository: {value!r}.")
    return RepositorySettings(
        RepositoryRef.parse(ref),
        ai_enabled,
        tuple(_rule(rule) for rule in patterns),
        _point(point),
        stopping_point_override_expires_at=_moment(expires[0]) if expires else None,
    )


def _rule(value: object) -> BranchRule:
    # _plain's pattern text, or (text, stopping point) for a rule with its own.
    if isinstance(value, tuple):
        text, point = value
        return BranchRule(BranchPattern.parse(text), _required(_point)(point))
    return BranchRule(BranchPattern.parse(value))


def _invariant(value: object) -> Invariant:
    # _plain_invariant's JSON text.
    if not isinstance(value, str):
        raise TypeError(f"Not a recorded invariant: {value!r}.")
    plain = json.loads(value)
    if not isinstance(plain, dict):
        raise TypeError(f"Not a recorded invariant: {value!r}.")
    name, kind = str(plain["name"]), InvariantKind(plain["kind"])
    if kind is InvariantKind.STOPPING_POINT_AT_MOST:
        return StoppingPointAtMost(
            name,
            StoppingPoint.parse(plain["at_most"]),
            tuple(RepositoryRef.parse(ref) for ref in plain["except_repositories"]),
        )
    if kind is InvariantKind.MERGE_ONLY_ON_BRANCHES:
        return MergeOnlyOnBranches(
            name, tuple(BranchPattern.parse(text) for text in plain["branches"])
        )
    return FixRequiresScan(name)


def _items(value: object) -> tuple[object, ...]:
    if not isinstance(value, tuple):
        raise TypeError(f"Not a recorded list: {value!r}.")
    return value


def _flag(value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"Not a recorded boolean: {value!r}.")
    return value


def _required(read: Callable[[object], Any]) -> Callable[[object], Any]:
    def read_required(value: object) -> object:
        if value is None:
            msg = "A required value was recorded as null."
            raise ValueError(msg)
        return read(value)

    return read_required


_UNPLAIN: Final[dict[str, Callable[[object], Any]]] = {
    "scan_enabled": _required(_flag),
    "fix_enabled": _required(_flag),
    "stopping_point": _required(_point),
    "locked": lambda value: frozenset(Setting(item) for item in _items(value)),
    "max_stopping_point": _point,
    "invariants": lambda value: tuple(_invariant(item) for item in _items(value)),
    "scan_enabled_override": _flag,
    "fix_enabled_override": _flag,
    "stopping_point_override": _point,
    "repositories": lambda value: tuple(_repository(item) for item in _items(value)),
    "environments": lambda value: frozenset(str(item) for item in _items(value)),
    **{setting.lock_expires_field: _moment for setting in Setting},
    **{setting.expires_field: _moment for setting in Setting},
}

_Record = TypeVar("_Record", OrganizationSettings, ProjectSettings)


def restore_fields(
    record: _Record, changes: Iterable[FieldChange], *, side: Literal["before", "after"]
) -> _Record:
    """``record`` with each changed field set to its recorded ``before`` (or ``after``) value.

    The inverse of the diffs: the changes an audit entry recorded, read back into values.
    Fields the changes do not name keep their current value.

        >>> from ai_settings_core import ProjectSettings
        >>> before = ProjectSettings("acme", "web")
        >>> after = ProjectSettings("acme", "web", fix_enabled_override=True)
        >>> restore_fields(after, diff_project(before, after), side="before") == before
        True

    Raises:
        InvalidValueError: A change names a field of another kind of record, or holds a value
            that is not one the diffs record (code ``invalid_audit_changes``).
    """
    names = _ORGANIZATION_FIELDS if isinstance(record, OrganizationSettings) else _PROJECT_FIELDS
    values = {}
    for change in changes:
        if change.field not in names:
            raise InvalidValueError(
                "invalid_audit_changes",
                f"{change.field!r} is not a stored field of {type(record).__name__}.",
            )
        try:
            values[change.field] = _UNPLAIN[change.field](getattr(change, side))
        except (ValueError, TypeError, LookupError) as error:
            raise InvalidValueError("invalid_audit_changes", f"{change.field!r}: {error}") from None
    return attrs.evolve(record, **values) if values else record


def stale_fields(
    record: OrganizationSettings | ProjectSettings, changes: Iterable[FieldChange]
) -> tuple[str, ...]:
    """The fields whose current value is no longer the ``after`` value ``changes`` recorded."""
    return tuple(
        change.field
        for change in changes
        if _plain(getattr(record, change.field, None)) != change.after
    )


@attrs.frozen
class RepositoryImpact:
    """How one repository's effective stopping point changes.

    Attributes:
        repository: Which repository.
        changes: The effective values that change (only ``stopping_point`` can differ from
            the project's).
    """

    repository: RepositoryRef
    changes: tuple[FieldChange, ...]


@attrs.frozen
class ProjectImpact:
    """How one project's effective values change.

    Attributes:
        project_id: Which project.
        changes: The effective values of the project that change, from what to what.
        repositories: The repositories whose effective stopping point changes.
    """

    project_id: str
    changes: tuple[FieldChange, ...]
    repositories: tuple[RepositoryImpact, ...] = ()


@attrs.frozen
class Impact:
    """What an organization change would do, before it is saved.

    Attributes:
        organization: The organization's own changes (stored values).
        projects: Only the projects whose effective values change, in the order given.
        projects_considered: How many projects were looked at.
    """

    organization: tuple[FieldChange, ...]
    projects: tuple[ProjectImpact, ...]
    projects_considered: int


def preview_impact(
    before: OrganizationSettings | None,
    after: OrganizationSettings,
    projects: Iterable[ProjectSettings],
    *,
    now: dt.datetime | None = None,
) -> Impact:
    """Which projects and repositories change their effective values, and how.

    ``before`` is ``None`` when the organization stored nothing yet; ``now`` is the moment the
    values are compared at (needed when values expire).
    """
    impacts = []
    considered = 0
    for project in projects:
        considered += 1
        changes = diff_effective(before, project, after, project, now=now)
        repositories = []
        for repository in project.repositories:
            old = resolve_repository(before, project, repository, now=now).effective
            new = resolve_repository(after, project, repository, now=now).effective
            repo_changes = _diff(old, new, ("stopping_point",))
            if repo_changes:
                repositories.append(RepositoryImpact(repository.repository, repo_changes))
        if changes or repositories:
            impacts.append(ProjectImpact(project.project_id, changes, tuple(repositories)))
    baseline = before if before is not None else OrganizationSettings(after.organization_id)
    return Impact(diff_organization(baseline, after), tuple(impacts), considered)
