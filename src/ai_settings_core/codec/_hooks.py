"""The converter's strict hooks for every leaf type, and each type's JSON Schema beside it.

Every leaf type of the input documents has one entry in :data:`LEAVES`: its structure hook
and its JSON Schema, so the parser's rules and the published schema come from one table. The
hooks are strict (``"false"``, ``0`` and ``1`` are not booleans, ``123`` is not a string) and
bounded by the :class:`~ai_settings_core.rules.Limits` of the parse in progress
(:data:`LIMITS`). They raise :class:`~ai_settings_core.codec._errors.Invalid` with findings.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs

from ai_settings_core.codec._errors import (
    Invalid,
    fail,
    not_a_boolean,
    not_a_choice,
    not_a_list,
    not_a_string,
    null,
    prefixed,
    required,
    too_many,
    unknown_keys,
)
from ai_settings_core.domain.findings import Finding
from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.domain.rules import validate_identifier
from ai_settings_core.domain.settings import ALL_BRANCHES_RULE, BranchRule, Setting
from ai_settings_core.domain.values import (
    _MAX_REPOSITORY_LENGTH,
    _NAME_RE,
    _OWNER_RE,
    STOPPING_POINTS,
    BranchPattern,
    Provider,
    RepositoryRef,
    StoppingPoint,
    _quote,
    _type_name,
    trusted_repository_ref,
)
from ai_settings_core.errors import InvalidValueError

__all__ = [
    "LEAVES",
    "LIMITS",
    "MAX_VERSION",
    "PATTERNS",
    "REFS",
    "RULES",
    "SETTINGS",
    "Leaf",
    "rule_object_schema",
    "structure_bool",
    "structure_branch_pattern",
    "structure_branch_rule",
    "structure_datetime",
    "structure_environments",
    "structure_identifier",
    "structure_patterns",
    "structure_repository_ref",
    "structure_rules",
    "structure_stopping_point",
    "structure_version",
]

T = TypeVar("T")
JSON = dict[str, Any]

MAX_VERSION: Final = 2**63 - 1
"""The largest version a store can hold (a signed 64-bit integer)."""

# The limits of the parse in progress. The converter is configured once; the limits a caller
# passes reach its hooks through this variable (per thread and per task, so it is safe).
LIMITS: Final = contextvars.ContextVar("ai_settings_core_codec_limits", default=DEFAULT_LIMITS)

# Parsed values are immutable, so equal texts can share one parsed value. The caches only hold
# successes and are bounded: when full they start over.
_CACHE_SIZE: Final = 4096
REFS: Final[dict[str, RepositoryRef]] = {}
PATTERNS: Final[dict[str, BranchPattern]] = {}
RULES: Final[dict[str, BranchRule]] = {"*": ALL_BRANCHES_RULE}
"""Rules without an override by their pattern's text (the plain form of a branch rule)."""


# --- leaf hooks ------------------------------------------------------------------------------


def structure_bool(value: object, _: object) -> bool:
    if value is True or value is False:
        return value
    if value is None:
        raise null()
    raise not_a_boolean()


def structure_identifier(value: object, _: object) -> str:
    if isinstance(value, str):
        if (
            value
            and len(value) <= LIMITS.get().max_identifier_length
            and value.isprintable()
            and " " not in value
        ):
            return value
        problem = validate_identifier(value, (), "This field", LIMITS.get())
        if problem is not None:
            raise Invalid([problem])
    raise not_a_string(value)


def structure_version(value: object, _: object) -> int:
    if type(value) is int:
        if 0 <= value <= MAX_VERSION:
            return value
        if value < 0:
            raise fail("min_value", "Ensure this value is greater than or equal to 0.")
        raise fail("max_value", f"Ensure this value is less than or equal to {MAX_VERSION}.")
    if value is None:
        raise null()
    raise fail("invalid", "A valid integer is required.")


_MAX_DATETIME_LENGTH: Final = 64
_DATE_LENGTH: Final = len("2026-12-01")
_DATETIME_EXAMPLE: Final = "2026-12-01T09:00:00Z"


def structure_datetime(value: object, _: object) -> dt.datetime:
    """An aware datetime from ISO 8601 text, in UTC; naive and garbage texts are refused.

    >>> structure_datetime("2026-12-01T10:00+01:00", None).isoformat()
    '2026-12-01T09:00:00+00:00'
    """
    if not isinstance(value, str):
        if value is None:
            raise null()
        raise fail(
            "invalid",
            f"A date and time is required, as ISO 8601 text like {_DATETIME_EXAMPLE}.",
        )
    parsed = None
    if _DATE_LENGTH < len(value) <= _MAX_DATETIME_LENGTH and value[_DATE_LENGTH] in "Tt":
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise fail(
            "invalid_datetime",
            f"{_quote(value)} is not a date and time in ISO 8601 form (like {_DATETIME_EXAMPLE}).",
        )
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise fail(
            "naive_datetime",
            f"{_quote(value)} has no time zone: add Z (UTC) or an offset, "
            f"like {_DATETIME_EXAMPLE}.",
        )
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        raise fail("invalid_datetime", f"{_quote(value)} is outside the range of dates.") from None


def _datetime_schema(_: Limits) -> JSON:
    return {
        "type": "string",
        "format": "date-time",
        "maxLength": _MAX_DATETIME_LENGTH,
        "description": "An aware ISO 8601 date and time (Z or an offset), read as UTC.",
    }


SETTINGS: Final = {setting.value: setting for setting in Setting}


def structure_stopping_point(value: object, _: object) -> StoppingPoint:
    found = STOPPING_POINTS.get(value) if isinstance(value, str) else None
    if found is None:
        raise not_a_choice(value)
    return found


def _structure_setting(value: object, _: object) -> Setting:
    found = SETTINGS.get(value) if isinstance(value, str) else None
    if found is None:
        raise not_a_choice(value)
    return found


_PROVIDERS: Final = {provider.value: provider for provider in Provider}

# ``RepositoryRef.parse``'s rules in one expression, from the domain's own patterns: a text it
# matches (and whose owner has no ``/`` unless on GitLab, whose name is not ``.`` or ``..``) is
# a reference the constructor accepts with these very parts; any other text goes to the
# constructor, which accepts it or says why not. Property tests hold the two to each other.
_REF_RE: Final = re.compile(
    rf"({'|'.join(_PROVIDERS)}):({_OWNER_RE.pattern})/({_NAME_RE.pattern})", re.ASCII
)


def _parse_ref(value: str) -> RepositoryRef:
    """``RepositoryRef.parse(value)``, with one regular expression for valid references."""
    match = _REF_RE.fullmatch(value) if len(value) <= _MAX_REPOSITORY_LENGTH else None
    if match is not None:
        provider, owner, name = match.groups()
        if (provider == Provider.GITLAB.value or "/" not in owner) and name not in {".", ".."}:
            return trusted_repository_ref(_PROVIDERS[provider], owner, name)
    return RepositoryRef.parse(value)


def structure_repository_ref(value: object, _: object) -> RepositoryRef:
    if not isinstance(value, str):
        raise not_a_string(value)
    found = REFS.get(value)
    if found is None:
        try:
            found = _parse_ref(value)
        except InvalidValueError as error:
            raise fail(error.code, error.message) from None
        if len(REFS) >= _CACHE_SIZE:
            REFS.clear()
        REFS[value] = found
    return found


def structure_branch_pattern(value: object, _: object) -> BranchPattern:
    if not isinstance(value, str):
        raise not_a_string(value)
    found = PATTERNS.get(value)
    if found is None:
        try:
            found = BranchPattern(value)
        except InvalidValueError as error:
            raise fail(error.code, error.message) from None
        if len(PATTERNS) >= _CACHE_SIZE:
            PATTERNS.clear()
        PATTERNS[value] = found
    return found


# --- collection hooks ------------------------------------------------------------------------


def _items(
    value: object, limit: int, item: Callable[[object, object], T], *, allow_empty: bool = True
) -> list[T]:
    """Parse a list with ``item``, collecting the errors of every item under its index."""
    if not isinstance(value, list | tuple):
        raise not_a_list(value)
    if len(value) > limit:
        raise too_many(limit)
    if not value and not allow_empty:
        raise fail("empty", 'This list may not be empty (use "*" for all branches).')
    try:
        return [item(element, None) for element in value]
    except Invalid:
        pass
    findings: list[Finding] = []
    for index, element in enumerate(value):
        try:
            item(element, None)
        except Invalid as error:
            findings.extend(prefixed(error.findings, (index,)))
    raise Invalid(findings)


_RULE_KEYS: Final = frozenset(attrs.fields_dict(BranchRule))


def structure_branch_rule(value: object, _: object) -> BranchRule:
    """A branch rule: a pattern's text (no override), or an object.

    The object is ``{"pattern", "stopping_point_override"}``, the override optional.
    """
    if isinstance(value, str):
        found = RULES.get(value)
        if found is None:
            found = BranchRule(structure_branch_pattern(value, None))
            if len(RULES) >= _CACHE_SIZE:
                RULES.clear()
                RULES["*"] = ALL_BRANCHES_RULE
            RULES[value] = found
        return found
    if not isinstance(value, dict):
        if value is None:
            raise null()
        raise fail(
            "invalid",
            'Expected a branch pattern or a rule {"pattern", "stopping_point_override"}, '
            f"but got {_type_name(value)}.",
        )
    findings = unknown_keys(value, _RULE_KEYS)
    pattern: BranchPattern | None = None
    point: StoppingPoint | None = None
    if "pattern" not in value:
        findings.append(required(("pattern",)))
    else:
        try:
            pattern = structure_branch_pattern(value["pattern"], None)
        except Invalid as error:
            findings.extend(prefixed(error.findings, ("pattern",)))
    raw = value.get("stopping_point_override")
    if raw is not None:
        try:
            point = structure_stopping_point(raw, None)
        except Invalid as error:
            findings.extend(prefixed(error.findings, ("stopping_point_override",)))
    if findings or pattern is None:
        raise Invalid(findings)
    return BranchRule(pattern, point)


def structure_rules(value: object, _: object) -> tuple[BranchRule, ...]:
    limit = LIMITS.get().max_patterns_per_repository
    if type(value) is list and 0 < len(value) <= limit:
        try:  # plain patterns seen before: one lookup each
            return tuple([RULES[text] for text in value])
        except (KeyError, TypeError):
            pass
    return tuple(_items(value, limit, structure_branch_rule, allow_empty=False))


def structure_patterns(value: object, _: object) -> tuple[BranchPattern, ...]:
    limit = LIMITS.get().max_patterns_per_repository
    if type(value) is list and 0 < len(value) <= limit:
        try:  # patterns seen before: one lookup each
            return tuple([PATTERNS[text] for text in value])
        except (KeyError, TypeError):
            pass
    return tuple(_items(value, limit, structure_branch_pattern, allow_empty=False))


def structure_environments(value: object, _: object) -> frozenset[str]:
    return frozenset(_items(value, LIMITS.get().max_environments, structure_identifier))


def _structure_locked(value: object, _: object) -> frozenset[Setting]:
    return frozenset(_items(value, len(Setting), _structure_setting))


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


def _rule_schema(limits: Limits) -> JSON:
    return {
        "description": "A branch rule: a pattern alone (no stopping point of its own), or an "
        "object with the stopping point on the branches it matches.",
        "anyOf": [_pattern_schema(limits), {"$ref": "#/$defs/branch_rule"}],
    }


def rule_object_schema(limits: Limits) -> JSON:
    """The object form of a branch rule (``#/$defs/branch_rule`` of every schema)."""
    return {
        "type": "object",
        "properties": {
            "pattern": _pattern_schema(limits),
            "stopping_point_override": {
                "anyOf": [_stopping_point_schema(limits), {"type": "null"}],
                "default": None,
                "description": "The stopping point on the branches the pattern matches; "
                "null: the repository's.",
            },
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }


def _stopping_point_schema(_: Limits) -> JSON:
    return {"type": "string", "enum": list(StoppingPoint.choices())}


@attrs.frozen
class Leaf:
    """A type the converter parses with its own hook, and that type's JSON Schema."""

    hook: Callable[[object, object], object]
    schema: Callable[[Limits], JSON]


LEAVES: Final[dict[object, Leaf]] = {
    bool: Leaf(structure_bool, lambda _: {"type": "boolean"}),
    str: Leaf(structure_identifier, _identifier_schema),
    int: Leaf(
        structure_version, lambda _: {"type": "integer", "minimum": 0, "maximum": MAX_VERSION}
    ),
    StoppingPoint: Leaf(structure_stopping_point, _stopping_point_schema),
    Setting: Leaf(
        _structure_setting,
        lambda _: {"type": "string", "enum": [setting.value for setting in Setting]},
    ),
    RepositoryRef: Leaf(
        structure_repository_ref,
        lambda _: {
            "type": "string",
            "maxLength": 255,
            "pattern": r"^(github|gitlab|bitbucket):[A-Za-z0-9][A-Za-z0-9._/-]*/[A-Za-z0-9._-]+$",
            "description": "provider:owner/name",
        },
    ),
    BranchPattern: Leaf(structure_branch_pattern, _pattern_schema),
    BranchRule: Leaf(structure_branch_rule, _rule_schema),
    dt.datetime: Leaf(structure_datetime, _datetime_schema),
    tuple[BranchRule, ...]: Leaf(
        structure_rules,
        lambda limits: {
            "type": "array",
            "items": _rule_schema(limits),
            "minItems": 1,
            "maxItems": limits.max_patterns_per_repository,
        },
    ),
    tuple[BranchPattern, ...]: Leaf(
        structure_patterns,
        lambda limits: {
            "type": "array",
            "items": _pattern_schema(limits),
            "minItems": 1,
            "maxItems": limits.max_patterns_per_repository,
        },
    ),
    frozenset[str]: Leaf(
        structure_environments,
        lambda limits: {
            "type": "array",
            "items": _identifier_schema(limits),
            "maxItems": limits.max_environments,
        },
    ),
    frozenset[Setting]: Leaf(
        _structure_locked,
        lambda _: {
            "type": "array",
            "items": {"type": "string", "enum": [setting.value for setting in Setting]},
            "maxItems": len(Setting),
        },
    ),
}
