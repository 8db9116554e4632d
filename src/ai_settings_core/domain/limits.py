"""Size limits, in one place, overridable by the host.

The defaults are generous for real organizations and small enough that no payload can make a
request slow or a row huge.
"""

from __future__ import annotations

from typing import Final

import attrs

__all__ = ["DEFAULT_LIMITS", "Limits"]


@attrs.frozen
class Limits:
    """Bounds on what one payload or one operation may hold.

    Attributes:
        max_repositories_per_project: Repositories one project may list.
        max_patterns_per_repository: Branch patterns one repository may have.
        max_environments: Environments one project may restrict AI to.
        max_identifier_length: Characters in an organization id, project id or environment.
        max_bulk_projects: Projects one bulk operation may change.
        max_invariants: Invariants one organization may store.
        max_invariant_repositories: Repositories one invariant may list as exceptions.
    """

    max_repositories_per_project: int = 100
    max_patterns_per_repository: int = 50
    max_environments: int = 50
    max_identifier_length: int = 200
    max_bulk_projects: int = 10_000
    max_invariants: int = 50
    max_invariant_repositories: int = 1_000


DEFAULT_LIMITS: Final = Limits()
"""The limits used when the host gives none."""
