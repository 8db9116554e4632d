"""Hypothesis strategies for every domain value, shared by all the tests."""

from __future__ import annotations

import string

from hypothesis import strategies as st

from ai_settings_core import (
    BranchPattern,
    OrganizationSettings,
    ProjectSettings,
    Provider,
    RepositoryRef,
    RepositorySettings,
    Setting,
    StoppingPoint,
)
from ai_settings_core.errors import InvalidValueError

stopping_points = st.sampled_from(list(StoppingPoint))
optional_stopping_points = st.none() | stopping_points
providers = st.sampled_from(list(Provider))
settings_names = st.sampled_from(list(Setting))
optional_bools = st.none() | st.booleans()

identifiers = st.text(string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=20)

_segment = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,10}[A-Za-z0-9_])?", fullmatch=True)
_names = st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,15}", fullmatch=True)


@st.composite
def repository_refs(draw: st.DrawFn) -> RepositoryRef:
    provider = draw(providers)
    if provider is Provider.GITLAB:
        owner = "/".join(draw(st.lists(_segment, min_size=1, max_size=3)))
    else:
        owner = draw(_segment)
    return RepositoryRef(provider, owner, draw(_names))


branch_patterns = st.one_of(
    st.just(BranchPattern("*")),
    st.sampled_from(["main", "master", "release/*", "feature/*", "hotfix-*", "v[0-9]*"]).map(
        BranchPattern
    ),
    st.from_regex(r"[a-z0-9][a-z0-9/_*.-]{0,20}", fullmatch=True)
    .filter(lambda text: ".." not in text)
    .map(BranchPattern),
)

branches = st.one_of(
    st.sampled_from(["main", "master", "release/1.0", "feature/x", "hotfix-1", "v2", ""]),
    st.from_regex(r"[a-z0-9][a-z0-9/_.-]{0,20}", fullmatch=True),
)

environments = st.sampled_from(["production", "staging", "development", "canary"])


@st.composite
def repository_settings(draw: st.DrawFn, ref: RepositoryRef | None = None) -> RepositorySettings:
    return RepositorySettings(
        repository=ref if ref is not None else draw(repository_refs()),
        ai_enabled=draw(st.booleans()),
        branch_patterns=tuple(
            draw(st.lists(branch_patterns, min_size=1, max_size=3, unique_by=str))
        ),
        stopping_point_override=draw(optional_stopping_points),
    )


@st.composite
def organization_settings(
    draw: st.DrawFn, organization_id: str | None = None, *, respect_ceiling: bool = True
) -> OrganizationSettings:
    ceiling = draw(optional_stopping_points)
    point = draw(stopping_points)
    if respect_ceiling and ceiling is not None:
        point = min(point, ceiling)
    return OrganizationSettings(
        organization_id=organization_id if organization_id is not None else draw(identifiers),
        scan_enabled=draw(st.booleans()),
        fix_enabled=draw(st.booleans()),
        stopping_point=point,
        locked=frozenset(draw(st.sets(settings_names))),
        max_stopping_point=ceiling,
        version=draw(st.integers(0, 1000)),
    )


@st.composite
def project_settings(
    draw: st.DrawFn, organization_id: str = "acme", project_id: str | None = None
) -> ProjectSettings:
    refs = draw(st.lists(repository_refs(), max_size=4, unique_by=lambda ref: ref.key))
    return ProjectSettings(
        organization_id=organization_id,
        project_id=project_id if project_id is not None else draw(identifiers),
        scan_enabled_override=draw(optional_bools),
        fix_enabled_override=draw(optional_bools),
        stopping_point_override=draw(optional_stopping_points),
        repositories=tuple(draw(repository_settings(ref)) for ref in refs),
        environments=frozenset(draw(st.sets(environments, max_size=3))),
        version=draw(st.integers(0, 1000)),
    )


optional_organizations = st.none() | organization_settings("acme")


# Snapshots and resolve-all (issue 7): whole organizations and repository text as events carry it.
project_lists = st.lists(
    project_settings(), max_size=6, unique_by=lambda project: project.project_id
)


def _does_not_parse(text: str) -> bool:
    try:
        RepositoryRef.parse(text)
    except InvalidValueError:
        return True
    return False


unparsable_repository_texts = st.one_of(
    st.sampled_from(
        [
            "",
            "github",
            "github:",
            "github:acme",
            "github:acme/",
            "github:/api",
            "GITHUB:acme/api",
            "GitHub:acme/api",
            "svn:acme/api",
            "github:a/b/c",
            " github:acme/api",
            "github:acme/api ",
            "github:acme/..",
            "github:acme/\u212aey",
        ]
    ),
    st.text(max_size=30).filter(_does_not_parse),
)
"""Text that is not a valid ``provider:owner/name`` (a decision treats it as an unlisted one)."""


# Codec fuzzing: any value a JSON decoder can produce.
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=25), children, max_size=5)
    ),
    max_leaves=20,
)
"""Arbitrary decoded JSON: ``None``, booleans, numbers, strings, lists and objects."""
