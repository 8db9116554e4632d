"""The parsers: JSON values in, domain values out, or one ``ValidationError`` with every error.

Each ``parse_*`` function runs the one converter
(:data:`~ai_settings_core.codec._converter.CONVERTER`) under the caller's
:class:`~ai_settings_core.rules.Limits`; the documents made of several (an export, a bulk
request) are composed here from the same parsers and the same error helpers. Whatever a host
passes (however deep, however large, whatever its type) a parser returns a value or raises
:class:`~ai_settings_core.errors.ValidationError`.
"""

from __future__ import annotations

from typing import Final

from ai_settings_core.codec._converter import structure
from ai_settings_core.codec._errors import (
    ERROR,
    Invalid,
    not_a_boolean,
    not_a_dict,
    not_a_list,
    prefixed,
    required,
    unknown_keys,
)
from ai_settings_core.codec._fast import fast_organization, fast_project
from ai_settings_core.codec._hooks import LIMITS
from ai_settings_core.codec._invariants import structure_invariant
from ai_settings_core.domain.changes import OrganizationPatch, ProjectPatch, RepositoryPatch
from ai_settings_core.domain.findings import NON_FIELD_ERRORS, Finding, Path
from ai_settings_core.domain.invariants import Invariant
from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.domain.rules import check_bulk_size, validate_document_projects
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
)
from ai_settings_core.domain.values import _quote
from ai_settings_core.errors import ValidationError

__all__ = [
    "parse_bulk",
    "parse_export",
    "parse_organization",
    "parse_organization_patch",
    "parse_project",
    "parse_project_patch",
    "parse_repository",
    "parse_repository_patch",
]

_MISSING: Final = object()


def parse_organization(data: object, *, limits: Limits = DEFAULT_LIMITS) -> OrganizationSettings:
    """Parse a stored organization document (as :func:`dump_organization` writes it).

    ``organization_id`` is required; a missing setting takes the system default, a missing
    ``version`` is 0. Raises :class:`~ai_settings_core.ValidationError` with every error.

    >>> org = parse_organization({"organization_id": "acme", "fix_enabled": True})
    >>> org.fix_enabled, org.stopping_point
    (True, <StoppingPoint.PULL_REQUEST: 'pull_request'>)
    """
    found = fast_organization(data, limits)  # valid documents, straight; else the converter
    return structure(data, OrganizationSettings, limits) if found is None else found


def parse_organization_patch(data: object, *, limits: Limits = DEFAULT_LIMITS) -> OrganizationPatch:
    """Parse a partial organization update (an HTTP ``PUT``/``PATCH`` body).

    Any subset of ``scan_enabled``, ``fix_enabled``, ``stopping_point``, ``locked`` and
    ``max_stopping_point``; an absent key is :data:`~ai_settings_core.KEEP`. The read-only
    keys of the organization document (``organization_id``, ``version``, ``sources``) are
    refused with code ``read_only``: the version travels in ``If-Match``.

    >>> parse_organization_patch({"stopping_point": "merge"}).stopping_point
    <StoppingPoint.MERGE: 'merge'>
    """
    return structure(data, OrganizationPatch, limits)


def parse_invariant(data: object, *, limits: Limits = DEFAULT_LIMITS) -> Invariant:
    """Parse one invariant: ``name``, ``kind`` and exactly the kind's parameters.

    >>> parse_invariant({"name": "merge-on-main", "kind": "merge_only_on_branches",
    ...                  "branches": ["main"]})
    MergeOnlyOnBranches(name='merge-on-main', branches=(BranchPattern('main'),))
    """
    if not isinstance(data, dict):
        raise ValidationError.from_findings(not_a_dict(data).findings)
    token = LIMITS.set(limits)
    try:
        return structure_invariant(data)
    except Invalid as error:
        raise ValidationError.from_findings(error.findings) from None
    finally:
        LIMITS.reset(token)


def parse_project(data: object, *, limits: Limits = DEFAULT_LIMITS) -> ProjectSettings:
    """Parse a stored project document (as :func:`dump_project` writes it, without outputs).

    ``organization_id`` and ``project_id`` are required; missing overrides inherit (``null``),
    missing ``repositories`` and ``environments`` are empty, a missing ``version`` is 0.
    """
    found = fast_project(data, limits)  # valid documents, straight; else the converter
    return structure(data, ProjectSettings, limits) if found is None else found


def parse_project_patch(data: object, *, limits: Limits = DEFAULT_LIMITS) -> ProjectPatch:
    """Parse a partial project update: any subset of the overrides, repositories, environments.

    ``null`` on an override means "inherit again"; ``repositories`` replaces the whole list
    (each item as in :func:`parse_repository`); ``environments`` replaces the allow-list.
    The read-only keys (``organization_id``, ``project_id``, ``version``, ``effective``,
    ``sources``) are refused with code ``read_only``.

    >>> patch = parse_project_patch({"scan_enabled_override": None})
    >>> patch.scan_enabled_override is None, patch.is_empty
    (True, False)
    """
    return structure(data, ProjectPatch, limits)


def parse_repository(data: object, *, limits: Limits = DEFAULT_LIMITS) -> RepositorySettings:
    """Parse one repository item: ``repository`` is required, the rest have defaults.

    ``ai_enabled`` defaults to ``true``, ``branch_patterns`` to ``["*"]`` (one rule without a
    stopping point of its own) and ``stopping_point_override`` to ``null`` (inherit the
    project's).

    >>> parse_repository({"repository": "github:acme/api"}).branch_patterns
    (BranchRule(pattern=BranchPattern('*'), stopping_point_override=None),)
    """
    return structure(data, RepositorySettings, limits)


def parse_repository_patch(data: object, *, limits: Limits = DEFAULT_LIMITS) -> RepositoryPatch:
    """Parse a partial repository update: any subset of its three settings.

    ``repository`` names the item in the URL, not in the body: it is refused as read-only.
    """
    return structure(data, RepositoryPatch, limits)


def parse_export(
    data: object, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[OrganizationSettings, tuple[ProjectSettings, ...]]:
    """Parse an organization export (:func:`dump_export`): the organization and its projects.

    Every project must belong to the organization (code ``organization_mismatch``) and
    appear once (code ``duplicate_project``). All errors of the document are reported at once,
    with paths such as ``projects[3].repositories[0].repository``.
    """
    if not isinstance(data, dict):
        raise ValidationError.from_findings(not_a_dict(data).findings) from None
    body = dict(data)
    raw_projects = body.pop("projects", _MISSING)
    findings: list[Finding] = []
    organization: OrganizationSettings | None = None
    try:
        organization = parse_organization(body, limits=limits)
    except ValidationError as error:
        findings.extend(error.findings)
    projects: list[ProjectSettings] = []
    if raw_projects is _MISSING:
        findings.append(required(("projects",)))
    elif not isinstance(raw_projects, list):
        findings.extend(prefixed(not_a_list(raw_projects).findings, ("projects",)))
    else:
        indexed: list[tuple[int, ProjectSettings]] = []
        for index, item in enumerate(raw_projects):
            path: Path = ("projects", index)
            try:
                project = parse_project(item, limits=limits)
            except ValidationError as error:
                findings.extend(
                    prefixed(error.findings, path)
                    if isinstance(item, dict)
                    else prefixed(error.findings, (*path, NON_FIELD_ERRORS))
                )
                continue
            indexed.append((index, project))
            projects.append(project)
        if organization is not None:
            findings.extend(validate_document_projects(organization.organization_id, indexed))
    if findings or organization is None:
        raise ValidationError.from_findings(findings)
    return organization, tuple(projects)


_BULK_KEYS: Final = frozenset({"projects", "changes", "reset"})


def parse_bulk(
    data: object, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[str], ProjectPatch | None]:
    """Parse a bulk request: ``{"projects": [...], "changes": {...}}`` or ``"reset": true``.

    Returns the project ids and the patch (``None`` for a reset), for
    :meth:`~ai_settings_core.service.SettingsService.bulk_update`. The list may hold at most
    ``limits.max_bulk_projects`` items, repeats included, and at least one, each a string
    (the domain's ``check_bulk_size``); the ids themselves (empty or malformed ids) are
    checked by the service, with the same paths.
    ``changes`` is a project patch (:func:`parse_project_patch`). Every error of the
    document is reported at once.

    >>> parse_bulk({"projects": ["web", "api"], "reset": True})
    (['web', 'api'], None)
    >>> patch = parse_bulk({"projects": ["web"], "changes": {"fix_enabled_override": True}})[1]
    >>> patch.fix_enabled_override, patch.scan_enabled_override
    (True, KEEP)
    >>> parse_bulk({"projects": ["web"], "reset": False})
    Traceback (most recent call last):
        ...
    ai_settings_core.errors.ValidationError: changes: This field is required unless "reset" \
is true.
    """
    if not isinstance(data, dict):
        raise ValidationError.from_findings(not_a_dict(data).findings) from None
    findings = unknown_keys(data, _BULK_KEYS)
    projects: list[str] = []
    if "projects" not in data:
        findings.append(required(("projects",)))
    else:
        try:
            projects = _bulk_projects(data["projects"], limits)
        except Invalid as error:
            findings.extend(prefixed(error.findings, ("projects",)))
    reset = data.get("reset", False)
    if reset is not True and reset is not False:
        findings.extend(prefixed(not_a_boolean().findings, ("reset",)))
    patch: ProjectPatch | None = None
    if "changes" in data:
        try:
            patch = parse_project_patch(data["changes"], limits=limits)
        except ValidationError as error:
            findings.extend(prefixed(error.findings, ("changes",)))
    if reset is True and "changes" in data:
        findings.append(
            Finding("invalid", ERROR, (), 'Give either "changes" or "reset": true, not both.')
        )
    elif reset is False and "changes" not in data:
        findings.append(
            Finding("required", ERROR, (), 'Give "changes" (a project patch) or "reset": true.')
            if "reset" not in data
            else Finding(
                "required", ERROR, ("changes",), 'This field is required unless "reset" is true.'
            )
        )
    if findings:
        raise ValidationError.from_findings(findings)
    return projects, None if reset else patch


def _bulk_projects(value: object, limits: Limits) -> list[str]:
    """The ``projects`` of a bulk request: a bounded list of strings (the service checks ids)."""
    if not isinstance(value, list):
        raise not_a_list(value)
    size = check_bulk_size(len(value), limits, path=())
    if size:
        raise Invalid(size)
    try:  # ``str.join`` checks in C that every item is a str (as ``isinstance``): 6x faster
        "".join(value)
    except TypeError:
        pass
    else:
        return list(value)
    raise Invalid(
        [
            Finding("invalid", ERROR, (index,), f"Not a valid string: {_quote(item)}.")
            for index, item in enumerate(value)
            if not isinstance(item, str)
        ]
    )
