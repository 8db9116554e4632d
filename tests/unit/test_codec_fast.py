"""The codec's straight-line paths (``codec/_fast.py``) agree with the converter.

A fast path returns a value only for input the converter accepts, and the same value; for
anything else it returns ``None`` (and never raises), so the converter decides and reports.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from cattrs.errors import ClassValidationError
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    StoppingPoint,
)
from ai_settings_core.codec import (
    dump_organization,
    dump_project,
    dump_repository,
    parse_organization,
    parse_project,
    parse_repository,
)
from ai_settings_core.codec._converter import HOOKS, _generated_organization, _generated_project
from ai_settings_core.codec._fast import fast_organization, fast_project, fast_repository
from ai_settings_core.codec._hooks import MAX_VERSION
from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
from ai_settings_core.errors import ValidationError
from tests import strategies as s

SMALL = Limits(
    max_repositories_per_project=2,
    max_patterns_per_repository=1,
    max_environments=1,
    max_identifier_length=4,
)


def _mutations(documents: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[object]:
    """Valid documents, documents with some values replaced by any JSON, and any JSON."""
    return st.one_of(
        documents,
        documents.flatmap(
            lambda document: st.fixed_dictionaries(
                {},
                optional={key: st.just(value) | s.json_values for key, value in document.items()},
            )
        ),
        st.dictionaries(st.text(max_size=5), s.json_values, max_size=4),
        s.json_values,
    )


def _agree(fast: Any, generated: Any, cls: type, document: object, limits: Limits) -> None:
    from ai_settings_core.codec._hooks import LIMITS

    token = LIMITS.set(limits)
    try:
        expected: object = generated(document, cls) if isinstance(document, dict) else None
    except ClassValidationError:
        expected = None
    finally:
        LIMITS.reset(token)
    found = fast(document, limits)
    if found is not None:
        assert found == expected
        assert type(found) is cls


@given(_mutations(s.organization_settings().map(dump_organization)), st.booleans())
def test_the_fast_organization_path_agrees_with_the_converter(document: object, small: bool):
    limits = SMALL if small else DEFAULT_LIMITS
    _agree(fast_organization, _generated_organization, OrganizationSettings, document, limits)


@given(_mutations(s.project_settings().map(dump_project)), st.booleans())
def test_the_fast_project_path_agrees_with_the_converter(document: object, small: bool):
    limits = SMALL if small else DEFAULT_LIMITS
    _agree(fast_project, _generated_project, ProjectSettings, document, limits)


@given(_mutations(s.repository_settings().map(dump_repository)), st.booleans())
def test_the_fast_repository_path_agrees_with_the_converter(document: object, small: bool):
    limits = SMALL if small else DEFAULT_LIMITS
    generated = HOOKS[RepositorySettings]
    _agree(fast_repository, generated, RepositorySettings, document, limits)


def test_a_fast_value_is_the_constructed_value():
    document = {
        "organization_id": "acme",
        "project_id": "web",
        "repositories": [{"repository": "github:acme/api", "branch_patterns": ["main"]}],
        "environments": ["production"],
    }
    assert fast_project(document, DEFAULT_LIMITS) == ProjectSettings(
        "acme",
        "web",
        repositories=_generated_project(document, ProjectSettings).repositories,
        environments=frozenset({"production"}),
    )
    assert fast_project(document | {"colour": "blue"}, DEFAULT_LIMITS) is None


_REFERENCE_TEXT = st.one_of(
    s.repository_refs().map(str),
    st.from_regex(r"\A(github|gitlab|bitbucket|svn|GitHub):[A-Za-z0-9._/:-]{0,12}\Z"),
    st.text(alphabet="ghilab:/.-_aZ09", max_size=20),
)


@given(_REFERENCE_TEXT)
def test_the_codec_parses_references_as_the_domain_does(text: str):
    from ai_settings_core import RepositoryRef
    from ai_settings_core.codec._hooks import _parse_ref
    from ai_settings_core.errors import InvalidValueError

    try:
        expected: object = RepositoryRef.parse(text)
    except InvalidValueError as error:
        expected = error.code
    try:
        found: object = _parse_ref(text)
    except InvalidValueError as error:
        found = error.code
    assert found == expected
    if isinstance(found, RepositoryRef):
        assert (str(found), found.key, repr(found)) == (text, expected.key, repr(expected))


# The fast paths exist to take valid documents: every valid document goes straight (the
# converter is for the rest), at the limits too; just beyond them, the converter decides.


@given(s.organization_settings())
def test_every_valid_organization_takes_the_fast_path(organization: OrganizationSettings):
    assert fast_organization(dump_organization(organization), DEFAULT_LIMITS) == organization


def _plain_rules(repository: RepositorySettings) -> RepositorySettings:
    """The repository with rules of patterns alone (a rule with an override is the converter's)."""
    rules = tuple(BranchRule(rule.pattern) for rule in repository.branch_patterns)
    return attrs.evolve(repository, branch_patterns=rules)


@given(s.project_settings())
def test_every_valid_project_takes_the_fast_path(project: ProjectSettings):
    plain = attrs.evolve(project, repositories=tuple(map(_plain_rules, project.repositories)))
    assert fast_project(dump_project(plain), DEFAULT_LIMITS) == plain


@given(s.repository_settings().map(_plain_rules))
def test_every_valid_repository_takes_the_fast_path(repository: RepositorySettings):
    assert fast_repository(dump_repository(repository), DEFAULT_LIMITS) == repository


def test_a_branch_rule_with_its_own_stopping_point_is_the_converters():
    rules = (BranchRule("release/*", StoppingPoint.SUGGESTION), BranchRule("main"))
    repository = RepositorySettings(RepositoryRef.parse("github:acme/api"), branch_patterns=rules)
    assert fast_repository(dump_repository(repository), DEFAULT_LIMITS) is None
    assert parse_repository(dump_repository(repository)) == repository


def _repository(name: str, *patterns: str) -> dict[str, Any]:
    return {"repository": f"github:acme/{name}", "branch_patterns": list(patterns)}


# At SMALL's limits: identifiers of four characters, two repositories, one pattern each, one
# environment; and the largest version.
AT_THE_LIMITS = {
    "organization_id": "acme",
    "project_id": "w",
    "scan_enabled_override": True,
    "fix_enabled_override": False,
    "stopping_point_override": "merge",
    "repositories": [_repository("api", "main"), _repository("web", "v*")],
    "environments": ["prod"],
    "version": MAX_VERSION,
}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"scan_enabled_override": False, "fix_enabled_override": True},
        {"scan_enabled_override": None, "fix_enabled_override": None},
        {"stopping_point_override": None, "version": 0},
        {"organization_id": "a", "project_id": "webs", "environments": ["p"]},
        {
            "repositories": [
                {"repository": "github:acme/api", "ai_enabled": False},
                {"repository": "gitlab:acme/web", "stopping_point_override": "suggestion"},
            ]
        },
    ],
)
def test_a_project_at_the_limits_takes_the_fast_path(changes: dict[str, Any]):
    document = AT_THE_LIMITS | changes
    assert fast_project(document, SMALL) == parse_project(document, limits=SMALL)
    assert fast_project(document, SMALL) is not None


@pytest.mark.parametrize(
    "changes",
    [
        {"organization_id": "acme1"},
        {"organization_id": ""},
        {"organization_id": "a b"},
        {"project_id": "web12"},
        {"project_id": ""},
        {"project_id": "w b"},
        {"scan_enabled_override": "yes"},
        {"scan_enabled_override": 1},
        {"fix_enabled_override": "no"},
        {"fix_enabled_override": 0},
        {"stopping_point_override": "nowhere"},
        {"stopping_point_override": 2},
        {"version": MAX_VERSION + 1},
        {"version": -1},
        {"repositories": [*AT_THE_LIMITS["repositories"], _repository("doc", "main")]},
        {"repositories": [_repository("api", "main", "dev")]},
        {"repositories": [_repository("api")]},
        {"repositories": [_repository("api", "main"), _repository("API", "main")]},
        {"repositories": None},
        {"repositories": [{"repository": "github:acme/api", "ai_enabled": "no"}]},
        {"repositories": [{"repository": "github:acme/api", "stopping_point_override": "x"}]},
        {"repositories": [{"repository": "github:acme/api", "stopping_point_override": 1}]},
        {"repositories": [{"repository": "github:acme/api", "stopping_point_override": []}]},
        {"repositories": [{"repository": "acme/api"}]},
        {"repositories": [{"repository": "github:acme/api", "colour": "blue"}]},
        {"repositories": [{"repository": "github:acme/api", "branch_patterns": [1]}]},
        {"repositories": [{"repository": "github:acme/api", "branch_patterns": [[]]}]},
        {"repositories": [{"repository": "github:acme/api", "branch_patterns": "main"}]},
        {"environments": ["prod", "dev"]},
        {"environments": [""]},
        {"environments": ["p d"]},
        {"environments": ["prod1"]},
        {"environments": None},
        {"colour": "blue"},
    ],
)
def test_a_project_beyond_the_limits_is_left_to_the_converter(changes: dict[str, Any]):
    document = AT_THE_LIMITS | changes
    assert fast_project(document, SMALL) is None
    with pytest.raises(ValidationError):
        parse_project(document, limits=SMALL)


ORGANIZATION_AT_THE_LIMITS = {
    "organization_id": "acme",
    "scan_enabled": True,
    "fix_enabled": False,
    "stopping_point": "merge",
    "locked": ["scan_enabled", "fix_enabled", "stopping_point"],
    "max_stopping_point": "merge",
    "version": MAX_VERSION,
}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"scan_enabled": False, "fix_enabled": True, "locked": [], "max_stopping_point": None},
        {"organization_id": "a"},
    ],
)
def test_an_organization_at_the_limits_takes_the_fast_path(changes: dict[str, Any]):
    document = ORGANIZATION_AT_THE_LIMITS | changes
    assert fast_organization(document, SMALL) == parse_organization(document, limits=SMALL)
    assert fast_organization(document, SMALL) is not None


@pytest.mark.parametrize(
    "changes",
    [
        {"organization_id": "acme1"},
        {"organization_id": ""},
        {"organization_id": "a b"},
        {"scan_enabled": "yes"},
        {"fix_enabled": None},
        {"stopping_point": "nowhere"},
        {"stopping_point": None},
        {"max_stopping_point": "nowhere"},
        {"max_stopping_point": 3},
        {"version": MAX_VERSION + 1},
        {"version": -1},
        {"version": "1"},
        {"locked": ["scan_enabled", "fix_enabled", "stopping_point", "scan_enabled"]},
        {"locked": ["colour"]},
        {"locked": [["scan_enabled"]]},
        {"locked": "scan_enabled"},
        {"colour": "blue"},
    ],
)
def test_an_organization_beyond_the_limits_is_left_to_the_converter(changes: dict[str, Any]):
    document = ORGANIZATION_AT_THE_LIMITS | changes
    assert fast_organization(document, SMALL) is None
    with pytest.raises(ValidationError):
        parse_organization(document, limits=SMALL)


def test_the_keys_left_out_take_their_defaults_on_the_fast_path():
    limits = DEFAULT_LIMITS
    assert fast_organization({"organization_id": "acme"}, limits) == OrganizationSettings("acme")
    project = {"organization_id": "acme", "project_id": "web"}
    assert fast_project(project, limits) == ProjectSettings("acme", "web")
    repository = {"repository": "github:acme/api"}
    assert fast_repository(repository, limits) == RepositorySettings(
        RepositoryRef.parse("github:acme/api")
    )


@pytest.fixture
def cold_caches() -> None:
    """Empty the parsed-text caches (they may be emptied at any time: they are bounded)."""
    from ai_settings_core.codec import _fast, _hooks

    for cache in (_hooks.REFS, _hooks.PATTERNS, _fast._PATTERN_LISTS):
        cache.clear()
    for texts in [texts for texts in _fast._LOCKED if texts]:
        del _fast._LOCKED[texts]


# Each example a new process would parse first: the caches change no answer.
COLD_DOCUMENTS = [
    (
        fast_organization,
        ORGANIZATION_AT_THE_LIMITS,
        parse_organization(ORGANIZATION_AT_THE_LIMITS, limits=SMALL),
    ),
    (fast_project, AT_THE_LIMITS, parse_project(AT_THE_LIMITS, limits=SMALL)),
    (fast_organization, ORGANIZATION_AT_THE_LIMITS | {"locked": [1]}, None),
    (fast_project, AT_THE_LIMITS | {"repositories": [_repository("api", 1)]}, None),
    (fast_project, AT_THE_LIMITS | {"repositories": [_repository("api", "")]}, None),
    (fast_project, AT_THE_LIMITS | {"repositories": [{"repository": "github:acme"}]}, None),
    (fast_project, AT_THE_LIMITS | {"repositories": [{"repository": 1}]}, None),
]


@pytest.mark.parametrize(("fast", "document", "value"), COLD_DOCUMENTS)
@pytest.mark.usefixtures("cold_caches")
def test_the_fast_paths_answer_the_same_with_cold_caches(fast, document, value):
    assert fast(document, SMALL) == value
    assert fast(document, SMALL) == value  # and warm


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "null"),
        ({}, "not_a_list"),
        (0, "not_a_list"),
        ("", "not_a_list"),
        (False, "not_a_list"),
    ],
)
def test_empty_invariants_that_are_not_a_list_are_refused(value: object, code: str) -> None:
    """Falsy but not ``[]``: the straight path may not take them for no invariants."""
    with pytest.raises(ValidationError) as caught:
        parse_organization({"organization_id": "acme", "invariants": value})
    assert caught.value.codes == {"invariants": [code]}


@pytest.mark.parametrize(
    ("parse", "document", "codes"),
    [
        (
            parse_organization,
            {"organization_id": "acme", "max_stopping_point": ["merge"]},
            {"max_stopping_point": ["invalid_choice"]},
        ),
        (
            parse_project,
            {
                "organization_id": "acme",
                "project_id": "web",
                "repositories": [{"repository": ["x"]}],
            },
            {"repositories": [{"repository": ["invalid"]}]},
        ),
    ],
)
def test_a_list_where_a_text_belongs_is_refused_on_the_straight_path_too(
    parse: Any, document: dict[str, Any], codes: object
) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(document)
    assert caught.value.codes == codes
