"""Hostile input (issue 11): whatever a host builds, a parser returns a value or ValidationError.

Nesting at and beyond the recursion limit, integers past the int-to-str limit, NaN, lone
surrogates, keys that are not strings, bytes, sets and objects whose ``repr`` fails: the
messages quote them with a bounded summary, and no edge answers 500 or exits 70 for them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_settings_core import ALL_SCOPES, Actor, SettingsService
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.cli import main
from ai_settings_core.codec import (
    load_json,
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
from ai_settings_core.errors import ValidationError
from ai_settings_core.http import Request, SettingsApi
from tests import strategies as s

PARSERS = [
    parse_invariant,
    parse_organization,
    parse_organization_patch,
    parse_project,
    parse_project_patch,
    parse_repository,
    parse_repository_patch,
    parse_export,
    parse_bulk,
]

LEVELS = range(sys.getrecursionlimit() - 100, sys.getrecursionlimit())
"""Around the probe of issue 11 (980 levels): the deepest the decoder takes from each edge."""


def deep_locked(levels: int, extra: str = "") -> str:
    """A choice field holding a value nested ``levels`` lists deep, as JSON text."""
    return "{" + extra + '"locked": ' + "[" * levels + "]" * levels + "}"


def value_or_validation_error(parse: Any, data: object) -> None:
    """Return quietly on a value; on ValidationError, check its text is bounded and usable."""
    try:
        parse(data)
    except ValidationError as error:
        check_usable(error)


def check_usable(error: ValidationError) -> None:
    assert error.findings
    assert len(str(error)) < 20_000
    json.dumps(error.detail)
    json.dumps(error.codes)


def test_deep_nesting_in_a_choice_field_through_load_json() -> None:
    decoded = 0
    for levels in LEVELS:
        try:
            document = load_json(deep_locked(levels))
        except ValueError:
            continue
        decoded += 1
        with pytest.raises(ValidationError) as info:
            parse_organization_patch(document)
        assert info.value.codes == {"locked": {"0": ["invalid_choice"]}}
        (message,) = info.value.detail["locked"]["0"]  # type: ignore[index]
        assert message == "[[...]] is not a valid choice."
    assert decoded


def test_deep_nesting_answers_400_through_the_http_kit() -> None:
    api = SettingsApi(
        SettingsService(MemoryStore()), lambda _request, org: Actor("user:1", org, ALL_SCOPES)
    )
    answers = set()
    for levels in LEVELS:
        request = Request.from_target(
            "PUT",
            "/organizations/acme/ai-settings/",
            [("Content-Type", "application/json")],
            deep_locked(levels).encode(),
        )
        response = api.handle(request)
        assert response.status == 400
        answers.add(next(iter(json.loads(response.body))))
    assert answers == {"locked", "detail"}  # parsed and refused, or too deep to decode


def test_deep_nesting_exits_1_through_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "export.json"
    database = str(tmp_path / "settings.db")
    refused = 0
    for levels in LEVELS[::3]:
        source.write_text(deep_locked(levels, '"organization_id": "acme", "projects": [], '))
        assert main(["--db", database, "import", str(source)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("ai-settings: invalid input:")  # refused, or too deep to decode
        refused += "locked[0]: [[...]] is not a valid choice. [invalid_choice]" in err
    assert refused


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize(
    "data",
    [
        {"locked": s.nest(1, 100_000)},
        {"stopping_point": s.nest("merge", 100_000, "dict")},
        {"repositories": [{"repository": s.nest(None, 100_000, "tuple")}]},
        {"projects": [s.nest(1, sys.getrecursionlimit() + 1)]},
        {"changes": {"environments": [s.nest("x", 100_000)]}},
        s.nest({}, 100_000, "dict"),
    ],
    ids=["locked", "choice", "repository", "projects", "changes", "document"],
)
def test_nesting_beyond_the_recursion_limit(parse: Any, data: object) -> None:
    with pytest.raises(ValidationError):
        parse(data)


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize(
    "data",
    [
        {"stopping_point": s.HUGE_INT},
        {"stopping_point_override": -s.HUGE_INT},
        {"locked": [s.HUGE_INT]},
        {s.HUGE_INT: 1},
        {"version": s.HUGE_INT, "organization_id": "acme"},
        {"projects": [s.HUGE_INT], "reset": True},
        {"projects": [{s.HUGE_INT: 1}], "organization_id": "acme"},
    ],
    ids=["choice", "override", "locked", "key", "version", "bulk", "export"],
)
def test_integers_past_the_str_conversion_limit(parse: Any, data: object) -> None:
    with pytest.raises(ValidationError) as info:
        parse(data)
    assert len(str(info.value)) < 2_000


def test_the_message_of_a_huge_integer_is_bounded() -> None:
    with pytest.raises(ValidationError) as info:
        parse_organization_patch({"stopping_point": s.HUGE_INT})
    (message,) = info.value.detail["stopping_point"]  # type: ignore[index]
    assert message == "an integer of 5001 digits is not a valid choice."


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize(
    "data",
    [
        {"stopping_point": float("nan"), "locked": [float("inf")]},
        {"stopping_point": "\ud800", "\udfff": 1},
        {"locked": {"scan_enabled"}, "environments": {"a"}},
        {"stopping_point": b"merge", "repositories": [{"repository": bytearray(b"x")}]},
        {"stopping_point": s.Hostile(), s.Hostile(): s.Hostile()},
        {(1, 2): 1, None: 2, frozenset(): 3, 1.5: 4},
        {"projects": ["a", s.Hostile()], "changes": {s.Hostile(): 1}},
    ],
    ids=["nan", "surrogates", "sets", "bytes", "objects", "keys", "bulk"],
)
def test_values_no_json_decoder_makes(parse: Any, data: object) -> None:
    value_or_validation_error(parse, data)
    with pytest.raises(ValidationError):
        parse(data)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(PARSERS), s.hostile_documents | s.hostile_values)
def test_every_parser_survives_values_that_break_python(parse: Any, data: object) -> None:
    value_or_validation_error(parse, data)
