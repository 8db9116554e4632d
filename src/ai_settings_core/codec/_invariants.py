"""Invariants in payloads: the strict parser of an invariant item, its dump and its schema.

An invariant is an object with ``name``, ``kind`` and the kind's parameters (nothing else):
``{"name": "pr-at-most", "kind": "stopping_point_at_most", "at_most": "pull_request",
"except_repositories": ["github:acme/infra"]}``, ``{"name": "merge-on-main", "kind":
"merge_only_on_branches", "branches": ["main"]}``, ``{"name": "fix-needs-scan", "kind":
"fix_requires_scan"}``. A list of them holds each name once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from ai_settings_core.codec._errors import (
    Invalid,
    not_a_choice,
    not_a_dict,
    not_a_list,
    prefixed,
    required,
    too_many,
    unknown_keys,
)
from ai_settings_core.codec._hooks import (
    LIMITS,
    _items,
    structure_identifier,
    structure_patterns,
    structure_repository_ref,
    structure_stopping_point,
)
from ai_settings_core.domain.findings import NON_FIELD_ERRORS, Finding
from ai_settings_core.domain.invariants import (
    FixRequiresScan,
    Invariant,
    InvariantKind,
    MergeOnlyOnBranches,
    StoppingPointAtMost,
)
from ai_settings_core.domain.limits import Limits
from ai_settings_core.domain.rules import duplicate_invariant
from ai_settings_core.domain.values import RepositoryRef, StoppingPoint
from ai_settings_core.errors import StorageError

__all__ = [
    "dump_invariant",
    "invariant_schema",
    "invariants_from_json",
    "invariants_schema",
    "invariants_to_json",
    "structure_invariant",
    "structure_invariants",
]

JSON = dict[str, Any]

_KINDS: Final = {kind.value: kind for kind in InvariantKind}
_PARAMETERS: Final[dict[InvariantKind, dict[str, bool]]] = {
    # each kind's parameters, and whether each is required
    InvariantKind.STOPPING_POINT_AT_MOST: {"at_most": True, "except_repositories": False},
    InvariantKind.MERGE_ONLY_ON_BRANCHES: {"branches": True},
    InvariantKind.FIX_REQUIRES_SCAN: {},
}


def _repositories(value: object, _: object) -> tuple[RepositoryRef, ...]:
    limit = LIMITS.get().max_invariant_repositories
    return tuple(_items(value, limit, structure_repository_ref))


_HOOKS: Final[dict[str, Callable[[object, object], object]]] = {
    "name": structure_identifier,
    "at_most": structure_stopping_point,
    "except_repositories": _repositories,
    "branches": structure_patterns,
}


def structure_invariant(value: object, _: object = None) -> Invariant:
    """Parse one invariant item; raise ``Invalid`` with every error, paths inside the item."""
    if not isinstance(value, dict):
        raise not_a_dict(value)
    kind_text = value.get("kind")
    kind = _KINDS.get(kind_text) if isinstance(kind_text, str) else None
    findings: list[Finding] = []
    if "kind" not in value:
        findings.append(required(("kind",)))
    elif kind is None:
        findings.extend(prefixed(not_a_choice(kind_text).findings, ("kind",)))
    parameters = {} if kind is None else _PARAMETERS[kind]
    if kind is not None:
        findings.extend(unknown_keys(value, {"name", "kind", *parameters}))
    fields: dict[str, object] = {}
    for key, needed in {"name": True, **parameters}.items():
        if key not in value:
            if needed:
                findings.append(required((key,)))
            continue
        try:
            fields[key] = _HOOKS[key](value[key], None)
        except Invalid as error:
            findings.extend(prefixed(error.findings, (key,)))
    if findings or kind is None:
        raise Invalid(findings)
    name = fields["name"]
    assert isinstance(name, str)  # noqa: S101 - the hook returned it
    if kind is InvariantKind.STOPPING_POINT_AT_MOST:
        return StoppingPointAtMost(
            name,
            fields["at_most"],  # type: ignore[arg-type]
            fields.get("except_repositories", ()),  # type: ignore[arg-type]
        )
    if kind is InvariantKind.MERGE_ONLY_ON_BRANCHES:
        return MergeOnlyOnBranches(name, fields["branches"])  # type: ignore[arg-type]
    return FixRequiresScan(name)


def structure_invariants(value: object, _: object) -> tuple[Invariant, ...]:
    """Parse a list of invariants: each item, then each name once."""
    if not isinstance(value, list | tuple):
        raise not_a_list(value)
    limit = LIMITS.get().max_invariants
    if len(value) > limit:
        raise too_many(limit)
    findings: list[Finding] = []
    parsed: list[Invariant] = []
    seen: set[str] = set()
    for index, element in enumerate(value):
        if not isinstance(element, dict):
            findings.extend(not_a_dict(element, (index, NON_FIELD_ERRORS)).findings)
            continue
        try:
            invariant = structure_invariant(element)
        except Invalid as error:
            findings.extend(prefixed(error.findings, (index,)))
            continue
        if invariant.name in seen:
            findings.append(duplicate_invariant((index, "name"), invariant.name))
        seen.add(invariant.name)
        parsed.append(invariant)
    if findings:
        raise Invalid(findings)
    return tuple(parsed)


def dump_invariant(invariant: Invariant) -> JSON:
    """An invariant as its payload (every parameter of its kind present).

    >>> from ai_settings_core.invariants import FixRequiresScan
    >>> dump_invariant(FixRequiresScan("fix-needs-scan"))
    {'name': 'fix-needs-scan', 'kind': 'fix_requires_scan'}
    """
    document: JSON = {"name": invariant.name, "kind": invariant.kind.value}
    if isinstance(invariant, StoppingPointAtMost):
        document["at_most"] = invariant.at_most.value
        document["except_repositories"] = [str(ref) for ref in invariant.except_repositories]
    elif isinstance(invariant, MergeOnlyOnBranches):
        document["branches"] = [pattern.text for pattern in invariant.branches]
    return document


def invariant_schema(limits: Limits, identifier: JSON, repository: JSON, patterns: JSON) -> JSON:
    """The JSON Schema of one invariant: one object shape per kind, told apart by ``kind``."""
    parameters: dict[str, JSON] = {
        "at_most": {"type": "string", "enum": list(StoppingPoint.choices())},
        "except_repositories": {
            "type": "array",
            "items": repository,
            "maxItems": limits.max_invariant_repositories,
            "default": [],
        },
        "branches": patterns,
    }
    shapes = []
    for kind, fields in _PARAMETERS.items():
        properties = {
            "name": identifier,
            "kind": {"const": kind.value},
            **{key: parameters[key] for key in fields},
        }
        shapes.append(
            {
                "type": "object",
                "properties": properties,
                "required": ["name", "kind", *(key for key, needed in fields.items() if needed)],
                "additionalProperties": False,
            }
        )
    return {"oneOf": shapes}


def invariants_schema(limits: Limits) -> JSON:
    """The JSON Schema of an organization's list of invariants."""
    return {
        "type": "array",
        "items": {"$ref": "#/$defs/invariant"},
        "maxItems": limits.max_invariants,
    }


def invariants_to_json(invariants: tuple[Invariant, ...]) -> str:
    """An organization's invariants as a compact JSON array (how stores keep them)."""
    return json.dumps(
        [dump_invariant(invariant) for invariant in invariants],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def invariants_from_json(text: str | list[Any]) -> tuple[Invariant, ...]:
    """The inverse of :func:`invariants_to_json` (a store's JSON column may come decoded)."""
    items = json.loads(text) if isinstance(text, str) else text
    if not items:
        return ()
    try:
        return tuple(structure_invariant(item) for item in items)
    except Invalid as error:
        message = f"A stored invariant is not valid: {error.findings[0].message}"
        raise StorageError(message) from None
