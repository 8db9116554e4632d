"""Organization invariants: small declarative statements every write must keep true.

An invariant is data, not code: a name (used in errors), a kind from a closed vocabulary, and
the kind's parameters. It is checked against the *effective* values (what resolution gives,
locks and ceiling included), at every level where the setting exists: the organization's
defaults (what a project that stored nothing inherits), each project, each repository.

The vocabulary:

- :class:`StoppingPointAtMost`: the effective stopping point is at most ``at_most``
  everywhere, except on the repositories listed in ``except_repositories``;
- :class:`MergeOnlyOnBranches`: a repository whose effective stopping point is ``merge`` lists
  only branch patterns covered by ``branches``;
- :class:`FixRequiresScan`: fix is never on where scan is off.

:func:`~ai_settings_core.domain.violations.find_violations` lists where stored settings break
them; the service's write pipeline refuses any write that adds a violation (see
``docs/invariants.md``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import ClassVar, Final, TypeAlias

import attrs

from ai_settings_core.domain.values import BranchPattern, RepositoryRef, StoppingPoint

__all__ = [
    "FixRequiresScan",
    "Invariant",
    "InvariantKind",
    "MergeOnlyOnBranches",
    "StoppingPointAtMost",
]

_GLOB_CHARACTERS: Final = frozenset("*?[")


class InvariantKind(enum.Enum):
    """The closed vocabulary of invariants; the value is the payload's ``kind``."""

    STOPPING_POINT_AT_MOST = "stopping_point_at_most"
    MERGE_ONLY_ON_BRANCHES = "merge_only_on_branches"
    FIX_REQUIRES_SCAN = "fix_requires_scan"

    def __str__(self) -> str:
        return self.value


def _refs(value: Iterable[RepositoryRef]) -> tuple[RepositoryRef, ...]:
    return value if type(value) is tuple else tuple(value)


def _patterns(value: Iterable[BranchPattern]) -> tuple[BranchPattern, ...]:
    return value if type(value) is tuple else tuple(value)


@attrs.frozen
class StoppingPointAtMost:
    """The effective stopping point is at most ``at_most``, except on some repositories.

    Checked on the organization's default, every project and every repository not listed in
    ``except_repositories`` (an excepted repository may go higher, the ceiling permitting).

    Attributes:
        name: The invariant's name, unique in its organization, quoted in errors.
        at_most: The highest stopping point allowed.
        except_repositories: Repositories (in any project) the invariant does not cover.
    """

    kind: ClassVar[InvariantKind] = InvariantKind.STOPPING_POINT_AT_MOST
    name: str
    at_most: StoppingPoint
    except_repositories: tuple[RepositoryRef, ...] = attrs.field(default=(), converter=_refs)


@attrs.frozen
class MergeOnlyOnBranches:
    """No merge outside some branches.

    A repository whose effective stopping point is ``merge`` may list only branch patterns
    covered by ``branches``: a pattern written exactly as one of them, or a branch name
    without wildcards that one of them matches (``main`` is covered by ``main`` and by ``m*``;
    ``*`` and ``ma*`` are covered only by themselves).

    Attributes:
        name: The invariant's name, unique in its organization, quoted in errors.
        branches: The branch patterns where merging is allowed; at least one.
    """

    kind: ClassVar[InvariantKind] = InvariantKind.MERGE_ONLY_ON_BRANCHES
    name: str
    branches: tuple[BranchPattern, ...] = attrs.field(converter=_patterns)

    def covers(self, pattern: BranchPattern) -> bool:
        """Whether every branch ``pattern`` matches is a branch where merging is allowed.

        >>> rule = MergeOnlyOnBranches("merge-on-main", (BranchPattern("main"),))
        >>> rule.covers(BranchPattern("main")), rule.covers(BranchPattern("*"))
        (True, False)
        """
        text = pattern.text
        if any(allowed.text == text for allowed in self.branches):
            return True
        if _GLOB_CHARACTERS.isdisjoint(text):
            return any(allowed.matches(text) for allowed in self.branches)
        return False


@attrs.frozen
class FixRequiresScan:
    """Fix is never on where scan is off (the organization's defaults and every project).

    Attributes:
        name: The invariant's name, unique in its organization, quoted in errors.
    """

    kind: ClassVar[InvariantKind] = InvariantKind.FIX_REQUIRES_SCAN
    name: str


Invariant: TypeAlias = StoppingPointAtMost | MergeOnlyOnBranches | FixRequiresScan
"""One invariant of the vocabulary."""
