"""Straight-line parsers for the hot documents when they are valid, and nothing else.

Each ``fast_*`` function takes a JSON value and the limits of the parse, and returns the domain
value when the document is valid in the plain way (exact ``dict``/``list``/``str``/``int``
types, every item well formed) or ``None`` for anything else: it never raises and never reports
an error. The callers then run the converter, which accepts or refuses the document and
reports every error with its path. So a fast path only has to accept a subset of what the
converter accepts, with the same value; property tests hold them to it
(``tests/unit/test_codec_fuzz.py``, ``tests/unit/test_codec_fast.py``).

What makes them fast: one function per document with no hook calls for the common fields,
the parsed-text caches of the leaf hooks (:data:`~ai_settings_core.codec._hooks.REFS`,
:data:`~ai_settings_core.codec._hooks.RULES`), and values built through their slots once
every field is checked (the classes' own ``__init__`` would only re-run the conversions the
checks made unnecessary).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import attrs

from ai_settings_core.codec._errors import Invalid
from ai_settings_core.codec._hooks import (
    MAX_VERSION,
    REFS,
    RULES,
    SETTINGS,
    structure_branch_rule,
    structure_repository_ref,
)
from ai_settings_core.domain.limits import Limits
from ai_settings_core.domain.settings import (
    ALL_BRANCHES_RULE,
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import STOPPING_POINTS, StoppingPoint

__all__ = ["fast_organization", "fast_project", "fast_repository"]

_new: Final = object.__new__


def _slot_setters(cls: type) -> tuple[Callable[[object, object], None], ...]:
    """The setters of a slotted attrs class's fields, in field order (they bypass ``frozen``)."""
    return tuple(cls.__dict__[field.name].__set__ for field in attrs.fields(cls))


_SET_REPOSITORY: Final = _slot_setters(RepositorySettings)
_SET_PROJECT: Final = _slot_setters(ProjectSettings)
_SET_ORGANIZATION: Final = _slot_setters(OrganizationSettings)


# Documents that name an expiry (rare) go to the converter: the fast paths set every expiry to
# ``None`` and accept only the documents that name none.
def _keys_without_expiries(cls: type) -> frozenset[str]:
    return frozenset(name for name in attrs.fields_dict(cls) if not name.endswith("_expires_at"))


def _expiry_setters(cls: type) -> tuple[Callable[[object, object], None], ...]:
    return tuple(
        cls.__dict__[field.name].__set__
        for field in attrs.fields(cls)
        if field.name.endswith("_expires_at")
    )


_REPOSITORY_KEYS: Final = _keys_without_expiries(RepositorySettings)
_PROJECT_KEYS: Final = _keys_without_expiries(ProjectSettings)
_ORGANIZATION_KEYS: Final = _keys_without_expiries(OrganizationSettings)
_PROJECT_EXPIRIES: Final = _expiry_setters(ProjectSettings)
_DEFAULT_PATTERNS: Final = (ALL_BRANCHES_RULE,)
_NO_ENVIRONMENTS: Final[frozenset[str]] = frozenset()
_MISSING: Final[Any] = object()
_CACHE_SIZE: Final = 4096
_PATTERN_LISTS: Final[dict[tuple[str, ...], tuple[BranchRule, ...]]] = {}


def _point(value: object) -> StoppingPoint | None | Any:  # noqa: ANN401 - the sentinel
    """An optional stopping point from its text, or ``_MISSING`` when it is not one."""
    if value is None:
        return None
    if type(value) is str:
        return STOPPING_POINTS.get(value, _MISSING)
    return _MISSING


def _patterns(value: object, limit: int) -> tuple[BranchRule, ...] | None:
    """The rules of a list of plain patterns' texts; the lists seen before are one lookup.

    A list holding a rule with an override (an object) is the converter's.
    """
    if type(value) is not list or not 0 < len(value) <= limit:
        return None
    texts = tuple(value)
    try:
        found = _PATTERN_LISTS.get(texts)
    except TypeError:  # an unhashable item
        return None
    if found is not None:
        return found
    patterns: list[BranchRule] = []
    for text in texts:
        if type(text) is not str:
            return None
        pattern = RULES.get(text)
        if pattern is None:
            try:
                pattern = structure_branch_rule(text, None)
            except Invalid:
                return None
        patterns.append(pattern)
    if len(_PATTERN_LISTS) >= _CACHE_SIZE:
        _PATTERN_LISTS.clear()
    found = _PATTERN_LISTS[texts] = tuple(patterns)
    return found


def fast_repository(data: object, limits: Limits) -> RepositorySettings | None:
    """A valid repository item, or ``None`` (then the converter decides)."""
    if type(data) is not dict or not data.keys() <= _REPOSITORY_KEYS:
        return None
    get = data.get
    text = get("repository")
    ref = REFS.get(text) if type(text) is str else None
    if ref is None:
        try:
            ref = structure_repository_ref(text, None)
        except Invalid:
            return None
    ai_enabled = get("ai_enabled", True)
    if ai_enabled is not True and ai_enabled is not False:
        return None
    point = get("stopping_point_override")
    if point is not None:
        point = STOPPING_POINTS.get(point) if type(point) is str else None
        if point is None:
            return None
    raw = get("branch_patterns", _MISSING)
    if raw is _MISSING:
        patterns: tuple[BranchRule, ...] | None = _DEFAULT_PATTERNS
    else:
        patterns = _patterns(raw, limits.max_patterns_per_repository)
        if patterns is None:
            return None
    repository = _new(RepositorySettings)
    set_ref, set_ai, set_patterns, set_point, set_expires_at = _SET_REPOSITORY
    set_ref(repository, ref)
    set_ai(repository, ai_enabled)
    set_patterns(repository, patterns)
    set_point(repository, point)
    set_expires_at(repository, None)
    return repository


def _repositories(value: object, limits: Limits) -> tuple[RepositorySettings, ...] | None:
    """Valid repository items, none twice (by the providers' case-insensitive identity)."""
    if type(value) is not list or len(value) > limits.max_repositories_per_project:
        return None
    parsed: list[RepositorySettings] = []
    seen: set[str] = set()
    for item in value:
        repository = fast_repository(item, limits)
        if repository is None:
            return None
        # A valid reference's text is provider:owner/name in ASCII with a lower-case provider,
        # so its case-folded text identifies it exactly as ``RepositoryRef.key`` does.
        key = item["repository"].casefold()
        if key in seen:
            return None
        seen.add(key)
        parsed.append(repository)
    return tuple(parsed)


def _environments(value: object, limits: Limits) -> frozenset[str] | None:
    if type(value) is not list or len(value) > limits.max_environments:
        return None
    max_length = limits.max_identifier_length
    for item in value:
        if not (
            type(item) is str
            and 0 < len(item) <= max_length
            and item.isprintable()
            and " " not in item
        ):
            return None
    return frozenset(value)


def fast_project(data: object, limits: Limits) -> ProjectSettings | None:
    """A valid project document, or ``None`` (then the converter decides)."""
    if type(data) is not dict or not data.keys() <= _PROJECT_KEYS:
        return None
    get = data.get
    organization_id = get("organization_id")
    project_id = get("project_id")
    scan = get("scan_enabled_override")
    fix = get("fix_enabled_override")
    version = get("version", 0)
    point = _point(get("stopping_point_override"))
    max_length = limits.max_identifier_length
    if not (
        type(organization_id) is str
        and 0 < len(organization_id) <= max_length
        and organization_id.isprintable()
        and " " not in organization_id
        and type(project_id) is str
        and 0 < len(project_id) <= max_length
        and project_id.isprintable()
        and " " not in project_id
        and (scan is None or scan is True or scan is False)
        and (fix is None or fix is True or fix is False)
        and type(version) is int
        and 0 <= version <= MAX_VERSION
        and point is not _MISSING
    ):
        return None
    raw = get("repositories", _MISSING)
    repositories = () if raw is _MISSING else _repositories(raw, limits)
    raw = get("environments", _MISSING)
    environments = _NO_ENVIRONMENTS if raw is _MISSING else _environments(raw, limits)
    if repositories is None or environments is None:
        return None
    project = _new(ProjectSettings)
    (
        set_organization,
        set_project,
        set_scan,
        set_fix,
        set_point,
        set_repositories,
        set_environments,
        set_version,
        *_,
    ) = _SET_PROJECT
    set_organization(project, organization_id)
    set_project(project, project_id)
    set_scan(project, scan)
    set_fix(project, fix)
    set_point(project, point)
    set_repositories(project, repositories)
    set_environments(project, environments)
    set_version(project, version)
    for set_expires_at in _PROJECT_EXPIRIES:
        set_expires_at(project, None)
    return project


_LOCKED: Final[dict[tuple[str, ...], frozenset[Setting]]] = {(): frozenset()}
_PULL_REQUEST: Final = StoppingPoint.PULL_REQUEST.value


def _locked(value: object) -> frozenset[Setting] | None:
    """The locked settings from their texts (every valid list is cached: there are few)."""
    if type(value) is not list or len(value) > len(SETTINGS):
        return None
    texts = tuple(value)
    try:
        found = _LOCKED.get(texts)
    except TypeError:  # an unhashable item
        return None
    if found is None:
        settings = [SETTINGS.get(text) if type(text) is str else None for text in texts]
        if None in settings:
            return None
        found = _LOCKED[texts] = frozenset(settings)  # type: ignore[arg-type]
    return found


def fast_organization(data: object, limits: Limits) -> OrganizationSettings | None:
    """A valid organization document, or ``None`` (then the converter decides)."""
    if type(data) is not dict or not data.keys() <= _ORGANIZATION_KEYS:
        return None
    get = data.get
    organization_id = get("organization_id")
    scan = get("scan_enabled", True)
    fix = get("fix_enabled", False)
    point = get("stopping_point", _PULL_REQUEST)
    point = STOPPING_POINTS.get(point) if type(point) is str else None
    ceiling = get("max_stopping_point")
    if ceiling is not None:
        ceiling = STOPPING_POINTS.get(ceiling, _MISSING) if type(ceiling) is str else _MISSING
    version = get("version", 0)
    locked = _locked(get("locked", []))
    invariants = get("invariants", [])
    if invariants:  # invariants, and what is not a list, go to the converter
        return None
    if not (
        invariants == []
        and type(organization_id) is str
        and 0 < len(organization_id) <= limits.max_identifier_length
        and organization_id.isprintable()
        and " " not in organization_id
        and (scan is True or scan is False)
        and (fix is True or fix is False)
        and point is not None
        and ceiling is not _MISSING
        and type(version) is int
        and 0 <= version <= MAX_VERSION
        and locked is not None
    ):
        return None
    organization = _new(OrganizationSettings)
    (
        set_id,
        set_scan,
        set_fix,
        set_point,
        set_locked,
        set_ceiling,
        set_invariants,
        set_version,
        set_scan_lock_ends,
        set_fix_lock_ends,
        set_point_lock_ends,
    ) = _SET_ORGANIZATION
    set_id(organization, organization_id)
    set_scan(organization, scan)
    set_fix(organization, fix)
    set_point(organization, point)
    set_locked(organization, locked)
    set_ceiling(organization, ceiling)
    set_invariants(organization, ())
    set_version(organization, version)
    set_scan_lock_ends(organization, None)
    set_fix_lock_ends(organization, None)
    set_point_lock_ends(organization, None)
    return organization
