"""Decision snapshots: :func:`~ai_settings_core.decide` for the hot path, prepared once.

A snapshot is built from an organization and all its projects. Everything that does not
depend on the event is worked out then (see ``_prepare``): every answer ``decide`` can give is
computed by ``decide`` itself, once per distinct set of overrides, into one small table of
answers; each project gets a dictionary from repository text (as stored and case-folded) to a
prepared entry holding positions in that table; each repository's branch patterns are split
into "any branch", exact names, prefixes (``release/*``) and one combined regular expression
for the rest (when its rules' stopping points differ, one expression whose groups name the rule
that matched first); environments become a frozenset. Asking is then a few dictionary look-ups, with
no allocation.

The prepared projects live in one flat dictionary, shared by the snapshots derived from it;
the projects changed since it was built are kept apart in a small one, folded into a new flat
dictionary once they are many (about the square root of the number of projects). Deriving a
snapshot for one changed project copies the small one; deriving one for changed organization
settings asks ``decide`` again for the table of answers only, and shares every project.

Overrides and locks that expire: a snapshot is prepared from the settings as they stand at the
moment of its preparation (expired values removed, live ones kept), and knows the earliest
expiry after that moment. Until then it answers from that preparation; from then on it reads
its clock on each call and answers from a fresh preparation of the same stored settings, made
once (and again at the next expiry). A snapshot whose settings carry no expiry never reads the
clock.

A snapshot never changes after it is built, so any number of threads may share one (the fresh
preparation after an expiry is kept in a private one-slot cache; two threads meeting the
instant together may both prepare, and either result is the same). To follow
a change of settings, build a new snapshot (or derive one with ``replace_project``,
``remove_project`` or ``with_organization``) and replace the reference the threads read:
assigning a reference is atomic, and a thread that still holds the old snapshot keeps getting
the old, consistent answers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Final, TypeVar, cast

import attrs

from ai_settings_core.domain._prepare import (
    NOT_MATCHED,
    Answers,
    Entry,
    PreparedProject,
    Preparer,
    fold,
    shared,
)
from ai_settings_core.domain.decide import Decision, DecisionReason
from ai_settings_core.domain.expiry import next_expiry
from ai_settings_core.domain.settings import OrganizationSettings, ProjectSettings
from ai_settings_core.domain.values import RepositoryRef

__all__ = ["DecisionSnapshot"]

# Rules 1 and 2 of ``decide`` refuse with fixed answers.
_ENVIRONMENT_NOT_ALLOWED: Final = Decision(
    False, False, None, (DecisionReason.ENVIRONMENT_NOT_ALLOWED,)
)
_BRANCH_NOT_MATCHED: Final = Decision(False, False, None, (DecisionReason.BRANCH_NOT_MATCHED,))


# A snapshot keeps its prepared projects in one flat dictionary (one look-up on the hot path)
# and the projects changed since it was built in a second, small one; the changes are folded
# into a new flat dictionary once there are more than this many, or the square root of the
# number of projects.
_RECENT_MINIMUM: Final = 32

_V = TypeVar("_V")


def _changed(
    base: dict[str, _V], recent: dict[str, _V], key: str, value: _V, removed: _V
) -> tuple[dict[str, _V], dict[str, _V]]:
    """A flat dictionary and its recent changes, with ``key`` set to ``value``.

    ``recent`` maps each key changed since ``base`` was built to its value, or to ``removed``;
    it is copied, with ``base`` shared. Once it holds more than about the square root of the
    size of ``base``, the changes are folded into a new ``base``: that copy happens once every
    so many changes, so each change costs on average about the square root of the size.
    """
    recent = recent.copy()
    recent[key] = value
    if len(recent) <= max(_RECENT_MINIMUM, math.isqrt(len(base))):
        return base, recent
    base = base.copy()
    for changed, new in recent.items():
        if new is removed:
            base.pop(changed, None)
        else:
            base[changed] = new
    return base, {}


class _Projects(Mapping[str, ProjectSettings]):
    """The stored projects by id: a read-only view of a dictionary and its recent changes.

    ``recent`` maps the ids changed since ``base`` was built to their project, or to ``None``
    when it was removed; both are shared with other snapshots and never change.
    """

    __slots__ = ("_base", "_count", "_recent")

    def __init__(
        self,
        base: dict[str, ProjectSettings],
        recent: dict[str, ProjectSettings | None],
        count: int,
    ) -> None:
        self._base = base
        self._recent = recent
        self._count = count

    def __getitem__(self, project_id: str) -> ProjectSettings:
        recent = self._recent
        if project_id in recent:
            project = recent[project_id]
            if project is None:
                raise KeyError(project_id)
            return project
        return self._base[project_id]

    def __contains__(self, project_id: object) -> bool:
        recent = self._recent
        if project_id in recent:
            return recent[project_id] is not None
        return project_id in self._base

    def __iter__(self) -> Iterator[str]:
        recent = self._recent
        for project_id in self._base:
            if project_id not in recent:
                yield project_id
        for project_id, project in recent.items():
            if project is not None:
                yield project_id

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"<projects of a DecisionSnapshot: {len(self)}>"

    def changed(self, project_id: str, project: ProjectSettings | None) -> _Projects:
        """The projects with ``project_id`` stored as ``project`` (removed for ``None``)."""
        count = self._count + (project is not None) - (project_id in self)
        # ``_changed`` folds removals out of ``base``: it never holds ``None``.
        base, recent = _changed(
            cast("dict[str, ProjectSettings | None]", self._base),
            self._recent,
            project_id,
            project,
            None,
        )
        return _Projects(cast("dict[str, ProjectSettings]", base), recent, count)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a snapshot is built, if it was running.

    A snapshot allocates a few objects per project, none of them garbage; the collector would
    walk them all again and again as they accumulate (the whole heap each time it grew by a
    quarter), which made preparing a million projects nearly twice as slow per project as
    preparing a hundred thousand.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@attrs.frozen(eq=False, repr=False)
class DecisionSnapshot:
    """An organization and its projects, prepared to answer :func:`decide` fast.

    Build one with :meth:`prepare` when the settings are loaded and share it between threads:
    it never changes. :meth:`decide` answers exactly what
    ``decide(organization, project, repository=..., branch=..., environment=...)`` answers,
    in a few hundred nanoseconds.

        >>> from ai_settings_core import OrganizationSettings, ProjectSettings
        >>> from ai_settings_core import RepositoryRef, RepositorySettings, BranchPattern
        >>> org = OrganizationSettings("acme", fix_enabled=True)
        >>> api = ProjectSettings(
        ...     "acme",
        ...     "api",
        ...     repositories=(
        ...         RepositorySettings(
        ...             RepositoryRef.parse("github:acme/api"),
        ...             branch_patterns=(BranchPattern("main"), BranchPattern("release/*")),
        ...         ),
        ...     ),
        ... )
        >>> snapshot = DecisionSnapshot.prepare(org, [api])
        >>> decision = snapshot.decide("api", "github:acme/api", "release/2.0")
        >>> decision.fix, str(decision.stopping_point)
        (True, 'pull_request')
        >>> snapshot.decide("api", "github:acme/api", "feature/x").reasons
        (<DecisionReason.BRANCH_NOT_MATCHED: 'branch_not_matched'>,)
        >>> snapshot.decide("unknown-project", "github:acme/api", "main").reasons
        (<DecisionReason.REPOSITORY_NOT_CONFIGURED: 'repository_not_configured'>,)

    Settings changed? Derive a new snapshot and swap the reference; readers holding the old
    one are not disturbed:

        >>> snapshot = snapshot.replace_project(
        ...     ProjectSettings("acme", "api", scan_enabled_override=False)
        ... )
        >>> snapshot.decide("api", "github:acme/api", "main").scan
        False

    Overrides and locks may expire: pass the ``clock`` the snapshot reads the time from (the
    service passes its own), and it answers as :func:`decide` answers at the moment of each
    call, preparing itself again after each expiry (see the module's documentation)::

        >>> import datetime as dt
        >>> moment = [dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)]
        >>> paused = ProjectSettings(
        ...     "acme", "api", fix_enabled_override=False,
        ...     fix_enabled_override_expires_at=dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC))
        >>> snapshot = DecisionSnapshot.prepare(org, [paused], clock=lambda: moment[0])
        >>> snapshot.decide("api").reasons
        (<DecisionReason.FIX_DISABLED: 'fix_disabled'>,)
        >>> moment[0] = dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC)
        >>> snapshot.decide("api").reasons
        (<DecisionReason.NO_REPOSITORY: 'no_repository'>,)

    Attributes:
        organization: The organization's stored settings, or ``None`` (system defaults).
        projects: The stored projects by id (a read-only mapping, shared in part with the
            snapshots derived from this one).
    """

    organization: OrganizationSettings | None
    projects: Mapping[str, ProjectSettings]
    _prepared: dict[str, PreparedProject]
    _recent: dict[str, PreparedProject]
    _answers: Answers
    _decisions: tuple[Decision, ...]
    _unknown: PreparedProject
    # The organization as it stood when the answers were asked (expired locks removed).
    _live_organization: OrganizationSettings | None = None
    _clock: Callable[[], dt.datetime] | None = None
    # The earliest expiry after the preparation; ``None`` when nothing stored expires later.
    _until: dt.datetime | None = None
    # The fresh preparation after ``_until``, made on first need (a one-slot cache).
    _later: list[DecisionSnapshot] = attrs.field(factory=list)

    @classmethod
    def prepare(
        cls,
        organization: OrganizationSettings | None,
        projects: Iterable[ProjectSettings],
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> DecisionSnapshot:
        """Prepare the answers for ``organization`` and all its stored ``projects``.

        ``organization`` is ``None`` when the organization stored nothing. A project that is
        not among ``projects`` is answered as one that stored nothing. A later project with
        the same id replaces an earlier one. ``clock`` returns the current aware datetime: it
        is needed (``TypeError`` without it) when an override or a lock carries an expiry,
        and read only then.
        """
        return cls._prepare(organization, projects, clock, None)

    @classmethod
    def _prepare(
        cls,
        organization: OrganizationSettings | None,
        projects: Iterable[ProjectSettings],
        clock: Callable[[], dt.datetime] | None,
        now: dt.datetime | None,
    ) -> DecisionSnapshot:
        with _collector_paused():
            stored = {project.project_id: project for project in projects}
            expiring = _expiring(stored.values())
            live = organization
            until = None
            if expiring or (organization is not None and organization.has_expiries):
                now = now if now is not None else _read(clock)
                until = next_expiry(organization, expiring, now)
                live = None if organization is None else organization.at(now)
            preparer = Preparer(live, Answers({}, (), ()))
            prepare = preparer.project
            if expiring:
                assert now is not None  # noqa: S101 - read above when anything expires
                at = now
                prepared = {
                    project_id: prepare(project.at(at)) for project_id, project in stored.items()
                }
            else:
                prepared = {project_id: prepare(project) for project_id, project in stored.items()}
            unknown = preparer.unknown()
            answers = preparer.answers()
            return _kind(until)(
                organization,
                _Projects(stored, {}, len(stored)),
                prepared,
                {},
                answers,
                answers.decisions,
                unknown,
                live,
                clock,
                until,
            )

    def _current(self, now: dt.datetime) -> DecisionSnapshot:
        """The snapshot answering at ``now``, past this one's earliest expiry."""
        later = self._later
        if later:
            found = later[0]
            until = found._until  # noqa: SLF001 - a snapshot of this class
            if until is None or now < until:
                return found
        fresh = DecisionSnapshot._prepare(
            self.organization, self.projects.values(), self._clock, now
        )
        self._later[:] = [fresh]
        return fresh

    def decide(
        self,
        project_id: str,
        repository: str | RepositoryRef | None = None,
        branch: str | None = None,
        environment: str | None = None,
    ) -> Decision:
        """What AI may do for one event: the answer of :func:`decide` for these settings.

        ``repository`` is ``provider:owner/name`` text as events carry it (or a
        :class:`RepositoryRef`); text that is not a valid repository is answered as a
        repository the project does not list. The returned :class:`Decision` is shared
        between calls: it is frozen.
        """
        recent = self._recent
        if recent and project_id in recent:
            project = recent[project_id]
        else:
            project = self._prepared.get(project_id, self._unknown)
        environments = project.environments
        if environments is not None and environment not in environments:
            return _ENVIRONMENT_NOT_ALLOWED
        if repository is None:
            return self._decisions[project.without]
        by_text = project.by_text
        if by_text is None:
            return self._decisions[project.unlisted]
        if repository.__class__ is str:
            entry = by_text.get(repository)
            if entry is None:
                # The case-folded text of every listed repository is in ``by_text``: text in
                # lower case (or not ASCII, so not valid) that is not there is not listed.
                if repository.islower() or not repository.isascii():
                    return self._decisions[project.unlisted]
                entry = _lookup(project, repository)
                if entry is None:
                    return self._decisions[project.unlisted]
        else:
            entry = _lookup(project, repository)
            if entry is None:
                return self._decisions[project.unlisted]
        always = entry.always
        if always is not None:
            return self._decisions[always]
        if branch is None:
            branch = ""
        position = entry.seen.get(branch)
        if position is None:
            position = entry.position(branch)
        if position == NOT_MATCHED:
            return _BRANCH_NOT_MATCHED
        return self._decisions[position]

    def replace_project(self, project: ProjectSettings) -> DecisionSnapshot:
        """A new snapshot with ``project`` added or replacing the stored one of its id.

        Only that project is prepared; the rest is shared with this snapshot (see
        :meth:`remove_project` for what a change costs).
        """
        expiries = project.expiries()
        if expiries or self._until is not None:
            now = _read(self._clock)
            if self._until is not None and now >= self._until:
                return self._current(now).replace_project(project)
            if expiries:
                until = _earliest(self._until, next_expiry(None, (project,), now))
                preparer = Preparer(self._live_organization, self._answers)
                prepared = preparer.project(project.at(now))
                return self._changed(project.project_id, project, prepared, preparer, until)
        preparer = Preparer(self._live_organization, self._answers)
        return self._changed(project.project_id, project, preparer.project(project), preparer)

    def remove_project(self, project_id: str) -> DecisionSnapshot:
        """A new snapshot in which ``project_id`` stored nothing (it inherits everything).

        The flat dictionaries of this snapshot are shared; the projects changed since they
        were built are copied, about the square root of the number of projects at most. Once
        there are more, the changes are folded into new flat dictionaries: that copy of every
        project happens once every so many changes.
        """
        if project_id not in self.projects:
            return self
        if self._until is not None:
            now = _read(self._clock)
            if now >= self._until:
                return self._current(now).remove_project(project_id)
        return self._changed(project_id, None, self._unknown, None)

    def _changed(
        self,
        project_id: str,
        project: ProjectSettings | None,
        prepared: PreparedProject,
        preparer: Preparer | None,
        until: dt.datetime | None = None,
    ) -> DecisionSnapshot:
        answers = self._answers if preparer is None else preparer.answers()
        projects = self.projects
        assert isinstance(projects, _Projects)  # noqa: S101 - every constructor makes one
        base, recent = _changed(self._prepared, self._recent, project_id, prepared, self._unknown)
        until = self._until if until is None else until
        return _kind(until)(
            self.organization,
            projects.changed(project_id, project),
            base,
            recent,
            answers,
            answers.decisions,
            self._unknown,
            self._live_organization,
            self._clock,
            until,
        )

    def with_organization(self, organization: OrganizationSettings | None) -> DecisionSnapshot:
        """A new snapshot for changed organization settings.

        Only the table of answers is asked again (a few hundred answers at most, whatever the
        number of projects); the prepared projects are shared with this snapshot.
        """
        live, until = organization, self._until
        if until is not None or (organization is not None and organization.has_expiries):
            now = _read(self._clock)
            if until is not None and now >= until:
                return self._current(now).with_organization(organization)
            if organization is not None:
                live = organization.at(now)
                until = _earliest(until, next_expiry(organization, (), now))
        old = self._answers
        decisions = shared(question.ask(live) for question in old.questions)
        answers = Answers(old.positions, old.questions, decisions)
        return _kind(until)(
            organization,
            self.projects,
            self._prepared,
            self._recent,
            answers,
            decisions,
            self._unknown,
            live,
            self._clock,
            until,
        )

    def __repr__(self) -> str:
        organization = None if self.organization is None else self.organization.organization_id
        return f"<DecisionSnapshot organization={organization!r} projects={len(self.projects)}>"


@attrs.frozen(eq=False, repr=False)
class _ExpiringSnapshot(DecisionSnapshot):
    """A snapshot whose settings expire later: it reads its clock on each call.

    Kept apart so that a snapshot without expiries pays nothing for them on the hot path.
    """

    def decide(
        self,
        project_id: str,
        repository: str | RepositoryRef | None = None,
        branch: str | None = None,
        environment: str | None = None,
    ) -> Decision:
        """:meth:`DecisionSnapshot.decide`, from a fresh preparation once an expiry passed."""
        now = self._clock()  # type: ignore[misc]  # an expiring snapshot always has a clock
        if now >= self._until:  # type: ignore[operator]  # and an expiry
            return self._current(now).decide(project_id, repository, branch, environment)
        return DecisionSnapshot.decide(self, project_id, repository, branch, environment)


def _expiring(projects: Iterable[ProjectSettings]) -> list[ProjectSettings]:
    """The projects that store an expiry (a plain loop: it runs once per project prepared)."""
    found = []
    for project in projects:
        if (
            project.scan_enabled_override_expires_at is not None
            or project.fix_enabled_override_expires_at is not None
            or project.stopping_point_override_expires_at is not None
        ):
            found.append(project)
            continue
        for repository in project.repositories:
            if repository.stopping_point_override_expires_at is not None:
                found.append(project)
                break
    return found


def _kind(until: dt.datetime | None) -> type[DecisionSnapshot]:
    """The class of a snapshot: one that reads its clock only when something expires later."""
    return DecisionSnapshot if until is None else _ExpiringSnapshot


def _read(clock: Callable[[], dt.datetime] | None) -> dt.datetime:
    """The time from a snapshot's clock; settings that expire need one."""
    if clock is None:
        msg = "these settings carry an expiry: pass clock= (a callable returning the time)"
        raise TypeError(msg)
    return clock()


def _earliest(first: dt.datetime | None, second: dt.datetime | None) -> dt.datetime | None:
    if first is None:
        return second
    if second is None:
        return first
    return min(first, second)


def _lookup(project: PreparedProject, repository: object) -> Entry | None:
    """The entry of a repository not written as stored nor case-folded, or ``None``."""
    if project.by_text is None:
        return None
    if isinstance(repository, RepositoryRef):
        return project.by_text.get(fold(repository))
    if not isinstance(repository, str) or not repository.isascii():
        # A valid repository text is ASCII (``RepositoryRef`` checks it).
        return None
    # Changing the case of ASCII letters keeps a valid repository text valid, and the
    # provider is matched exactly.
    provider, colon, path = repository.partition(":")
    return project.by_text.get(provider + colon + path.lower())
