"""The page's HTML, rendered on the server from the organization's and the projects' views.

The page works as a report without JavaScript: every value and where it comes from is in the
HTML. The script (``_assets/page.js``) turns it into a form: it edits, saves through the JSON
API, and after a save fetches this same HTML again to refresh the projects' summaries.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Final

from ai_settings_core.domain.resolve import Level, Reason, Resolution, Trace
from ai_settings_core.domain.settings import OrganizationSettings
from ai_settings_core.domain.values import StoppingPoint
from ai_settings_core.domain.views import OrganizationView, ProjectView

__all__ = ["SETTINGS", "login_page", "render_page", "source_of"]

SETTINGS: Final = (
    ("scan_enabled", "Issue Scanning", "Scan new issues with AI to find their root cause."),
    ("fix_enabled", "Automatic Fixes", "Let AI write a fix for the issues it scanned."),
    ("stopping_point", "Stopping Point", "How far an automatic fix may go on its own."),
)
"""Each setting's payload name, label and help, in the order the page shows them."""

STOPPING_POINTS: Final = (
    ("suggestion", "Suggestion"),
    ("pull_request", "Pull Request"),
    ("merge", "Merge"),
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def source_of(trace: Trace[bool] | Trace[StoppingPoint]) -> str:
    """The page's indicator of where a value comes from: inherited, overridden, locked, capped.

    The script maps the API's ``sources`` the same way (``sourceOf`` in ``page.js``).
    """
    if trace.reason is Reason.LOCKED:
        return "locked"
    if trace.reason is Reason.CAPPED:
        return "capped"
    if trace.reason is Reason.OVERRIDDEN and trace.level in (Level.PROJECT, Level.REPOSITORY):
        return "overridden"
    return "inherited"


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "On" if value else "Off"
    text = value.value if isinstance(value, StoppingPoint) else str(value)
    return dict(STOPPING_POINTS).get(text, text)


def _summary(view: ProjectView) -> str:
    project = view.project
    cells = []
    for name, label, _help in SETTINGS:
        trace = getattr(view.resolution, name)
        source = source_of(trace)
        cells.append(
            f'<div class="setting" data-setting="{name}"><dt>{_e(label)}</dt>'
            f'<dd><span class="value">{_e(_value_text(trace.value))}</span> '
            f'<span class="source source-{source}">{source}</span></dd></div>'
        )
    custom = (
        '<span class="badge" data-test-id="custom-settings">Custom Settings</span>'
        if _overrides(view)
        else ""
    )
    repositories = len(project.repositories)
    pid = _e(project.project_id)
    return (
        f'<div class="project-summary" id="summary-{pid}">'
        f'<label class="select"><input type="checkbox" class="select-project" value="{pid}"'
        f' data-test-id="select-project"><span class="visually-hidden">Select {pid}'
        " for bulk changes</span></label>"
        f'<h3 class="project-name">{pid} {custom}</h3>'
        f'<dl class="effective">{"".join(cells)}</dl>'
        f'<p class="repositories-count">{repositories} '
        f"{'repository' if repositories == 1 else 'repositories'}</p>"
        f'<button type="button" class="expand" data-test-id="expand-project-settings"'
        f' aria-expanded="false" aria-controls="editor-{pid}">Edit settings'
        f'<span class="visually-hidden"> of {pid}</span></button>'
        "</div>"
    )


def _overrides(view: ProjectView) -> bool:
    project = view.project
    return any(getattr(project, f"{name}_override") is not None for name, _label, _help in SETTINGS)


def _project(view: ProjectView) -> str:
    pid = _e(view.project.project_id)
    return (
        f'<li class="project" data-project="{pid}">{_summary(view)}'
        f'<div class="project-editor" id="editor-{pid}" hidden></div></li>'
    )


def _toggle(name: str, label: str, help_: str, checked: bool, test_id: str) -> str:
    return (
        f'<div class="field" data-field="{name}">'
        f'<label class="switch"><input type="checkbox" role="switch" id="org-{name}"'
        f' name="{name}" data-test-id="{test_id}" aria-describedby="org-{name}-help"'
        f'{" checked" if checked else ""}><span><span class="visually-hidden">Enable </span>'
        f"<span>{_e(label)}</span></span></label>"
        f'<p class="help" id="org-{name}-help">{_e(help_)}</p>'
        f'<p class="field-error" data-error-for="{name}" role="alert" hidden></p></div>'
    )


def _options(selected: str, blank: str | None = None) -> str:
    options = [] if blank is None else [f'<option value="">{_e(blank)}</option>']
    options.extend(
        f'<option value="{value}"{" selected" if value == selected else ""}>{label}</option>'
        for value, label in STOPPING_POINTS
    )
    return "".join(options)


def _organization(view: OrganizationView) -> str:
    settings: OrganizationSettings = view.settings
    resolution: Resolution = view.resolution
    scan, fix, sp = (SETTINGS[0], SETTINGS[1], SETTINGS[2])
    stopping = resolution.stopping_point.value.value
    locks = "".join(
        f'<label class="check"><input type="checkbox" name="locked" value="{name}"'
        f' data-test-id="lock-{name}"{" checked" if _locked(settings, name) else ""}>'
        f" Lock {_e(label)} for every project</label>"
        for name, label, _help in SETTINGS
    )
    ceiling = settings.max_stopping_point.value if settings.max_stopping_point else ""
    warnings = "".join(f"<li>{_e(finding.message)}</li>" for finding in view.warnings)
    return (
        '<section id="organization" aria-labelledby="organization-heading">'
        '<h2 id="organization-heading">Organization defaults</h2>'
        '<p class="hint">Every project inherits these values unless it overrides them.</p>'
        + _toggle(scan[0], scan[1], scan[2], resolution.scan_enabled.value, "scan-enabled-toggle")
        + _toggle(fix[0], fix[1], fix[2], resolution.fix_enabled.value, "fix-enabled-toggle")
        + '<div class="field" data-field="stopping_point">'
        f'<label for="org-stopping_point">{_e(sp[1])}</label>'
        '<select id="org-stopping_point" name="stopping_point"'
        ' data-test-id="stopping-point-select" aria-describedby="org-stopping_point-help">'
        f"{_options(stopping)}</select>"
        f'<p class="help" id="org-stopping_point-help">{_e(sp[2])}</p>'
        '<p class="field-error" data-error-for="stopping_point" role="alert" hidden></p></div>'
        '<fieldset class="policy"><legend>Policy</legend>'
        f'<div class="field" data-field="locked">{locks}'
        '<p class="field-error" data-error-for="locked" role="alert" hidden></p></div>'
        '<div class="field" data-field="max_stopping_point">'
        '<label for="org-max_stopping_point">Highest stopping point</label>'
        '<select id="org-max_stopping_point" name="max_stopping_point"'
        ' data-test-id="max-stopping-point-select">'
        f"{_options(ceiling, 'No ceiling')}</select>"
        '<p class="help">No project or repository may go further than this.</p>'
        '<p class="field-error" data-error-for="max_stopping_point" role="alert" hidden></p>'
        "</div></fieldset>"
        f'<ul class="warnings" id="organization-warnings">{warnings}</ul>'
        "</section>"
    )


def _locked(settings: OrganizationSettings, name: str) -> bool:
    return any(str(getattr(item, "value", item)) == name for item in settings.locked)


def _bulk() -> str:
    def choice(name: str, label: str, values: Sequence[tuple[str, str]]) -> str:
        options = "".join(f'<option value="{v}">{_e(text)}</option>' for v, text in values)
        return (
            f'<div class="field" data-field="{name}"><label for="bulk-{name}">{_e(label)}</label>'
            f'<select id="bulk-{name}" name="{name}" data-test-id="bulk-{name}">{options}'
            f'</select><p class="field-error" data-error-for="changes.{name}" role="alert"'
            " hidden></p></div>"
        )

    keep, inherit = ("keep", "No change"), ("inherit", "Inherit from the organization")
    switch = (keep, inherit, ("true", "On"), ("false", "Off"))
    return (
        '<section id="bulk" aria-labelledby="bulk-heading">'
        '<h2 id="bulk-heading">Apply to selected projects</h2>'
        '<p class="hint">Select projects above, choose a change, preview its impact, then'
        " apply it to all of them at once (all or none).</p>"
        '<p class="selected-count" aria-live="polite"><span id="bulk-count">0</span>'
        " projects selected</p>"
        + choice("scan_enabled_override", "Issue Scanning", switch)
        + choice("fix_enabled_override", "Automatic Fixes", switch)
        + choice("stopping_point_override", "Stopping Point", (keep, inherit, *STOPPING_POINTS))
        + '<label class="check"><input type="checkbox" id="bulk-reset" data-test-id="bulk-reset">'
        " Reset the selected projects to the organization defaults instead</label>"
        '<p class="field-error" data-error-for="projects" role="alert" hidden></p>'
        '<p class="field-error" data-error-for="non_field_errors" role="alert" hidden></p>'
        '<div class="actions"><button type="button" id="bulk-preview"'
        ' data-test-id="bulk-preview">Preview impact</button>'
        '<button type="button" id="bulk-apply" data-test-id="bulk-apply" disabled>'
        "Apply to selected projects</button></div>"
        '<div id="bulk-impact" data-test-id="bulk-impact" aria-live="polite" hidden></div>'
        "</section>"
    )


def render_page(
    organization: OrganizationView,
    projects: Iterable[ProjectView],
    *,
    api_prefix: str,
    page_path: str,
    static_path: str,
    more_projects: bool = False,
) -> str:
    """The whole page of one organization: its defaults and policy, its projects, bulk changes.

    Args:
        organization: The organization's view.
        projects: The projects to list (the stored ones, in the store's order).
        api_prefix: Where the JSON API is mounted (``""`` at the root).
        page_path: The page's own path (the script fetches it again to refresh).
        static_path: Where the page's CSS and script are served.
        more_projects: Whether the listing stopped before the last project.
    """
    org = organization.settings.organization_id
    items = "".join(_project(view) for view in projects)
    locked = " ".join(
        name for name, _label, _help in SETTINGS if _locked(organization.settings, name)
    )
    config = json.dumps(
        {
            "api": api_prefix,
            "organization": org,
            "page": page_path,
            "version": organization.version,
            "locked": locked.split(),
        }
    )
    more = (
        '<p class="hint">Only the first projects are listed; use bulk changes or the API for'
        " the others.</p>"
        if more_projects
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>AI settings · {_e(org)}</title>"
        f'<link rel="stylesheet" href="{_e(static_path)}/page.css">'
        f'<script src="{_e(static_path)}/page.js" defer></script></head><body>'
        f'<main id="ai-settings" data-config="{_e(config)}">'
        f'<h1>AI settings <span class="org">{_e(org)}</span></h1>'
        '<div class="messages" aria-live="polite">'
        '<p class="success" data-test-id="success-message" role="status" tabindex="-1" hidden>'
        "</p>"
        '<p class="error" data-test-id="error-message" role="alert" tabindex="-1" hidden></p>'
        "</div>"
        '<form id="settings-form" novalidate>'
        + _organization(organization)
        + '<section id="projects" aria-labelledby="projects-heading">'
        '<h2 id="projects-heading">Projects</h2>'
        '<p class="hint">Each value shows where it comes from: <span class="source'
        ' source-inherited">inherited</span> from the organization, <span class="source'
        ' source-overridden">overridden</span> by the project, <span class="source'
        ' source-locked">locked</span> by the policy or <span class="source'
        ' source-capped">capped</span> at its ceiling.</p>'
        f'<ul class="projects" id="project-list">{items}</ul>{more}'
        '<div class="field add-project"><label for="new-project">Add a project by its id'
        '</label><div class="inline"><input id="new-project" data-test-id="new-project"'
        ' autocomplete="off" spellcheck="false"><button type="button" id="add-project"'
        ' data-test-id="add-project">Add project</button></div>'
        '<p class="field-error" data-error-for="new_project" role="alert" hidden></p></div>'
        "</section>"
        '<div class="actions save"><button type="submit" class="primary"'
        ' data-test-id="save-settings">Save Changes</button>'
        '<button type="button" id="discard" data-test-id="discard-changes">Discard changes'
        "</button></div>"
        "</form>" + _bulk() + "</main>"
        '<noscript><p class="hint">Without JavaScript this page only shows the settings.</p>'
        "</noscript></body></html>"
    )


def login_page(action: str, next_path: str, failed: bool) -> str:
    """The form asking for the server's token, when a request carries none or a wrong one."""
    error = '<p class="error" role="alert">That token is not the server\'s.</p>' if failed else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>AI settings · sign in</title></head><body><main>"
        "<h1>AI settings</h1><p>This server asks for its access token.</p>"
        f'{error}<form method="post" action="{_e(action)}">'
        f'<input type="hidden" name="next" value="{_e(next_path)}">'
        '<label for="token">Access token</label> '
        '<input id="token" name="token" type="password" autocomplete="current-password"'
        ' required> <button type="submit">Sign in</button></form></main></body></html>'
    )
