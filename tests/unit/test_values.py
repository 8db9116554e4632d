"""Values: the stopping-point ladder, providers, repository references, branch patterns."""

from __future__ import annotations

import pytest
from hypothesis import given

from ai_settings_core import BranchPattern, BranchRule, Provider, RepositoryRef, StoppingPoint
from ai_settings_core.domain.values import _quote
from ai_settings_core.errors import InvalidValueError
from tests import strategies as s


def test_ladder_is_ordered_by_rank_not_name():
    assert StoppingPoint.SUGGESTION < StoppingPoint.PULL_REQUEST < StoppingPoint.MERGE
    assert max(StoppingPoint) is StoppingPoint.MERGE
    assert min(StoppingPoint.MERGE, StoppingPoint.PULL_REQUEST) is StoppingPoint.PULL_REQUEST
    assert [p.rank for p in StoppingPoint] == [0, 1, 2]


@given(s.stopping_points, s.stopping_points)
def test_ladder_comparisons_agree_with_rank(a, b):
    assert (a < b) == (a.rank < b.rank)
    assert (a <= b) == (a.rank <= b.rank)
    assert (a > b) == (a.rank > b.rank)
    assert (a >= b) == (a.rank >= b.rank)


def test_stopping_point_does_not_compare_with_strings():
    with pytest.raises(TypeError):
        _ = StoppingPoint.MERGE < "merge"  # type: ignore[operator]


@pytest.mark.parametrize("bad", ["invalid", "MERGE", "", None, 1, True, ["merge"]])
def test_stopping_point_parse_rejects_with_drf_message(bad):
    with pytest.raises(InvalidValueError) as info:
        StoppingPoint.parse(bad)
    assert info.value.code == "invalid_choice"
    assert info.value.message.endswith("is not a valid choice.")


def test_stopping_point_message_quotes_input_like_drf():
    with pytest.raises(InvalidValueError, match=r'^"invalid" is not a valid choice\.$'):
        StoppingPoint.parse("invalid")


@given(s.repository_refs())
def test_repository_round_trips_through_text(ref):
    assert RepositoryRef.parse(str(ref)) == ref
    assert eval(repr(ref)) == ref  # noqa: S307 - repr shows the constructor call


@pytest.mark.parametrize(
    "text",
    [
        "github:acme/api",
        "gitlab:group/subgroup/project",
        "bitbucket:team/repo.name",
        "github:Acme-Inc/My_Repo",
    ],
)
def test_valid_repositories(text):
    assert str(RepositoryRef.parse(text)) == text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("svn:acme/api", "invalid_provider"),
        ("github:acme", "invalid_repository"),
        ("github/acme/api", "invalid_repository"),
        ("github:/api", "invalid_repository"),
        ("github:acme/", "invalid_repository"),
        ("github:a/b/c", "invalid_repository"),
        ("github:acme/..", "invalid_repository"),
        ("github:ac me/api", "invalid_repository"),
        ("github:acme/api\n", "invalid_repository"),
        ("github:" + "a" * 300 + "/b", "invalid_repository"),
        (42, "invalid_repository"),
    ],
)
def test_invalid_repositories(text, code):
    with pytest.raises(InvalidValueError) as info:
        RepositoryRef.parse(text)
    assert info.value.code == code


def test_repository_key_is_case_insensitive_but_text_is_kept():
    a, b = RepositoryRef.parse("github:Acme/API"), RepositoryRef.parse("github:acme/api")
    assert a != b
    assert a.key == b.key
    assert str(a) == "github:Acme/API"


def test_provider_parse():
    assert Provider.parse("gitlab") is Provider.GITLAB
    with pytest.raises(InvalidValueError, match="not a valid provider"):
        Provider.parse("GitHub")


@pytest.mark.parametrize(
    ("pattern", "branch", "matches"),
    [
        ("*", "anything/at/all", True),
        ("*", "", True),
        ("main", "main", True),
        ("main", "Main", False),
        ("release/*", "release/1.2", True),
        ("release/*", "releases/1.2", False),
        ("v[0-9]*", "v2.1", True),
        ("v[0-9]*", "vx", False),
        ("hotfix-?", "hotfix-1", True),
        ("hotfix-?", "hotfix-12", False),
    ],
)
def test_branch_pattern_matching(pattern, branch, matches):
    assert BranchPattern(pattern).matches(branch) is matches


@pytest.mark.parametrize(
    "bad",
    ["", " ", "a b", "tab\there", "ctl\x00", "a..b", "~x", "a^b", "a:b", "a\\b", "/main", "-x"]
    + ["x" * 256],
)
def test_invalid_branch_patterns(bad):
    with pytest.raises(InvalidValueError) as info:
        BranchPattern(bad)
    assert info.value.code == "invalid_pattern"


def test_branch_pattern_of_wrong_type():
    with pytest.raises(InvalidValueError):
        BranchPattern.parse(7)


def test_values_are_immutable():
    ref = RepositoryRef.parse("github:acme/api")
    with pytest.raises(AttributeError):
        ref.owner = "other"  # type: ignore[misc]
    assert hash(BranchPattern("main")) == hash(BranchPattern("main"))


def test_settings_hold_tuples_and_frozensets_whatever_they_are_given():
    from ai_settings_core import OrganizationSettings, ProjectSettings, RepositorySettings, Setting

    environments = {"production"}
    patterns = [BranchPattern("main")]
    repository = RepositorySettings(RepositoryRef.parse("github:a/b"), branch_patterns=patterns)
    project = ProjectSettings("acme", "web", repositories=[repository], environments=environments)
    environments.add("staging")
    patterns.append(BranchPattern("dev"))
    assert project.environments == frozenset({"production"})
    assert project.repositories == (repository,)
    assert repository.branch_patterns == (BranchRule("main"),)
    assert hash(project) == hash(
        ProjectSettings(
            "acme", "web", repositories=(repository,), environments=frozenset({"production"})
        )
    )
    org = OrganizationSettings("acme", locked=[Setting.SCAN_ENABLED])
    assert org.locked == frozenset({Setting.SCAN_ENABLED})
    with pytest.raises(TypeError):
        ProjectSettings("acme", "web", environments="production")


# Quoting bad input (issue 11): bounded, never recursive, never str() of a huge integer ---------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("invalid", '"invalid"'),
        (5, "5"),
        (None, "None"),
        (True, "True"),
        (1.5, "1.5"),
        (float("nan"), "nan"),
        (["merge", 1], '["merge", 1]'),
        ({"a": [1]}, '{"a": [...]}'),
        (s.HUGE_INT, "an integer of 5001 digits"),
        (-s.HUGE_INT, "an integer of 5001 digits"),
        ("\ud800", '"\\ud800"'),
        (s.Hostile(), "a Hostile object"),
    ],
    ids=lambda value: type(value).__name__,
)
def test_bad_values_are_quoted_with_a_bounded_summary(value, shown):
    assert _quote(value) == shown


@pytest.mark.parametrize(
    "value",
    [
        s.nest(1, 100_000),
        s.nest("x", 100_000, "dict"),
        ["x" * 1000] * 1000,
        list(range(10**5)),
        "y" * 10**6,
        type("C" * 10_000, (), {})(),
        {s.HUGE_INT: s.HUGE_INT},
    ],
    ids=["deep-list", "deep-dict", "wide", "long-list", "long-text", "long-name", "huge"],
)
def test_the_summary_is_short_whatever_the_value(value):
    text = _quote(value)
    assert len(text) <= 100
    text.encode("utf-8")


@pytest.mark.parametrize(
    "bad",
    [s.HUGE_INT, s.nest("merge", 100_000), s.Hostile(), "\udc80"],
    ids=["huge", "deep", "hostile", "surrogate"],
)
def test_values_refuse_hostile_input_with_their_own_error(bad):
    for parse in (StoppingPoint.parse, Provider.parse, RepositoryRef.parse, BranchPattern.parse):
        with pytest.raises(InvalidValueError):
            parse(bad)
