"""Decisions: may AI scan, may it fix, and up to which stopping point, for one event.

The rules, in order (each is a reason in :class:`DecisionReason` when it says no):

1. The project restricts AI to some environments and the event's is not one of them
   (an event without an environment passes only when no restriction is set): nothing runs.
2. The event names a repository the project lists, and AI is off for it, or the event's
   branch matches none of its patterns (an event without a branch is matched as the empty
   name, which only ``*`` matches): nothing runs. Otherwise the first branch rule that matches
   is the branch's.
3. Scan follows the project's effective ``scan_enabled``.
4. Fix needs scanning on, the project's effective ``fix_enabled``, and a repository the project
   lists (without one there is nothing to fix in). The stopping point is the branch's
   effective one (its rule's override, else the repository's), and is given only when fixing
   is allowed.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from ai_settings_core.domain.resolve import resolve_branch, resolve_project
from ai_settings_core.domain.settings import (
    EffectiveSettings,
    OrganizationSettings,
    ProjectSettings,
)
from ai_settings_core.domain.values import RepositoryRef, StoppingPoint

__all__ = ["Decision", "DecisionReason", "decide", "decision_for"]


class DecisionReason(enum.Enum):
    """Why a decision says no to something."""

    ENVIRONMENT_NOT_ALLOWED = "environment_not_allowed"
    """The project restricts AI to other environments."""
    REPOSITORY_AI_DISABLED = "repository_ai_disabled"
    """AI is switched off for the event's repository."""
    BRANCH_NOT_MATCHED = "branch_not_matched"
    """The event's branch matches none of the repository's patterns."""
    SCAN_DISABLED = "scan_disabled"
    """Scanning is off for the project."""
    FIX_DISABLED = "fix_disabled"
    """Fixing is off for the project."""
    FIX_REQUIRES_SCAN = "fix_requires_scan"
    """Fixing is on, but scanning is off, and a fix starts from a scan."""
    NO_REPOSITORY = "no_repository"
    """The event names no repository, and a fix needs one."""
    REPOSITORY_NOT_CONFIGURED = "repository_not_configured"
    """The event's repository is not one the project lists, and a fix needs one."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Decision:
    """What AI may do for one event, and why not where it may not.

    Attributes:
        scan: Whether AI may scan the issue.
        fix: Whether AI may attempt a fix.
        stopping_point: How far the fix may go; ``None`` when fixing is not allowed.
        reasons: Why scan or fix is refused, in the order the rules were checked; empty when
            both are allowed.
    """

    scan: bool
    fix: bool
    stopping_point: StoppingPoint | None
    reasons: tuple[DecisionReason, ...] = ()


def decide(
    organization: OrganizationSettings | None,
    project: ProjectSettings | None,
    *,
    repository: RepositoryRef | None = None,
    branch: str | None = None,
    environment: str | None = None,
    now: dt.datetime | None = None,
) -> Decision:
    """Decide what AI may do for one event, from the stored settings.

    This is the plain path; for the hot path, prepare a snapshot once and ask it. ``now`` is
    the moment of the event: needed when an override or a lock carries an expiry (an expired
    one is absent).

        >>> from ai_settings_core import OrganizationSettings, ProjectSettings, RepositoryRef
        >>> from ai_settings_core import RepositorySettings
        >>> repo = RepositoryRef.parse("github:acme/api")
        >>> org = OrganizationSettings("acme", fix_enabled=True)
        >>> project = ProjectSettings("acme", "api", repositories=(RepositorySettings(repo),))
        >>> decision = decide(org, project, repository=repo, branch="main")
        >>> decision.scan, decision.fix, str(decision.stopping_point), decision.reasons
        (True, True, 'pull_request', ())
        >>> decide(org, project, branch="main").reasons
        (<DecisionReason.NO_REPOSITORY: 'no_repository'>,)
    """
    if project is not None and project.environments and environment not in project.environments:
        return Decision(False, False, None, (DecisionReason.ENVIRONMENT_NOT_ALLOWED,))
    configured = None
    if repository is not None and project is not None:
        configured = project.repository(repository)
    if configured is not None:
        if not configured.ai_enabled:
            return Decision(False, False, None, (DecisionReason.REPOSITORY_AI_DISABLED,))
        rule = configured.rule_for(branch or "")
        if rule is None:
            return Decision(False, False, None, (DecisionReason.BRANCH_NOT_MATCHED,))
        effective = resolve_branch(organization, project, configured, rule, now=now).effective
        return decision_for(effective, None)
    effective = resolve_project(organization, project, now=now).effective
    return decision_for(
        effective,
        DecisionReason.NO_REPOSITORY
        if repository is None
        else DecisionReason.REPOSITORY_NOT_CONFIGURED,
    )


def decision_for(effective: EffectiveSettings, unlisted: DecisionReason | None) -> Decision:
    """Rules 3 and 4 of the module's docstring: the decision an event gets from ``effective``.

    ``unlisted`` is ``None`` for an event from a repository the project lists (whose patterns
    match the branch), else why a fix is refused even when fixing is on (``NO_REPOSITORY``,
    ``REPOSITORY_NOT_CONFIGURED``). :func:`decide` and the exposure report both answer with it.
    """
    reasons: list[DecisionReason] = []
    scan = effective.scan_enabled
    if not scan:
        reasons.append(DecisionReason.SCAN_DISABLED)
    fix = effective.fix_enabled
    if not fix:
        reasons.append(DecisionReason.FIX_DISABLED)
    elif not scan:
        reasons.append(DecisionReason.FIX_REQUIRES_SCAN)
        fix = False
    elif unlisted is not None:
        reasons.append(unlisted)
        fix = False
    return Decision(scan, fix, effective.stopping_point if fix else None, tuple(reasons))
