"""The codec's straight-line paths (``codec/_fast.py``) agree with the converter.

A fast path returns a value only for input the converter accepts, and the same value; for
anything else it returns ``None`` (and never raises), so the converter decides and reports.
"""

from __future__ import annotations

from typing import Any

from cattrs.errors import ClassValidationError
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import OrganizationSettings, ProjectSettings, RepositorySettings
from ai_settings_core.codec import dump_organization, dump_project, dump_repository
from ai_settings_core.codec._converter import HOOKS, _generated_organization, _generated_project
from ai_settings_core.codec._fast import fast_organization, fast_project, fast_repository
from ai_settings_core.domain.limits import DEFAULT_LIMITS, Limits
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
