"""Dumping: one small hand-written function per output document.

Dumping is the hot path of every read; these functions are faster than both cattrs'
generated code and pydantic's ``model_dump`` here (see ``docs/payloads.md``), and the
converter registers them as its unstructure hooks too. :func:`~ai_settings_core.codec.parse_export`
reads back what :func:`dump_export` writes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
from collections.abc import Iterable, Sequence
from typing import Any, Final, Protocol

from ai_settings_core.codec._invariants import dump_invariant
from ai_settings_core.domain.changes import FieldChange, Impact
from ai_settings_core.domain.decide import Decision
from ai_settings_core.domain.findings import Finding
from ai_settings_core.domain.resolve import Resolution, Trace
from ai_settings_core.domain.settings import (
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import StoppingPoint, format_timestamp

__all__ = [
    "dump_decision",
    "dump_effective",
    "dump_export",
    "dump_field_changes",
    "dump_findings",
    "dump_impact",
    "dump_organization",
    "dump_project",
    "dump_project_view",
    "dump_repository",
    "dump_resolution",
    "dump_rule",
    "dumps_export",
]

JSON = dict[str, Any]


def _point(value: StoppingPoint | None) -> str | None:
    """An optional stopping point's text (its ``value``; ``STOPPING_POINTS`` maps it back)."""
    return None if value is None else value._value_


def dump_rule(rule: BranchRule) -> str | JSON:
    """A branch rule: its pattern's text when it has no override, an object when it has one.

    The plain text keeps every document without overrides as it was before rules had
    stopping points (and readable by clients that know only patterns); the object appears
    only where a client must understand it::

        >>> from ai_settings_core import StoppingPoint
        >>> dump_rule(BranchRule("main"))
        'main'
        >>> dump_rule(BranchRule("release/*", StoppingPoint.SUGGESTION))
        {'pattern': 'release/*', 'stopping_point_override': 'suggestion'}
    """
    point = rule.stopping_point_override
    if point is None:
        return rule.pattern.text
    return {"pattern": rule.pattern.text, "stopping_point_override": point._value_}


def _moment(value: dt.datetime) -> str:
    """An expiry as payloads write it: UTC, to the second unless it has microseconds."""
    return format_timestamp(value, timespec="auto")


def dump_repository(repository: RepositorySettings) -> JSON:
    """The repository item: ``{"repository", "ai_enabled", "branch_patterns", ...}``.

    >>> from ai_settings_core import RepositoryRef
    >>> dump_repository(RepositorySettings(RepositoryRef.parse("github:acme/api")))
    {'repository': 'github:acme/api', 'ai_enabled': True, 'branch_patterns': ['*'], \
'stopping_point_override': None}
    """
    return _repository_items((repository,))[0]


# The pattern texts of the branch rules dumped lately, by the identity of their tuple (the
# value keeps the tuple alive, so no other object can take its id while the entry lasts):
# parsers and stores share one tuple among the repositories configured alike. Only rules
# without their own stopping point (texts, immutable); a rule with one is dumped as a new
# object each time, as documents may be changed in place. Bounded: cleared when full.
_TEXTS: Final[dict[int, tuple[tuple[BranchRule, ...], tuple[str, ...]]]] = {}
_TEXTS_LIMIT: Final = 4096


def _rule_items(rules: tuple[BranchRule, ...]) -> list[str | JSON]:
    """The ``branch_patterns`` items of ``rules``, a new list, kept in ``_TEXTS`` if they can be.

    The caller has looked ``rules`` up in ``_TEXTS`` (:func:`_repository_items`, inline).
    """
    items = [
        rule.pattern.text if rule.stopping_point_override is None else dump_rule(rule)
        for rule in rules
    ]
    if all(rule.stopping_point_override is None for rule in rules):
        if len(_TEXTS) >= _TEXTS_LIMIT:
            _TEXTS.clear()
        _TEXTS[id(rules)] = (rules, tuple(items))  # type: ignore[arg-type]
    return items


def _repository_items(repositories: Sequence[RepositorySettings]) -> list[JSON]:
    """The repository items, in one comprehension: the hot path of every project read.

    An enum's ``_value_`` is its value without the ``value`` property's call, a reference's
    ``_text`` its text without ``__str__``'s; the pattern texts come from ``_TEXTS`` without
    a call when their rules were dumped lately. An expiry is written only when there is one
    (absent: the override does not expire).
    """
    texts = _TEXTS.get
    items = [
        {
            "repository": repository.repository._text,  # noqa: SLF001 - str() without a call
            "ai_enabled": repository.ai_enabled,
            "branch_patterns": _rule_items(repository.branch_patterns)
            if (found := texts(id(repository.branch_patterns))) is None
            else [*found[1]],
            "stopping_point_override": None
            if (point := repository.stopping_point_override) is None
            else point._value_,
        }
        for repository in repositories
    ]
    for repository in repositories:  # a plain loop: zip() would cost more than the items
        if repository.stopping_point_override_expires_at is not None:
            _add_expiries(items, repositories)
            break
    return items


def _add_expiries(items: list[JSON], repositories: Sequence[RepositorySettings]) -> None:
    """Write the expiry of each repository item whose override expires."""
    for item, repository in zip(items, repositories, strict=True):
        if (expires_at := repository.stopping_point_override_expires_at) is not None:
            item["stopping_point_override_expires_at"] = _moment(expires_at)


def _text(value: bool | StoppingPoint) -> bool | str:
    """A trace's value as JSON (an enum's ``_value_`` is its value without a property call)."""
    return value if value.__class__ is bool else value._value_  # type: ignore[union-attr]


def _dump_trace(trace: Trace[bool] | Trace[StoppingPoint]) -> JSON:
    shadowed = []
    for shadow in trace.shadowed:
        item: JSON = {
            "level": shadow.level._value_,
            "value": _text(shadow.value),
            "reason": shadow.reason._value_,
        }
        if shadow.expires_at is not None:
            item["expires_at"] = _moment(shadow.expires_at)
        shadowed.append(item)
    document: JSON = {
        "value": _text(trace.value),
        "level": trace.level._value_,
        "reason": trace.reason._value_,
        "shadowed": shadowed,
    }
    if trace.expires_at is not None:
        document["expires_at"] = _moment(trace.expires_at)
    return document


def dump_resolution(resolution: Resolution) -> JSON:
    """The traces, by setting: ``{"scan_enabled": {"value", "level", "reason", "shadowed"}}``.

    >>> from ai_settings_core import resolve_organization
    >>> dump_resolution(resolve_organization(None))["fix_enabled"]
    {'value': False, 'level': 'default', 'reason': 'DEFAULT', 'shadowed': []}
    """
    return {
        "scan_enabled": _dump_trace(resolution.scan_enabled),
        "fix_enabled": _dump_trace(resolution.fix_enabled),
        "stopping_point": _dump_trace(resolution.stopping_point),
    }


def dump_effective(resolution: Resolution) -> JSON:
    """The effective values of a resolution: ``{"scan_enabled", "fix_enabled", "stopping_point"}``.

    >>> from ai_settings_core import resolve_organization
    >>> dump_effective(resolve_organization(None))
    {'scan_enabled': True, 'fix_enabled': False, 'stopping_point': 'pull_request'}
    """
    return {
        "scan_enabled": resolution.scan_enabled.value,
        "fix_enabled": resolution.fix_enabled.value,
        "stopping_point": resolution.stopping_point.value._value_,
    }


def dump_findings(findings: Iterable[Finding]) -> list[JSON]:
    """Findings (warnings in responses, or errors) as ``{"code", "severity", "path", ...}``."""
    if findings == ():  # a read's usual case, without building a list comprehension
        return []
    return [
        {
            "code": finding.code,
            "severity": finding.severity.value,
            "path": list(finding.path),
            "field": finding.field,
            "message": finding.message,
        }
        for finding in findings
    ]


# Every set of locked settings, as the document writes it (sorted): there are eight.
_LOCKED: Final = {
    frozenset(chosen): tuple(sorted(setting.value for setting in chosen))
    for size in range(len(Setting) + 1)
    for chosen in itertools.combinations(Setting, size)
}


def dump_organization(
    organization: OrganizationSettings,
    resolution: Resolution | None = None,
    warnings: Iterable[Finding] | None = None,
) -> JSON:
    """The organization document; with a resolution, the read document with ``sources``.

    ``warnings`` (when given, even empty) adds ``"warnings"``: the findings for the UI.

    >>> from ai_settings_core import OrganizationSettings
    >>> dump_organization(OrganizationSettings("acme"))
    {'organization_id': 'acme', 'scan_enabled': True, 'fix_enabled': False, \
'stopping_point': 'pull_request', 'locked': [], 'max_stopping_point': None, 'invariants': [], \
'version': 0}
    """
    document: JSON = {
        "organization_id": organization.organization_id,
        "scan_enabled": organization.scan_enabled,
        "fix_enabled": organization.fix_enabled,
        "stopping_point": organization.stopping_point._value_,
        "locked": list(_LOCKED[organization.locked]),
        "max_stopping_point": _point(organization.max_stopping_point),
        "invariants": [dump_invariant(invariant) for invariant in organization.invariants],
        "version": organization.version,
    }
    if organization.has_expiries:
        for setting in Setting:
            if (expires_at := organization.lock_expires_at(setting)) is not None:
                document[setting.lock_expires_field] = _moment(expires_at)
    if resolution is not None:
        document["sources"] = dump_resolution(resolution)
    if warnings is not None:
        document["warnings"] = dump_findings(warnings)
    return document


def dump_project(
    project: ProjectSettings,
    resolution: Resolution | None = None,
    warnings: Iterable[Finding] | None = None,
    *,
    shared: dict[int, tuple[Resolution, JSON, JSON]] | None = None,
) -> JSON:
    """The project document; with a resolution, the read document with ``effective``/``sources``.

    ``shared`` (a dict kept across the calls that build one response) lets documents whose
    projects share one resolution (``resolve_all`` shares them among projects with the same
    overrides) share its ``effective`` and ``sources`` dicts instead of building them again:
    for documents encoded at once and not changed in place.

    >>> from ai_settings_core import ProjectSettings
    >>> dump_project(ProjectSettings("acme", "web", fix_enabled_override=True))
    {'organization_id': 'acme', 'project_id': 'web', 'scan_enabled_override': None, \
'fix_enabled_override': True, 'stopping_point_override': None, 'repositories': [], \
'environments': [], 'version': 0}
    """
    point = project.stopping_point_override
    document: JSON = {
        "organization_id": project.organization_id,
        "project_id": project.project_id,
        "scan_enabled_override": project.scan_enabled_override,
        "fix_enabled_override": project.fix_enabled_override,
        "stopping_point_override": None if point is None else point._value_,
        "repositories": _repository_items(project.repositories),
        "environments": sorted(project.environments),
        "version": project.version,
    }
    if (
        project.scan_enabled_override_expires_at is not None
        or project.fix_enabled_override_expires_at is not None
        or project.stopping_point_override_expires_at is not None
    ):
        for setting in Setting:
            if (expires_at := project.override_expires_at(setting)) is not None:
                document[setting.expires_field] = _moment(expires_at)
    if resolution is not None:
        if shared is None:
            document["effective"] = dump_effective(resolution)
            document["sources"] = dump_resolution(resolution)
        else:
            found = shared.get(id(resolution))
            if found is None or found[0] is not resolution:
                found = shared[id(resolution)] = (
                    resolution,
                    dump_effective(resolution),
                    dump_resolution(resolution),
                )
            document["effective"], document["sources"] = found[1], found[2]
    if warnings is not None:
        document["warnings"] = dump_findings(warnings)
    return document


class _ProjectViewLike(Protocol):
    """What :func:`dump_project_view` reads from a service's project view."""

    @property
    def project(self) -> ProjectSettings: ...  # pragma: no cover - a protocol

    @property
    def resolution(self) -> Resolution: ...  # pragma: no cover - a protocol

    @property
    def warnings(self) -> tuple[Finding, ...]: ...  # pragma: no cover - a protocol


def dump_project_view(view: _ProjectViewLike) -> JSON:
    """The project read document of a view (anything with ``project``, ``resolution``,
    ``warnings``, such as the service's ``ProjectView``)."""  # noqa: D205, D209
    return dump_project(view.project, view.resolution, view.warnings)


def dump_decision(decision: Decision) -> JSON:
    """A decision: ``{"scan", "fix", "stopping_point", "reasons"}``.

    >>> from ai_settings_core import decide
    >>> dump_decision(decide(None, None))
    {'scan': True, 'fix': False, 'stopping_point': None, 'reasons': ['fix_disabled']}
    """
    return {
        "scan": decision.scan,
        "fix": decision.fix,
        "stopping_point": _point(decision.stopping_point),
        "reasons": [reason.value for reason in decision.reasons],
    }


def _plain(value: object) -> object:
    """A change's value as JSON: tuples become lists."""
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def dump_field_changes(changes: Iterable[FieldChange]) -> list[JSON]:
    """Field changes as ``[{"field", "before", "after"}]``."""
    return [
        {"field": change.field, "before": _plain(change.before), "after": _plain(change.after)}
        for change in changes
    ]


def dump_impact(impact: Impact) -> JSON:
    """An impact preview: the organization's changes and each affected project's."""
    return {
        "organization": dump_field_changes(impact.organization),
        "projects": [
            {
                "project_id": project.project_id,
                "changes": dump_field_changes(project.changes),
                "repositories": [
                    {
                        "repository": str(repository.repository),
                        "changes": dump_field_changes(repository.changes),
                    }
                    for repository in project.repositories
                ],
            }
            for project in impact.projects
        ],
        "projects_considered": impact.projects_considered,
    }


def dump_export(
    organization: OrganizationSettings,
    projects: Iterable[ProjectSettings],
    *,
    versions: bool = True,
) -> JSON:
    """The organization export: the organization document plus its projects by ``project_id``.

    :func:`parse_export` reads it back unchanged. With ``versions=False`` the record versions
    are left out: the document then describes settings, not one store's records, so export,
    import (into any store), export gives the same document.
    """
    document = dump_organization(organization)
    document["projects"] = [
        dump_project(project) for project in sorted(projects, key=operator.attrgetter("project_id"))
    ]
    if not versions:
        del document["version"]
        for project in document["projects"]:
            del project["version"]
    return document


def dumps_export(
    organization: OrganizationSettings | None,
    projects: Iterable[ProjectSettings],
    organization_id: str,
    *,
    versions: bool = True,
) -> str:
    """:func:`dump_export` as indented JSON text, ending with a newline.

    ``organization`` is ``None`` when the organization stored nothing: its document is then
    the system defaults for ``organization_id``.
    """
    stored = organization if organization is not None else OrganizationSettings(organization_id)
    document = dump_export(stored, projects, versions=versions)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
