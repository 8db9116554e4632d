"""Hypothesis strategies shared by all the tests.

The domain's values, whole organizations and payloads come from the public module
:mod:`ai_settings_core.testing.strategies` (one source for the library's tests and its hosts');
this module names them as the tests use them and adds what only the library's own tests need:
arbitrary JSON and the hostile values a Python host can pass.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Final

import attrs
from hypothesis import strategies as st

from ai_settings_core import OrganizationSettings, ProjectSettings, Setting
from ai_settings_core.invariants import (
    FixRequiresScan,
    Invariant,
    InvariantKind,
    MergeOnlyOnBranches,
    StoppingPointAtMost,
)
from ai_settings_core.testing import strategies as public
from ai_settings_core.testing.strategies import (
    organization_settings,
    project_settings,
    repository_refs,
    repository_settings,
)

__all__ = [
    "organization_settings",
    "project_settings",
    "repository_refs",
    "repository_settings",
]

stopping_points = public.stopping_points()
optional_stopping_points = st.none() | stopping_points
providers = public.providers()
settings_names = public.settings()
optional_bools = st.none() | st.booleans()
identifiers = public.identifiers()
branch_patterns = public.branch_patterns()
branches = public.branch_names()
environments = public.environment_names()
optional_organizations = st.none() | organization_settings("acme")


# Organization invariants (issue 16).
@st.composite
def invariants(draw: st.DrawFn, name: str | None = None) -> Invariant:
    """One invariant of any kind, with parameters drawn to match and miss real settings."""
    name = name if name is not None else draw(identifiers)
    kind = draw(st.sampled_from(list(InvariantKind)))
    if kind is InvariantKind.STOPPING_POINT_AT_MOST:
        excepted = draw(st.lists(repository_refs(), max_size=2, unique_by=lambda ref: ref.key))
        return StoppingPointAtMost(name, draw(stopping_points), tuple(excepted))
    if kind is InvariantKind.MERGE_ONLY_ON_BRANCHES:
        allowed = draw(st.lists(branch_patterns, min_size=1, max_size=3, unique_by=str))
        return MergeOnlyOnBranches(name, tuple(allowed))
    return FixRequiresScan(name)


invariant_lists = st.lists(invariants(), max_size=3, unique_by=lambda invariant: invariant.name)


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
unparsable_repository_texts = public.unparsable_repository_texts()
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
    "invariants",
    "name",
    "kind",
    "at_most",
    "except_repositories",
    "branches",
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
    "pattern",
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
