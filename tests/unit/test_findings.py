"""The Django REST Framework error body, built from findings."""

from __future__ import annotations

import pytest

from ai_settings_core import Finding, Severity, ValidationError
from ai_settings_core.codec import build_detail, format_path

E, W = Severity.ERROR, Severity.WARNING


def f(path, message="bad", code="invalid", severity=E):
    return Finding(code, severity, path, message)


@pytest.mark.parametrize(
    ("findings", "detail"),
    [
        (
            [f(("stopping_point",), '"x" is not a valid choice.')],
            {"stopping_point": ['"x" is not a valid choice.']},
        ),
        ([f((), "Expected a dictionary.")], {"non_field_errors": ["Expected a dictionary."]}),
        ([f(("a",), "one"), f(("a",), "two")], {"a": ["one", "two"]}),
        (
            [f(("repositories", 2, "repository"), "dup")],
            {"repositories": [{}, {}, {"repository": ["dup"]}]},
        ),
        (
            [f(("repositories", 0, "branch_patterns", 1), "bad")],
            {"repositories": [{"branch_patterns": {"1": ["bad"]}}]},
        ),
        ([f(("environments", 0), "bad")], {"environments": {"0": ["bad"]}}),
        ([f(("x",), "warn", severity=W)], {}),
        (
            [f(("policy",), "whole"), f(("policy", "locked"), "part")],
            {"policy": {"non_field_errors": ["whole"], "locked": ["part"]}},
        ),
        # The same two errors the other way round: the same body.
        (
            [f(("policy", "locked"), "part"), f(("policy",), "whole")],
            {"policy": {"locked": ["part"], "non_field_errors": ["whole"]}},
        ),
        # Nested objects, however deep.
        ([f(("a", "b", "c"), "deep")], {"a": {"b": {"c": ["deep"]}}}),
        # Items of a list of objects stay aligned with the input, whatever the order.
        (
            [
                f(("repositories", 0, "repository"), "one"),
                f(("repositories", 2, "ai_enabled"), "two"),
            ],
            {"repositories": [{"repository": ["one"]}, {}, {"ai_enabled": ["two"]}]},
        ),
        # Where a list of objects meets an error of the whole list or of one item as a whole,
        # that error goes to the payload's non_field_errors, with its path.
        (
            [f(("repositories", 0, "repository"), "one"), f(("repositories",), "too many")],
            {
                "repositories": [{"repository": ["one"]}],
                "non_field_errors": ["repositories: too many"],
            },
        ),
        (
            [f(("repositories", 0, "repository"), "one"), f(("repositories", 1), "not a dict")],
            {
                "repositories": [{"repository": ["one"]}],
                "non_field_errors": ["repositories[1]: not a dict"],
            },
        ),
        (
            [f(("repositories",), "too many"), f(("repositories", 0, "repository"), "one")],
            {
                "repositories": ["too many"],
                "non_field_errors": ["repositories[0].repository: one"],
            },
        ),
        # Warnings are left out, wherever they come.
        (
            [f(("x",), "warn", severity=W), f(("y",), "bad")],
            {"y": ["bad"]},
        ),
    ],
)
def test_detail_shapes(findings, detail):
    built, codes = build_detail(findings)
    assert built == detail
    # The codes mirror the messages' shape exactly.
    assert _shape(codes) == _shape(built)


def _shape(tree):
    if isinstance(tree, dict):
        return {k: _shape(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_shape(v) for v in tree]
    return "leaf"


def test_format_path():
    assert format_path(()) == ""
    assert (
        format_path(("repositories", 1, "branch_patterns", 0))
        == "repositories[1].branch_patterns[0]"
    )


def test_validation_error_message_summarises_detail():
    detail, codes = build_detail([f(("repositories", 1, "repository"), "dup"), f((), "whole")])
    error = ValidationError(detail, codes)
    assert str(error) == "repositories[1].repository: dup; non_field_errors: whole"
    assert isinstance(error, ValueError)
