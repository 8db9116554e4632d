"""Project reads written straight to JSON text are the codec's documents, encoded, exactly.

``http/_project_json.py`` writes the bodies of ``GET`` of a project and of the page of
projects that override something as text, from pieces it keeps; these laws hold it to the
documents the codec builds (``dump_project_view``, ``dump_project_page``) as the API's encoder
writes them, byte for byte, for any settings: expiries, warnings, shared resolutions, pieces
written by an earlier response.
"""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core import (
    Finding,
    ProjectSettings,
    RepositoryRef,
    RepositorySettings,
    Severity,
    resolve_all,
)
from ai_settings_core.codec import dump_project_view
from ai_settings_core.domain.rules import project_warnings
from ai_settings_core.domain.views import ProjectView
from ai_settings_core.http import _project_json
from ai_settings_core.http._messages import compact_json, json_response, json_text_response
from ai_settings_core.http._payloads import dump_project_page
from ai_settings_core.http._project_json import project_page_json, project_view_json
from ai_settings_core.ports import Page
from tests import strategies as s


def _views(organization, projects) -> list[ProjectView]:
    resolutions = resolve_all(organization, projects, now=s.EPOCH)
    return [
        ProjectView(
            project,
            organization,
            resolutions[project.project_id],
            (),
            project_warnings(organization, project, now=s.EPOCH),
        )
        for project in projects
    ]


@given(
    s.optional_expiring_organizations,
    s.expiring_project_lists,
    st.none() | st.text(max_size=20),
)
def test_a_page_and_each_project_are_the_codec_documents_encoded(organization, projects, cursor):
    views = _views(organization, projects)
    page = Page(tuple(views), cursor)
    expected = compact_json(dump_project_page(page))
    assert project_page_json(page) == expected
    assert project_page_json(page) == expected  # again, from the pieces kept the first time
    for view in views:
        assert project_view_json(view) == compact_json(dump_project_view(view))


@given(s.optional_organizations, s.project_lists)
def test_projects_that_share_settings_objects_share_their_written_pieces(organization, projects):
    # Stores hand out the same repository objects read after read: each is written once, and
    # a project changed since (a new object) is written anew.
    views = _views(organization, projects)
    first = [project_view_json(view) for view in views]
    changed = [
        attrs.evolve(project, repositories=tuple(attrs.evolve(r) for r in project.repositories))
        for project in projects
    ]
    assert [project_view_json(view) for view in _views(organization, changed)] == first


def test_the_kept_pieces_are_bounded() -> None:
    repositories = [
        RepositorySettings(RepositoryRef.parse(f"github:acme/service-{i}"))
        for i in range(_project_json._REPOSITORIES_LIMIT + 10)
    ]
    for chunk in range(0, len(repositories), 50):
        project = ProjectSettings(
            "acme", "web", repositories=tuple(repositories[chunk : chunk + 50])
        )
        (view,) = _views(None, [project])
        assert project_view_json(view) == compact_json(dump_project_view(view))
    assert len(_project_json._REPOSITORIES) <= _project_json._REPOSITORIES_LIMIT
    for index in range(_project_json._ENVIRONMENTS_LIMIT + 10):
        project = ProjectSettings("acme", "web", environments=frozenset({f"env-{index}"}))
        (view,) = _views(None, [project])
        assert project_view_json(view) == compact_json(dump_project_view(view))
    assert len(_project_json._ENVIRONMENTS) <= _project_json._ENVIRONMENTS_LIMIT


def test_text_that_is_not_unicode_is_written_with_ascii_escapes_as_before() -> None:
    # A lone surrogate has no UTF-8 form: the body is the document's ASCII-escaped JSON.
    warning = Finding("advice", Severity.WARNING, ("fix_enabled",), "Odd text: \ud800.")
    (view,) = _views(None, [ProjectSettings("acme", "web")])
    view = attrs.evolve(view, warnings=(warning,))
    text = json_text_response(200, project_view_json(view), lambda: dump_project_view(view))
    assert text == json_response(200, dump_project_view(view))
    assert b"\\ud800" in text.body
