"""The read use cases: listings, explanations and the audit log, as the actor may see them.

An actor limited to some projects pages through what it reaches only: neither the items nor
the cursors of a page name a project it cannot reach, and pages stay full.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final

from ai_settings_core.domain.audit import AuditEntry
from ai_settings_core.domain.decide import decide
from ai_settings_core.domain.permissions import ORG_ADMIN, ORG_READ, PROJECT_READ, Actor
from ai_settings_core.domain.resolve import resolve_branch, resolve_repository
from ai_settings_core.domain.resolve_all import resolve_all
from ai_settings_core.domain.settings import ProjectSettings
from ai_settings_core.domain.values import RepositoryRef
from ai_settings_core.domain.views import Explanation, ProjectView
from ai_settings_core.ports import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    AuditLog,
    Page,
    UnitOfWork,
    check_page_limit,
    decode_project_cursor,
    encode_project_cursor,
)
from ai_settings_core.service._core import ServiceCore

if TYPE_CHECKING:  # built on demand by ``exposure`` (a read that does not ask does not load it)
    from ai_settings_core.domain.exposure import Exposure

__all__: list[str] = []

_MIN_AUDIT_BATCH: Final = DEFAULT_PAGE_SIZE


class ReadUseCases(ServiceCore):
    """Listings, explanations and the audit log."""

    def list_projects(
        self,
        actor: Actor,
        organization_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        overriding_only: bool = False,
        resolve_repositories: bool = True,
    ) -> Page[ProjectView]:
        """A page of the organization's stored projects with their effective settings.

        With ``overriding_only``, only projects that override a setting ("project override
        visibility"); which ones is ``view.project.overridden``. An actor limited to some
        projects pages through those only: neither the items nor the cursors name a project
        it cannot reach. With ``resolve_repositories=False`` each view's ``repositories`` is
        empty (its project's repositories are not resolved): for a page that shows only the
        projects' own values, as the HTTP listing does. Projects with the same overrides share
        one resolution either way.
        """
        actor.require(organization_id, PROJECT_READ)
        with self._uow(read_only=True) as uow:
            organization = uow.organizations.get(organization_id)
            if actor.projects is None:
                page = uow.projects.list(
                    organization_id, cursor=cursor, limit=limit, overriding_only=overriding_only
                )
            else:
                page = _reachable_page(
                    uow,
                    organization_id,
                    actor.projects,
                    cursor=cursor,
                    limit=limit,
                    overriding_only=overriding_only,
                )
        if resolve_repositories:
            views = tuple(
                self._project_view(organization, project, with_warnings=False)
                for project in page.items
            )
        else:
            resolved = resolve_all(organization, page.items, now=self._clock())
            views = tuple(
                ProjectView(project, organization, resolved[project.project_id], ())
                for project in page.items
            )
        return Page(views, page.next_cursor)

    def explain(
        self,
        actor: Actor,
        organization_id: str,
        project_id: str,
        *,
        repository: RepositoryRef | None = None,
        branch: str | None = None,
        environment: str | None = None,
    ) -> Explanation:
        """Where each value of a project comes from and what AI may do for one event."""
        view = self._read_project(actor, organization_id, project_id)
        project, organization = view.project, view.organization
        configured = None if repository is None else project.repository(repository)
        now = self._clock()
        rule = None if configured is None else configured.rule_for(branch or "")
        resolution = None
        if configured is not None and rule is not None:
            resolution = resolve_branch(organization, project, configured, rule, now=now)
        elif repository is not None:
            resolution = resolve_repository(organization, project, repository, now=now)
        return Explanation(
            view=view,
            repository=repository,
            repository_settings=configured,
            repository_resolution=resolution,
            branch_rule=rule,
            decision=decide(
                organization,
                project,
                repository=repository,
                branch=branch,
                environment=environment,
                now=now,
            ),
        )

    def exposure(self, actor: Actor, organization_id: str) -> Exposure:
        """What AI may do in every stored project, repository and branch pattern.

        Needs ``org:read``. An actor limited to some projects sees those only. One read-only
        unit of work loads the organization; the report answers for the service clock's now
        (overrides and locks that expired are out of force) and is computed from resolve-all
        (:func:`~ai_settings_core.domain.exposure.exposure`), and
        ``report.places(StoppingPoint.PULL_REQUEST)`` lists every place where AI may open a
        pull request or merge.
        """
        actor.require(organization_id, ORG_READ)
        with self._uow(read_only=True) as uow:
            state = uow.projects.load_organization(organization_id)
        projects = state.projects
        if actor.projects is not None:
            projects = tuple(p for p in projects if p.project_id in actor.projects)
        from ai_settings_core.domain.exposure import exposure  # noqa: PLC0415 - on demand

        return exposure(organization_id, state.organization, projects, now=self._clock())

    def audit_log(
        self,
        actor: Actor,
        organization_id: str,
        *,
        project_id: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
    ) -> Page[AuditEntry]:
        """A page of the audit log, newest first.

        The whole organization's log needs ``org:admin``; one project's needs
        ``project:read`` and access to the project. An actor limited to some projects sees
        the organization's own entries and those of the projects it reaches, never an entry
        of another project (on any page; pages stay full).
        """
        if project_id is None:
            actor.require(organization_id, ORG_ADMIN)
        else:
            actor.require_project(organization_id, project_id, PROJECT_READ)
        with self._uow(read_only=True) as uow:
            if project_id is not None or actor.projects is None:
                return uow.audit.query(
                    organization_id,
                    project_id=project_id,
                    since=since,
                    until=until,
                    cursor=cursor,
                    limit=limit,
                )
            return _visible_audit_page(
                uow.audit,
                organization_id,
                actor,
                since=since,
                until=until,
                cursor=cursor,
                limit=check_page_limit(limit),
            )


def _reachable_page(
    uow: UnitOfWork,
    organization_id: str,
    reachable: frozenset[str],
    *,
    cursor: str | None,
    limit: int,
    overriding_only: bool,
) -> Page[ProjectSettings]:
    """A page of the stored projects among ``reachable``, by id, with cursors of those only."""
    limit = check_page_limit(limit)
    after = decode_project_cursor(cursor) or ""
    ids = sorted(project_id for project_id in reachable if project_id > after)
    stored = uow.projects.get_many(organization_id, ids)
    matching = [
        stored[project_id]
        for project_id in ids
        if project_id in stored and (stored[project_id].has_overrides or not overriding_only)
    ]
    items = tuple(matching[:limit])
    more = len(matching) > limit
    return Page(items, encode_project_cursor(items[-1].project_id) if more else None)


def _visible_audit_page(
    audit: AuditLog,
    organization_id: str,
    actor: Actor,
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    cursor: str | None,
    limit: int,
) -> Page[AuditEntry]:
    """A full page of the entries ``actor`` may see, paging through the store's log.

    The organization's own entries and those of reachable projects are kept. The store's
    cursors are opaque, so the page's cursor is the store's cursor after the last entry kept:
    the batch that held it is read again, cut just after it (same snapshot, same entries).
    ``next_cursor`` is ``None`` exactly when no visible entry follows.
    """
    batch_size = min(MAX_PAGE_SIZE, max(limit + 1, _MIN_AUDIT_BATCH))
    items: list[AuditEntry] = []
    last: tuple[str | None, int] | None = None  # (the cursor of its batch, its index there)
    resume = cursor
    while True:
        batch = audit.query(
            organization_id, since=since, until=until, cursor=resume, limit=batch_size
        )
        for index, entry in enumerate(batch.items):
            if entry.project_id is not None and not actor.reaches(entry.project_id):
                continue
            if len(items) == limit and last is not None:
                # A visible entry follows a full page: resume just after the last one kept.
                batch_cursor, kept = last
                cut = audit.query(
                    organization_id, since=since, until=until, cursor=batch_cursor, limit=kept + 1
                )
                return Page(tuple(items), cut.next_cursor)
            items.append(entry)
            last = (resume, index)
        if batch.next_cursor is None:
            return Page(tuple(items), None)
        resume = batch.next_cursor
