"""Text for people: the resolve table, the explain chain, the preview, the audit log, exposure.

Plain text says everything; colour (on a terminal, without ``NO_COLOR``) only repeats what the
words and markers already say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ai_settings_core.domain.audit import AuditEntry
from ai_settings_core.domain.changes import FieldChange, Impact
from ai_settings_core.domain.invariants import Invariant, MergeOnlyOnBranches, StoppingPointAtMost
from ai_settings_core.domain.resolve import Level, Reason, Resolution, Trace
from ai_settings_core.domain.settings import SYSTEM_DEFAULTS, BranchRule, Setting
from ai_settings_core.domain.values import StoppingPoint, format_timestamp
from ai_settings_core.domain.views import (
    Explanation,
    InvariantsView,
    OrganizationView,
    ProjectView,
    RevertResult,
)

if TYPE_CHECKING:  # annotations only: a command that shows neither does not load them
    from ai_settings_core.domain.exposure import Exposure
    from ai_settings_core.domain.plans import SettingsPlan

__all__ = [
    "render_audit",
    "render_explanation",
    "render_exposure",
    "render_impact",
    "render_invariants",
    "render_organization",
    "render_project",
    "render_resolve",
]

WIDTH: Final = 100

# One marker per reason, shown after each value in the resolve table.
MARKERS: Final = {
    Reason.DEFAULT: "",
    Reason.INHERITED: "",
    Reason.OVERRIDDEN: "*",
    Reason.LOCKED: "L",
    Reason.CAPPED: "C",
}
SHADOW_MARKER: Final = "!"

LEGEND: Final = (
    "Legend: no mark  inherited (from the organization, or the system default)\n"
    "        *  overridden by the project     L  locked by the organization\n"
    "        C  capped at the organization's maximum stopping point\n"
    "        !  a stored override is shadowed by the lock or the maximum"
)

_COLOURS: Final = {
    Reason.OVERRIDDEN: "\x1b[36m",  # cyan
    Reason.LOCKED: "\x1b[35m",  # magenta
    Reason.CAPPED: "\x1b[33m",  # yellow
}
_RESET: Final = "\x1b[0m"

_LABELS: Final = {
    Setting.SCAN_ENABLED: "scan",
    Setting.FIX_ENABLED: "fix",
    Setting.STOPPING_POINT: "stop",
}


def show(value: object) -> str:
    """A value as people read it: ``on``/``off``, a stopping point's name, ``-`` for none."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, StoppingPoint):
        return value.value
    if isinstance(value, tuple):
        return ",".join(show(item) for item in value) or "(none)"
    return str(value)


def _cell(trace: Trace[bool] | Trace[StoppingPoint], *, colour: bool) -> str:
    marker = MARKERS[trace.reason] + (SHADOW_MARKER if trace.shadowed else "")
    text = f"{show(trace.value)} {marker}".rstrip()
    if colour and trace.reason in _COLOURS:
        return f"{_COLOURS[trace.reason]}{text}{_RESET}"
    return text


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "~"


def render_resolve(
    organization: OrganizationView, projects: Sequence[ProjectView], *, colour: bool = False
) -> str:
    """The resolve table: a row per project (sorted), fitting 100 columns, with a legend."""
    org = organization.settings
    source = "stored" if organization.stored else "system defaults"
    policy = []
    if org.locked:
        policy.append("locked: " + ", ".join(sorted(s.value for s in org.locked)))
    if org.max_stopping_point is not None:
        policy.append(f"maximum stopping point: {org.max_stopping_point.value}")
    lines = [
        (
            f"Organization {org.organization_id} ({source}): scan {show(org.scan_enabled)}, "
            f"fix {show(org.fix_enabled)}, stopping point {show(org.stopping_point)}"
        ),
    ]
    if policy:
        lines.append("Policy: " + "; ".join(policy))
    lines.append("")
    name_width = max([len("PROJECT"), *(len(v.project.project_id) for v in projects)])
    name_width = min(name_width, 34)
    header = (
        f"{'PROJECT':<{name_width}}  {'SCAN':<7}{'FIX':<7}{'STOPPING POINT':<17}"
        f"{'REPOS':>5}  OVERRIDES"
    )
    lines.append(header)
    for view in sorted(projects, key=lambda v: v.project.project_id):
        resolution = view.resolution
        overrides = ",".join(_LABELS[s] for s in Setting if s in view.project.overridden)
        cells = [
            _cell(resolution.scan_enabled, colour=colour),
            _cell(resolution.fix_enabled, colour=colour),
            _cell(resolution.stopping_point, colour=colour),
        ]
        plain = [
            _cell(resolution.scan_enabled, colour=False),
            _cell(resolution.fix_enabled, colour=False),
            _cell(resolution.stopping_point, colour=False),
        ]
        padded = [
            cell + " " * (width - len(text))
            for cell, text, width in zip(cells, plain, (7, 7, 17), strict=True)
        ]
        row = (
            f"{_fit(view.project.project_id, name_width):<{name_width}}  "
            f"{''.join(padded)}{len(view.project.repositories):>5}  {overrides or '-'}"
        )
        lines.append(row)
    if not projects:
        lines.append("(no projects stored)")
    lines.extend(["", LEGEND])
    return "\n".join(lines)


def render_organization(view: OrganizationView) -> str:
    """An organization's settings with where each value comes from."""
    org = view.settings
    lines = [f"Organization {org.organization_id} (version {view.version})"]
    for trace in view.resolution.traces:
        origin = "system default" if trace.reason is Reason.DEFAULT else "organization"
        extra = " (capped at the maximum)" if trace.reason is Reason.CAPPED else ""
        lines.append(f"  {trace.setting.value:<15} {show(trace.value):<13} {origin}{extra}")
    locked = (
        ", ".join(
            s.value
            + ("" if (ends := org.lock_expires_at(s)) is None else f" (until {_when(ends)})")
            for s in sorted(org.locked, key=lambda s: s.value)
        )
        or "none"
    )
    lines.append(f"  {'locked':<15} {locked}")
    lines.append(f"  {'max stopping':<15} {show(org.max_stopping_point)}")
    lines.extend(_warnings(view.warnings))
    return "\n".join(lines)


def render_project(view: ProjectView) -> str:
    """A project's overrides, repositories and effective values with their sources."""
    project = view.project
    lines = [f"Project {project.organization_id}/{project.project_id} (version {view.version})"]
    lines.append(f"  {'SETTING':<15} {'OVERRIDE':<13} {'EFFECTIVE':<13} SOURCE")
    for trace in view.resolution.traces:
        override = project.override(trace.setting)
        stored = show(override) if override is not None else "inherit"
        lines.append(
            f"  {trace.setting.value:<15} {stored:<13} {show(trace.value):<13} {_source(trace)}"
        )
    environments = ", ".join(sorted(project.environments)) or "all"
    lines.append(f"  environments    {environments}")
    if project.repositories:
        lines.append("  repositories:")
        for repo in view.repositories:
            settings = repo.settings
            override = settings.stopping_point_override
            lines.append(
                f"    {settings.repository}  ai {show(settings.ai_enabled)}  branches "
                f"{','.join(_rule(rule) for rule in settings.branch_patterns)}  stopping point "
                f"{show(repo.resolution.stopping_point.value)}"
                f" ({'own' if override is not None else 'inherited'})"
            )
    else:
        lines.append("  repositories:   none")
    lines.extend(_warnings(view.warnings))
    return "\n".join(lines)


def _rule(rule: BranchRule) -> str:
    """A branch rule as ``--branch`` takes it: ``main``, or ``release/*:suggestion``."""
    point = rule.stopping_point_override
    return rule.text if point is None else f"{rule.text}:{point.value}"


def _when(moment: dt.datetime) -> str:
    return format_timestamp(moment, timespec="seconds")


def _source(trace: Trace[bool] | Trace[StoppingPoint]) -> str:
    text = f"{trace.reason.value.lower()} ({trace.level.value})"
    if trace.expires_at is not None:
        text += f" until {_when(trace.expires_at)}"
    for shadow in trace.shadowed:
        text += (
            f"; {shadow.level.value} {show(shadow.value)} shadowed: {shadow.reason.value.lower()}"
        )
        if shadow.reason is Reason.EXPIRED and shadow.expires_at is not None:
            text += f" at {_when(shadow.expires_at)}"
    return text


def _warnings(findings: Sequence[object]) -> list[str]:
    lines = []
    for finding in findings:
        field = getattr(finding, "field", "")
        message = getattr(finding, "message", "")
        lines.append(f"  warning: {field + ': ' if field else ''}{message}")
    return lines


def _chain(
    explanation: Explanation, setting: Setting, resolution: Resolution, *, repository: bool
) -> list[str]:
    view = explanation.view
    organization, project = view.organization, view.project
    trace = resolution.trace(setting)
    steps: list[tuple[Level, object]] = [(Level.DEFAULT, SYSTEM_DEFAULTS.get(setting))]
    if organization is not None:
        steps.append((Level.ORGANIZATION, organization.get(setting)))
    override = project.override(setting)
    if override is not None:
        steps.append((Level.PROJECT, override))
    if repository and setting is Setting.STOPPING_POINT:
        inner_levels = (
            (Level.REPOSITORY, explanation.repository_settings),
            (Level.BRANCH, explanation.branch_rule),
        )
        for level, stored in inner_levels:
            if stored is not None and stored.stopping_point_override is not None:
                steps.append((level, stored.stopping_point_override))
    shadowed = {(s.level, s.reason) for s in trace.shadowed}
    expired = {s.level: s.expires_at for s in trace.shadowed if s.reason is Reason.EXPIRED}
    lines = [
        f"  {setting.value} = {show(trace.value)}  [{trace.reason.value}, {trace.level.value}]"
    ]
    for position, (level, value) in enumerate(steps):
        note = ""
        inner = [step[0] for step in steps[position + 1 :]]
        ended = expired.get(level)
        if ended is not None and level is not Level.ORGANIZATION:
            note = f"  <- expired at {_when(ended)}"
        elif (level, Reason.LOCKED) in shadowed:
            note = "  <- shadowed: the organization locks this setting"
        elif (level, Reason.CAPPED) in shadowed:
            note = "  <- shadowed: above the organization's maximum"
        elif level is Level.ORGANIZATION and trace.reason is Reason.LOCKED:
            note = "  <- in force (locked by the organization)"
        elif level is trace.level and trace.reason is not Reason.CAPPED:
            note = "  <- in force"
        if note.startswith("  <- in force") and trace.expires_at is not None:
            note += f" until {_when(trace.expires_at)}"
        if level is Level.ORGANIZATION and ended is not None:
            note += f"  (its lock expired at {_when(ended)})"
        elif level is Level.PROJECT and Level.REPOSITORY in inner:
            note = "  <- overridden by the repository"
        elif level in {Level.PROJECT, Level.REPOSITORY} and Level.BRANCH in inner:
            note = "  <- overridden by the branch rule"
        lines.append(f"    {level.value:<13} {show(value)}{note}")
    if trace.reason is Reason.CAPPED and organization is not None:
        lines.append(
            f"    {'maximum':<13} {show(organization.max_stopping_point)}  <- in force (capped)"
        )
    return lines


def render_explanation(
    explanation: Explanation, *, branch: str | None, environment: str | None
) -> str:
    """The explain chain: level by level, what was shadowed and why, then the decision."""
    project = explanation.view.project
    lines = [f"Project {project.organization_id}/{project.project_id}"]
    for setting in Setting:
        lines.extend(_chain(explanation, setting, explanation.view.resolution, repository=False))
    if explanation.repository is not None:
        listed = explanation.repository_settings
        lines.append("")
        lines.append(
            f"Repository {explanation.repository}"
            + ("" if listed is not None else " (not configured for this project)")
        )
        if listed is not None:
            lines.append(
                f"  ai {show(listed.ai_enabled)}, branches "
                f"{', '.join(_rule(rule) for rule in listed.branch_patterns)}"
            )
            rule = explanation.branch_rule
            if rule is not None and rule.stopping_point_override is not None:
                lines.append(f"  branch rule {_rule(rule)} applies")
            if explanation.repository_resolution is not None:
                lines.extend(
                    _chain(
                        explanation,
                        Setting.STOPPING_POINT,
                        explanation.repository_resolution,
                        repository=True,
                    )
                )
    decision = explanation.decision
    lines.append("")
    event = [
        "no repository" if explanation.repository is None else str(explanation.repository),
        "no branch" if branch is None else f"branch {branch!r}",
        "no environment" if environment is None else f"environment {environment!r}",
    ]
    lines.append("Decision for an event (" + ", ".join(event) + "):")
    lines.append(f"  scan: {'yes' if decision.scan else 'no'}")
    lines.append(f"  fix:  {'yes' if decision.fix else 'no'}")
    lines.append(f"  stopping point: {show(decision.stopping_point)}")
    lines.extend(f"  because: {_REASONS[reason.value]}" for reason in decision.reasons)
    return "\n".join(lines)


_REASONS: Final = {
    "environment_not_allowed": "the project restricts AI to other environments",
    "repository_ai_disabled": "AI is off for this repository",
    "branch_not_matched": "the branch matches none of the repository's patterns",
    "scan_disabled": "scanning is off for the project",
    "fix_disabled": "fixing is off for the project",
    "fix_requires_scan": "fixing is on, but a fix starts from a scan, and scanning is off",
    "no_repository": "the event names no repository, and a fix needs one",
    "repository_not_configured": "the repository is not configured for the project",
}


def _change(change: FieldChange) -> str:
    return f"{change.field} {show(change.before)} -> {show(change.after)}"


def render_impact(impact: Impact) -> str:
    """The preview: only what changes, as before -> after."""
    lines = []
    if impact.organization:
        lines.append("Organization: " + "; ".join(_change(c) for c in impact.organization))
    if not impact.projects:
        lines.append(
            f"No project changes its effective settings ({impact.projects_considered} looked at)."
        )
    for project in impact.projects:
        parts = [_change(c) for c in project.changes]
        parts.extend(
            f"{repo.repository}: " + "; ".join(_change(c) for c in repo.changes)
            for repo in project.repositories
        )
        lines.append(f"{project.project_id}: " + "; ".join(parts))
    if impact.projects:
        lines.append(f"{len(impact.projects)} of {impact.projects_considered} projects change.")
    return "\n".join(lines)


def render_audit(entries: Sequence[AuditEntry]) -> str:
    """The audit log, newest first, one entry per line."""
    if not entries:
        return "(no audit entries)"
    lines = []
    for entry in entries:
        when = format_timestamp(entry.occurred_at, timespec="seconds")
        changes = "; ".join(_change(c) for c in entry.stored_changes) or "(no stored change)"
        reverts = "" if entry.reverts is None else f" (reverts #{entry.reverts})"
        lines.append(
            f"#{entry.id}  {when}  {entry.actor}  {entry.event.value}  {entry.target}: "
            f"{changes}{reverts}"
        )
    return "\n".join(lines)


def render_plan(plan: SettingsPlan) -> str:
    """A plan: each record that changes, its stored fields and its effective values."""
    if plan.is_empty:
        return f"No changes: {plan.organization_id} is as the document says."
    lines = []
    for record in plan.changes:
        name = "organization" if record.project_id is None else f"project {record.project_id}"
        lines.append(f"{record.action.value} {name}")
        lines.extend(f"    stored     {_change(c)}" for c in record.stored)
        lines.extend(f"    effective  {_change(c)}" for c in record.effective)
    count = len(plan.changes)
    lines.append(f"{count} record{'s' if count != 1 else ''} to change.")
    return "\n".join(lines)


def render_revert(result: RevertResult) -> str:
    """What a revert undid and wrote."""
    entries = ", ".join(f"#{entry_id}" for entry_id in result.reverted)
    written = []
    if result.organization is not None:
        written.append("the organization")
    written.extend(result.changed)
    return f"Reverted {entries}: restored {', '.join(written) or 'nothing (already as before)'}."


def render_invariants(view: InvariantsView) -> str:
    """An organization's invariants, one per line, then the violations stored settings hold."""
    if not view.invariants:
        return f"Organization {view.organization_id} has no invariants."
    lines = [f"Invariants of {view.organization_id}:"]
    lines += [f"  {invariant.name:<24} {_describe(invariant)}" for invariant in view.invariants]
    if view.violations:
        lines += ["", f"Violations kept by --enforce ({len(view.violations)}):"]
        lines += [f"  {violation.message}" for violation in view.violations]
    else:
        lines += ["", "No violations."]
    return "\n".join(lines)


def _describe(invariant: Invariant) -> str:
    if isinstance(invariant, StoppingPointAtMost):
        text = f"stopping point at most {invariant.at_most.value}"
        if invariant.except_repositories:
            text += " except on " + ", ".join(map(str, invariant.except_repositories))
        return text
    if isinstance(invariant, MergeOnlyOnBranches):
        return "merge only on branches " + ", ".join(p.text for p in invariant.branches)
    return "fix never on where scan is off"


_GROUP_TITLES: Final = {
    StoppingPoint.MERGE: "AI may merge",
    StoppingPoint.PULL_REQUEST: "AI may open a pull request",
    StoppingPoint.SUGGESTION: "AI may suggest a fix",
}
_NAMES_SHOWN: Final = 8


def _names(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:_NAMES_SHOWN])
    more = len(ids) - _NAMES_SHOWN
    return f"{shown}, and {more} more" if more > 0 else shown


def render_exposure(report: Exposure, *, at: StoppingPoint | None = None) -> str:
    """The exposure report: the places where AI may fix, farthest first, then the rest.

    One table per stopping point (from ``merge`` down to ``at``, or to ``suggestion``), a row
    per place: project, repository, branch pattern, environments. Without ``at``, the projects
    where AI may only scan and those where it does nothing close the report.
    """
    floor = StoppingPoint.SUGGESTION if at is None else at
    groups = report.places(floor)
    stored = len(report.projects)
    unstored = "may scan" if report.unstored.scan else "does nothing"
    title = (
        f"Exposure of {report.organization_id}: {stored} stored project"
        f"{'s' if stored != 1 else ''}; a project with nothing stored {unstored} and never fixes."
    )
    lines = [title]
    for point, places in groups.items():
        count = f"{len(places)} place{'s' if len(places) != 1 else ''}"
        lines.extend(["", f"{_GROUP_TITLES[point]} ({count}):"])
        if not places:
            lines.append("  (nowhere)")
            continue
        rows = [
            (
                place.project_id,
                str(place.repository),
                place.pattern.text,
                ", ".join(sorted(place.environments)) or "all",
            )
            for place in places
        ]
        header = ("PROJECT", "REPOSITORY", "BRANCHES", "ENVIRONMENTS")
        widths = [min(34, max(len(row[i]) for row in (header, *rows))) for i in range(3)]
        for row in (header, *rows):
            cells = [
                _fit(cell, width).ljust(width) for cell, width in zip(row, widths, strict=False)
            ]
            lines.append("  " + "  ".join([*cells, row[3]]))
    if at is None:
        fixing = {p.project_id for places in groups.values() for p in places}
        rest = [p for p in report.projects if p.project_id not in fixing]
        scanning = [
            p.project_id
            for p in rest
            if p.unlisted.scan or any(b.decision.scan for r in p.repositories for b in r.branches)
        ]
        idle = [p.project_id for p in rest if p.project_id not in set(scanning)]
        lines.append("")
        lines.append(f"AI may only scan ({len(scanning)}): {_names(scanning) or '-'}")
        lines.append(f"AI does nothing ({len(idle)}): {_names(idle) or '-'}")
    lines.extend(
        [
            "",
            "Each place holds for events in its environments, on branches its pattern matches.",
        ]
    )
    return "\n".join(lines)
