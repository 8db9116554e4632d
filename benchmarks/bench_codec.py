"""Codec speed (issue 7, target 3): parse and dump a project payload with three repositories.

Ours (``parse_project``, ``dump_project``) against, in the same process:

- pydantic v2 ``model_validate`` into frozen models configured to the same rules
  (``StrictBool``/``StrictStr``, enums by value, ``extra="forbid"``, the same identifier,
  repository, branch-pattern, size and uniqueness checks as validators) and its
  ``model_dump(mode="json")``: the targets, ratio <= 1.0;
- msgspec ``convert`` into frozen strict structs with the same checks (for information);
- cattrs out of the box (not strict: it turns ``"false"`` into ``True``), for information.

Run: ``python benchmarks/run.py --only bench_codec``; ``run(repeats)`` returns the rows.
"""

from __future__ import annotations

import enum
import statistics
import time
from collections.abc import Callable
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
    model_validator,
)

from ai_settings_core import BranchPattern, ProjectSettings, RepositoryRef
from ai_settings_core.codec import dump_project, parse_project
from ai_settings_core.domain.values import _NAME_RE, _OWNER_RE, _pattern_problem
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


# --- the same rules, as pydantic and msgspec users would write them ---------------------------


class StoppingPointEnum(enum.Enum):
    SUGGESTION = "suggestion"
    PULL_REQUEST = "pull_request"
    MERGE = "merge"


def check_identifier(value: str) -> str:
    if not value or len(value) > 200 or not value.isprintable() or " " in value:
        raise ValueError("invalid identifier")
    return value


def check_pattern(value: str) -> str:
    if _pattern_problem(value) is not None:
        raise ValueError("invalid pattern")
    return value


def check_repository(value: str) -> str:
    provider, colon, path = value.partition(":")
    owner, slash, name = path.rpartition("/")
    if (
        provider not in {"github", "gitlab", "bitbucket"}
        or not colon
        or not slash
        or len(value) > 255
        or _OWNER_RE.fullmatch(owner) is None
        or _NAME_RE.fullmatch(name) is None
        or name in {".", ".."}
        or (provider != "gitlab" and "/" in owner)
    ):
        raise ValueError("invalid repository")
    return value


Identifier = Annotated[StrictStr, AfterValidator(check_identifier)]


class PydanticRepository(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    repository: Annotated[StrictStr, AfterValidator(check_repository)]
    ai_enabled: StrictBool = True
    branch_patterns: Annotated[
        tuple[Annotated[StrictStr, AfterValidator(check_pattern)], ...],
        Field(min_length=1, max_length=50),
    ] = ("*",)
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
    version: Annotated[StrictInt, Field(ge=0)] = 0

    @model_validator(mode="after")
    def unique_repositories(self) -> PydanticProject:
        seen: set[str] = set()
        for repository in self.repositories:
            key = repository.repository.casefold()
            if key in seen:
                raise ValueError("duplicate repository")
            seen.add(key)
        return self


class MsgspecRepository(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    repository: Annotated[str, msgspec.Meta(max_length=255)]
    ai_enabled: bool = True
    branch_patterns: Annotated[tuple[str, ...], msgspec.Meta(min_length=1, max_length=50)] = ("*",)
    stopping_point_override: StoppingPointEnum | None = None

    def __post_init__(self) -> None:
        check_repository(self.repository)
        for pattern in self.branch_patterns:
            check_pattern(pattern)


class MsgspecProject(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    organization_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    project_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    scan_enabled_override: bool | None = None
    fix_enabled_override: bool | None = None
    stopping_point_override: StoppingPointEnum | None = None
    repositories: Annotated[tuple[MsgspecRepository, ...], msgspec.Meta(max_length=100)] = ()
    environments: Annotated[frozenset[str], msgspec.Meta(max_length=50)] = frozenset()
    version: Annotated[int, msgspec.Meta(ge=0)] = 0

    def __post_init__(self) -> None:
        check_identifier(self.organization_id)
        check_identifier(self.project_id)
        for environment in self.environments:
            check_identifier(environment)
        seen: set[str] = set()
        for repository in self.repositories:
            key = repository.repository.casefold()
            if key in seen:
                raise ValueError("duplicate repository")
            seen.add(key)


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
    # cattrs as it comes, plus the two hooks it cannot do without (text into value objects).
    plain = cattrs.Converter()
    plain.register_structure_hook(RepositoryRef, lambda value, _: RepositoryRef.parse(value))
    plain.register_structure_hook(BranchPattern, lambda value, _: BranchPattern(value))

    rows = []
    ours, theirs = _compare(
        lambda: parse_project(payload),
        lambda: PydanticProject.model_validate(payload),
        repeats,
        number,
    )
    rows.append(_row("codec: parse project (3 repositories)", "pydantic v2", ours, theirs, 1.0))
    ours, theirs = _compare(
        lambda: dump_project(project), lambda: model.model_dump(mode="json"), repeats, number
    )
    rows.append(_row("codec: dump project (3 repositories)", "pydantic v2", ours, theirs, 1.0))
    ours, theirs = _compare(
        lambda: parse_project(payload),
        lambda: msgspec.convert(payload, MsgspecProject, strict=True),
        repeats,
        number,
    )
    rows.append(_row("codec: parse project (3 repositories)", "msgspec", ours, theirs, None))
    ours, theirs = _compare(
        lambda: dump_project(project), lambda: msgspec.to_builtins(struct), repeats, number
    )
    rows.append(_row("codec: dump project (3 repositories)", "msgspec", ours, theirs, None))
    ours, theirs = _compare(
        lambda: parse_project(payload),
        lambda: plain.structure(payload, ProjectSettings),
        repeats,
        number,
    )
    rows.append(
        _row("codec: parse project (3 repositories)", "cattrs, not strict", ours, theirs, None)
    )
    return rows
