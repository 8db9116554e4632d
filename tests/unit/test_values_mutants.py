"""Values: each limit exactly at its bound, and the quoting of bad input to the character.

Mutation testing found the bounds of repositories, names and branch patterns, and the cuts of
the quoted input, unchecked: a value at a limit is accepted, one past it refused.
"""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import BranchPattern, Provider, RepositoryRef, StoppingPoint
from ai_settings_core.domain.values import (
    _quote,
    format_timestamp,
    parse_timestamp,
    trusted_repository_ref,
)
from ai_settings_core.errors import InvalidValueError

# --- repositories: 255 characters in all, 100 per owner segment and name -------------------


def test_a_repository_of_255_characters_is_accepted_and_one_of_256_refused():
    owner = "o" * 90 + "/" + "p" * 90  # a GitLab group path: two segments
    fits = f"gitlab:{owner}/{'n' * (255 - len('gitlab:') - len(owner) - 1)}"
    assert len(fits) == 255
    assert str(RepositoryRef.parse(fits)) == fits
    too_long = fits[:-1] + "nn"
    with pytest.raises(InvalidValueError) as info:
        RepositoryRef.parse(too_long)
    assert info.value.code == "invalid_repository"
    provider, _, path = too_long.partition(":")
    owner_part, _, name = path.rpartition("/")
    with pytest.raises(InvalidValueError):
        RepositoryRef(Provider(provider), owner_part, name)


@pytest.mark.parametrize("part", ["owner", "name"])
def test_owner_and_name_may_have_100_characters_and_not_101(part):
    for length, valid in ((100, True), (101, False)):
        text = "a" * length
        owner, name = (text, "api") if part == "owner" else ("acme", text)
        if valid:
            assert RepositoryRef.parse(f"github:{owner}/{name}").name == name
        else:
            with pytest.raises(InvalidValueError):
                RepositoryRef.parse(f"github:{owner}/{name}")


@pytest.mark.parametrize("name", [".", ".."])
def test_a_repository_is_not_named_dot_or_dot_dot(name):
    with pytest.raises(InvalidValueError):
        RepositoryRef(Provider.GITHUB, "acme", name)
    assert RepositoryRef(Provider.GITHUB, "acme", "...").name == "..."


@pytest.mark.parametrize("provider", list(Provider))
def test_only_gitlab_owners_are_paths(provider):
    if provider is Provider.GITLAB:
        assert RepositoryRef(provider, "group/sub", "api").owner == "group/sub"
    else:
        with pytest.raises(InvalidValueError) as info:
            RepositoryRef(provider, "group/sub", "api")
        assert info.value.message == (
            f"Invalid repository: '{provider.value}:group/sub/api' (expected provider:owner/name)."
        )


def test_owner_and_name_must_be_text():
    for owner, name in ((1, "api"), ("acme", 1)):
        with pytest.raises(InvalidValueError) as info:
            RepositoryRef(Provider.GITHUB, owner, name)
        assert (info.value.code, info.value.message) == (
            "invalid_repository",
            "Invalid repository: the owner and name must be text.",
        )


def test_a_trusted_repository_is_the_parsed_one():
    trusted = trusted_repository_ref(Provider.GITLAB, "Group/Sub", "API")
    parsed = RepositoryRef.parse("gitlab:Group/Sub/API")
    assert trusted == parsed
    assert (str(trusted), repr(trusted), trusted.key) == (str(parsed), repr(parsed), parsed.key)


# --- branch patterns: 255 characters ----------------------------------------------------------


def test_a_branch_pattern_of_255_characters_is_accepted_and_one_of_256_refused():
    assert BranchPattern("b" * 255).matches("b" * 255)
    with pytest.raises(InvalidValueError) as info:
        BranchPattern("b" * 256)
    assert info.value.message.endswith(": is longer than 255 characters.")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "may not be empty"),
        ("a b", "may not contain whitespace or control characters"),
        ("a\x00", "may not contain whitespace or control characters"),
        ("a..b", "may not contain '..'"),
        ("a~b", "may not contain '~'"),
        ("a^b", "may not contain '^'"),
        ("a:b", "may not contain ':'"),
        ("a\\b", "may not contain '\\\\'"),
        ("/a", "may not start with '/'"),
        ("-a", "may not start with '-'"),
    ],
)
def test_each_problem_of_a_branch_pattern_is_named(text, problem):
    with pytest.raises(InvalidValueError) as info:
        BranchPattern(text)
    assert info.value.code == "invalid_pattern"
    assert info.value.message == f"Invalid branch pattern {text!r}: {problem}."


def test_a_branch_pattern_reads_as_its_text():
    pattern = BranchPattern.parse("release/*")
    assert (str(pattern), repr(pattern)) == ("release/*", "BranchPattern('release/*')")
    assert BranchPattern.parse(pattern) is pattern
    assert pattern.regex.fullmatch("release/1") is not None
    # Only "/" and "-" may not start a pattern; any other first character may.
    assert [BranchPattern(text).text for text in ("X-1", "x/", "_a", "*")] == [
        "X-1",
        "x/",
        "_a",
        "*",
    ]


# --- the ladder -------------------------------------------------------------------------------


def test_stopping_points_rank_and_read_as_their_text():
    assert [point.rank for point in StoppingPoint] == [0, 1, 2]
    assert [str(point) for point in StoppingPoint] == ["suggestion", "pull_request", "merge"]
    assert StoppingPoint.parse(StoppingPoint.MERGE) is StoppingPoint.MERGE
    assert [str(provider) for provider in Provider] == ["github", "gitlab", "bitbucket"]
    assert Provider.parse(Provider.GITLAB) is Provider.GITLAB


@given(s_point=st.sampled_from(list(StoppingPoint)))
def test_every_ordering_refuses_other_types(s_point):
    for compare in (
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ):
        with pytest.raises(TypeError):
            compare(s_point, 1)


def test_a_bad_provider_is_quoted():
    with pytest.raises(InvalidValueError) as info:
        Provider.parse("svn")
    assert (info.value.code, info.value.message) == (
        "invalid_provider",
        '"svn" is not a valid provider (github, gitlab or bitbucket).',
    )


# --- quoting bad input: at most 100 characters, cut with "..." --------------------------------


@given(st.text(string.ascii_letters, max_size=130))
def test_a_plain_string_is_quoted_whole_up_to_98_characters_and_cut_after(text):
    quoted = _quote(text)
    if len(text) <= 98:
        assert quoted == f'"{text}"'
    else:
        assert quoted == f'"{text[:95]}..."'
        assert len(quoted) == 100


def test_an_escaped_string_is_cut_on_its_escaped_length():
    assert _quote('"' * 49) == '"' + '\\"' * 49 + '"'
    assert _quote('"' * 50) == '"' + ('\\"' * 50)[:95] + '..."'


@given(st.integers())
def test_an_integer_is_shown_whole_below_41_digits_and_by_its_size_above(value):
    digits = len(str(abs(value)))
    expected = str(value) if digits <= 40 else f"an integer of {digits} digits"
    assert _quote(value) == expected


def test_the_largest_integer_shown_whole_has_40_digits():
    assert _quote(10**40 - 1) == "9" * 40
    assert _quote(-(10**40) + 1) == "-" + "9" * 40
    assert _quote(10**40) == "an integer of 41 digits"


@pytest.mark.parametrize("exponent", [41, 100, 1000])
def test_integers_at_each_power_of_ten_are_counted(exponent):
    assert _quote(10**exponent) == f"an integer of {exponent + 1} digits"
    assert _quote(10**exponent - 1) == f"an integer of {exponent} digits"
    assert _quote(-(10**exponent)) == f"an integer of {exponent + 1} digits"


def test_containers_show_their_first_items_one_level_deep():
    assert _quote(("merge", 1)) == '("merge", 1)'
    assert _quote({"merge"}) == '{"merge"}'
    assert _quote(frozenset({2})) == "{2}"
    assert _quote([[1], (2,), {"a": 1}, {3}]) == "[[...], (...), {...}, {...}]"
    assert _quote({None: False}) == "{None: False}"
    assert _quote(b"x" * 96) == repr(b"x" * 96)
    assert _quote(b"x" * 200) == repr(b"x" * 100)[:97] + "..."
    assert _quote(bytearray(b"ab")) == "b'ab'"


@given(st.lists(st.integers(0, 9), max_size=60))
def test_a_list_is_cut_once_it_passes_100_characters(items):
    quoted = _quote(items)
    whole = "[" + ", ".join(map(str, items)) + "]"
    assert quoted == (whole if len(whole) <= 100 else whole[:97] + "...")


def test_a_type_name_is_shown_up_to_40_characters():
    forty = type("A" * 40, (), {})()
    forty_one = type("B" * 41, (), {})()
    assert _quote(forty) == f"a {'A' * 40} object"
    assert _quote(forty_one) == f"a {'B' * 37}... object"
    nameless = type("not an identifier", (), {})()
    assert _quote(nameless) == "a object object"


def test_a_repository_text_is_shown_up_to_100_characters():
    def message(text):
        with pytest.raises(InvalidValueError) as info:
            RepositoryRef.parse(text)
        return info.value.message

    hundred = "x" * 100
    assert message(hundred) == f"Invalid repository: {hundred!r} (expected provider:owner/name)."
    assert message(hundred + "y") == (
        f"Invalid repository: {'x' * 97!r}... (expected provider:owner/name)."
    )


# --- time -------------------------------------------------------------------------------------


@given(st.datetimes(timezones=st.just(dt.UTC)))
def test_timestamps_round_trip_and_sort_in_time_order(moment):
    text = format_timestamp(moment)
    assert parse_timestamp(text) == moment
    assert len(text) == len("2026-01-02T03:04:05.000060Z")
    assert format_timestamp(moment, timespec="seconds") == text[:19] + "Z"
    auto = text if moment.microsecond else text[:19] + "Z"
    assert format_timestamp(moment, timespec="auto") == auto


def test_a_timestamp_in_another_zone_is_written_in_utc():
    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert format_timestamp(moment) == "2026-01-02T01:04:05.000000Z"


def test_a_list_of_exactly_100_characters_with_more_items_is_cut():
    items = [12345] + [1] * 31
    assert _quote(items) == "[" + ", ".join(map(str, items)) + "]"
    assert len(_quote(items)) == 100
    longer = _quote([*items, 2])
    assert longer == ("[" + ", ".join(map(str, items)) + ", 2]")[:97] + "..."


def test_text_that_is_not_ascii_is_quoted_as_written():
    assert _quote("café") == '"café"'


def test_the_smallest_integer_shown_by_its_size_is_minus_ten_to_the_40():
    assert _quote(-(10**40)) == "an integer of 41 digits"


def test_a_repository_with_a_second_colon_is_refused_as_a_repository():
    for text in ("github:ac:me/api", "github:acme/a:pi"):
        with pytest.raises(InvalidValueError) as info:
            RepositoryRef.parse(text)
        assert info.value.code == "invalid_repository"
    with pytest.raises(InvalidValueError) as info:
        RepositoryRef(Provider.GITHUB, "ac me", "api")
    assert info.value.code == "invalid_repository"
