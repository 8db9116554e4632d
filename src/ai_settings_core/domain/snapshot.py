"""Decision snapshots: :func:`~ai_settings_core.decide` for the hot path, prepared once.

A snapshot is built from an organization and all its projects. Everything that does not
depend on the event is worked out then: every answer ``decide`` can give for a project is
computed by ``decide`` itself, once per distinct set of overrides, and shared (there are few
distinct answers); each project gets a dictionary from repository text to a prepared entry;
each repository's branch patterns are split into "any branch", exact names, prefixes
(``release/*``) and one combined regular expression for the rest; environments become a
frozenset. Asking is then a few dictionary look-ups, with no allocation.

A snapshot never changes after it is built, so any number of threads may share one. To follow
a change of settings, build a new snapshot (or derive one with ``replace_project``,
``remove_project`` or ``with_organization``) and replace the reference the threads read:
assigning a reference is atomic, and a thread that still holds the old snapshot keeps getting
the old, consistent answers.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Final

import attrs

from ai_settings_core.domain.decide import Decision, DecisionReason, decide
from ai_settings_core.domain.settings import (
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
)
from ai_settings_core.domain.values import ALL_BRANCHES, BranchPattern, RepositoryRef

__all__ = ["DecisionSnapshot"]

# Rules 1 and 2 of ``decide`` refuse with fixed answers.
_ENVIRONMENT_NOT_ALLOWED: Final = Decision(
    False, False, None, (DecisionReason.ENVIRONMENT_NOT_ALLOWED,)
)
_BRANCH_NOT_MATCHED: Final = Decision(False, False, None, (DecisionReason.BRANCH_NOT_MATCHED,))

# A repository no prepared project lists: it stands for "some repository the project does not
# list" when asking ``decide`` for that answer (the answer does not depend on which).
_UNLISTED: Final = RepositoryRef.parse("github:unlisted/unlisted")

_GLOB_CHARACTERS: Final = frozenset("*?[")


@attrs.frozen
class _Repository:
    """A repository of a project, ready to answer for any branch.

    ``always`` is the answer whatever the branch (AI off for the repository, or a pattern
    matching every branch); otherwise a branch gets ``allowed`` when it is one of ``names``,
    starts with one of ``prefixes`` or is matched by ``fullmatch``, and is refused otherwise.
    """

    always: Decision | None
    allowed: Decision
    names: frozenset[str]
    prefixes: tuple[str, ...]
    fullmatch: Callable[[str], re.Match[str] | None] | None


@attrs.frozen
class _Project:
    """A project, ready to answer.

    ``by_text`` maps each listed repository's text, as stored and case-folded, to its entry
    (``None`` when the project lists none); ``by_fold`` maps the case-folded text only, for
    repositories written in yet another case.
    """

    environments: frozenset[str] | None
    without_repository: Decision
    unlisted: Decision
    by_text: dict[str, _Repository] | None
    by_fold: dict[str, _Repository]


def _fold(ref: RepositoryRef) -> str:
    """The text of ``ref``'s identity: two references are one repository when it is equal."""
    return f"{ref.provider.value}:{ref.owner.casefold()}/{ref.name.casefold()}"


class _Preparer:
    """Prepares projects for one organization, sharing equal answers (used while building)."""

    def __init__(self, organization: OrganizationSettings | None) -> None:
        self._organization = organization
        self._decisions: dict[Decision, Decision] = {}
        self._project_answers: dict[tuple[object, ...], tuple[Decision, Decision]] = {}
        self._repository_answers: dict[tuple[object, ...], tuple[Decision | None, Decision]] = {}
        self._entries: dict[tuple[object, ...], _Repository] = {}

    def _intern(self, decision: Decision) -> Decision:
        return self._decisions.setdefault(decision, decision)

    def _ask(self, project: ProjectSettings | None, ref: RepositoryRef | None) -> Decision:
        return self._intern(decide(self._organization, project, repository=ref))

    def unknown(self) -> _Project:
        """The answers for a project that stored nothing: it inherits everything."""
        return _Project(None, self._ask(None, None), self._ask(None, _UNLISTED), None, {})

    def project(self, project: ProjectSettings) -> _Project:
        """The answers for one stored project."""
        overrides = (
            project.scan_enabled_override,
            project.fix_enabled_override,
            project.stopping_point_override,
        )
        answers = self._project_answers.get(overrides)
        if answers is None:
            bare = _bare(project)
            answers = (self._ask(bare, None), self._ask(bare, _UNLISTED))
            self._project_answers[overrides] = answers
        by_text: dict[str, _Repository] = {}
        by_fold: dict[str, _Repository] = {}
        for repository in project.repositories:
            fold = _fold(repository.repository)
            # ``ProjectSettings.repository`` finds the first listed entry of a repository.
            entry = by_fold.get(fold)
            if entry is None:
                entry = by_fold[fold] = self._repository(project, overrides, repository)
            by_text.setdefault(str(repository.repository), entry)
            by_text.setdefault(fold, entry)
        return _Project(
            project.environments or None,
            answers[0],
            answers[1],
            by_text or None,
            by_fold,
        )

    def _repository(
        self,
        project: ProjectSettings,
        overrides: tuple[object, ...],
        repository: RepositorySettings,
    ) -> _Repository:
        key = (*overrides, repository.ai_enabled, repository.stopping_point_override)
        answers = self._repository_answers.get(key)
        if answers is None:
            bare = _bare(project)
            if repository.ai_enabled:
                # Asked with a pattern matching every branch, ``decide`` gives the answer for
                # a matching branch.
                matching = attrs.evolve(repository, branch_patterns=(ALL_BRANCHES,))
                listed = attrs.evolve(bare, repositories=(matching,))
                answers = (None, self._ask(listed, repository.repository))
            else:
                listed = attrs.evolve(bare, repositories=(repository,))
                refused = self._ask(listed, repository.repository)
                answers = (refused, refused)
            self._repository_answers[key] = answers
        always, allowed = answers
        # Repositories configured alike share one entry (and one compiled expression).
        patterns = () if always is not None else repository.branch_patterns
        entry_key = (*key, *(pattern.text for pattern in patterns))
        entry = self._entries.get(entry_key)
        if entry is None:
            entry = self._entries[entry_key] = _entry(always, allowed, patterns)
        return entry


def _bare(project: ProjectSettings) -> ProjectSettings:
    """The project without repositories and environments.

    It answers like the stored project once the event's environment is allowed and its
    repository has been looked up.
    """
    return ProjectSettings(
        project.organization_id,
        project.project_id,
        project.scan_enabled_override,
        project.fix_enabled_override,
        project.stopping_point_override,
    )


def _entry(
    always: Decision | None, allowed: Decision, patterns: tuple[BranchPattern, ...]
) -> _Repository:
    """A repository entry: its answers and its branch patterns, sorted by how they match."""
    if always is not None:
        return _Repository(always, allowed, frozenset(), (), None)
    names: set[str] = set()
    prefixes: list[str] = []
    globs: list[str] = []
    for pattern in patterns:
        text = pattern.text
        if not text.strip("*"):
            return _Repository(allowed, allowed, frozenset(), (), None)
        if _GLOB_CHARACTERS.isdisjoint(text):
            names.add(text)
        elif text.endswith("*") and _GLOB_CHARACTERS.isdisjoint(text[:-1]):
            prefixes.append(text[:-1])
        else:
            globs.append(pattern.regex.pattern)
    fullmatch = re.compile("|".join(globs)).fullmatch if globs else None
    return _Repository(None, allowed, frozenset(names), tuple(prefixes), fullmatch)


def _lookup(project: _Project, repository: object) -> _Repository | None:
    """The entry of a repository not written as stored nor case-folded, or ``None``."""
    if isinstance(repository, RepositoryRef):
        return project.by_fold.get(_fold(repository))
    if not isinstance(repository, str) or not repository.isascii():
        # A valid repository text is ASCII (``RepositoryRef`` checks it).
        return None
    # Changing the case of ASCII letters keeps a valid repository text valid, and the
    # provider is matched exactly.
    provider, colon, path = repository.partition(":")
    return project.by_fold.get(provider + colon + path.lower())


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

    Attributes:
        organization: The organization's stored settings, or ``None`` (system defaults).
        projects: The stored projects by id (read-only).
    """

    organization: OrganizationSettings | None
    projects: Mapping[str, ProjectSettings]
    _prepared: dict[str, _Project]
    _unknown: _Project

    @classmethod
    def prepare(
        cls, organization: OrganizationSettings | None, projects: Iterable[ProjectSettings]
    ) -> DecisionSnapshot:
        """Prepare the answers for ``organization`` and all its stored ``projects``.

        ``organization`` is ``None`` when the organization stored nothing. A project that is
        not among ``projects`` is answered as one that stored nothing. A later project with
        the same id replaces an earlier one.
        """
        stored = {project.project_id: project for project in projects}
        preparer = _Preparer(organization)
        prepared = {project_id: preparer.project(p) for project_id, p in stored.items()}
        return cls(organization, types.MappingProxyType(stored), prepared, preparer.unknown())

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
        project = self._prepared.get(project_id, self._unknown)
        environments = project.environments
        if environments is not None and environment not in environments:
            return _ENVIRONMENT_NOT_ALLOWED
        if repository is None:
            return project.without_repository
        by_text = project.by_text
        if by_text is None:
            return project.unlisted
        if repository.__class__ is str:
            entry = by_text.get(repository)
            if entry is None:
                # The case-folded text of every listed repository is in ``by_text``: text in
                # lower case (or not ASCII, so not valid) that is not there is not listed.
                if repository.islower() or not repository.isascii():
                    return project.unlisted
                entry = _lookup(project, repository)
                if entry is None:
                    return project.unlisted
        else:
            entry = _lookup(project, repository)
            if entry is None:
                return project.unlisted
        always = entry.always
        if always is not None:
            return always
        if branch is None:
            branch = ""
        if (
            branch in entry.names
            or (entry.prefixes and branch.startswith(entry.prefixes))
            or (entry.fullmatch is not None and entry.fullmatch(branch) is not None)
        ):
            return entry.allowed
        return _BRANCH_NOT_MATCHED

    def replace_project(self, project: ProjectSettings) -> DecisionSnapshot:
        """A new snapshot with ``project`` added or replacing the stored one of its id.

        Only that project is prepared; the rest is shared with this snapshot (two dictionary
        copies, about a millisecond per 100,000 projects).
        """
        stored = dict(self.projects)
        stored[project.project_id] = project
        prepared = dict(self._prepared)
        prepared[project.project_id] = _Preparer(self.organization).project(project)
        return DecisionSnapshot(
            self.organization, types.MappingProxyType(stored), prepared, self._unknown
        )

    def remove_project(self, project_id: str) -> DecisionSnapshot:
        """A new snapshot in which ``project_id`` stored nothing (it inherits everything)."""
        stored = dict(self.projects)
        stored.pop(project_id, None)
        prepared = dict(self._prepared)
        prepared.pop(project_id, None)
        return DecisionSnapshot(
            self.organization, types.MappingProxyType(stored), prepared, self._unknown
        )

    def with_organization(self, organization: OrganizationSettings | None) -> DecisionSnapshot:
        """A new snapshot for changed organization settings (every project is prepared again)."""
        return DecisionSnapshot.prepare(organization, self.projects.values())

    def __repr__(self) -> str:
        organization = None if self.organization is None else self.organization.organization_id
        return f"<DecisionSnapshot organization={organization!r} projects={len(self.projects)}>"
