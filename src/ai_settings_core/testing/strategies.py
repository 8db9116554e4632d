"""Hypothesis strategies for a host's property tests: values, payloads, patches, organizations.

A host states its own policy ("no project of ours can ever merge") and lets Hypothesis try it
against everything the library accepts. This module needs Hypothesis, which the library does
not depend on: install the ``testing`` extra (``pip install 'ai-settings-core[testing]'``).
``import ai_settings_core.testing`` alone never imports Hypothesis; only this module does.

Every strategy is a function returning a strategy, as Hypothesis' own are:

- values: :func:`stopping_points`, :func:`providers`, :func:`settings`, :func:`identifiers`,
  :func:`repository_refs`, :func:`branch_patterns`, :func:`branch_rules`, :func:`branch_names`,
  :func:`environment_names`, :func:`repository_settings`, :func:`organization_settings`,
  :func:`project_settings`, and whole organizations, :func:`organizations` (an
  :class:`~ai_settings_core.service.OrganizationState`, as a store loads it);
- patches: :func:`organization_patches`, :func:`project_patches`, :func:`repository_patches`,
  and :func:`patch_payload`, the JSON body a client sends for one;
- payloads: :func:`valid_payloads` (JSON the parser of a kind accepts) and
  :func:`invalid_payloads` (JSON it must refuse, each an :class:`InvalidPayload` carrying the
  code and the field of the error the parser must report); :data:`PARSERS` names the parser
  of each kind in :data:`PAYLOAD_KINDS`.

The library's own tests draw from these strategies too.

>>> from hypothesis import given
>>> from ai_settings_core import decide
>>> @given(organization_settings(), project_settings())
... def test_fix_needs_a_repository(organization, project):
...     assert not decide(organization, project).fix
>>> test_fix_needs_a_repository()
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs
from hypothesis import strategies as st

from ai_settings_core import codec
from ai_settings_core.domain.changes import KEEP, OrganizationPatch, ProjectPatch, RepositoryPatch
from ai_settings_core.domain.findings import Path, format_path
from ai_settings_core.domain.limits import DEFAULT_LIMITS
from ai_settings_core.domain.settings import (
    BranchRule,
    OrganizationSettings,
    ProjectSettings,
    RepositorySettings,
    Setting,
)
from ai_settings_core.domain.values import BranchPattern, Provider, RepositoryRef, StoppingPoint
from ai_settings_core.errors import InvalidValueError
from ai_settings_core.ports import OrganizationState

__all__ = [
    "PARSERS",
    "PAYLOAD_KINDS",
    "InvalidPayload",
    "branch_names",
    "branch_patterns",
    "branch_rules",
    "environment_names",
    "identifiers",
    "invalid_payloads",
    "organization_patches",
    "organization_settings",
    "organizations",
    "patch_payload",
    "project_patches",
    "project_settings",
    "providers",
    "repository_patches",
    "repository_refs",
    "repository_settings",
    "settings",
    "stopping_points",
    "unparsable_repository_texts",
    "valid_payloads",
]

JSON = Any

# --- values ----------------------------------------------------------------------------------


def stopping_points() -> st.SearchStrategy[StoppingPoint]:
    """Any stopping point."""
    return st.sampled_from(list(StoppingPoint))


def providers() -> st.SearchStrategy[Provider]:
    """Any repository provider."""
    return st.sampled_from(list(Provider))


def settings() -> st.SearchStrategy[Setting]:
    """Any of the three settings (for locks)."""
    return st.sampled_from(list(Setting))


def identifiers() -> st.SearchStrategy[str]:
    """Organization and project ids: 1 to 20 lowercase letters, digits, ``-`` and ``_``."""
    return st.text(string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=20)


_SEGMENTS: Final = st.from_regex(
    r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,10}[A-Za-z0-9_])?", fullmatch=True
)
_NAMES: Final = st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,15}", fullmatch=True)


@st.composite
def repository_refs(draw: st.DrawFn) -> RepositoryRef:
    """Any valid repository reference (GitLab owners with up to three group levels)."""
    provider = draw(providers())
    if provider is Provider.GITLAB:
        owner = "/".join(draw(st.lists(_SEGMENTS, min_size=1, max_size=3)))
    else:
        owner = draw(_SEGMENTS)
    return RepositoryRef(provider, owner, draw(_NAMES))


def branch_patterns() -> st.SearchStrategy[BranchPattern]:
    """Branch patterns: ``*``, common ones (``main``, ``release/*``), and generated globs."""
    return st.one_of(
        st.just(BranchPattern("*")),
        st.sampled_from(["main", "master", "release/*", "feature/*", "hotfix-*", "v[0-9]*"]).map(
            BranchPattern
        ),
        st.from_regex(r"[a-z0-9][a-z0-9/_*.-]{0,20}", fullmatch=True)
        .filter(lambda text: ".." not in text)
        .map(BranchPattern),
    )


def branch_rules() -> st.SearchStrategy[BranchRule]:
    """Branch rules: a pattern with a stopping point of its own, or none (the repository's)."""
    return st.builds(BranchRule, branch_patterns(), st.none() | stopping_points())


def branch_names() -> st.SearchStrategy[str]:
    """Branch names as events carry them, the empty name (an event without a branch) included."""
    return st.one_of(
        st.sampled_from(["main", "master", "release/1.0", "feature/x", "hotfix-1", "v2", ""]),
        st.from_regex(r"[a-z0-9][a-z0-9/_.-]{0,20}", fullmatch=True),
    )


def environment_names() -> st.SearchStrategy[str]:
    """A few environment names, so that restrictions and events meet often."""
    return st.sampled_from(["production", "staging", "development", "canary"])


@st.composite
def repository_settings(draw: st.DrawFn, ref: RepositoryRef | None = None) -> RepositorySettings:
    """A repository of a project: AI on or off, one to four branch rules, maybe an override.

    A pattern may come twice: the first rule matching a branch applies.
    """
    return RepositorySettings(
        repository=ref if ref is not None else draw(repository_refs()),
        ai_enabled=draw(st.booleans()),
        branch_patterns=tuple(draw(st.lists(branch_rules(), min_size=1, max_size=4))),
        stopping_point_override=draw(st.none() | stopping_points()),
    )


@st.composite
def organization_settings(
    draw: st.DrawFn, organization_id: str | None = None, *, respect_ceiling: bool = True
) -> OrganizationSettings:
    """An organization's defaults and policy (locks, a ceiling).

    With ``respect_ceiling`` (the default) its own stopping point is within its ceiling, as
    the write rules require; ``False`` also gives stored states a lowered ceiling left behind.
    """
    ceiling = draw(st.none() | stopping_points())
    point = draw(stopping_points())
    if respect_ceiling and ceiling is not None:
        point = min(point, ceiling)
    return OrganizationSettings(
        organization_id=organization_id if organization_id is not None else draw(identifiers()),
        scan_enabled=draw(st.booleans()),
        fix_enabled=draw(st.booleans()),
        stopping_point=point,
        locked=frozenset(draw(st.sets(settings()))),
        max_stopping_point=ceiling,
        version=draw(st.integers(0, 1000)),
    )


@st.composite
def project_settings(
    draw: st.DrawFn, organization_id: str = "acme", project_id: str | None = None
) -> ProjectSettings:
    """A project: overrides or inherit, up to four distinct repositories, environments."""
    refs = draw(st.lists(repository_refs(), max_size=4, unique_by=lambda ref: ref.key))
    return ProjectSettings(
        organization_id=organization_id,
        project_id=project_id if project_id is not None else draw(identifiers()),
        scan_enabled_override=draw(st.none() | st.booleans()),
        fix_enabled_override=draw(st.none() | st.booleans()),
        stopping_point_override=draw(st.none() | stopping_points()),
        repositories=tuple(draw(repository_settings(ref)) for ref in refs),
        environments=frozenset(draw(st.sets(environment_names(), max_size=3))),
        version=draw(st.integers(0, 1000)),
    )


@st.composite
def organizations(
    draw: st.DrawFn, organization_id: str = "acme", *, max_projects: int = 6
) -> OrganizationState:
    """A whole organization as a store loads it: its settings (or none stored) and projects.

    The projects belong to the organization, have distinct ids and come sorted by id.
    """
    organization = draw(st.none() | organization_settings(organization_id))
    projects = draw(
        st.lists(
            project_settings(organization_id),
            max_size=max_projects,
            unique_by=lambda project: project.project_id,
        )
    )
    return OrganizationState(
        organization_id, organization, tuple(sorted(projects, key=lambda p: p.project_id))
    )


def _does_not_parse(text: str) -> bool:
    try:
        RepositoryRef.parse(text)
    except InvalidValueError:
        return True
    return False


def unparsable_repository_texts() -> st.SearchStrategy[str]:
    """Text that is not a valid ``provider:owner/name``."""
    return st.one_of(
        st.sampled_from(
            [
                "",
                "github",
                "github:",
                "github:acme",
                "github:acme/",
                "github:/api",
                "GITHUB:acme/api",
                "GitHub:acme/api",
                "svn:acme/api",
                "github:a/b/c",
                " github:acme/api",
                "github:acme/api ",
                "github:acme/..",
                "github:acme/\u212aey",
            ]
        ),
        st.text(max_size=30).filter(_does_not_parse),
    )


# --- patches ---------------------------------------------------------------------------------


def _kept(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.just(KEEP) | strategy


def organization_patches() -> st.SearchStrategy[OrganizationPatch]:
    """Partial organization changes: any subset of the fields, the rest :data:`KEEP`."""
    setting_sets = st.frozensets(settings())
    return st.builds(
        OrganizationPatch,
        scan_enabled=_kept(st.booleans()),
        fix_enabled=_kept(st.booleans()),
        stopping_point=_kept(stopping_points()),
        locked=_kept(setting_sets),
        max_stopping_point=_kept(st.none() | stopping_points()),
        lock=_kept(setting_sets),
        unlock=_kept(setting_sets),
    )


@st.composite
def project_patches(draw: st.DrawFn) -> ProjectPatch:
    """Partial project changes: overrides (``None`` inherits again), repositories, environments."""
    refs = draw(st.lists(repository_refs(), max_size=3, unique_by=lambda ref: ref.key))
    return ProjectPatch(
        scan_enabled_override=draw(_kept(st.none() | st.booleans())),
        fix_enabled_override=draw(_kept(st.none() | st.booleans())),
        stopping_point_override=draw(_kept(st.none() | stopping_points())),
        repositories=draw(_kept(st.just(tuple(draw(repository_settings(ref)) for ref in refs)))),
        environments=draw(_kept(st.frozensets(environment_names(), max_size=3))),
    )


def repository_patches() -> st.SearchStrategy[RepositoryPatch]:
    """Partial repository changes: AI on or off, branch rules, the stopping-point override."""
    return st.builds(
        RepositoryPatch,
        ai_enabled=_kept(st.booleans()),
        branch_patterns=_kept(st.lists(branch_rules(), min_size=1, max_size=4).map(tuple)),
        stopping_point_override=_kept(st.none() | stopping_points()),
    )


# --- valid payloads --------------------------------------------------------------------------

PARSERS: Final[Mapping[str, Callable[..., object]]] = {
    "organization": codec.parse_organization,
    "organization_patch": codec.parse_organization_patch,
    "project": codec.parse_project,
    "project_patch": codec.parse_project_patch,
    "repository": codec.parse_repository,
    "repository_patch": codec.parse_repository_patch,
    "export": codec.parse_export,
    "bulk": codec.parse_bulk,
}
"""The public parser of each payload kind (each takes the decoded JSON and ``limits=``)."""

PAYLOAD_KINDS: Final = tuple(PARSERS)
"""The kinds of payload :func:`valid_payloads` and :func:`invalid_payloads` generate."""


def _json_value(value: object) -> JSON:
    if isinstance(value, StoppingPoint | Setting):
        return value.value
    if isinstance(value, BranchPattern):
        return value.text
    if isinstance(value, BranchRule):
        return codec.dump_rule(value)
    if isinstance(value, frozenset):
        return sorted(_json_value(item) for item in value)
    if isinstance(value, tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, RepositorySettings):
        return codec.dump_repository(value)
    return value


def patch_payload(patch: OrganizationPatch | ProjectPatch | RepositoryPatch) -> dict[str, JSON]:
    """The JSON body a client sends for ``patch``: its fields that are not ``KEEP``."""
    return {
        field.name: _json_value(getattr(patch, field.name))
        for field in attrs.fields(type(patch))
        if getattr(patch, field.name) is not KEEP
    }


@st.composite
def _omitting(draw: st.DrawFn, document: dict[str, JSON], required: tuple[str, ...]) -> JSON:
    """``document`` without some of its optional keys (the parser gives their defaults)."""
    optional = [key for key in document if key not in required]
    dropped = draw(st.sets(st.sampled_from(optional))) if optional else set()
    return {key: value for key, value in document.items() if key not in dropped}


def _organization_payloads(organization_id: str | None = None) -> st.SearchStrategy[JSON]:
    return organization_settings(organization_id).flatmap(
        lambda org: _omitting(codec.dump_organization(org), ("organization_id",))
    )


def _project_payloads(organization_id: str = "acme") -> st.SearchStrategy[JSON]:
    return project_settings(organization_id).flatmap(
        lambda project: _omitting(codec.dump_project(project), ("organization_id", "project_id"))
    )


def _repository_payloads() -> st.SearchStrategy[JSON]:
    return repository_settings().flatmap(
        lambda repository: _omitting(codec.dump_repository(repository), ("repository",))
    )


@st.composite
def _export_payloads(draw: st.DrawFn) -> JSON:
    organization = draw(organization_settings())
    projects = draw(
        st.lists(
            project_settings(organization.organization_id),
            max_size=4,
            unique_by=lambda project: project.project_id,
        )
    )
    document = codec.dump_organization(organization)
    document["projects"] = [codec.dump_project(project) for project in projects]
    return document


@st.composite
def _bulk_payloads(draw: st.DrawFn) -> JSON:
    projects = draw(st.lists(identifiers(), min_size=1, max_size=5))
    if draw(st.booleans()):
        return {"projects": projects, "reset": True}
    document: dict[str, JSON] = {
        "projects": projects,
        "changes": patch_payload(draw(project_patches())),
    }
    if draw(st.booleans()):
        document["reset"] = False
    return document


_VALID: Final[Mapping[str, Callable[[], st.SearchStrategy[JSON]]]] = {
    "organization": _organization_payloads,
    "organization_patch": lambda: organization_patches().map(patch_payload),
    "project": _project_payloads,
    "project_patch": lambda: project_patches().map(patch_payload),
    "repository": _repository_payloads,
    "repository_patch": lambda: repository_patches().map(patch_payload),
    "export": _export_payloads,
    "bulk": _bulk_payloads,
}


def _check_kind(kind: str) -> None:
    if kind not in PARSERS:
        message = f"Unknown payload kind {kind!r}; expected one of {', '.join(PAYLOAD_KINDS)}."
        raise KeyError(message)


def valid_payloads(kind: str) -> st.SearchStrategy[JSON]:
    """Decoded JSON that ``PARSERS[kind]`` accepts (optional keys sometimes left out).

    ``kind`` is one of :data:`PAYLOAD_KINDS`.
    """
    _check_kind(kind)
    return _VALID[kind]()


# --- invalid payloads ------------------------------------------------------------------------


@attrs.frozen
class InvalidPayload:
    """A payload a parser must refuse, and the error it must report among its findings.

    Attributes:
        kind: Which payload (one of :data:`PAYLOAD_KINDS`); ``PARSERS[kind]`` parses it.
        data: The decoded JSON.
        code: The stable code of the error (``invalid_choice``, ``read_only``...).
        field: The error's field path as :attr:`~ai_settings_core.Finding.field` writes it
            (``repositories[1].repository``; ``""`` for the whole document).
    """

    kind: str
    data: object
    code: str
    field: str

    def parse(self) -> object:
        """Run the kind's parser on the data (it must raise ``ValidationError``)."""
        return PARSERS[self.kind](self.data)


# A mistake: the bad value, the code it must be refused with, and where below the field.
_Mistake = tuple[object, str, Path]

_NOT_BOOLEANS: Final[tuple[object, ...]] = ("true", "false", 0, 1, 1.5, [], {})
_MISTAKES: Final[Mapping[str, tuple[_Mistake, ...]]] = {
    "bool": (
        (None, "null", ()),
        *((value, "invalid", ()) for value in _NOT_BOOLEANS),
    ),
    "optional_bool": tuple((value, "invalid", ()) for value in _NOT_BOOLEANS),
    "point": (
        (None, "null", ()),
        ("Merge", "invalid_choice", ()),
        ("", "invalid_choice", ()),
        ("auto_merge", "invalid_choice", ()),
        (2, "invalid_choice", ()),
        (True, "invalid_choice", ()),
    ),
    "optional_point": (
        ("MERGE", "invalid_choice", ()),
        ("pull-request", "invalid_choice", ()),
        (1, "invalid_choice", ()),
    ),
    "identifier": (
        (None, "null", ()),
        ("", "blank", ()),
        ("a b", "invalid_identifier", ()),
        ("tab\there", "invalid_identifier", ()),
        ("nul\x00", "invalid_identifier", ()),
        ("x" * (DEFAULT_LIMITS.max_identifier_length + 1), "max_length", ()),
        (7, "invalid", ()),
    ),
    "version": (
        (None, "null", ()),
        (-1, "min_value", ()),
        (2**70, "max_value", ()),
        (True, "invalid", ()),
        (1.0, "invalid", ()),
        ("3", "invalid", ()),
    ),
    "settings": (
        (None, "null", ()),
        ("scan_enabled", "not_a_list", ()),
        (["scan"], "invalid_choice", (0,)),
        ([None], "null", (0,)),
    ),
    "environments": (
        (None, "null", ()),
        ("production", "not_a_list", ()),
        (["prod uction"], "invalid_identifier", (0,)),
        ([""], "blank", (0,)),
        ([3], "invalid", (0,)),
        ([f"env{i}" for i in range(DEFAULT_LIMITS.max_environments + 1)], "max_length", ()),
    ),
    "repository": (
        (None, "null", ()),
        (3, "invalid", ()),
        ("github:acme", "invalid_repository", ()),
        ("github:", "invalid_repository", ()),
        ("github:acme/..", "invalid_repository", ()),
        ("GitHub:acme/api", "invalid_provider", ()),
        ("svn:acme/api", "invalid_provider", ()),
    ),
    "patterns": (
        (None, "null", ()),
        ("main", "not_a_list", ()),
        ([], "empty", ()),
        (["has space"], "invalid_pattern", (0,)),
        ([""], "invalid_pattern", (0,)),
        ([3], "invalid", (0,)),
        ([None], "null", (0,)),
    ),
    "repositories": (
        (None, "null", ()),
        ("github:acme/api", "not_a_list", ()),
        ([3], "invalid", (0, "non_field_errors")),
        ([{}], "required", (0, "repository")),
        ([{"repository": "github:acme/api", "colour": "red"}], "unknown_field", (0, "colour")),
    ),
}
"""For each type of field, wrong values and the code each must be refused with."""

_ORGANIZATION_PATCH_FIELDS: Final = {
    "scan_enabled": "bool",
    "fix_enabled": "bool",
    "stopping_point": "point",
    "locked": "settings",
    "max_stopping_point": "optional_point",
}
_PROJECT_PATCH_FIELDS: Final = {
    "scan_enabled_override": "optional_bool",
    "fix_enabled_override": "optional_bool",
    "stopping_point_override": "optional_point",
    "repositories": "repositories",
    "environments": "environments",
}
_REPOSITORY_PATCH_FIELDS: Final = {
    "ai_enabled": "bool",
    "branch_patterns": "patterns",
    "stopping_point_override": "optional_point",
}
_FIELDS: Final[Mapping[str, Mapping[str, str]]] = {
    "organization": {
        "organization_id": "identifier",
        **_ORGANIZATION_PATCH_FIELDS,
        "version": "version",
    },
    "organization_patch": {**_ORGANIZATION_PATCH_FIELDS, "lock": "settings", "unlock": "settings"},
    "project": {
        "organization_id": "identifier",
        "project_id": "identifier",
        **_PROJECT_PATCH_FIELDS,
        "version": "version",
    },
    "project_patch": _PROJECT_PATCH_FIELDS,
    "repository": {"repository": "repository", **_REPOSITORY_PATCH_FIELDS},
    "repository_patch": _REPOSITORY_PATCH_FIELDS,
}
"""The fields of each object payload, by the type of their values."""

_REQUIRED: Final = {
    "organization": ("organization_id",),
    "project": ("organization_id", "project_id"),
    "repository": ("repository",),
}
_READ_ONLY: Final = {
    "organization": ("sources", "warnings"),
    "organization_patch": ("organization_id", "version", "sources", "warnings"),
    "project": ("effective", "sources", "warnings"),
    "project_patch": ("organization_id", "project_id", "version", "effective", "sources"),
    "repository_patch": ("repository",),
}
_KNOWN_KEYS: Final = frozenset(
    {name for fields in _FIELDS.values() for name in fields}
    | {name for names in _READ_ONLY.values() for name in names}
    | {"projects", "changes", "reset", "overridden", "effective", "sources", "warnings"}
)
_UNKNOWN_KEYS: Final = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True).filter(
    lambda key: key not in _KNOWN_KEYS
)


@st.composite
def _field_mistakes(draw: st.DrawFn, kind: str) -> tuple[object, str, Path]:
    """A valid payload of an object ``kind`` with one mistake in one field, or in its shape."""
    fields = _FIELDS[kind]
    document = dict(draw(valid_payloads(kind)))
    choice = draw(st.sampled_from(["field", "field", "field", "shape"]))
    if choice == "field":
        name = draw(st.sampled_from(sorted(fields)))
        value, code, below = draw(st.sampled_from(_MISTAKES[fields[name]]))
        document[name] = value
        return document, code, (name, *below)
    shapes: list[tuple[object, str, Path]] = [
        (draw(st.sampled_from([[], [document], "text", 3, None])), "invalid", ()),
    ]
    unknown = draw(_UNKNOWN_KEYS)
    shapes.append(
        ({**document, unknown: draw(st.none() | st.integers())}, "unknown_field", (unknown,))
    )
    shapes.extend(
        ({k: v for k, v in document.items() if k != key}, "required", (key,))
        for key in _REQUIRED.get(kind, ())
    )
    shapes.extend(({**document, key: {}}, "read_only", (key,)) for key in _READ_ONLY.get(kind, ()))
    return draw(st.sampled_from(shapes))


@st.composite
def _repository_list_mistakes(draw: st.DrawFn, kind: str) -> tuple[object, str, Path]:
    """A project (or patch) whose repositories name one twice, or hold an invalid item."""
    document = dict(draw(valid_payloads(kind)))
    ref = draw(repository_refs())
    first = codec.dump_repository(RepositorySettings(ref))
    if draw(st.booleans()):
        # The same repository again, written in another case: still the same repository.
        again = {"repository": f"{ref.provider.value}:{ref.owner.swapcase()}/{ref.name.upper()}"}
        document["repositories"] = [first, again]
        return document, "duplicate_repository", ("repositories", 1, "repository")
    item, code, path = draw(_field_mistakes("repository"))
    document["repositories"] = [first, item]
    below: Path = path if isinstance(item, dict) else ("non_field_errors",)
    return document, code, ("repositories", 1, *below)


@st.composite
def _export_mistakes(draw: st.DrawFn) -> tuple[object, str, Path]:
    document = dict(draw(valid_payloads("export")))
    org = document["organization_id"]
    project = codec.dump_project(draw(project_settings(org)))
    others = [p for p in document["projects"] if p["project_id"] != project["project_id"]]
    choice = draw(st.sampled_from(["mismatch", "duplicate", "project", "organization", "missing"]))
    if choice == "mismatch":
        other = draw(identifiers().filter(lambda text: text != org))
        document["projects"] = [*others, {**project, "organization_id": other}]
        return document, "organization_mismatch", ("projects", len(others), "organization_id")
    if choice == "duplicate":
        document["projects"] = [*others, project, project]
        return document, "duplicate_project", ("projects", len(others) + 1, "project_id")
    if choice == "project":
        item, code, path = draw(_field_mistakes("project").filter(_keeps_identity))
        document["projects"] = [*others, item]
        below: Path = path if isinstance(item, dict) else ("non_field_errors",)
        return document, code, ("projects", len(others), *below)
    if choice == "organization":
        name = draw(st.sampled_from(sorted(_ORGANIZATION_PATCH_FIELDS)))
        value, code, below = draw(st.sampled_from(_MISTAKES[_FIELDS["organization"][name]]))
        document[name] = value
        return document, code, (name, *below)
    del document["projects"]
    return document, "required", ("projects",)


def _keeps_identity(mistake: tuple[object, str, Path]) -> bool:
    """Whether a project mistake leaves its ids alone (else the export's checks add findings)."""
    return mistake[2][:1] not in {("organization_id",), ("project_id",)} and isinstance(
        mistake[0], dict
    )


@st.composite
def _bulk_mistakes(draw: st.DrawFn) -> tuple[object, str, Path]:
    document = dict(draw(valid_payloads("bulk")))
    choice = draw(st.sampled_from(["empty", "item", "reset", "both", "changes", "missing"]))
    if choice == "empty":
        document["projects"] = []
        return document, "empty", ("projects",)
    if choice == "item":
        position = len(document["projects"])
        document["projects"] = [*document["projects"], draw(st.sampled_from([3, None, True]))]
        return document, "invalid", ("projects", position)
    if choice == "reset":
        document.pop("changes", None)
        document["reset"] = draw(st.sampled_from(["true", 1, None]))
        return document, "invalid", ("reset",)
    if choice == "both":
        return {**document, "changes": {}, "reset": True}, "invalid", ()
    if choice == "changes":
        document.pop("reset", None)
        patch, code, path = draw(_field_mistakes("project_patch"))
        document["changes"] = patch
        return document, code, ("changes", *path)
    del document["projects"]
    return document, "required", ("projects",)


def _mistakes(kind: str) -> st.SearchStrategy[tuple[object, str, Path]]:
    if kind == "export":
        return _export_mistakes()
    if kind == "bulk":
        return _bulk_mistakes()
    if kind in ("project", "project_patch"):
        return _field_mistakes(kind) | _repository_list_mistakes(kind)
    return _field_mistakes(kind)


def invalid_payloads(kind: str | None = None) -> st.SearchStrategy[InvalidPayload]:
    """Payloads ``PARSERS[kind]`` must refuse, each with the code and field it must report.

    Each is a valid payload with one mistake: a wrong type, an invalid choice, a blank or
    malformed identifier, an out-of-range version, an unknown or read-only key, a missing
    required key, a bad repository or branch pattern, a repository named twice, too many
    environments, a document that is not an object; for an export a project of another
    organization or one listed twice, for a bulk request an empty list or a broken change.
    ``kind`` is one of :data:`PAYLOAD_KINDS`; ``None`` draws from every kind.
    """
    if kind is not None:
        _check_kind(kind)
    kinds = PAYLOAD_KINDS if kind is None else (kind,)
    return st.one_of(*(_mistakes(name).map(_Labelled(name)) for name in kinds))


@attrs.frozen
class _Labelled:
    """Turns a mistake of one kind into its :class:`InvalidPayload`."""

    kind: str

    def __call__(self, mistake: tuple[object, str, Path]) -> InvalidPayload:
        data, code, path = mistake
        return InvalidPayload(self.kind, data, code, format_path(path))
