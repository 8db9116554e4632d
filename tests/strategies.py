"""Hypothesis strategies for every domain value, shared by all the tests."""

from __future__ import annotations

import datetime as dt
import string
import sys
from typing import Final

import attrs
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


# Expiry (issue 15): instants on a coarse grid around one moment, so that an expiry and the
# moment of a question often coincide (the instant itself is the edge a resolver gets wrong).
EPOCH: Final = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
moments = st.integers(-6, 6).map(lambda hours: EPOCH + dt.timedelta(hours=hours))
"""Instants from six hours before :data:`EPOCH` to six hours after, on the hour."""
optional_moments = st.none() | moments


@st.composite
def expiring_organization_settings(
    draw: st.DrawFn, organization_id: str | None = None
) -> OrganizationSettings:
    """An organization whose locks may expire (only locked settings carry an expiry)."""
    organization = draw(organization_settings(organization_id))
    return attrs.evolve(
        organization,
        **{setting.lock_expires_field: draw(optional_moments) for setting in organization.locked},
    )


@st.composite
def expiring_project_settings(
    draw: st.DrawFn, organization_id: str = "acme", project_id: str | None = None
) -> ProjectSettings:
    """A project whose overrides (its own and its repositories') may expire."""
    project = draw(project_settings(organization_id, project_id))
    return attrs.evolve(
        project,
        repositories=tuple(
            attrs.evolve(r, stopping_point_override_expires_at=draw(optional_moments))
            if r.stopping_point_override is not None
            else r
            for r in project.repositories
        ),
        **{
            setting.expires_field: draw(optional_moments)
            for setting in Setting
            if project.override(setting) is not None
        },
    )


optional_expiring_organizations = st.none() | expiring_organization_settings("acme")
expiring_project_lists = st.lists(
    expiring_project_settings(), max_size=6, unique_by=lambda project: project.project_id
)


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


# Values that break Python itself (issue 11): every parser must answer them with a value or a
# ValidationError, never RecursionError, ValueError, TypeError or a crash of its messages.


class Hostile:
    """A host's own object whose text, truth and length all fail: a message must never ask."""

    def __repr__(self) -> str:
        raise RuntimeError("repr() of a hostile object")

    __str__ = __repr__

    def __bool__(self) -> bool:
        raise RuntimeError("bool() of a hostile object")

    def __len__(self) -> int:
        raise RuntimeError("len() of a hostile object")


def nest(leaf: object, depth: int, kind: str = "list") -> object:
    """``leaf`` inside ``depth`` lists (or one-key dicts, or tuples), built without recursion."""
    value = leaf
    for _ in range(depth):
        if kind == "list":
            value = [value]
        elif kind == "dict":
            value = {"a": value}
        else:
            value = (value,)
    return value


HUGE_INT: Final = 10**5000
"""An integer past Python's int-to-str conversion limit (4300 digits by default)."""

nesting_depths = st.sampled_from(
    [sys.getrecursionlimit() - 30, sys.getrecursionlimit(), sys.getrecursionlimit() + 1, 100_000]
)
"""Nesting at and beyond the recursion limit."""

_HOSTILE_SCALARS: Final = {
    "huge": HUGE_INT,
    "-huge": -HUGE_INT,
    "2**63": 2**63,
    "nan": float("nan"),
    "inf": float("inf"),
    "-inf": float("-inf"),
    "lone surrogate": "\ud800",
    "surrogate inside": "a\udfffb",
    "long text": "x" * 100_000,
    "bytes": b"\xff\x00bytes",
    "bytearray": bytearray(b"merge"),
    "complex": 1j,
    "ellipsis": Ellipsis,
    "frozenset": frozenset({"merge"}),
    "range": range(10**12),
    "long class name": type("K" * 10_000, (), {})(),
}
# Drawn by name: Hypothesis shows a strategy's elements, and a huge integer has no text.


def _hostile_scalar(name: str) -> object:
    return _HOSTILE_SCALARS[name]


def _hostile_key(name: str) -> object:
    return _HOSTILE_KEYS[name]


hostile_scalars = st.one_of(
    st.sampled_from(sorted(_HOSTILE_SCALARS)).map(_hostile_scalar),
    st.builds(Hostile),
    st.builds(set, st.lists(st.integers(), max_size=3)),
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
)
"""Leaves no JSON decoder produces but a Python host can pass."""

_HOSTILE_KEYS: Final = {
    "huge": HUGE_INT,
    "int": 1,
    "none": None,
    "tuple": (1, 2),
    "frozenset": frozenset({"a"}),
    "surrogate": "\ud800",
    "nan": float("nan"),
    "bytes": b"k",
}

PAYLOAD_KEYS = (
    "organization_id",
    "project_id",
    "scan_enabled",
    "fix_enabled",
    "stopping_point",
    "locked",
    "max_stopping_point",
    "version",
    "scan_enabled_override",
    "fix_enabled_override",
    "stopping_point_override",
    "scan_enabled_override_expires_at",
    "fix_enabled_override_expires_at",
    "stopping_point_override_expires_at",
    "scan_enabled_lock_expires_at",
    "fix_enabled_lock_expires_at",
    "stopping_point_lock_expires_at",
    "repositories",
    "environments",
    "repository",
    "ai_enabled",
    "branch_patterns",
    "projects",
    "changes",
    "reset",
    "sources",
    "effective",
)
"""Every field name of every payload and document, for generators that aim at real keys."""

hostile_keys = st.one_of(
    st.sampled_from(PAYLOAD_KEYS),
    st.sampled_from(sorted(_HOSTILE_KEYS)).map(_hostile_key),
    st.builds(Hostile),
    st.text(max_size=5),
)
"""The fields of every document, and keys no JSON object can hold."""

deeply_nested = st.builds(
    nest, hostile_scalars, nesting_depths, st.sampled_from(["list", "dict", "tuple"])
)

hostile_values = st.recursive(
    hostile_scalars | deeply_nested,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(hostile_keys, children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
    ),
    max_leaves=12,
)
"""Any mix of the above, in lists, tuples and dicts with hostile keys."""

hostile_documents = st.recursive(
    st.dictionaries(hostile_keys, hostile_values, max_size=6),
    lambda children: st.dictionaries(
        hostile_keys, children | st.lists(children, max_size=3) | hostile_values, max_size=5
    ),
    max_leaves=8,
)
"""Documents whose keys are mostly real fields, holding hostile values at any depth."""
