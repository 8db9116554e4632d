"""Codec speed (issue 7 target 3, issue 17 targets 1 and 2): parse and dump, beside pydantic.

Ours (``parse_project``, ``parse_organization``, ``parse_bulk``, ``dump_project``,
``dump_organization``) against, in the same process:

- pydantic v2 ``model_validate`` into frozen models written the way a user who knows the
  library writes them: ``extra="forbid"``, strict types, enums by value, every check with a
  regular-expression form as ``StringConstraints(strict=True, pattern=...)`` (run in
  pydantic's Rust core), and only the branch-pattern glob check and the uniqueness of
  repositories as Python validators; and its ``model_dump(mode="json")``. Targets: parsing
  at most 0.9x, dumping at most 0.7x;
- msgspec ``convert`` into frozen strict structs written the same way (``Meta(pattern=...)``),
  for information;
- cattrs out of the box (not strict: it turns ``"false"`` into ``True``), for information.

Before timing, every candidate must refuse every payload of ``BAD_PAYLOADS``,
``BAD_ORGANIZATIONS`` and ``BAD_BULKS`` (else the comparison would not be fair).

Our parser keeps the repository references and branch patterns it has parsed (bounded
caches): the same payload parsed again finds its references there. The row "never seen
before" empties the references' cache before each parse, for the case of new repositories.

Run: ``python benchmarks/run.py --only bench_codec``; ``run(repeats)`` returns the rows.
"""

from __future__ import annotations

import enum
import statistics
import time
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import cattrs
import msgspec
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from ai_settings_core import (
    BranchPattern,
    BranchRule,
    ProjectSettings,
    RepositoryRef,
    StoppingPoint,
    ValidationError,
)
from ai_settings_core.codec import (
    dump_organization,
    dump_project,
    parse_bulk,
    parse_organization,
    parse_project,
)
from ai_settings_core.codec._hooks import REFS
from ai_settings_core.domain.values import _pattern_problem
from benchmarks import row

PAYLOAD: dict[str, Any] = {
    "organization_id": "acme",
    "project_id": "web",
    "scan_enabled_override": None,
    "fix_enabled_override": True,
    "stopping_point_override": "merge",
    "repositories": [
        {
            "repository": "github:acme/api",
            "ai_enabled": True,
            "branch_patterns": ["main", "release/*"],
            "stopping_point_override": None,
        },
        {
            "repository": "github:acme/web",
            "ai_enabled": False,
            "branch_patterns": ["*"],
            "stopping_point_override": "suggestion",
        },
        {
            "repository": "gitlab:acme/tools/cli",
            "ai_enabled": True,
            "branch_patterns": ["main"],
            "stopping_point_override": None,
        },
    ],
    "environments": ["production", "staging"],
    "version": 3,
}


# --- the same rules, as pydantic and msgspec users who know their library write them --------
#
# Every check that has a regular-expression form is a constraint the library runs itself
# (pydantic: ``StringConstraints(strict=True, pattern=...)`` in its Rust core; msgspec:
# ``Meta(pattern=...)`` in C). The branch-pattern rule (no ``..``, ``~``, ``^``, ``:``, no
# leading ``/`` or ``-``) and the uniqueness of repositories have no such form: they are the
# Python validators every candidate keeps. ``BAD_PAYLOADS`` holds each candidate to them.


class StoppingPointEnum(enum.Enum):
    SUGGESTION = "suggestion"
    PULL_REQUEST = "pull_request"
    MERGE = "merge"


class SettingEnum(enum.Enum):
    SCAN_ENABLED = "scan_enabled"
    FIX_ENABLED = "fix_enabled"
    STOPPING_POINT = "stopping_point"


IDENTIFIER = r"^[^\s\x00-\x1f\x7f-\x9f]{1,200}$"
_SEGMENT = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9_])?"
_NAME = r"(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}|\.[A-Za-z0-9_-][A-Za-z0-9._-]{0,98}|\.\.[A-Za-z0-9._-]{1,98})"
REPOSITORY = rf"^(?:(?:github|bitbucket):{_SEGMENT}|gitlab:{_SEGMENT}(?:/{_SEGMENT})*)/{_NAME}$"
MAX_VERSION = 2**63 - 1


def check_pattern(value: str) -> str:
    if _pattern_problem(value) is not None:
        raise ValueError("invalid pattern")
    return value


def check_unique(repositories: Iterable[Any]) -> None:
    seen: set[str] = set()
    for repository in repositories:
        key = repository.repository.casefold()
        if key in seen:
            raise ValueError("duplicate repository")
        seen.add(key)


Identifier = Annotated[str, StringConstraints(strict=True, pattern=IDENTIFIER)]
Repository = Annotated[str, StringConstraints(strict=True, max_length=255, pattern=REPOSITORY)]
Pattern = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=255), AfterValidator(check_pattern)
]
Version = Annotated[StrictInt, Field(ge=0, le=MAX_VERSION)]


class PydanticRepository(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    repository: Repository
    ai_enabled: StrictBool = True
    branch_patterns: Annotated[tuple[Pattern, ...], Field(min_length=1, max_length=50)] = ("*",)
    stopping_point_override: StoppingPointEnum | None = None


class PydanticProject(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    organization_id: Identifier
    project_id: Identifier
    scan_enabled_override: StrictBool | None = None
    fix_enabled_override: StrictBool | None = None
    stopping_point_override: StoppingPointEnum | None = None
    repositories: Annotated[tuple[PydanticRepository, ...], Field(max_length=100)] = ()
    environments: Annotated[frozenset[Identifier], Field(max_length=50)] = frozenset()
    version: Version = 0

    @model_validator(mode="after")
    def unique_repositories(self) -> PydanticProject:
        check_unique(self.repositories)
        return self


class PydanticOrganization(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    organization_id: Identifier
    scan_enabled: StrictBool = True
    fix_enabled: StrictBool = False
    stopping_point: StoppingPointEnum = StoppingPointEnum.PULL_REQUEST
    locked: Annotated[frozenset[SettingEnum], Field(max_length=3)] = frozenset()
    max_stopping_point: StoppingPointEnum | None = None
    version: Version = 0


class PydanticProjectPatch(BaseModel):
    """A patch: absent fields are ``model_fields_set``'s business, ``None`` is inherit."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    scan_enabled_override: StrictBool | None = None
    fix_enabled_override: StrictBool | None = None
    stopping_point_override: StoppingPointEnum | None = None
    repositories: Annotated[tuple[PydanticRepository, ...], Field(max_length=100)] | None = None
    environments: Annotated[frozenset[Identifier], Field(max_length=50)] | None = None

    @model_validator(mode="after")
    def unique_repositories(self) -> PydanticProjectPatch:
        check_unique(self.repositories or ())
        return self


class PydanticBulk(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    projects: Annotated[list[StrictStr], Field(min_length=1, max_length=10_000)]
    changes: PydanticProjectPatch | None = None
    reset: StrictBool = False

    @model_validator(mode="after")
    def changes_or_reset(self) -> PydanticBulk:
        if (self.changes is None) is not self.reset:
            raise ValueError('give "changes" or "reset": true')
        return self


MsgIdentifier = Annotated[str, msgspec.Meta(pattern=IDENTIFIER)]
MsgVersion = Annotated[int, msgspec.Meta(ge=0, le=MAX_VERSION)]


class MsgspecRepository(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    repository: Annotated[str, msgspec.Meta(max_length=255, pattern=REPOSITORY)]
    ai_enabled: bool = True
    branch_patterns: Annotated[
        tuple[Annotated[str, msgspec.Meta(min_length=1, max_length=255)], ...],
        msgspec.Meta(min_length=1, max_length=50),
    ] = ("*",)
    stopping_point_override: StoppingPointEnum | None = None

    def __post_init__(self) -> None:
        for pattern in self.branch_patterns:
            check_pattern(pattern)


class MsgspecProject(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    organization_id: MsgIdentifier
    project_id: MsgIdentifier
    scan_enabled_override: bool | None = None
    fix_enabled_override: bool | None = None
    stopping_point_override: StoppingPointEnum | None = None
    repositories: Annotated[tuple[MsgspecRepository, ...], msgspec.Meta(max_length=100)] = ()
    environments: Annotated[frozenset[MsgIdentifier], msgspec.Meta(max_length=50)] = frozenset()
    version: MsgVersion = 0

    def __post_init__(self) -> None:
        check_unique(self.repositories)


class MsgspecOrganization(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    organization_id: MsgIdentifier
    scan_enabled: bool = True
    fix_enabled: bool = False
    stopping_point: StoppingPointEnum = StoppingPointEnum.PULL_REQUEST
    locked: Annotated[frozenset[SettingEnum], msgspec.Meta(max_length=3)] = frozenset()
    max_stopping_point: StoppingPointEnum | None = None
    version: MsgVersion = 0


# Each payload must be refused by every candidate (ours, pydantic, msgspec) before timing.
BAD_PAYLOADS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("a string for a boolean", PAYLOAD | {"fix_enabled_override": "false"}),
    ("an integer for a boolean", PAYLOAD | {"scan_enabled_override": 1}),
    ("an unknown key", PAYLOAD | {"colour": "blue"}),
    ("a space in an identifier", PAYLOAD | {"project_id": "my web"}),
    ("an empty identifier", PAYLOAD | {"organization_id": ""}),
    ("a control character in an environment", PAYLOAD | {"environments": ["prod\x00"]}),
    ("an identifier too long", PAYLOAD | {"project_id": "w" * 201}),
    ("a number for an identifier", PAYLOAD | {"project_id": 7}),
    ("an unknown stopping point", PAYLOAD | {"stopping_point_override": "deploy"}),
    ("a negative version", PAYLOAD | {"version": -1}),
    ("a repository without owner", PAYLOAD | {"repositories": [{"repository": "github:api"}]}),
    ("an unknown provider", PAYLOAD | {"repositories": [{"repository": "svn:acme/api"}]}),
    ("a nested GitHub owner", PAYLOAD | {"repositories": [{"repository": "github:a/b/c"}]}),
    ("a repository named ..", PAYLOAD | {"repositories": [{"repository": "github:acme/.."}]}),
    (
        "a pattern with ..",
        PAYLOAD | {"repositories": [{"repository": "github:acme/x", "branch_patterns": ["a..b"]}]},
    ),
    (
        "a pattern starting with -",
        PAYLOAD | {"repositories": [{"repository": "github:acme/x", "branch_patterns": ["-x"]}]},
    ),
    (
        "no pattern",
        PAYLOAD | {"repositories": [{"repository": "github:acme/x", "branch_patterns": []}]},
    ),
    (
        "a repository twice",
        PAYLOAD
        | {"repositories": [{"repository": "github:acme/x"}, {"repository": "github:ACME/x"}]},
    ),
)


# --- measurement ------------------------------------------------------------------------------


def _sample(function: Callable[[], object], number: int) -> float:
    """Nanoseconds per call, over ``number`` calls."""
    clock = time.perf_counter_ns
    start = clock()
    for _ in range(number):
        function()
    return (clock() - start) / number


def _compare(
    ours: Callable[[], object],
    baseline: Callable[[], object],
    repeats: int,
    number: int,
) -> tuple[float, float]:
    """Median ns per call of both, sampled alternately after a warm-up."""
    for _ in range(3):
        _sample(ours, number)
        _sample(baseline, number)
    mine, theirs = [], []
    for _ in range(repeats):
        mine.append(_sample(ours, number))
        theirs.append(_sample(baseline, number))
    return statistics.median(mine), statistics.median(theirs)


def _row(
    name: str, baseline: str, ours_ns: float, baseline_ns: float, target: float | None
) -> dict[str, Any]:
    """A row in the runner's contract (see benchmarks/run.py)."""
    ratio = ours_ns / baseline_ns
    return row(
        f"{name} vs {baseline}",
        ours_ns,
        baseline_name=baseline,
        baseline_median_ns=baseline_ns,
        target="information" if target is None else f"ratio <= {target:g}",
        passed=target is None or ratio <= target,
    )


ORGANIZATION: dict[str, Any] = {
    "organization_id": "acme",
    "scan_enabled": True,
    "fix_enabled": True,
    "stopping_point": "merge",
    "locked": ["scan_enabled", "stopping_point"],
    "max_stopping_point": "merge",
    "version": 12,
}
BULK: dict[str, Any] = {
    "projects": [f"project-{index}" for index in range(1000)],
    "changes": {"fix_enabled_override": True, "stopping_point_override": None},
}
BAD_ORGANIZATIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("a string for a boolean", ORGANIZATION | {"fix_enabled": "true"}),
    ("an unknown setting locked", ORGANIZATION | {"locked": ["colour"]}),
    ("a null stopping point", ORGANIZATION | {"stopping_point": None}),
    ("a tab in the id", ORGANIZATION | {"organization_id": "ac\tme"}),
)
BAD_BULKS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("a number among the projects", BULK | {"projects": ["web", 3]}),
    ("no project", BULK | {"projects": []}),
    ("changes and reset", BULK | {"reset": True}),
    ("an unknown key in changes", BULK | {"changes": {"colour": "blue"}}),
)


def _refuse_alike(
    candidates: dict[str, Callable[[dict[str, Any]], object]],
    bad: tuple[tuple[str, dict[str, Any]], ...],
) -> None:
    """Every candidate refuses every bad payload (else the comparison would not be fair)."""
    for what, payload in bad:
        for name, parse in candidates.items():
            try:
                parse(payload)
            except (ValidationError, PydanticValidationError, msgspec.ValidationError, ValueError):
                continue
            msg = f"{name} accepts {what}: the candidates do not check the same rules"
            raise AssertionError(msg)


def run(repeats: int = 15, number: int = 2000) -> list[dict[str, Any]]:
    """Measure parsing and dumping against the baselines; one row per comparison.

    A row's ``target`` is the largest ratio allowed (``None`` for information only).
    """
    payload = PAYLOAD
    project = parse_project(payload)
    model = PydanticProject.model_validate(payload)
    struct = msgspec.convert(payload, MsgspecProject, strict=True)
    assert dump_project(project) == model.model_dump(mode="json") | {
        "environments": sorted(model.environments)
    }
    _refuse_alike(
        {
            "ours": parse_project,
            "pydantic": PydanticProject.model_validate,
            "msgspec": lambda data: msgspec.convert(data, MsgspecProject, strict=True),
        },
        BAD_PAYLOADS,
    )
    _refuse_alike(
        {
            "ours": parse_organization,
            "pydantic": PydanticOrganization.model_validate,
            "msgspec": lambda data: msgspec.convert(data, MsgspecOrganization, strict=True),
        },
        BAD_ORGANIZATIONS,
    )
    _refuse_alike({"ours": parse_bulk, "pydantic": PydanticBulk.model_validate}, BAD_BULKS)
    # cattrs as it comes, plus the hooks it cannot do without (text into value objects, and a
    # branch rule written as its pattern alone).
    plain = cattrs.Converter()
    plain.register_structure_hook(RepositoryRef, lambda value, _: RepositoryRef.parse(value))
    plain.register_structure_hook(BranchPattern, lambda value, _: BranchPattern(value))

    def branch_rule(value: Any, _: object) -> BranchRule:
        if isinstance(value, str):
            return BranchRule(BranchPattern(value))
        point = value.get("stopping_point_override")
        return BranchRule(BranchPattern(value["pattern"]), point and StoppingPoint(point))

    plain.register_structure_hook(BranchRule, branch_rule)
    organization = parse_organization(ORGANIZATION)
    organization_model = PydanticOrganization.model_validate(ORGANIZATION)
    organization_struct = msgspec.convert(ORGANIZATION, MsgspecOrganization, strict=True)

    comparisons: list[tuple[str, str, Callable[[], object], Callable[[], object], float | None]]
    comparisons = [
        (
            "codec: parse project (3 repositories)",
            "pydantic v2, core constraints",
            lambda: parse_project(payload),
            lambda: PydanticProject.model_validate(payload),
            0.9,
        ),
        (
            "codec: parse project (3 repositories)",
            "msgspec, Meta(pattern)",
            lambda: parse_project(payload),
            lambda: msgspec.convert(payload, MsgspecProject, strict=True),
            None,
        ),
        (
            "codec: parse project (3 repositories)",
            "cattrs, not strict",
            lambda: parse_project(payload),
            lambda: plain.structure(payload, ProjectSettings),
            None,
        ),
        (
            "codec: parse project, its 3 repositories never seen before",
            "pydantic v2, core constraints",
            lambda: (REFS.clear(), parse_project(payload)),
            lambda: PydanticProject.model_validate(payload),
            None,
        ),
        (
            "codec: parse organization",
            "pydantic v2, core constraints",
            lambda: parse_organization(ORGANIZATION),
            lambda: PydanticOrganization.model_validate(ORGANIZATION),
            0.9,
        ),
        (
            "codec: parse organization",
            "msgspec, Meta(pattern)",
            lambda: parse_organization(ORGANIZATION),
            lambda: msgspec.convert(ORGANIZATION, MsgspecOrganization, strict=True),
            None,
        ),
        (
            "codec: dump project (3 repositories)",
            "pydantic v2",
            lambda: dump_project(project),
            lambda: model.model_dump(mode="json"),
            0.7,
        ),
        (
            "codec: dump project (3 repositories)",
            "msgspec",
            lambda: dump_project(project),
            lambda: msgspec.to_builtins(struct),
            None,
        ),
        (
            "codec: dump organization",
            "pydantic v2",
            lambda: dump_organization(organization),
            lambda: organization_model.model_dump(mode="json"),
            0.7,
        ),
        (
            "codec: dump organization",
            "msgspec",
            lambda: dump_organization(organization),
            lambda: msgspec.to_builtins(organization_struct),
            None,
        ),
    ]
    rows = [
        _row(name, baseline, *_compare(ours, theirs, repeats, number), target)
        for name, baseline, ours, theirs, target in comparisons
    ]
    ours, theirs = _compare(
        lambda: parse_bulk(BULK),
        lambda: PydanticBulk.model_validate(BULK),
        repeats,
        max(1, number // 20),
    )
    rows.append(
        _row("codec: parse bulk request (1,000 projects)", "pydantic v2", ours, theirs, 0.9)
    )
    return rows
