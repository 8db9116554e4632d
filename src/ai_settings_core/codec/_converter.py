"""The one cattrs converter: strict hooks for every input type, the dumps as unstructure hooks.

:data:`CONVERTER` is configured once, at import, from the table of leaf types
(:data:`~ai_settings_core.codec._hooks.LEAVES`, plus the repository list below, whose items
need the converter itself). Two straight-line paths parse the hot documents (a repository
item, a project) without cattrs' generated code when they are valid, and hand everything
else to it, so errors always come from the converter. :func:`structure` runs one parse.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, Final, TypeVar, get_args

import cattrs
from cattrs.errors import ClassValidationError

from ai_settings_core.codec import _dump
from ai_settings_core.codec._errors import (
    ERROR,
    Invalid,
    findings_of,
    not_a_dict,
    not_a_list,
    too_many,
)
from ai_settings_core.codec._fast import fast_organization, fast_project, fast_repository
from ai_settings_core.codec._hooks import (
    LEAVES as _LEAF_TYPES,
)
from ai_settings_core.codec._hooks import (
    LIMITS,
    Leaf,
)
from ai_settings_core.codec._invariants import invariants_schema, structure_invariants
from ai_settings_core.domain.changes import (
    Impact,
    Keep,
    OrganizationPatch,
    ProjectPatch,
    RepositoryPatch,
)
from ai_settings_core.domain.decide import Decision
from ai_settings_core.domain.findings import NON_FIELD_ERRORS, Finding
from ai_settings_core.domain.invariants import Invariant
from ai_settings_core.domain.limits import Limits
from ai_settings_core.domain.resolve import Resolution
from ai_settings_core.domain.rules import duplicate_repository
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
)
from ai_settings_core.errors import ValidationError

__all__ = ["CONVERTER", "LEAVES", "has_keep", "structure", "without_keep"]

T = TypeVar("T")


def _structure_repositories(value: object, _: object) -> tuple[RepositorySettings, ...]:
    if not isinstance(value, list | tuple):
        raise not_a_list(value)
    limit = LIMITS.get().max_repositories_per_project
    if len(value) > limit:
        raise too_many(limit)
    findings: list[Finding] = []
    parsed: list[RepositorySettings] = []
    seen: set[tuple[str, str, str]] = set()
    for index, element in enumerate(value):
        if not isinstance(element, dict):
            findings.extend(not_a_dict(element, (index, NON_FIELD_ERRORS)).findings)
            continue
        try:
            repository = _structure_repository_item(element, RepositorySettings)
        except ClassValidationError as error:
            # Never drop an item quietly: an error without a finding is still an error.
            findings.extend(
                findings_of(error, (index,))
                or [Finding("invalid", ERROR, (index, NON_FIELD_ERRORS), "Invalid item.")]
            )
            continue
        key = repository.repository.key
        if key in seen:
            findings.append(duplicate_repository((index, "repository"), repository.repository))
        seen.add(key)
        parsed.append(repository)
    if findings:
        raise Invalid(findings)
    return tuple(parsed)


LEAVES: Final = {
    **_LEAF_TYPES,
    tuple[RepositorySettings, ...]: Leaf(
        _structure_repositories,
        lambda limits: {
            "type": "array",
            "items": {"$ref": "#/$defs/repository"},
            "maxItems": limits.max_repositories_per_project,
        },
    ),
    tuple[Invariant, ...]: Leaf(structure_invariants, invariants_schema),
}
"""Every leaf type of the input documents: how the converter parses it, and its schema."""


def without_keep(type_: object) -> object:
    """``bool | None | Keep`` → ``bool | None``: a patch field's type as it appears in input."""
    rest = [arg for arg in get_args(type_) if arg != Keep]
    return functools.reduce(operator.or_, rest)


def has_keep(type_: object) -> bool:
    """Whether a field's type allows :data:`~ai_settings_core.changes.KEEP` (a patch field)."""
    return Keep in get_args(type_)


def _build_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for type_, leaf in LEAVES.items():
        if isinstance(type_, type):
            converter.register_structure_hook(type_, leaf.hook)
        else:
            converter.register_structure_hook_func(functools.partial(operator.eq, type_), leaf.hook)
    converter.register_structure_hook_factory(
        has_keep, lambda type_: converter.get_structure_hook(without_keep(type_))
    )
    converter.register_unstructure_hook(OrganizationSettings, _dump.dump_organization)
    converter.register_unstructure_hook(ProjectSettings, _dump.dump_project)
    converter.register_unstructure_hook(RepositorySettings, _dump.dump_repository)
    converter.register_unstructure_hook(Resolution, _dump.dump_resolution)
    converter.register_unstructure_hook(Decision, _dump.dump_decision)
    converter.register_unstructure_hook(Impact, _dump.dump_impact)
    return converter


CONVERTER: Final = _build_converter()
"""The one converter: strict structure hooks for every input type, dumps as unstructure hooks."""

_generated_repository_item: Final = CONVERTER.get_structure_hook(RepositorySettings)


def _structure_repository_item(data: dict[str, Any], cls: object) -> RepositorySettings:
    """The hot item of every project payload: the straight-line path for valid input.

    :func:`~ai_settings_core.codec._fast.fast_repository` accepts only what the leaf hooks
    accept; anything else goes to the converter's generated hook, which reports every error
    with its path. So both accept and reject the same input (a property test holds them to it)
    and errors always come from the converter.
    """
    found = fast_repository(data, LIMITS.get())
    if found is not None:
        return found
    return _generated_repository_item(data, cls)  # type: ignore[no-any-return]


HOOKS: Final[dict[type, Callable[[Any, Any], object]]] = {
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

_generated_project: Final = HOOKS[ProjectSettings]


def _structure_project(data: dict[str, Any], cls: Any) -> ProjectSettings:  # noqa: ANN401
    """The straight-line path for a valid project document, as for repository items."""
    found = fast_project(data, LIMITS.get())
    if found is not None:
        return found
    return _generated_project(data, cls)  # type: ignore[return-value]


def _structure_organization(data: dict[str, Any], cls: Any) -> OrganizationSettings:  # noqa: ANN401
    """The straight-line path for a valid organization document, as for projects."""
    found = fast_organization(data, LIMITS.get())
    if found is not None:
        return found
    return _generated_organization(data, cls)  # type: ignore[return-value]


_generated_organization: Final = HOOKS[OrganizationSettings]
HOOKS[OrganizationSettings] = _structure_organization
HOOKS[ProjectSettings] = _structure_project


def structure(data: object, cls: type[T], limits: Limits) -> T:
    """Parse ``data`` into ``cls`` under ``limits``; raise ``ValidationError`` with every error."""
    if not isinstance(data, dict):
        raise ValidationError.from_findings(not_a_dict(data).findings) from None
    token = LIMITS.set(limits) if limits is not LIMITS.get() else None
    try:
        return HOOKS[cls](data, cls)  # type: ignore[return-value]
    except (ClassValidationError, Invalid) as error:
        raise ValidationError.from_findings(findings_of(error, ())) from None
    finally:
        if token is not None:
            LIMITS.reset(token)
