"""Exposure: for every project, repository and branch pattern, what AI may do there.

The report answers an admin's question that no settings page answers: *where, exactly, may AI
open a pull request or merge in my organization?* It is the organization's settings read the
way :func:`~ai_settings_core.decide` reads them, once per place instead of once per event:

- each stored project, with the environments it restricts AI to (none: all) and what an event
  from a repository the project does not list gets (scan at most: a fix needs a listed
  repository);
- each repository the project lists, and each of its branch patterns, with the decision an
  event gets on a branch that pattern matches, in one of the project's environments.

Events outside the project's environments, and on branches no pattern of a listed repository
matches, get nothing (``decide`` says why). :meth:`Exposure.places` lists every place where AI
may fix, grouped by how far it may go.

The report is computed from :func:`~ai_settings_core.resolve_all`: projects with the same
overrides share one resolution, and a repository's decision is computed once for each
distinct (project overrides, repository override) pair, so an organization of 100,000
projects is reported in a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Final

import attrs

from ai_settings_core.domain.decide import Decision, DecisionReason, decision_for
from ai_settings_core.domain.resolve import Resolution, resolve_branch, resolve_project
from ai_settings_core.domain.resolve_all import resolve_all
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
)
from ai_settings_core.domain.values import BranchPattern, RepositoryRef, StoppingPoint

__all__ = [
    "BranchExposure",
    "Exposure",
    "ExposurePlace",
    "ProjectExposure",
    "RepositoryExposure",
    "exposure",
]

_AI_DISABLED: Final = Decision(False, False, None, (DecisionReason.REPOSITORY_AI_DISABLED,))
_NOT_LISTED: Final = DecisionReason.REPOSITORY_NOT_CONFIGURED
_FARTHEST_FIRST: Final = tuple(sorted(StoppingPoint, reverse=True))


@attrs.frozen
class BranchExposure:
    """One branch pattern of a listed repository, and what AI may do on its branches.

    Attributes:
        pattern: The pattern.
        decision: What :func:`~ai_settings_core.decide` answers for an event on a branch the
            pattern matches (and no earlier pattern of the repository does), in one of the
            project's environments.
    """

    pattern: BranchPattern
    decision: Decision


@attrs.frozen
class RepositoryExposure:
    """One repository a project lists, and what AI may do on each of its branch patterns.

    Attributes:
        settings: The repository's stored settings.
        decisions: The decision of each branch pattern, in the repository's order.
    """

    settings: RepositorySettings
    decisions: tuple[Decision, ...]

    @property
    def repository(self) -> RepositoryRef:
        """The repository."""
        return self.settings.repository

    @property
    def ai_enabled(self) -> bool:
        """Whether AI acts on its events at all (off: ``repository_ai_disabled`` everywhere)."""
        return self.settings.ai_enabled

    @property
    def branches(self) -> tuple[BranchExposure, ...]:
        """One entry per branch pattern, in the repository's order."""
        return tuple(
            BranchExposure(rule.pattern, decision)
            for rule, decision in zip(self.settings.branch_patterns, self.decisions, strict=True)
        )


@attrs.frozen
class ProjectExposure:
    """One stored project, and what AI may do in it.

    Attributes:
        project: The project's stored settings.
        resolution: The project's effective settings with their traces (from resolve-all).
        unlisted: What an event from a repository the project does not list gets (it may be
            scanned; it is never fixed).
        decisions: For each repository the project lists, the decision of each of its branch
            patterns (:attr:`repositories` pairs them with the repositories).
    """

    project: ProjectSettings
    resolution: Resolution
    unlisted: Decision
    decisions: tuple[tuple[Decision, ...], ...]

    @property
    def project_id(self) -> str:
        """The project."""
        return self.project.project_id

    @property
    def environments(self) -> frozenset[str]:
        """The environments AI is restricted to (empty: all); its decisions hold in those."""
        return self.project.environments

    @property
    def repositories(self) -> tuple[RepositoryExposure, ...]:
        """The repositories the project lists, in its order, with their decisions."""
        return tuple(
            RepositoryExposure(repository, decisions)
            for repository, decisions in zip(self.project.repositories, self.decisions, strict=True)
        )

    def reaches(self, stopping_point: StoppingPoint) -> bool:
        """Whether AI may fix somewhere in this project up to ``stopping_point`` or beyond."""
        return any(
            decision.stopping_point is not None and decision.stopping_point >= stopping_point
            for decisions in self.decisions
            for decision in decisions
        )


@attrs.frozen
class ExposurePlace:
    """A place where AI may fix: a branch pattern of a repository of a project.

    Attributes:
        project_id: The project.
        repository: The repository.
        pattern: The branch pattern.
        environments: The project's environments (empty: all).
        stopping_point: How far an automated fix may go there.
    """

    project_id: str
    repository: RepositoryRef
    pattern: BranchPattern
    environments: frozenset[str]
    stopping_point: StoppingPoint


@attrs.frozen
class Exposure:
    """What AI may do in every stored project, repository and branch pattern of an organization.

    Attributes:
        organization_id: The organization.
        unstored: What an event from a repository of a project with nothing stored gets (it
            inherits the organization's values and lists no repository: scan at most).
        projects: One entry per stored project, by project id.
    """

    organization_id: str
    unstored: Decision
    projects: tuple[ProjectExposure, ...]

    def places(
        self, at: StoppingPoint = StoppingPoint.SUGGESTION
    ) -> dict[StoppingPoint, tuple[ExposurePlace, ...]]:
        """Every place where AI may fix up to ``at`` or beyond, grouped by stopping point.

        The groups go farthest first (``merge``, ``pull_request``, ``suggestion``), down to
        ``at``; each holds its places by project, in the projects' own order of repositories
        and patterns. A group may be empty.
        """
        groups: dict[StoppingPoint, list[ExposurePlace]] = {
            point: [] for point in _FARTHEST_FIRST if point >= at
        }
        for project in self.projects:
            stored = project.project
            for repository, decisions in zip(stored.repositories, project.decisions, strict=True):
                for rule, decision in zip(repository.branch_patterns, decisions, strict=True):
                    point = decision.stopping_point
                    if point is not None and point >= at:
                        groups[point].append(
                            ExposurePlace(
                                stored.project_id,
                                repository.repository,
                                rule.pattern,
                                stored.environments,
                                point,
                            )
                        )
        return {point: tuple(places) for point, places in groups.items()}

    def reaching(self, at: StoppingPoint) -> Exposure:
        """The report cut to the projects where AI may fix up to ``at`` or beyond."""
        return attrs.evolve(
            self, projects=tuple(project for project in self.projects if project.reaches(at))
        )


def _rule_decisions(
    organization: OrganizationSettings | None,
    project: ProjectSettings,
    repository: RepositorySettings,
    now: dt.datetime | None,
) -> tuple[Decision, ...]:
    """The decision on the branches of each rule of a listed repository with AI on.

    Each rule stands at its own stopping point (the repository's, unless the rule has one);
    a decision is computed once per distinct stopping point.
    """
    by_point: dict[StoppingPoint | None, Decision] = {}
    for rule in repository.branch_patterns:
        point = rule.stopping_point_override
        if point not in by_point:
            effective = resolve_branch(organization, project, repository, rule, now=now).effective
            by_point[point] = decision_for(effective, None)
    return tuple(by_point[rule.stopping_point_override] for rule in repository.branch_patterns)


def exposure(
    organization_id: str,
    organization: OrganizationSettings | None,
    projects: Iterable[ProjectSettings],
    *,
    now: dt.datetime | None = None,
) -> Exposure:
    """The exposure report of an organization's stored settings.

    ``projects`` are the organization's stored projects (the report keeps their order; the
    stores give them by id). Every decision in the report is the one
    :func:`~ai_settings_core.decide` answers for an event at that place. ``now`` is the moment
    the report answers for, as for :func:`~ai_settings_core.resolve_all` (settings that carry an
    expiry need it).

        >>> from ai_settings_core import (
        ...     OrganizationSettings, ProjectSettings, RepositoryRef, RepositorySettings,
        ...     BranchPattern, StoppingPoint,
        ... )
        >>> org = OrganizationSettings("acme", fix_enabled=True)
        >>> api = RepositorySettings(
        ...     RepositoryRef.parse("github:acme/api"),
        ...     branch_patterns=(BranchPattern("main"),),
        ...     stopping_point_override=StoppingPoint.MERGE,
        ... )
        >>> report = exposure("acme", org, [ProjectSettings("acme", "web", repositories=(api,))])
        >>> [(str(p.repository), str(p.pattern)) for p in report.places()[StoppingPoint.MERGE]]
        [('github:acme/api', 'main')]
        >>> report.projects[0].unlisted.fix, report.unstored.scan
        (False, True)
    """
    projects = tuple(projects)
    resolved = resolve_all(organization, projects, now=now)
    # Decisions depend on the overrides only, so each is computed once per distinct key: by
    # the resolution resolve_all shares between projects with the same overrides (alive, so
    # its id() is stable) and the repository's own override (by its text: hashed in C) with its
    # expiry. The tuples of decisions are shared the same way: most projects allocate one object.
    unlisted: dict[int, Decision] = {}
    listed: dict[tuple[object, ...], tuple[Decision, ...]] = {}
    reports = []
    report = ProjectExposure
    for project in projects:
        resolution = resolved[project.project_id]
        shared = id(resolution)
        outside = unlisted.get(shared)
        if outside is None:
            outside = unlisted[shared] = decision_for(resolution.effective, _NOT_LISTED)
        decisions: tuple[tuple[Decision, ...], ...] = ()
        if project.repositories:
            items = []
            for repository in project.repositories:
                own = repository.stopping_point_override
                rules = repository.branch_patterns
                key = (
                    shared,
                    (None if own is None else own._value_) if repository.ai_enabled else False,
                    repository.stopping_point_override_expires_at,
                    tuple(rule.stopping_point_override for rule in rules),
                )
                entries = listed.get(key)
                if entries is None:
                    if repository.ai_enabled:
                        entries = _rule_decisions(organization, project, repository, now)
                    else:
                        entries = (_AI_DISABLED,) * len(rules)
                    listed[key] = entries
                items.append(entries)
            decisions = tuple(items)
        reports.append(report(project, resolution, outside, decisions))
    unstored = decision_for(resolve_project(organization, None, now=now).effective, _NOT_LISTED)
    return Exposure(organization_id, unstored, tuple(reports))
