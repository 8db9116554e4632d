"""Organization invariants: declarative statements every write must keep true.

An organization stores its invariants with its settings
(:attr:`~ai_settings_core.OrganizationSettings.invariants`); the service checks every write
against them before it commits, and refuses one that adds a violation (code
``invariant_violated``). See ``docs/invariants.md``.

>>> from ai_settings_core import OrganizationSettings, ProjectSettings
>>> from ai_settings_core.invariants import FixRequiresScan, find_violations
>>> org = OrganizationSettings("acme", invariants=(FixRequiresScan("fix-needs-scan"),))
>>> web = ProjectSettings("acme", "web", scan_enabled_override=False, fix_enabled_override=True)
>>> [(v.invariant, v.project_id, v.path) for v in find_violations(org, [web])]
[('fix-needs-scan', 'web', ('fix_enabled_override',))]
"""

from __future__ import annotations

from ai_settings_core.domain.invariants import (
    FixRequiresScan,
    Invariant,
    InvariantKind,
    MergeOnlyOnBranches,
    StoppingPointAtMost,
)
from ai_settings_core.domain.views import InvariantsView
from ai_settings_core.domain.violations import (
    INVARIANT_VIOLATED,
    Violation,
    added_violations,
    find_violations,
    violation_finding,
)

__all__ = [
    "INVARIANT_VIOLATED",
    "FixRequiresScan",
    "Invariant",
    "InvariantKind",
    "InvariantsView",
    "MergeOnlyOnBranches",
    "StoppingPointAtMost",
    "Violation",
    "added_violations",
    "find_violations",
    "violation_finding",
]


def __dir__() -> list[str]:
    return list(__all__)
