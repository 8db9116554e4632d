"""The payload codec: strict parsing of input documents and dumping of output documents.

One cattrs converter, :data:`CONVERTER`, configured once at import, parses every input
document into the domain's attrs classes. Its hooks are strict (``"false"``, ``0`` and ``1``
are not booleans, ``123`` is not a string, unknown keys are errors, sizes are bounded by
:class:`~ai_settings_core.Limits`), and every leaf type has one entry in :data:`_LEAVES`:
its structure hook and its JSON Schema, so the parser's rules and the published schema come
from one table. Parsing collects *all* errors of a payload and raises one
:class:`~ai_settings_core.ValidationError` whose ``detail`` is the Django REST Framework
shape.

Dumping is hand-written (one small function per document, registered as the converter's
unstructure hooks too): it is the hot path of every read, and it is faster than both cattrs'
generated code and pydantic's ``model_dump`` here (see ``docs/payloads.md``).
"""

from __future__ import annotations

import contextvars
import functools
import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, Protocol, TypeVar, get_args

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)

from ai_settings_core.domain.changes import (
    FieldChange,
    Impact,
    Keep,
    OrganizationPatch,
    ProjectPatch,
    RepositoryPatch,
)
from ai_settings_core.domain.decide import Decision
from ai_settings_core.domain.findings import NON_FIELD_ERRORS, Finding, Path, Severity, build_detail
from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.domain.resolve import Resolution, Trace
from ai_settings_core.domain.rules import (
    duplicate_repository,
    validate_document_projects,
    validate_identifier,
)
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import (
    ALL_BRANCHES,
    BranchPattern,
    RepositoryRef,
    StoppingPoint,
    _quote,
)
from ai_settings_core.errors import InvalidValueError, ValidationError

__all__ = [
    "CONVERTER",
    "dump_decision",
    "dump_export",
    "dump_field_changes",
    "dump_findings",
    "dump_impact",
    "dump_organization",
    "dump_project",
    "dump_project_view",
    "dump_repository",
    "dump_resolution",
    "dumps_export",
    "load_json",
    "parse_export",
    "parse_organization",
    "parse_organization_patch",
    "parse_project",
    "parse_project_patch",
    "parse_repository",
    "parse_repository_patch",
]

T = TypeVar("T")
JSON = dict[str, Any]

_ERROR: Final = Severity.ERROR
MAX_VERSION: Final = 2**63 - 1
"""The largest version a store can hold (a signed 64-bit integer)."""

# The limits of the parse in progress. The converter is configured once; the limits a caller
# passes reach its hooks through this variable (per thread and per task, so it is safe).
_LIMITS: Final = contextvars.ContextVar("ai_settings_core_codec_limits", default=DEFAULT_LIMITS)

# Parsed values are immutable, so equal texts can share one parsed value. The caches only hold
# successes and are bounded: when full they start over.
_CACHE_SIZE: Final = 4096
_REFS: Final[dict[str, RepositoryRef]] = {}
_PATTERNS: Final[dict[str, BranchPattern]] = {}


class _Invalid(Exception):  # noqa: N818 - internal signal, never escapes the codec
    """Errors found by a hook, with paths relative to the value the hook was given."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(findings)
        self.findings = findings


def _fail(code: str, message: str, path: Path = ()) -> _Invalid:
    return _Invalid([Finding(code, _ERROR, path, message)])


def _null() -> _Invalid:
    return _fail("null", "This field may not be null.")


def _not_a_string(value: object) -> _Invalid:
    return _null() if value is None else _fail("invalid", "Not a valid string.")


def _not_a_list(value: object) -> _Invalid:
    if value is None:
        return _null()
    return _fail("not_a_list", f'Expected a list of items but got type "{type(value).__name__}".')


def _not_a_dict(value: object, path: Path = ()) -> _Invalid:
    return _fail(
        "invalid", f"Invalid data. Expected a dictionary, but got {type(value).__name__}.", path
    )


def _too_many(limit: int) -> _Invalid:
    return _fail("max_length", f"Ensure this field has no more than {limit} elements.")


# --- leaf hooks ------------------------------------------------------------------------------


def _structure_bool(value: object, _: object) -> bool:
    if value is True or value is False:
        return value
    if value is None:
        raise _null()
    raise _fail("invalid", "Must be a valid boolean.")


def _structure_identifier(value: object, _: object) -> str:
    if isinstance(value, str):
        if (
            value
            and len(value) <= _LIMITS.get().max_identifier_length
            and value.isprintable()
            and " " not in value
        ):
            return value
        problem = validate_identifier(value, (), "This field", _LIMITS.get())
        if problem is not None:
            raise _Invalid([problem])
    raise _not_a_string(value)


def _structure_version(value: object, _: object) -> int:
    if type(value) is int:
        if 0 <= value <= MAX_VERSION:
            return value
        if value < 0:
            raise _fail("min_value", "Ensure this value is greater than or equal to 0.")
        raise _fail("max_value", f"Ensure this value is less than or equal to {MAX_VERSION}.")
    if value is None:
        raise _null()
    raise _fail("invalid", "A valid integer is required.")


_STOPPING_POINTS: Final = {point.value: point for point in StoppingPoint}
_SETTINGS: Final = {setting.value: setting for setting in Setting}


def _choice_error(value: object) -> _Invalid:
    if value is None:
        return _null()
    return _fail("invalid_choice", f"{_quote(value)} is not a valid choice.")


def _structure_stopping_point(value: object, _: object) -> StoppingPoint:
    found = _STOPPING_POINTS.get(value) if isinstance(value, str) else None
    if found is None:
        raise _choice_error(value)
    return found


def _structure_setting(value: object, _: object) -> Setting:
    found = _SETTINGS.get(value) if isinstance(value, str) else None
    if found is None:
        raise _choice_error(value)
    return found


def _structure_repository_ref(value: object, _: object) -> RepositoryRef:
    if not isinstance(value, str):
        raise _not_a_string(value)
    found = _REFS.get(value)
    if found is None:
        try:
            found = RepositoryRef.parse(value)
        except InvalidValueError as error:
            raise _fail(error.code, error.message) from None
        if len(_REFS) >= _CACHE_SIZE:
            _REFS.clear()
        _REFS[value] = found
    return found


def _structure_branch_pattern(value: object, _: object) -> BranchPattern:
    if not isinstance(value, str):
        raise _not_a_string(value)
    found = _PATTERNS.get(value)
    if found is None:
        try:
            found = BranchPattern(value)
        except InvalidValueError as error:
            raise _fail(error.code, error.message) from None
        if len(_PATTERNS) >= _CACHE_SIZE:
            _PATTERNS.clear()
        _PATTERNS[value] = found
    return found


# --- collection hooks ------------------------------------------------------------------------


def _items(
    value: object, limit: int, item: Callable[[object, object], T], *, allow_empty: bool = True
) -> list[T]:
    """Parse a list with ``item``, collecting the errors of every item under its index."""
    if not isinstance(value, list | tuple):
        raise _not_a_list(value)
    if len(value) > limit:
        raise _too_many(limit)
    if not value and not allow_empty:
        raise _fail("empty", 'This list may not be empty (use "*" for all branches).')
    try:
        return [item(element, None) for element in value]
    except _Invalid:
        pass
    findings: list[Finding] = []
    for index, element in enumerate(value):
        try:
            item(element, None)
        except _Invalid as error:
            findings.extend(_prefixed(error.findings, (index,)))
    raise _Invalid(findings)


def _structure_patterns(value: object, _: object) -> tuple[BranchPattern, ...]:
    limit = _LIMITS.get().max_patterns_per_repository
    if type(value) is list and 0 < len(value) <= limit:
        try:  # patterns seen before: one lookup each
            return tuple([_PATTERNS[text] for text in value])
        except (KeyError, TypeError):
            pass
    return tuple(_items(value, limit, _structure_branch_pattern, allow_empty=False))


def _structure_environments(value: object, _: object) -> frozenset[str]:
    return frozenset(_items(value, _LIMITS.get().max_environments, _structure_identifier))


def _structure_locked(value: object, _: object) -> frozenset[Setting]:
    return frozenset(_items(value, len(Setting), _structure_setting))


def _structure_repositories(value: object, _: object) -> tuple[RepositorySettings, ...]:
    if not isinstance(value, list | tuple):
        raise _not_a_list(value)
    limit = _LIMITS.get().max_repositories_per_project
    if len(value) > limit:
        raise _too_many(limit)
    findings: list[Finding] = []
    parsed: list[RepositorySettings] = []
    seen: set[tuple[str, str, str]] = set()
    for index, element in enumerate(value):
        if not isinstance(element, dict):
            findings.extend(_not_a_dict(element, (index, NON_FIELD_ERRORS)).findings)
            continue
        try:
            repository = _structure_repository_item(element, RepositorySettings)
        except ClassValidationError as error:
            # Never drop an item quietly: an error without a finding is still an error.
            findings.extend(
                _findings_of(error, (index,))
                or [Finding("invalid", _ERROR, (index, NON_FIELD_ERRORS), "Invalid item.")]
            )
            continue
        key = repository.repository.key
        if key in seen:
            findings.append(duplicate_repository((index, "repository"), repository.repository))
        seen.add(key)
        parsed.append(repository)
    if findings:
        raise _Invalid(findings)
    return tuple(parsed)


# --- the table of leaf types: structure hook and JSON Schema, side by side -------------------


def _identifier_schema(limits: Limits) -> JSON:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": limits.max_identifier_length,
        "pattern": r"^[^\s\x00-\x1f\x7f]+$",
    }


def _pattern_schema(_: Limits) -> JSON:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "pattern": r"^(?![/-])(?!.*(\.\.|[~^:\\]))[^\s\x00-\x1f\x7f]+$",
        "description": "An fnmatch-style glob over branch names, case-sensitive.",
    }


@attrs.frozen
class _Leaf:
    """A type the converter parses with its own hook, and that type's JSON Schema."""

    hook: Callable[[object, object], object]
    schema: Callable[[Limits], JSON]


_LEAVES: Final[dict[object, _Leaf]] = {
    bool: _Leaf(_structure_bool, lambda _: {"type": "boolean"}),
    str: _Leaf(_structure_identifier, _identifier_schema),
    int: _Leaf(
        _structure_version, lambda _: {"type": "integer", "minimum": 0, "maximum": MAX_VERSION}
    ),
    StoppingPoint: _Leaf(
        _structure_stopping_point,
        lambda _: {"type": "string", "enum": [point.value for point in StoppingPoint]},
    ),
    Setting: _Leaf(
        _structure_setting,
        lambda _: {"type": "string", "enum": [setting.value for setting in Setting]},
    ),
    RepositoryRef: _Leaf(
        _structure_repository_ref,
        lambda _: {
            "type": "string",
            "maxLength": 255,
            "pattern": r"^(github|gitlab|bitbucket):[A-Za-z0-9][A-Za-z0-9._/-]*/[A-Za-z0-9._-]+$",
            "description": "provider:owner/name",
        },
    ),
    BranchPattern: _Leaf(_structure_branch_pattern, _pattern_schema),
    tuple[BranchPattern, ...]: _Leaf(
        _structure_patterns,
        lambda limits: {
            "type": "array",
            "items": _pattern_schema(limits),
            "minItems": 1,
            "maxItems": limits.max_patterns_per_repository,
        },
    ),
    frozenset[str]: _Leaf(
        _structure_environments,
        lambda limits: {
            "type": "array",
            "items": _identifier_schema(limits),
            "maxItems": limits.max_environments,
        },
    ),
    frozenset[Setting]: _Leaf(
        _structure_locked,
        lambda _: {
            "type": "array",
            "items": {"type": "string", "enum": [setting.value for setting in Setting]},
            "maxItems": len(Setting),
        },
    ),
    tuple[RepositorySettings, ...]: _Leaf(
        _structure_repositories,
        lambda limits: {
            "type": "array",
            "items": {"$ref": "#/$defs/repository"},
            "maxItems": limits.max_repositories_per_project,
        },
    ),
}
"""Every leaf type of the input documents: how the converter parses it, and its schema."""


def _without_keep(type_: object) -> object:
    """``bool | None | Keep`` → ``bool | None``: a patch field's type as it appears in input."""
    rest = [arg for arg in get_args(type_) if arg != Keep]
    return functools.reduce(operator.or_, rest)


def _has_keep(type_: object) -> bool:
    return Keep in get_args(type_)


def _build_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for type_, leaf in _LEAVES.items():
        if isinstance(type_, type):
            converter.register_structure_hook(type_, leaf.hook)
        else:
            converter.register_structure_hook_func(functools.partial(operator.eq, type_), leaf.hook)
    converter.register_structure_hook_factory(
        _has_keep, lambda type_: converter.get_structure_hook(_without_keep(type_))
    )
    converter.register_unstructure_hook(OrganizationSettings, dump_organization)
    converter.register_unstructure_hook(ProjectSettings, dump_project)
    converter.register_unstructure_hook(RepositorySettings, dump_repository)
    converter.register_unstructure_hook(Resolution, dump_resolution)
    converter.register_unstructure_hook(Decision, dump_decision)
    converter.register_unstructure_hook(Impact, dump_impact)
    return converter


# --- errors ----------------------------------------------------------------------------------

_READ_ONLY: Final[dict[type, frozenset[str]]] = {
    OrganizationSettings: frozenset({"sources", "warnings"}),
    ProjectSettings: frozenset({"effective", "sources", "warnings"}),
    OrganizationPatch: frozenset({"organization_id", "version", "sources", "warnings"}),
    ProjectPatch: frozenset(
        {"organization_id", "project_id", "version", "effective", "sources", "warnings"}
    ),
    RepositoryPatch: frozenset({"repository"}),
}
"""Keys of output documents that input documents refuse as read-only (not as unknown)."""


def _prefixed(findings: Iterable[Finding], prefix: Path) -> list[Finding]:
    return [Finding(f.code, f.severity, prefix + f.path, f.message) for f in findings]


def _findings_of(error: BaseException, path: Path) -> list[Finding]:
    """Turn what the converter raised into findings with paths into the input."""
    if isinstance(error, _Invalid):
        return _prefixed(error.findings, path)
    if isinstance(error, ForbiddenExtraKeysError):
        read_only = _READ_ONLY.get(error.cl, frozenset())
        return [
            Finding("read_only", _ERROR, (*path, key), "This field is read-only.")
            if key in read_only
            else Finding("unknown_field", _ERROR, (*path, key), "Unknown field.")
            for key in sorted(key for key in error.extra_fields if isinstance(key, str))
        ] + [
            Finding("unknown_field", _ERROR, (*path, NON_FIELD_ERRORS), f"Unknown field {key!r}.")
            for key in error.extra_fields
            if not isinstance(key, str)
        ]
    if isinstance(error, ClassValidationError):
        findings: list[Finding] = []
        for sub in error.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", ()):
                if isinstance(note, AttributeValidationNote):
                    sub_path = (*sub_path, note.name)
                elif isinstance(note, IterableValidationNote) and isinstance(note.index, int):
                    sub_path = (*sub_path, note.index)
            if isinstance(sub, KeyError) and sub_path != path:
                findings.append(Finding("required", _ERROR, sub_path, "This field is required."))
            else:
                findings.extend(_findings_of(sub, sub_path))
        return findings
    raise error


def _raise(findings: Sequence[Finding]) -> ValidationError:
    detail, codes = build_detail(findings)
    return ValidationError(detail, codes, findings)


def _check_keys(data: Mapping[object, object]) -> list[Finding]:
    """Keys that are not strings cannot name a field: they are errors of the whole payload."""
    return [
        Finding("unknown_field", _ERROR, (), f"Unknown field {_quote(key)}.")
        for key in data
        if not isinstance(key, str)
    ]


def _structure(data: object, cls: type[T], limits: Limits) -> T:
    if not isinstance(data, dict):
        raise _raise(_not_a_dict(data).findings) from None
    token = _LIMITS.set(limits) if limits is not _LIMITS.get() else None
    try:
        return _HOOKS[cls](data, cls)  # type: ignore[return-value]
    except (ClassValidationError, _Invalid) as error:
        findings = _check_keys(data) + _findings_of(error, ())
        raise _raise(findings) from None
    finally:
        if token is not None:
            _LIMITS.reset(token)


# --- parsers ---------------------------------------------------------------------------------


def parse_organization(data: object, *, limits: Limits = DEFAULT_LIMITS) -> OrganizationSettings:
    """Parse a stored organization document (as :func:`dump_organization` writes it).

    ``organization_id`` is required; a missing setting takes the system default, a missing
    ``version`` is 0. Raises :class:`~ai_settings_core.ValidationError` with every error.

    >>> org = parse_organization({"organization_id": "acme", "fix_enabled": True})
    >>> org.fix_enabled, org.stopping_point
    (True, <StoppingPoint.PULL_REQUEST: 'pull_request'>)
    """
    return _structure(data, OrganizationSettings, limits)


def parse_organization_patch(data: object, *, limits: Limits = DEFAULT_LIMITS) -> OrganizationPatch:
    """Parse a partial organization update (an HTTP ``PUT``/``PATCH`` body).

    Any subset of ``scan_enabled``, ``fix_enabled``, ``stopping_point``, ``locked`` and
    ``max_stopping_point``; an absent key is :data:`~ai_settings_core.KEEP`. The read-only
    keys of the organization document (``organization_id``, ``version``, ``sources``) are
    refused with code ``read_only``: the version travels in ``If-Match``.

    >>> parse_organization_patch({"stopping_point": "merge"}).stopping_point
    <StoppingPoint.MERGE: 'merge'>
    """
    return _structure(data, OrganizationPatch, limits)


def parse_project(data: object, *, limits: Limits = DEFAULT_LIMITS) -> ProjectSettings:
    """Parse a stored project document (as :func:`dump_project` writes it, without outputs).

    ``organization_id`` and ``project_id`` are required; missing overrides inherit (``null``),
    missing ``repositories`` and ``environments`` are empty, a missing ``version`` is 0.
    """
    return _structure(data, ProjectSettings, limits)


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
    return _structure(data, ProjectPatch, limits)


def parse_repository(data: object, *, limits: Limits = DEFAULT_LIMITS) -> RepositorySettings:
    """Parse one repository item: ``repository`` is required, the rest have defaults.

    ``ai_enabled`` defaults to ``true``, ``branch_patterns`` to ``["*"]`` and
    ``stopping_point_override`` to ``null`` (inherit the project's).

    >>> parse_repository({"repository": "github:acme/api"}).branch_patterns
    (BranchPattern('*'),)
    """
    return _structure(data, RepositorySettings, limits)


def parse_repository_patch(data: object, *, limits: Limits = DEFAULT_LIMITS) -> RepositoryPatch:
    """Parse a partial repository update: any subset of its three settings.

    ``repository`` names the item in the URL, not in the body: it is refused as read-only.
    """
    return _structure(data, RepositoryPatch, limits)


def parse_export(
    data: object, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[OrganizationSettings, tuple[ProjectSettings, ...]]:
    """Parse an organization export (:func:`dump_export`): the organization and its projects.

    Every project must belong to the organization (code ``organization_mismatch``) and
    appear once (code ``duplicate_project``). All errors of the document are reported at once,
    with paths such as ``projects[3].repositories[0].repository``.
    """
    if not isinstance(data, dict):
        raise _raise(_not_a_dict(data).findings) from None
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
        findings.append(Finding("required", _ERROR, ("projects",), "This field is required."))
    elif not isinstance(raw_projects, list):
        findings.extend(_prefixed(_not_a_list(raw_projects).findings, ("projects",)))
    else:
        indexed: list[tuple[int, ProjectSettings]] = []
        for index, item in enumerate(raw_projects):
            path: Path = ("projects", index)
            try:
                project = parse_project(item, limits=limits)
            except ValidationError as error:
                findings.extend(
                    _prefixed(error.findings, path)
                    if isinstance(item, dict)
                    else _prefixed(error.findings, (*path, NON_FIELD_ERRORS))
                )
                continue
            indexed.append((index, project))
            projects.append(project)
        if organization is not None:
            findings.extend(validate_document_projects(organization.organization_id, indexed))
    if findings or organization is None:
        raise _raise(findings)
    return organization, tuple(projects)


_MISSING: Final = object()


def load_json(data: str | bytes) -> object:
    """Decode one JSON document strictly, for every edge that reads JSON from outside.

    UTF-8 only; ``NaN`` and ``Infinity`` are not JSON; nesting too deep for the decoder is an
    error, not a crash. Raises ``ValueError`` with a message a person can read.

    >>> load_json(b'{"scan_enabled": false}')
    {'scan_enabled': False}
    >>> load_json("[NaN]")
    Traceback (most recent call last):
    ...
    ValueError: JSON parse error - NaN is not valid JSON
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        document = json.loads(text, parse_constant=_no_constant)
        if _SURROGATE_ESCAPE.search(text) is not None or not text.isascii():
            _check_text(document)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ValueError(f"JSON parse error - {error}") from None
    return document


# An escaped surrogate; a proper pair decodes to one character, a lone one stays a surrogate.
_SURROGATE_ESCAPE: Final = re.compile(r"\\[uU][dD][89a-fA-F]")


def _check_text(value: object) -> None:
    """Refuse strings that are not Unicode text (lone surrogates): nothing can encode them."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                shown = ascii(item)[:40]
                raise ValueError(f"{shown} is not Unicode text (a lone surrogate)") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


# --- dumps -----------------------------------------------------------------------------------


_POINT_TEXT: Final[dict[StoppingPoint | None, str | None]] = {
    None: None,
    **{point: point.value for point in StoppingPoint},
}


def _point(value: StoppingPoint | None) -> str | None:
    return None if value is None else value.value


def dump_repository(repository: RepositorySettings) -> JSON:
    """The repository item: ``{"repository", "ai_enabled", "branch_patterns", ...}``.

    >>> dump_repository(RepositorySettings(RepositoryRef.parse("github:acme/api")))
    {'repository': 'github:acme/api', 'ai_enabled': True, 'branch_patterns': ['*'], \
'stopping_point_override': None}
    """
    return {
        "repository": str(repository.repository),
        "ai_enabled": repository.ai_enabled,
        "branch_patterns": [pattern.text for pattern in repository.branch_patterns],
        "stopping_point_override": _POINT_TEXT[repository.stopping_point_override],
    }


def _dump_trace(trace: Trace[bool] | Trace[StoppingPoint]) -> JSON:
    value = trace.value
    return {
        "value": value if isinstance(value, bool) else value.value,
        "level": trace.level.value,
        "reason": trace.reason.value,
        "shadowed": [
            {
                "level": shadow.level.value,
                "value": shadow.value if isinstance(shadow.value, bool) else shadow.value.value,
                "reason": shadow.reason.value,
            }
            for shadow in trace.shadowed
        ],
    }


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


def dump_findings(findings: Iterable[Finding]) -> list[JSON]:
    """Findings (warnings in responses, or errors) as ``{"code", "severity", "path", ...}``."""
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
'stopping_point': 'pull_request', 'locked': [], 'max_stopping_point': None, 'version': 0}
    """
    document: JSON = {
        "organization_id": organization.organization_id,
        "scan_enabled": organization.scan_enabled,
        "fix_enabled": organization.fix_enabled,
        "stopping_point": organization.stopping_point.value,
        "locked": sorted([setting.value for setting in organization.locked]),
        "max_stopping_point": _point(organization.max_stopping_point),
        "version": organization.version,
    }
    if resolution is not None:
        document["sources"] = dump_resolution(resolution)
    if warnings is not None:
        document["warnings"] = dump_findings(warnings)
    return document


def dump_project(
    project: ProjectSettings,
    resolution: Resolution | None = None,
    warnings: Iterable[Finding] | None = None,
) -> JSON:
    """The project document; with a resolution, the read document with ``effective``/``sources``.

    >>> from ai_settings_core import ProjectSettings
    >>> dump_project(ProjectSettings("acme", "web", fix_enabled_override=True))
    {'organization_id': 'acme', 'project_id': 'web', 'scan_enabled_override': None, \
'fix_enabled_override': True, 'stopping_point_override': None, 'repositories': [], \
'environments': [], 'version': 0}
    """
    document: JSON = {
        "organization_id": project.organization_id,
        "project_id": project.project_id,
        "scan_enabled_override": project.scan_enabled_override,
        "fix_enabled_override": project.fix_enabled_override,
        "stopping_point_override": _POINT_TEXT[project.stopping_point_override],
        "repositories": [dump_repository(repository) for repository in project.repositories],
        "environments": sorted(project.environments),
        "version": project.version,
    }
    if resolution is not None:
        document["effective"] = {
            "scan_enabled": resolution.scan_enabled.value,
            "fix_enabled": resolution.fix_enabled.value,
            "stopping_point": resolution.stopping_point.value.value,
        }
        document["sources"] = dump_resolution(resolution)
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


CONVERTER: Final = _build_converter()
"""The one converter: strict structure hooks for every input type, dumps as unstructure hooks."""

_REPOSITORY_KEYS: Final = frozenset(attrs.fields_dict(RepositorySettings))
_DEFAULT_PATTERNS: Final = (ALL_BRANCHES,)
_generated_repository_item: Final = CONVERTER.get_structure_hook(RepositorySettings)


def _structure_repository_item(data: dict[str, Any], cls: object) -> RepositorySettings:
    """The hot item of every project payload: a straight-line path for valid input.

    It calls the converter's own leaf hooks in the converter's order and accepts only what
    they accept; anything else goes to the converter's generated hook, which reports every
    error with its path. So both accept and reject the same input (a property test holds
    them to it) and errors always come from the converter.
    """
    if data.keys() <= _REPOSITORY_KEYS and "repository" in data:
        try:
            ai_enabled = data.get("ai_enabled", True)
            if ai_enabled is True or ai_enabled is False:
                point = data.get("stopping_point_override")
                return RepositorySettings(
                    _structure_repository_ref(data["repository"], None),
                    ai_enabled,
                    _DEFAULT_PATTERNS
                    if "branch_patterns" not in data
                    else _structure_patterns(data["branch_patterns"], None),
                    None if point is None else _structure_stopping_point(point, None),
                )
        except _Invalid:
            pass
    return _generated_repository_item(data, cls)  # type: ignore[no-any-return]


_HOOKS: Final[dict[type, Callable[[Any, Any], object]]] = {
    cls: CONVERTER.get_structure_hook(cls)
    for cls in (
        OrganizationSettings,
        OrganizationPatch,
        ProjectSettings,
        ProjectPatch,
        RepositorySettings,
        RepositoryPatch,
    )
}

_PROJECT_KEYS: Final = frozenset(attrs.fields_dict(ProjectSettings))
_generated_project: Final = _HOOKS[ProjectSettings]


def _structure_project(data: dict[str, Any], cls: Any) -> ProjectSettings:  # noqa: ANN401
    """A straight-line path for a valid project document, as for repository items."""
    if data.keys() <= _PROJECT_KEYS:
        try:
            scan = data.get("scan_enabled_override")
            fix = data.get("fix_enabled_override")
            if (scan is None or scan is True or scan is False) and (
                fix is None or fix is True or fix is False
            ):
                point = data.get("stopping_point_override")
                return ProjectSettings(
                    _structure_identifier(data["organization_id"], None),
                    _structure_identifier(data["project_id"], None),
                    scan,
                    fix,
                    None if point is None else _structure_stopping_point(point, None),
                    _structure_repositories(data["repositories"], None)
                    if "repositories" in data
                    else (),
                    _structure_environments(data["environments"], None)
                    if "environments" in data
                    else frozenset(),
                    _structure_version(data["version"], None) if "version" in data else 0,
                )
        except (_Invalid, KeyError):
            pass
    return _generated_project(data, cls)  # type: ignore[return-value]


_HOOKS[ProjectSettings] = _structure_project
