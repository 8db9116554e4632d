"""Payloads in and out: strict parsers, dumps, the DRF-shaped error detail, JSON Schema.

Every edge (the command line, the HTTP kit, a host's views) turns JSON into domain values with
a ``parse_*`` function, which returns a value or raises
:class:`~ai_settings_core.errors.ValidationError` carrying every finding with its field path,
and turns values back into JSON with a ``dump_*`` function. One cattrs converter
(:data:`CONVERTER`), configured once, backs them all.

>>> from ai_settings_core.codec import parse_organization_patch
>>> parse_organization_patch({"fix_enabled": "false"})
Traceback (most recent call last):
    ...
ai_settings_core.errors.ValidationError: fix_enabled: Must be a valid boolean.
"""

from __future__ import annotations

from ai_settings_core.codec._converter import CONVERTER
from ai_settings_core.codec._documents import (
    dump_audit_entry,
    dump_audit_page,
    dump_bulk_result,
    dump_explanation,
    dump_exposure,
    dump_invariants_view,
    dump_violation,
)
from ai_settings_core.codec._dump import (
    dump_decision,
    dump_effective,
    dump_export,
    dump_field_changes,
    dump_findings,
    dump_impact,
    dump_organization,
    dump_project,
    dump_project_view,
    dump_repository,
    dump_resolution,
    dump_rule,
    dumps_export,
)
from ai_settings_core.codec._invariants import dump_invariant
from ai_settings_core.codec._json import load_json
from ai_settings_core.codec._parse import (
    parse_bulk,
    parse_export,
    parse_invariant,
    parse_organization,
    parse_organization_patch,
    parse_project,
    parse_project_patch,
    parse_repository,
    parse_repository_patch,
)
from ai_settings_core.codec._plans import (
    dump_plan,
    dump_revert_result,
    parse_document,
    parse_plan,
)
from ai_settings_core.codec._schema import SCHEMA_NAMES, json_schema
from ai_settings_core.domain.findings import build_detail, format_path

__all__ = [
    "CONVERTER",
    "SCHEMA_NAMES",
    "build_detail",
    "dump_audit_entry",
    "dump_audit_page",
    "dump_bulk_result",
    "dump_decision",
    "dump_effective",
    "dump_explanation",
    "dump_export",
    "dump_exposure",
    "dump_field_changes",
    "dump_findings",
    "dump_impact",
    "dump_invariant",
    "dump_invariants_view",
    "dump_organization",
    "dump_plan",
    "dump_project",
    "dump_project_view",
    "dump_repository",
    "dump_resolution",
    "dump_revert_result",
    "dump_rule",
    "dump_violation",
    "dumps_export",
    "format_path",
    "json_schema",
    "load_json",
    "parse_bulk",
    "parse_document",
    "parse_export",
    "parse_invariant",
    "parse_organization",
    "parse_organization_patch",
    "parse_plan",
    "parse_project",
    "parse_project_patch",
    "parse_repository",
    "parse_repository_patch",
]


def __dir__() -> list[str]:
    return list(__all__)
