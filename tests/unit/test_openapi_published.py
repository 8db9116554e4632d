"""docs/openapi.json is the document the code builds: the published API changes only in review.

The OpenAPI document (and in it the codec's JSON Schemas: every field, pattern, bound, default
and description) is what client generators read. It is committed, so that a change to it shows
in the diff of the change that made it; `scripts/openapi` rewrites it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ai_settings_core.http import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def _differences(built: dict, committed: dict) -> list[str]:
    """The components and paths that differ, by name (the documents are too long to diff)."""
    names = []
    for section, key in (("components", "schemas"), ("components", "responses"), ("paths", None)):
        ours = built.get(section, {}) if key is None else built.get(section, {}).get(key, {})
        theirs = (
            committed.get(section, {}) if key is None else committed.get(section, {}).get(key, {})
        )
        names += [
            name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name)
        ]
    return sorted(names)


def test_the_committed_openapi_document_is_the_one_the_code_builds() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    built = openapi_document()
    if built != committed:
        pytest.fail(
            "docs/openapi.json differs from the document the code builds "
            f"(in {', '.join(_differences(built, committed)) or 'its other parts'}): "
            "run scripts/openapi and review the diff."
        )
