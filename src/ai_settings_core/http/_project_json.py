"""Project read documents written straight to JSON text: the bodies of the hottest reads.

``GET`` of a project and the page of projects that override something are the API's most
frequent answers. Building each document as dicts and then encoding them walks every value
twice; here the body is written as text at once, from pieces that repeat:

- a repository's item is written once per :class:`RepositorySettings` object (stores and
  parsers share unchanged ones between reads) and kept in ``_REPOSITORIES``;
- a resolution's ``effective`` and ``sources`` are written once per response (``resolve_all``
  shares one resolution among the projects with the same overrides);
- the sorted environments and the ``overridden`` list are written once per set.

The nested pieces come from the codec (``dump_repository``, ``dump_effective``,
``dump_resolution``, ``dump_findings``) encoded by the API's one encoder, so each has one
definition; this module writes only a project's own top-level keys, in ``dump_project``'s
order. A project that stores an expiry is written the plain way (its document has more
keys). The text is exactly what encoding the codec's document gives
(``tests/unit/test_http_project_json.py`` proves it for any project).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from json.encoder import encode_basestring  # the C function where there is one
from typing import Final

from ai_settings_core import codec
from ai_settings_core.domain.findings import Finding
from ai_settings_core.domain.resolve import Resolution
from ai_settings_core.domain.settings import ProjectSettings, RepositorySettings
from ai_settings_core.domain.values import StoppingPoint
from ai_settings_core.domain.views import ProjectView
from ai_settings_core.http._messages import compact_json as encode
from ai_settings_core.http._payloads import OVERRIDDEN
from ai_settings_core.ports import Page

__all__ = ["project_page_json", "project_view_json"]

_string: Final[Callable[[str], str]] = encode_basestring
"""A JSON string, as the encoder writes it with ``ensure_ascii=False``."""

_OPTIONAL_BOOL: Final[dict[bool | None, str]] = {None: "null", True: "true", False: "false"}
_OPTIONAL_POINT: Final[dict[StoppingPoint | None, str]] = {
    None: "null",
    **{point: f'"{point.value}"' for point in StoppingPoint},
}

# Every set of overridden settings, as the page writes it.
_OVERRIDDEN: Final = {chosen: encode(list(texts)) for chosen, texts in OVERRIDDEN.items()}

# A repository's item by the identity of the settings object (the value keeps it alive, so no
# other object can take its id while the entry lasts); bounded: cleared when full.
_REPOSITORIES: Final[dict[int, tuple[RepositorySettings, str]]] = {}
_REPOSITORIES_LIMIT: Final = 8192

# The sorted environments of a set, as text; bounded like ``_REPOSITORIES``.
_ENVIRONMENTS: Final[dict[frozenset[str], str]] = {frozenset(): "[]"}
_ENVIRONMENTS_LIMIT: Final = 4096

_Shared = dict[int, tuple[Resolution, str]]


def _repository(repository: RepositorySettings) -> str:
    """A repository's item as JSON text (written once per settings object)."""
    if len(_REPOSITORIES) >= _REPOSITORIES_LIMIT:
        _REPOSITORIES.clear()
    text = encode(codec.dump_repository(repository))
    _REPOSITORIES[id(repository)] = (repository, text)
    return text


def _repositories(repositories: Sequence[RepositorySettings]) -> str:
    found = _REPOSITORIES.get
    return ",".join(
        [
            _repository(repository) if (entry := found(id(repository))) is None else entry[1]
            for repository in repositories
        ]
    )


def _environments(environments: frozenset[str]) -> str:
    if len(_ENVIRONMENTS) >= _ENVIRONMENTS_LIMIT:
        _ENVIRONMENTS.clear()
        _ENVIRONMENTS[frozenset()] = "[]"
    text = _ENVIRONMENTS[environments] = encode(sorted(environments))
    return text


def _resolved(resolution: Resolution, shared: _Shared) -> str:
    """``,"effective":...,"sources":...`` of ``resolution``, written once per response."""
    found = shared.get(id(resolution))
    if found is not None and found[0] is resolution:
        return found[1]
    both = {
        "effective": codec.dump_effective(resolution),
        "sources": codec.dump_resolution(resolution),
    }
    text = "," + encode(both)[1:-1]  # the two keys, without the object's braces
    shared[id(resolution)] = (resolution, text)
    return text


def _project(
    project: ProjectSettings,
    resolution: Resolution,
    warnings: tuple[Finding, ...],
    shared: _Shared,
) -> str:
    """A project's read document as JSON text, without its closing brace."""
    if (
        project.scan_enabled_override_expires_at is not None
        or project.fix_enabled_override_expires_at is not None
        or project.stopping_point_override_expires_at is not None
    ):
        return encode(codec.dump_project(project, resolution, warnings))[:-1]
    environments = _ENVIRONMENTS.get(project.environments)
    return "".join(
        (
            '{"organization_id":',
            _string(project.organization_id),
            ',"project_id":',
            _string(project.project_id),
            ',"scan_enabled_override":',
            _OPTIONAL_BOOL[project.scan_enabled_override],
            ',"fix_enabled_override":',
            _OPTIONAL_BOOL[project.fix_enabled_override],
            ',"stopping_point_override":',
            _OPTIONAL_POINT[project.stopping_point_override],
            ',"repositories":[',
            _repositories(project.repositories),
            '],"environments":',
            _environments(project.environments) if environments is None else environments,
            ',"version":',
            str(project.version),
            _resolved(resolution, shared),
            ',"warnings":',
            "[]" if not warnings else encode(codec.dump_findings(warnings)),
        )
    )


def project_view_json(view: ProjectView) -> str:
    """``codec.dump_project_view(view)`` as the API's compact JSON text."""
    return _project(view.project, view.resolution, view.warnings, {}) + "}"


def project_page_json(page: Page[ProjectView]) -> str:
    """The page of projects (``dump_project_page``'s document) as the API's compact JSON text.

    Projects that share one resolution share its written ``effective`` and ``sources``.
    """
    shared: _Shared = {}
    overridden = _OVERRIDDEN
    results = ",".join(
        [
            _project(view.project, view.resolution, view.warnings, shared)
            + ',"overridden":'
            + overridden[view.project.overridden]
            + "}"
            for view in page.items
        ]
    )
    cursor = page.next_cursor
    return (
        '{"results":['
        + results
        + '],"next_cursor":'
        + ("null" if cursor is None else _string(cursor))
        + "}"
    )
