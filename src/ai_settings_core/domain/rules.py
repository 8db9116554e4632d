"""Validation rules: what may be written, and advice for the UI.

A rule looks at settings and returns findings. Errors block a write; warnings are returned for
the settings page. The built-in rules cover locks, the ceiling, repository uniqueness, branch
patterns, size limits and identifiers; a host adds its own by passing more rules.

Locks and the ceiling judge only what a write *changes*: an override stored before a lock, or
a stopping point stored before the ceiling was lowered, is kept (it is inert or clamped at read
time) and does not block later, unrelated writes. Pass the stored state as ``previous``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Final, TypeAlias

import attrs

from ai_settings_core.domain.expiry import (
    organization_expiry_findings,
    project_expiry_findings,
)
from ai_settings_core.domain.findings import Finding, Severity
from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.domain.resolve import Resolution, resolve_project
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings, Setting
from ai_settings_core.domain.values import RepositoryRef, StoppingPoint, _quote
from ai_settings_core.errors import ValidationError

__all__ = [
    "OrganizationRule",
    "ProjectContext",
    "ProjectRule",
    "check_bulk_size",
    "duplicate_invariant",
    "duplicate_repository",
    "raise_for_errors",
    "validate_document_projects",
    "validate_identifier",
    "validate_organization",
    "validate_project",
]

ERROR: Final = Severity.ERROR
WARNING: Final = Severity.WARNING


@attrs.frozen
class ProjectContext:
    """What a project rule sees.

    Attributes:
        organization: The organization's stored settings (``None``: nothing stored).
        project: The project as it would be after the write.
        previous: The project as stored before the write (``None``: not stored yet).
        limits: The limits in force.
        now: The moment of the write (the service's clock): expired locks do not bind, and
            an expiry the write sets must be after it. Needed when values carry an expiry.
        resolved: The project's resolution at ``now``, when the caller has it already (a read
            resolves the project for its view, and its warnings reuse that); ``None``: the
            rules that need it resolve the project (see :attr:`resolution`).
    """

    organization: OrganizationSettings | None
    project: ProjectSettings
    previous: ProjectSettings | None
    limits: Limits
    now: dt.datetime | None = None
    resolved: Resolution | None = attrs.field(default=None, kw_only=True)

    @property
    def resolution(self) -> Resolution:
        """The project's effective values with their traces, at ``now``."""
        if self.resolved is not None:
            return self.resolved
        return resolve_project(self.organization, self.project, now=self.now)


OrganizationRule: TypeAlias = Callable[[OrganizationSettings, Limits], Iterable[Finding]]
"""A rule over an organization's settings (after the write) and the limits."""

ProjectRule: TypeAlias = Callable[[ProjectContext], Iterable[Finding]]
"""A rule over a project write."""


def validate_identifier(
    value: str, path: tuple[str | int, ...], what: str, limits: Limits = DEFAULT_LIMITS
) -> Finding | None:
    """Check an identifier (organization, project or environment): printable, bounded.

    >>> validate_identifier("web", ("project_id",), "Project id") is None
    True
    >>> validate_identifier("a b", ("project_id",), "Project id").code
    'invalid_identifier'
    """
    if not isinstance(value, str) or not value:
        return Finding("blank", ERROR, path, "This field may not be blank.")
    if len(value) > limits.max_identifier_length:
        return Finding(
            "max_length",
            ERROR,
            path,
            f"Ensure this field has no more than {limits.max_identifier_length} characters.",
        )
    # Every whitespace character but the space is unprintable (checked over all of Unicode
    # by a test), so two scans in C say what a loop over the characters would.
    if not value.isprintable() or " " in value:
        return Finding(
            "invalid_identifier",
            ERROR,
            path,
            f"{what} may not contain whitespace or control characters.",
        )
    return None


def _organization_structure(organization: OrganizationSettings, limits: Limits) -> list[Finding]:
    findings: list[Finding] = []
    problem = validate_identifier(
        organization.organization_id, ("organization_id",), "Organization id", limits
    )
    if problem is not None:
        findings.append(problem)
    ceiling = organization.max_stopping_point
    if ceiling is not None and organization.stopping_point > ceiling:
        findings.append(_ceiling_finding(organization.stopping_point, ceiling, ("stopping_point",)))
    if organization.fix_enabled and not organization.scan_enabled:
        findings.append(_fix_without_scan(("fix_enabled",)))
    findings.extend(_invariants_structure(organization, limits))
    return findings


def _invariants_structure(organization: OrganizationSettings, limits: Limits) -> list[Finding]:
    """Each invariant named once, with a valid name, and no more of them than the limit."""
    invariants = organization.invariants
    if len(invariants) > limits.max_invariants:
        return [_too_many(("invariants",), limits.max_invariants)]
    findings: list[Finding] = []
    seen: set[str] = set()
    for index, invariant in enumerate(invariants):
        path = ("invariants", index, "name")
        problem = validate_identifier(invariant.name, path, "An invariant's name", limits)
        if problem is not None:
            findings.append(problem)
        elif invariant.name in seen:
            findings.append(duplicate_invariant(path, invariant.name))
        seen.add(invariant.name)
    return findings


BUILTIN_ORGANIZATION_RULES: Final[tuple[OrganizationRule, ...]] = (_organization_structure,)


def validate_organization(
    organization: OrganizationSettings,
    *,
    limits: Limits = DEFAULT_LIMITS,
    rules: Sequence[OrganizationRule] = (),
    previous: OrganizationSettings | None = None,
    now: dt.datetime | None = None,
) -> tuple[Finding, ...]:
    """Findings for an organization's settings: the built-in rules, then ``rules``.

    The expiries of the locks are checked against ``previous`` (the stored settings) and
    ``now`` (the moment of the write): see :func:`organization_expiry_findings`.

    >>> from ai_settings_core import OrganizationSettings, StoppingPoint
    >>> org = OrganizationSettings(
    ...     "acme", stopping_point=StoppingPoint.MERGE,
    ...     max_stopping_point=StoppingPoint.PULL_REQUEST)
    >>> [(f.code, f.field) for f in validate_organization(org)]
    [('above_ceiling', 'stopping_point')]
    """
    findings: list[Finding] = []
    for rule in (*BUILTIN_ORGANIZATION_RULES, *rules):
        findings.extend(rule(organization, limits))
    findings.extend(organization_expiry_findings(organization, previous, now))
    return tuple(findings)


def _changed(new: object, old: object) -> bool:
    return new is not None and new != old


def _locks(context: ProjectContext) -> list[Finding]:
    organization, project, previous = context.organization, context.project, context.previous
    if organization is None or not organization.locked:
        return []
    locked = organization.locked
    if organization.has_expiries:
        if context.now is None:
            msg = "the organization's locks carry expiries: pass now= to validate a write"
            raise TypeError(msg)
        locked = organization.locked_at(context.now)
    findings = []
    for setting in Setting:
        if setting not in locked:
            continue
        new = project.override(setting)
        old = None if previous is None else previous.override(setting)
        if _changed(new, old):
            findings.append(
                Finding(
                    "locked",
                    ERROR,
                    (setting.override_field,),
                    f"{_LABELS[setting]} is locked by the organization to "
                    f"{_show(organization.get(setting))}.",
                )
            )
    if Setting.STOPPING_POINT in locked:
        findings.extend(
            Finding(
                "locked",
                ERROR,
                path,
                f"The stopping point is locked by the organization to "
                f'"{organization.stopping_point}".',
            )
            for path, new, old in _inner_stopping_points(project, previous)
            if _changed(new, old)
        )
    return findings


def _inner_stopping_points(
    project: ProjectSettings, previous: ProjectSettings | None
) -> Iterator[tuple[tuple[str | int, ...], StoppingPoint | None, StoppingPoint | None]]:
    """Every stopping-point override below the project: its path, new and stored value.

    A repository's stored value is that of the stored repository of the same identity; a
    branch rule's is unchanged when that repository stores a rule with the same pattern and
    the same stopping point (wherever it stands in the list), else it is new.
    """
    for index, repository in enumerate(project.repositories):
        old_repo = None if previous is None else previous.repository(repository.repository)
        path: tuple[str | int, ...] = ("repositories", index)
        yield (
            (*path, "stopping_point_override"),
            repository.stopping_point_override,
            None if old_repo is None else old_repo.stopping_point_override,
        )
        stored = set() if old_repo is None else set(old_repo.branch_patterns)
        for position, rule in enumerate(repository.branch_patterns):
            point = rule.stopping_point_override
            if point is not None:
                yield (
                    (*path, "branch_patterns", position, "stopping_point_override"),
                    point,
                    point if rule in stored else None,
                )


def _fix_without_scan(path: tuple[str | int, ...]) -> Finding:
    return Finding(
        "fix_without_scan",
        WARNING,
        path,
        "Fixing is enabled while scanning is off: no fix will run, as fixes start from a scan.",
    )


def _ceiling_finding(
    value: StoppingPoint, ceiling: StoppingPoint, path: tuple[str | int, ...]
) -> Finding:
    return Finding(
        "above_ceiling",
        ERROR,
        path,
        f'"{value}" is above the organization\'s maximum stopping point "{ceiling}".',
    )


def _ceiling(context: ProjectContext) -> list[Finding]:
    organization, project, previous = context.organization, context.project, context.previous
    ceiling = None if organization is None else organization.max_stopping_point
    if ceiling is None:
        return []
    findings = []
    point = project.stopping_point_override
    if (
        point is not None
        and point > ceiling
        and _changed(point, None if previous is None else previous.stopping_point_override)
    ):
        findings.append(_ceiling_finding(point, ceiling, ("stopping_point_override",)))
    findings.extend(
        _ceiling_finding(new, ceiling, path)
        for path, new, old in _inner_stopping_points(project, previous)
        if new is not None and new > ceiling and _changed(new, old)
    )
    return findings


def _structure(context: ProjectContext) -> list[Finding]:
    project, limits = context.project, context.limits
    findings: list[Finding] = []
    for path, value, what in (
        (("organization_id",), project.organization_id, "Organization id"),
        (("project_id",), project.project_id, "Project id"),
    ):
        problem = validate_identifier(value, path, what, limits)
        if problem is not None:
            findings.append(problem)
    if len(project.repositories) > limits.max_repositories_per_project:
        findings.append(_too_many(("repositories",), limits.max_repositories_per_project))
    seen: dict[tuple[str, str, str], int] = {}
    for index, repository in enumerate(project.repositories):
        key = repository.repository.key
        if key in seen:
            findings.append(
                duplicate_repository(("repositories", index, "repository"), repository.repository)
            )
        seen.setdefault(key, index)
        patterns = repository.branch_patterns
        if not patterns:
            findings.append(
                Finding(
                    "empty",
                    ERROR,
                    ("repositories", index, "branch_patterns"),
                    'This list may not be empty (use "*" for all branches).',
                )
            )
        elif len(patterns) > limits.max_patterns_per_repository:
            findings.append(
                _too_many(
                    ("repositories", index, "branch_patterns"),
                    limits.max_patterns_per_repository,
                )
            )
    if len(project.environments) > limits.max_environments:
        findings.append(_too_many(("environments",), limits.max_environments))
    else:
        for environment in sorted(project.environments):
            problem = validate_identifier(environment, ("environments",), "Environment", limits)
            if problem is not None:
                findings.append(problem)
    return findings


def _advice(context: ProjectContext) -> list[Finding]:
    effective = context.resolution.effective
    findings = []
    if effective.fix_enabled and not effective.scan_enabled:
        findings.append(_fix_without_scan(("fix_enabled_override",)))
    if (
        effective.fix_enabled
        and effective.stopping_point >= StoppingPoint.PULL_REQUEST
        and not any(repository.ai_enabled for repository in context.project.repositories)
    ):
        findings.append(
            Finding(
                "no_repository_for_stopping_point",
                WARNING,
                ("repositories",),
                f'The stopping point "{effective.stopping_point}" needs a repository, and no '
                "repository with AI enabled is configured for this project.",
            )
        )
    return findings


def _expiries(context: ProjectContext) -> list[Finding]:
    return project_expiry_findings(context.project, context.previous, context.now)


BUILTIN_PROJECT_RULES: Final[tuple[ProjectRule, ...]] = (
    _structure,
    _expiries,
    _locks,
    _ceiling,
    _advice,
)

# The built-in rules that can return a warning. The others return errors only, and none for a
# stored project checked against itself (``previous=project``: nothing changed), so a read
# runs only these and the host's rules (``project_warnings``). A property test holds this to
# ``validate_project``: a new built-in rule that warns belongs here too.
_ADVISORY_PROJECT_RULES: Final[tuple[ProjectRule, ...]] = (_advice,)


def validate_project(
    organization: OrganizationSettings | None,
    project: ProjectSettings,
    *,
    previous: ProjectSettings | None = None,
    limits: Limits = DEFAULT_LIMITS,
    rules: Sequence[ProjectRule] = (),
    now: dt.datetime | None = None,
) -> tuple[Finding, ...]:
    """Findings for a project write: the built-in rules, then ``rules``.

    ``previous`` is the stored project, so that overrides stored before a lock or a lower
    ceiling do not block unrelated writes. ``now`` is the moment of the write (see
    :class:`ProjectContext`).

    >>> from ai_settings_core import OrganizationSettings, ProjectSettings, Setting
    >>> org = OrganizationSettings("acme", locked=frozenset({Setting.SCAN_ENABLED}))
    >>> project = ProjectSettings("acme", "web", scan_enabled_override=False)
    >>> [(f.code, f.field) for f in validate_project(org, project)]
    [('locked', 'scan_enabled_override')]
    """
    context = ProjectContext(organization, project, previous, limits, now)
    findings: list[Finding] = []
    for rule in (*BUILTIN_PROJECT_RULES, *rules):
        findings.extend(rule(context))
    return tuple(findings)


def project_warnings(
    organization: OrganizationSettings | None,
    project: ProjectSettings,
    *,
    limits: Limits = DEFAULT_LIMITS,
    rules: Sequence[ProjectRule] = (),
    now: dt.datetime | None = None,
    resolution: Resolution | None = None,
) -> tuple[Finding, ...]:
    """The warnings of a stored project, as a read shows them (advice for the UI).

    The same warnings as ``validate_project(organization, project, previous=project)``
    returns, computed without the structural checks that a stored project already passed.
    The host's ``rules`` run as in a write; only their warnings are kept. ``resolution`` is
    the project's resolution at ``now`` when the caller has computed it already (the rules
    then reuse it: see :attr:`ProjectContext.resolved`).

    >>> from ai_settings_core import OrganizationSettings, ProjectSettings
    >>> org = OrganizationSettings("acme", fix_enabled=True)
    >>> [f.code for f in project_warnings(org, ProjectSettings("acme", "web"))]
    ['no_repository_for_stopping_point']
    """
    context = ProjectContext(organization, project, project, limits, now, resolved=resolution)
    return tuple(
        finding
        for rule in (*_ADVISORY_PROJECT_RULES, *rules)
        for finding in rule(context)
        if not finding.is_error
    )


def raise_for_errors(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Raise :class:`ValidationError` when any finding is an error; else return the warnings.

    >>> from ai_settings_core import Finding, Severity
    >>> raise_for_errors([Finding("fix_without_scan", Severity.WARNING, (), "advice")])[0].code
    'fix_without_scan'
    """
    findings = tuple(findings)
    if any(finding.is_error for finding in findings):
        raise ValidationError.from_findings(findings)
    return findings


_LABELS: Final = {
    Setting.SCAN_ENABLED: "Scanning",
    Setting.FIX_ENABLED: "Fixing",
    Setting.STOPPING_POINT: "The stopping point",
}


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f'"{value}"'


def duplicate_repository(path: tuple[str | int, ...], repository: RepositoryRef) -> Finding:
    """The finding for a repository a project lists already (``duplicate_repository``).

    The one code and message for both ways to get it: a list naming a repository twice, and
    adding a repository the project lists already.

    >>> from ai_settings_core import RepositoryRef
    >>> duplicate_repository(("repository",), RepositoryRef.parse("github:acme/api")).message
    'Repository "github:acme/api" is already configured for this project.'
    """
    return Finding(
        "duplicate_repository",
        ERROR,
        path,
        f'Repository "{repository}" is already configured for this project.',
    )


def duplicate_invariant(path: tuple[str | int, ...], name: str) -> Finding:
    """The error of an invariant whose name the organization holds already.

    >>> duplicate_invariant(("invariants", 1, "name"), "pr-at-most").code
    'duplicate_invariant'
    """
    return Finding(
        "duplicate_invariant", ERROR, path, f"An invariant named {name!r} is listed already."
    )


def check_bulk_size(
    count: int,
    limits: Limits = DEFAULT_LIMITS,
    path: tuple[str | int, ...] = ("projects",),
) -> list[Finding]:
    """Findings for the number of projects one bulk operation names, at ``path``.

    None (``empty``) or more than ``limits.max_bulk_projects`` (``max_length``) is an error.
    The one copy of the bulk-size rule: the service checks a bulk change with it, and the
    codec checks a bulk request with it before it reads the items.

    >>> [f.code for f in check_bulk_size(0)], check_bulk_size(3)
    (['empty'], [])
    """
    if count == 0:
        return [Finding("empty", ERROR, path, "This list may not be empty.")]
    if count > limits.max_bulk_projects:
        return [_too_many(path, limits.max_bulk_projects)]
    return []


def validate_document_projects(
    organization_id: str, projects: Iterable[tuple[int, ProjectSettings]]
) -> list[Finding]:
    """Findings for the projects of one organization document (an export), by input index.

    Each project must belong to the organization (``organization_mismatch``) and appear once
    (``duplicate_project``); paths are ``("projects", index, field)``.
    """
    findings = []
    seen: set[str] = set()
    for index, project in projects:
        if project.organization_id != organization_id:
            findings.append(
                Finding(
                    "organization_mismatch",
                    ERROR,
                    ("projects", index, "organization_id"),
                    f"The project belongs to {_quote(project.organization_id)}, not to "
                    f"{_quote(organization_id)}.",
                )
            )
        if project.project_id in seen:
            findings.append(
                Finding(
                    "duplicate_project",
                    ERROR,
                    ("projects", index, "project_id"),
                    f"Project {_quote(project.project_id)} is listed more than once.",
                )
            )
        seen.add(project.project_id)
    return findings


def _too_many(path: tuple[str | int, ...], limit: int) -> Finding:
    return Finding(
        "max_length", ERROR, path, f"Ensure this field has no more than {limit} elements."
    )
