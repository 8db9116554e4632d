"""Fuzz: whatever JSON comes in, every parser returns a value or raises ValidationError.

And every error path points into the input: walking the input along the path finds a value,
except for a required key that is missing (its parent exists) and for ``non_field_errors``
(an error of the object the path led to).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import ValidationError
from ai_settings_core.codec import (
    build_detail,
    dump_export,
    dump_organization,
    dump_project,
    dump_repository,
    parse_export,
    parse_invariant,
    parse_organization,
    parse_organization_patch,
    parse_project,
    parse_project_patch,
    parse_repository,
    parse_repository_patch,
)
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
]
parsers = st.sampled_from(PARSERS)


def assert_paths_point_into(data: object, error: ValidationError) -> None:
    assert error.findings, "a validation error without findings"
    assert all(finding.is_error for finding in error.findings)
    assert (error.detail, error.codes) == build_detail(error.findings)
    for finding in error.findings:
        path = list(finding.path)
        if path and path[-1] == "non_field_errors":
            path.pop()
        node = data
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            if isinstance(part, int):
                assert isinstance(node, list), finding
                assert 0 <= part < len(node), finding
                node = node[part]
            else:
                assert isinstance(node, dict), finding
                if part not in node:
                    assert last, finding
                    assert finding.code == "required", finding
                    break
                node = node[part]


def parse_or_error(parse: Any, data: object) -> None:
    before = copy.deepcopy(data)
    try:
        parse(data)
    except ValidationError as error:
        assert_paths_point_into(data, error)
    assert data == before, "the parser changed its input"


@given(parsers, s.json_values)
def test_arbitrary_json(parse: Any, data: object) -> None:
    parse_or_error(parse, data)


@given(
    parsers,
    st.dictionaries(
        st.sampled_from(s.PAYLOAD_KEYS),
        s.json_values,
        max_size=8,
    ),
)
def test_arbitrary_values_under_the_real_keys(parse: Any, data: dict[str, object]) -> None:
    parse_or_error(parse, data)


def _documents() -> st.SearchStrategy[tuple[Any, Any]]:
    def through_json(document: object) -> Any:
        return json.loads(json.dumps(document))

    return st.one_of(
        s.organization_settings().map(
            lambda org: (parse_organization, through_json(dump_organization(org)))
        ),
        s.project_settings().map(lambda p: (parse_project, through_json(dump_project(p)))),
        s.repository_settings().map(lambda r: (parse_repository, through_json(dump_repository(r)))),
        st.tuples(s.organization_settings("acme"), s.project_settings()).map(
            lambda pair: (parse_export, through_json(dump_export(pair[0], [pair[1]])))
        ),
    )


def _containers(node: object, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    found: list[tuple[tuple[Any, ...], Any]] = [(path, node)]
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in children:
        if isinstance(child, dict | list):
            found.extend(_containers(child, (*path, key)))
    return found


@given(_documents(), st.data())
def test_mutated_valid_documents(document: tuple[Any, Any], data: st.DataObject) -> None:
    parse, payload = document
    parse(payload)  # the unmutated document is valid
    mutated = copy.deepcopy(payload)
    for _ in range(data.draw(st.integers(1, 3))):
        _, node = data.draw(st.sampled_from(_containers(mutated)))
        if isinstance(node, dict):
            action = data.draw(st.sampled_from(["drop", "retype", "extra"]))
            if action == "extra" or not node:
                node[data.draw(st.text(max_size=12))] = data.draw(s.json_values)
            else:
                key = data.draw(st.sampled_from(sorted(node)))
                if action == "drop":
                    del node[key]
                else:
                    node[key] = data.draw(s.json_values)
        elif node:
            index = data.draw(st.integers(0, len(node) - 1))
            node[index] = data.draw(s.json_values)
        else:
            node.append(data.draw(s.json_values))
    parse_or_error(parse, mutated)


@given(
    st.one_of(
        s.json_values,
        s.repository_settings().map(dump_repository),
        st.fixed_dictionaries(
            {"repository": st.sampled_from(["github:acme/api", "gitlab:a/b/c", "x", 5])},
            optional={
                "ai_enabled": s.json_values,
                "branch_patterns": st.lists(st.sampled_from(["*", "main", "a b", 3]), max_size=3)
                | s.json_values,
                "stopping_point_override": st.sampled_from([None, "merge", "nope", 1]),
                "extra": s.json_values,
            },
        ),
    )
)
def test_the_fast_repository_path_agrees_with_the_converter(item: object) -> None:
    # The straight-line path for valid items must accept exactly what the converter's
    # generated hook accepts, with the same value; errors always come from the converter.
    from cattrs.errors import ClassValidationError

    from ai_settings_core import RepositorySettings
    from ai_settings_core.codec._converter import (
        _generated_repository_item,
        _structure_repository_item,
    )

    if not isinstance(item, dict):
        return
    try:
        expected: object = _generated_repository_item(item, RepositorySettings)
    except ClassValidationError:
        expected = ClassValidationError
    try:
        actual: object = _structure_repository_item(item, RepositorySettings)
    except ClassValidationError:
        actual = ClassValidationError
    assert actual == expected


@given(
    st.one_of(
        s.project_settings().map(dump_project),
        s.project_settings()
        .map(dump_project)
        .flatmap(
            lambda document: st.fixed_dictionaries(
                {},
                optional={key: st.just(value) | s.json_values for key, value in document.items()},
            )
        ),
        st.dictionaries(st.text(max_size=5), s.json_values, max_size=4),
    )
)
def test_the_fast_project_path_agrees_with_the_converter(document: dict[str, object]) -> None:
    from cattrs.errors import ClassValidationError

    from ai_settings_core import ProjectSettings
    from ai_settings_core.codec._converter import _generated_project, _structure_project

    try:
        expected: object = _generated_project(document, ProjectSettings)
    except ClassValidationError:
        expected = ClassValidationError
    try:
        actual: object = _structure_project(document, ProjectSettings)
    except ClassValidationError:
        actual = ClassValidationError
    assert actual == expected
