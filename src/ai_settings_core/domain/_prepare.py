"""Preparing projects for a decision snapshot: every answer ``decide`` can give, asked once.

A snapshot's answers are kept in one table (:class:`Answers`): each distinct answer is asked of
``decide`` itself, once per distinct set of overrides, and the prepared projects and their
repositories hold positions in that table. The table is small (a few hundred answers at most,
whatever the number of projects), and the positions do not depend on the organization: for
changed organization settings, only the table is asked again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Final

import attrs

from ai_settings_core.domain.decide import Decision, decide
from ai_settings_core.domain.settings import (
    ALL_BRANCHES_RULE,
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
)
from ai_settings_core.domain.values import RepositoryRef, StoppingPoint

__all__ = [
    "NOT_MATCHED",
    "SEEN_BRANCHES",
    "Answers",
    "Entry",
    "PreparedProject",
    "Preparer",
    "fold",
    "shared",
]

# The repository of an event when asking ``decide`` for the answers of the table: listed by the
# question's project or not (the answer does not depend on which repository it is).
_ANY_REPOSITORY: Final = RepositoryRef.parse("github:any/repository")

_GLOB_CHARACTERS: Final = frozenset("*?[")

_Overrides = tuple[bool | None, bool | None, StoppingPoint | None]


@attrs.frozen
class Question:
    """How to ask ``decide`` for one answer of the table, for any organization.

    ``project`` is a project without repositories nor environments carrying the overrides;
    ``repository`` is ``None`` for an event without a repository, or the repository the event
    names (listed by ``project`` or not).
    """

    project: ProjectSettings
    repository: RepositoryRef | None

    def ask(self, organization: OrganizationSettings | None) -> Decision:
        """The answer for ``organization``."""
        return decide(organization, self.project, repository=self.repository)


@attrs.frozen
class Entry:
    """A repository of a project (or the lack of one), ready to answer for any branch.

    The answers are positions in the snapshot's table. ``always`` is the answer whatever the
    branch (no repository, a repository the project does not list, AI off for the repository,
    or a first rule matching every branch); otherwise a branch gets ``allowed`` when it is one
    of ``names``, starts with one of ``prefixes`` or is matched by ``fullmatch``.

    That is all when every branch rule of the repository gives the same answer (rules without
    overrides, the common case). When the rules' answers differ, those fields are empty and the
    first matching rule answers: a branch named exactly by a rule without glob characters is
    in ``by_name`` (the position of the answer of the first rule matching that name); any
    other branch can only be matched by the other rules, in order: as ``(prefix, position)``
    pairs in ``by_prefix`` when they are all prefixes (``release/*``), else as the
    alternatives of ``ordered``, whose outermost group names the rule that matched
    (``by_group`` maps it to the position of its answer). A branch none finds is refused.

    ``seen`` remembers the answer of each branch already asked (see :meth:`position`), up to
    :data:`SEEN_BRANCHES` of them: the snapshot answers a branch it has seen with one look-up,
    whatever the rules.
    """

    always: int | None
    allowed: int
    names: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    fullmatch: Callable[[str], re.Match[str] | None] | None = None
    by_name: dict[str, int] | None = None
    by_prefix: tuple[tuple[str, int], ...] = ()
    ordered: Callable[[str], re.Match[str] | None] | None = None
    by_group: dict[str | None, int] | None = None
    seen: dict[str, int] = attrs.field(factory=dict, eq=False, repr=False)

    def position(self, branch: str) -> int:
        """The position of the answer for ``branch`` (:data:`NOT_MATCHED`: no rule matches it).

        Remembered in ``seen`` while it holds fewer than :data:`SEEN_BRANCHES` branches: the
        answer of a branch does not change, and an entry is shared by every snapshot derived
        from the one that prepared it (a dictionary's item assignment is atomic, so threads
        sharing a snapshot may fill it at once).
        """
        by_name = self.by_name
        if by_name is None:  # every rule gives the same answer: does any match?
            if (
                branch in self.names
                or (self.prefixes and branch.startswith(self.prefixes))
                or (self.fullmatch is not None and self.fullmatch(branch) is not None)
            ):
                found = self.allowed
            else:
                found = NOT_MATCHED
        else:  # the rules answer differently: the first that matches
            found = self._first(by_name, branch)
        seen = self.seen
        if len(seen) < SEEN_BRANCHES:
            seen[branch] = found
        return found

    def _first(self, by_name: dict[str, int], branch: str) -> int:
        position = by_name.get(branch)
        if position is not None:
            return position
        for prefix, position in self.by_prefix:
            if branch.startswith(prefix):
                return position
        ordered = self.ordered
        if ordered is not None:
            match = ordered(branch)
            if match is not None:
                return self.by_group[match.lastgroup]  # type: ignore[index]
        return NOT_MATCHED


NOT_MATCHED: Final = -1
"""The position :meth:`Entry.position` gives a branch no rule matches."""

SEEN_BRANCHES: Final = 64
"""How many branches an entry remembers the answer of.

A bound against events that name ever new branches: an entry is shared by the repositories
configured alike, so a snapshot holds at most this many branch names per distinct
configuration of a repository's rules (about as much memory as the entry's compiled
expression), whatever the number of events.
"""


# Not frozen: a frozen class's ``__init__`` sets each field through ``object.__setattr__``, which
# made building one cost about 2.5 times as much, once per project. Nothing changes one after
# it is built (it is private to this module and the snapshot).
@attrs.define
class PreparedProject:
    """A project, ready to answer.

    ``without`` and ``unlisted`` are the positions of the answers for no repository and for
    a repository the project does not list. ``by_text`` maps each listed repository's text, as
    stored and case-folded, to its entry (``None`` when the project lists none). Projects alike
    that list no repositories share one.
    """

    environments: frozenset[str] | None
    without: int
    unlisted: int
    by_text: dict[str, Entry] | None


def fold(ref: RepositoryRef) -> str:
    """The text of ``ref``'s identity: two references are one repository when it is equal.

    A valid repository text is ASCII, so lower-casing the path is case-folding it; the
    provider is matched exactly.
    """
    provider, colon, path = str(ref).partition(":")
    return provider + colon + path.lower()


@attrs.frozen
class Answers:
    """The table of answers: each distinct answer's question, its position, and the answers."""

    positions: Mapping[tuple[object, ...], int]
    questions: tuple[Question, ...]
    decisions: tuple[Decision, ...]


def shared(decisions: Iterable[Decision]) -> tuple[Decision, ...]:
    """The decisions, equal ones shared (so that equal answers are one object)."""
    first: dict[Decision, Decision] = {}
    return tuple(first.setdefault(decision, decision) for decision in decisions)


class Preparer:
    """Prepares projects against a table of answers, adding the answers it lacks."""

    def __init__(self, organization: OrganizationSettings | None, answers: Answers) -> None:
        self._organization = organization
        self._answers = answers
        self._positions: dict[tuple[object, ...], int] | None = None
        self._questions: list[Question] = []
        self._decisions: list[Decision] = []
        self._bases: dict[tuple[object, ...], tuple[int, int]] = {}
        self._alone: dict[tuple[object, ...], PreparedProject] = {}
        self._environments: dict[frozenset[str], frozenset[str]] = {}
        self._listed: dict[tuple[object, ...], int] = {}
        self._entries: dict[tuple[object, ...], Entry] = {}

    def answers(self) -> Answers:
        """The table, with the answers added while preparing."""
        if self._positions is None:
            return self._answers
        return Answers(
            self._positions,
            (*self._answers.questions, *self._questions),
            shared((*self._answers.decisions, *self._decisions)),
        )

    def _position(self, key: tuple[object, ...], question: Callable[[], Question]) -> int:
        position = (self._positions or self._answers.positions).get(key)
        if position is None:
            if self._positions is None:
                self._positions = dict(self._answers.positions)
            asked = question()
            position = len(self._positions)
            self._positions[key] = position
            self._questions.append(asked)
            self._decisions.append(asked.ask(self._organization))
        return position

    def _base(self, overrides: _Overrides, project: ProjectSettings) -> tuple[int, int]:
        """The positions of the answers for no repository and for an unlisted one."""
        return (
            self._position(("none", *overrides), lambda: Question(_bare(project), None)),
            self._position(
                ("unlisted", *overrides), lambda: Question(_bare(project), _ANY_REPOSITORY)
            ),
        )

    def unknown(self) -> PreparedProject:
        """The answers for a project that stored nothing: it inherits everything."""
        return PreparedProject(None, *self._base((None, None, None), ProjectSettings("", "")), None)

    def project(self, project: ProjectSettings) -> PreparedProject:
        """The answers for one stored project."""
        point = project.stopping_point_override
        # The memo keys hold the stopping point by identity: an enum member's hash is computed
        # by a Python method, which cost about a tenth of preparing a project (members and
        # ``None`` live as long as the process, so their identities are stable).
        quick = (project.scan_enabled_override, project.fix_enabled_override, id(point))
        base = self._bases.get(quick)
        if base is None:
            overrides = (project.scan_enabled_override, project.fix_enabled_override, point)
            base = self._bases[quick] = self._base(overrides, project)
        environments = project.environments or None
        if environments is not None:
            environments = self._environments.setdefault(environments, environments)
        if not project.repositories:
            key = (*quick, environments)
            alone = self._alone.get(key)
            if alone is None:
                alone = self._alone[key] = PreparedProject(environments, *base, None)
            return alone
        by_text: dict[str, Entry] = {}
        listed = self._listed
        entries = self._entries
        for repository in project.repositories:
            text = str(repository.repository)
            provider, colon, path = text.partition(":")
            folded = provider + colon + path.lower()  # ``fold``, inlined
            # ``ProjectSettings.repository`` finds the first listed entry of a repository.
            entry = by_text.get(folded)
            if entry is None:
                enabled = repository.ai_enabled
                answer = (*quick, enabled, id(repository.stopping_point_override), id(None))
                allowed = listed.get(answer)
                if allowed is None:
                    allowed = listed[answer] = self._allowed(project, repository, ALL_BRANCHES_RULE)
                rules = repository.branch_patterns if enabled else ()
                # Repositories configured alike share one entry (and one compiled expression):
                # the key is the answer and the patterns, or with rules that carry their own
                # stopping points, each rule's answer and the patterns.
                positions: tuple[int, ...] | int = allowed
                for rule in rules:
                    if rule.stopping_point_override is not None:
                        positions = self._rule_positions(quick, project, repository, allowed)
                        break
                entry_key = (positions, *[rule.pattern.text for rule in rules])
                entry = entries.get(entry_key)
                if entry is None:
                    each = positions if isinstance(positions, tuple) else (allowed,) * len(rules)
                    entry = entries[entry_key] = _entry(each or (allowed,), rules)
                by_text[folded] = entry
            by_text.setdefault(text, entry)
        return PreparedProject(environments, *base, by_text)

    def _rule_positions(
        self,
        quick: tuple[object, ...],
        project: ProjectSettings,
        repository: RepositorySettings,
        allowed: int,
    ) -> tuple[int, ...]:
        """The position of the answer on the branches of each rule of ``repository``.

        ``allowed`` is the answer of a rule without an override; the others are memoized like
        it, by the overrides they are asked with.
        """
        positions = []
        for rule in repository.branch_patterns:
            point = rule.stopping_point_override
            if point is None:
                positions.append(allowed)
                continue
            answer = (*quick, True, id(repository.stopping_point_override), id(point))
            position = self._listed.get(answer)
            if position is None:
                position = self._listed[answer] = self._allowed(project, repository, rule)
            positions.append(position)
        return tuple(positions)

    def _allowed(
        self, project: ProjectSettings, repository: RepositorySettings, rule: BranchRule
    ) -> int:
        """The position of the answer for a listed repository and a branch of ``rule``."""

        def question() -> Question:
            # Asked with the rule's override on a pattern matching every branch, ``decide``
            # gives the answer for a branch of that rule; with AI off for the repository, its
            # refusal.
            every = BranchRule(ALL_BRANCHES_RULE.pattern, rule.stopping_point_override)
            listed = attrs.evolve(repository, repository=_ANY_REPOSITORY, branch_patterns=(every,))
            bare = attrs.evolve(_bare(project), repositories=(listed,))
            return Question(bare, _ANY_REPOSITORY)

        key = (
            "listed",
            project.scan_enabled_override,
            project.fix_enabled_override,
            project.stopping_point_override,
            repository.ai_enabled,
            repository.stopping_point_override,
            rule.stopping_point_override,
        )
        return self._position(key, question)


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


def _entry(positions: tuple[int, ...], rules: tuple[BranchRule, ...]) -> Entry:
    """A repository entry: its answers and its branch rules, sorted by how they match.

    ``positions`` holds the answer of each rule; no rules stands for a repository AI is off
    for, whose one answer (``positions[0]``) is a refusal.
    """
    if not rules:
        return Entry(positions[0], positions[0])
    for index, rule in enumerate(rules):
        if not rule.pattern.text.strip("*"):
            # Every branch is matched by this rule at the latest: the rules after it never
            # apply, and when the rules before it answer alike, no branch needs matching.
            rules, positions = rules[: index + 1], positions[: index + 1]
            if len(set(positions)) == 1:
                return Entry(positions[0], positions[0])
            break
    if len(set(positions)) > 1:
        return _ruled(positions, rules)
    names: set[str] = set()
    prefixes: list[str] = []
    globs: list[str] = []
    for rule in rules:
        text = rule.pattern.text
        if _GLOB_CHARACTERS.isdisjoint(text):
            names.add(text)
        elif text.endswith("*") and _GLOB_CHARACTERS.isdisjoint(text[:-1]):
            prefixes.append(text[:-1])
        else:
            globs.append(rule.pattern.regex.pattern)
    fullmatch = re.compile("|".join(globs)).fullmatch if globs else None
    return Entry(None, positions[0], frozenset(names), tuple(prefixes), fullmatch)


def _ruled(positions: tuple[int, ...], rules: tuple[BranchRule, ...]) -> Entry:
    """The entry of rules whose answers differ (see :class:`Entry`)."""
    by_name: dict[str, int] = {}
    by_prefix: list[tuple[str, int]] = []
    by_group: dict[str | None, int] = {}
    alternatives: list[str] = []
    for index, rule in enumerate(rules):
        text = rule.pattern.text
        if _GLOB_CHARACTERS.isdisjoint(text):
            if text not in by_name:
                first = next(i for i, r in enumerate(rules) if r.pattern.matches(text))
                by_name[text] = positions[first]
            continue
        if text.endswith("*") and _GLOB_CHARACTERS.isdisjoint(text[:-1]):
            by_prefix.append((text[:-1], positions[index]))
        by_group[f"r{index}"] = positions[index]
        alternatives.append(f"(?P<r{index}>{rule.pattern.regex.pattern})")
    if len(by_prefix) == len(alternatives):
        return Entry(None, positions[0], by_name=by_name, by_prefix=tuple(by_prefix))
    ordered = re.compile("|".join(alternatives)).fullmatch
    return Entry(None, positions[0], by_name=by_name, ordered=ordered, by_group=by_group)
