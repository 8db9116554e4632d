"""Violations: where stored settings break an organization's invariants.

:func:`find_violations` evaluates invariants on the effective values (:func:`resolve_all` for
projects, the repository's resolution for repositories). The write pipeline compares the
violations before and after a write: a write may not add one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

import attrs

from ai_settings_core.domain.findings import Finding, Path, Severity
from ai_settings_core.domain.invariants import (
    FixRequiresScan,
    Invariant,
    MergeOnlyOnBranches,
    StoppingPointAtMost,
)
from ai_settings_core.domain.resolve import (
    resolve_branch,
    resolve_organization,
    resolve_repository,
)
from ai_settings_core.domain.resolve_all import resolve_all
from ai_settings_core.domain.settings import (
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
)
from ai_settings_core.domain.values import BranchPattern, RepositoryRef, StoppingPoint

__all__ = [
    "INVARIANT_VIOLATED",
    "Violation",
    "added_violations",
    "find_violations",
    "violation_finding",
]

INVARIANT_VIOLATED: Final = "invariant_violated"
"""The stable code of a write refused because it would break an invariant."""


@attrs.frozen
class Violation:
    """One place where stored settings break an invariant.

    Attributes:
        invariant: The name of the invariant broken.
        project_id: The project, or ``None`` for the organization's own defaults.
        repository: The repository, when the violation is one repository's.
        path: The offending field: in the organization payload when ``project_id`` is
            ``None``, else in the project payload (``("repositories", 0,
            "stopping_point_override")``).
        message: A sentence a person can read, naming the invariant and the place.
        branch_pattern: The offending branch pattern, for a repository's pattern.
    """

    invariant: str
    project_id: str | None
    repository: RepositoryRef | None
    path: Path
    message: str
    branch_pattern: BranchPattern | None = None

    @property
    def key(self) -> tuple[object, ...]:
        """What identifies the violation across writes: the place, not positions in lists.

        The same invariant broken at the same field of the same project, repository and
        branch pattern is the same violation, whatever the value or the list order.
        """
        return (
            self.invariant,
            self.project_id,
            None if self.repository is None else self.repository.key,
            tuple(part for part in self.path if isinstance(part, str)),
            None if self.branch_pattern is None else self.branch_pattern.text,
        )


def violation_finding(violation: Violation, path: Path | None = None) -> Finding:
    """The error a write that adds ``violation`` is refused with (code ``invariant_violated``).

    ``path`` replaces the violation's own path (the field of the payload being written).
    """
    return Finding(
        INVARIANT_VIOLATED,
        Severity.ERROR,
        violation.path if path is None else path,
        violation.message,
    )


def _violation(
    invariant: Invariant,
    project: ProjectSettings | None,
    repository: RepositoryRef | None,
    path: Path,
    what: str,
    *,
    pattern: BranchPattern | None = None,
) -> Violation:
    """A violation at one place, with its message: "Invariant 'x' is violated by ...: what."."""
    if project is None:
        where = "the organization's default"
    elif repository is None:
        where = f"project {project.project_id!r}"
    else:
        where = f"project {project.project_id!r}, repository {repository}"
    return Violation(
        invariant.name,
        None if project is None else project.project_id,
        repository,
        path,
        f"Invariant {invariant.name!r} is violated by {where}: {what}.",
        pattern,
    )


def _at_most(
    invariant: StoppingPointAtMost,
    organization: OrganizationSettings | None,
    projects: Sequence[ProjectSettings],
    now: dt.datetime | None,
) -> list[Violation]:
    found: list[Violation] = []
    excepted = {ref.key for ref in invariant.except_repositories}
    limit = invariant.at_most

    def check(
        point: StoppingPoint,
        project: ProjectSettings | None,
        repository: RepositoryRef | None,
        path: Path,
        pattern: BranchPattern | None = None,
    ) -> None:
        if point > limit:
            what = f"the stopping point is {point.value}, above {limit.value}"
            found.append(_violation(invariant, project, repository, path, what, pattern=pattern))

    check(resolve_organization(organization).stopping_point.value, None, None, ("stopping_point",))
    resolved = resolve_all(organization, projects, now=now)
    for project in projects:
        point = resolved[project.project_id].stopping_point.value
        check(point, project, None, ("stopping_point_override",))
        for index, repository in enumerate(project.repositories):
            if repository.repository.key in excepted:
                continue
            point = resolve_repository(
                organization, project, repository, now=now
            ).stopping_point.value
            check(
                point,
                project,
                repository.repository,
                ("repositories", index, "stopping_point_override"),
            )
            for position, rule in _first_rules(repository):
                if rule.stopping_point_override is None:
                    continue  # the repository's stopping point, checked above
                point = resolve_branch(
                    organization, project, repository, rule, now=now
                ).stopping_point.value
                path = (
                    "repositories",
                    index,
                    "branch_patterns",
                    position,
                    "stopping_point_override",
                )
                check(point, project, repository.repository, path, rule.pattern)
    return found


def _first_rules(repository: RepositorySettings) -> Iterator[tuple[int, BranchRule]]:
    """Each rule with its position, but for a pattern listed before (it never applies)."""
    seen: set[str] = set()
    for position, rule in enumerate(repository.branch_patterns):
        if rule.text not in seen:
            seen.add(rule.text)
            yield position, rule


def _merge_only(
    invariant: MergeOnlyOnBranches,
    organization: OrganizationSettings | None,
    projects: Sequence[ProjectSettings],
    now: dt.datetime | None,
) -> list[Violation]:
    found: list[Violation] = []
    allowed = ", ".join(repr(p.text) for p in invariant.branches)
    for project in projects:
        for index, repository in enumerate(project.repositories):
            for position, rule in _first_rules(repository):
                # Each rule at its own effective stopping point (the repository's unless the
                # rule overrides it), so a rule may raise or lower merging on its branches.
                point = resolve_branch(
                    organization, project, repository, rule, now=now
                ).stopping_point.value
                pattern = rule.pattern
                if point is StoppingPoint.MERGE and not invariant.covers(pattern):
                    path = ("repositories", index, "branch_patterns", position)
                    what = f"it may merge on branches {pattern.text!r}, outside {allowed}"
                    found.append(
                        _violation(
                            invariant, project, repository.repository, path, what, pattern=pattern
                        )
                    )
    return found


def _fix_requires_scan(
    invariant: FixRequiresScan,
    organization: OrganizationSettings | None,
    projects: Sequence[ProjectSettings],
    now: dt.datetime | None,
) -> list[Violation]:
    what = "fix is on while scan is off"
    found: list[Violation] = []
    effective = resolve_organization(organization).effective
    if effective.fix_enabled and not effective.scan_enabled:
        found.append(_violation(invariant, None, None, ("fix_enabled",), what))
    resolved = resolve_all(organization, projects, now=now)
    for project in projects:
        effective = resolved[project.project_id].effective
        if effective.fix_enabled and not effective.scan_enabled:
            found.append(_violation(invariant, project, None, ("fix_enabled_override",), what))
    return found


def find_violations(
    organization: OrganizationSettings | None,
    projects: Iterable[ProjectSettings],
    invariants: Iterable[Invariant] | None = None,
    *,
    now: dt.datetime | None = None,
) -> tuple[Violation, ...]:
    """Where the organization and ``projects`` break ``invariants`` (default: its own).

    Nothing is changed: this is the finding list of an invariant added to existing data.
    Values are those in force at ``now`` (default: ignoring expiry, as resolution does).

        >>> from ai_settings_core import (OrganizationSettings, ProjectSettings,
        ...     RepositoryRef, RepositorySettings, StoppingPoint)
        >>> from ai_settings_core.invariants import StoppingPointAtMost
        >>> org = OrganizationSettings("acme", invariants=(
        ...     StoppingPointAtMost("pr-at-most", StoppingPoint.PULL_REQUEST),))
        >>> web = ProjectSettings("acme", "web", repositories=(RepositorySettings(
        ...     RepositoryRef.parse("github:acme/web"),
        ...     stopping_point_override=StoppingPoint.MERGE),))
        >>> [(v.invariant, v.project_id, v.path) for v in find_violations(org, [web])]
        [('pr-at-most', 'web', ('repositories', 0, 'stopping_point_override'))]
    """
    chosen = (
        (() if organization is None else organization.invariants)
        if invariants is None
        else tuple(invariants)
    )
    if not chosen:
        return ()
    listed = tuple(projects)
    found: list[Violation] = []
    for invariant in chosen:
        if isinstance(invariant, StoppingPointAtMost):
            found.extend(_at_most(invariant, organization, listed, now))
        elif isinstance(invariant, MergeOnlyOnBranches):
            found.extend(_merge_only(invariant, organization, listed, now))
        else:
            found.extend(_fix_requires_scan(invariant, organization, listed, now))
    return tuple(found)


def added_violations(
    before: tuple[OrganizationSettings | None, Iterable[ProjectSettings]],
    after: tuple[OrganizationSettings | None, Iterable[ProjectSettings]],
    invariants: Sequence[Invariant],
    *,
    now: dt.datetime | None = None,
) -> list[Violation]:
    """The violations of ``invariants`` in ``after`` that ``before`` does not have (by key).

    ``before`` and ``after`` are an organization and the projects a write touches, as stored
    and as the write would leave them. A write may add none.
    """
    if not invariants:
        return []
    known = {violation.key for violation in find_violations(*before, invariants, now=now)}
    return [v for v in find_violations(*after, invariants, now=now) if v.key not in known]
