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
