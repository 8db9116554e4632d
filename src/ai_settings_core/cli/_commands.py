"""The commands: one function each, and :data:`COMMANDS`, the one table from name to function.

A command function gets the :class:`App` (the parsed command line, the store, the service,
the output) and prints its result; errors travel as the library's exceptions and
:func:`ai_settings_core.cli._main.main` turns them into exit statuses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any, Final

from ai_settings_core.cli._api import api_writes, run_api
from ai_settings_core.cli._app import App, Command, always
from ai_settings_core.cli._completion import completion_script
from ai_settings_core.cli._main import EXIT_CHANGES
from ai_settings_core.cli._parser import UsageError, build_parser
from ai_settings_core.cli._render import (
    render_audit,
    render_explanation,
    render_exposure,
    render_impact,
    render_invariants,
    render_plan,
    render_resolve,
    render_revert,
)
from ai_settings_core.cli._serve import run_serve
from ai_settings_core.cli._watch import watch
from ai_settings_core.domain.changes import KEEP, Keep, OrganizationPatch, ProjectPatch
from ai_settings_core.domain.findings import Finding, Severity
from ai_settings_core.domain.settings import Setting
from ai_settings_core.domain.values import RepositoryRef, format_timestamp
from ai_settings_core.domain.views import InvariantsView, OrganizationView, ProjectView
from ai_settings_core.errors import InvalidValueError, NotFoundError, ValidationError

__all__ = ["COMMANDS"]


# Reading the command line ------------------------------------------------------------------


def _ends(args: argparse.Namespace) -> dt.datetime | None:
    """When ``--until`` or ``--for`` says what this command sets ends (``None``: never).

    ``--for`` counts from the machine's clock; the service refuses a moment already past
    (code ``expired``) by its own.
    """
    until: dt.datetime | None = getattr(args, "until", None)
    length: dt.timedelta | None = getattr(args, "for_", None)
    if length is not None:
        return dt.datetime.now(dt.UTC) + length
    return until


def _nothing_ends(command: str, what: str) -> UsageError:
    return UsageError(f"ai-settings {command}: --until and --for end {what}: give one to end")


def _org_patch(args: argparse.Namespace) -> OrganizationPatch:
    both = set(args.lock) & set(args.unlock)
    if both:
        names = ", ".join(sorted(s.value for s in both))
        raise UsageError(f"ai-settings: cannot both lock and unlock {names}")
    ends = _ends(args)
    expiries: dict[str, dt.datetime] = {}
    if ends is not None:
        if not args.lock:
            raise _nothing_ends(args.command, "the locks set by --lock")
        expiries = {setting.lock_expires_field: ends for setting in args.lock}
    return OrganizationPatch(
        **expiries,  # type: ignore[arg-type]
        scan_enabled=KEEP if args.scan is None else args.scan,
        fix_enabled=KEEP if args.fix is None else args.fix,
        stopping_point=KEEP if args.stopping_point is None else args.stopping_point,
        max_stopping_point=args.max_stopping_point,
        # Relative to what is stored when the write runs: a concurrent lock is kept.
        lock=frozenset(args.lock) if args.lock else KEEP,
        unlock=frozenset(args.unlock) if args.unlock else KEEP,
    )


def _has_org_change(args: argparse.Namespace) -> bool:
    return (
        any(value is not None for value in (args.scan, args.fix, args.stopping_point))
        or bool(args.lock or args.unlock)
        or args.max_stopping_point is not KEEP
    )


def _project_patch(args: argparse.Namespace) -> ProjectPatch:
    environments: frozenset[str] | Keep = KEEP
    text = getattr(args, "environments", None)
    if text is not None:
        environments = frozenset() if text == "all" else frozenset(e for e in text.split(",") if e)
    ends = _ends(args)
    expiries: dict[str, dt.datetime] = {}
    if ends is not None:
        values = {Setting.SCAN_ENABLED: args.scan, Setting.FIX_ENABLED: args.fix}
        values[Setting.STOPPING_POINT] = args.stopping_point
        expiries = {
            setting.expires_field: ends
            for setting, value in values.items()
            if value is not KEEP and value is not None
        }
        if not expiries:
            raise _nothing_ends(
                args.command, "the overrides set by --scan, --fix or --stopping-point"
            )
    return ProjectPatch(
        scan_enabled_override=args.scan,
        fix_enabled_override=args.fix,
        stopping_point_override=args.stopping_point,
        environments=environments,
        **expiries,  # type: ignore[arg-type]
    )


def _repository(text: str, path: str = "repository") -> RepositoryRef:
    try:
        return RepositoryRef.parse(text)
    except InvalidValueError as error:
        finding = Finding(error.code, Severity.ERROR, (path,), error.message)
        raise ValidationError.from_findings([finding]) from None


def _branch_rule(text: str) -> str | dict[str, str]:
    """``--branch``'s text as a rule of the payload: ``PATTERN`` or ``PATTERN:STOPPING_POINT``.

    A pattern never holds ``:``, so the last one, if any, starts the rule's stopping point.
    """
    pattern, colon, point = text.rpartition(":")
    if not colon:
        return text
    return {"pattern": pattern, "stopping_point_override": point}


def _repository_payload(args: argparse.Namespace) -> dict[str, object]:
    """The repository options as the codec's payload, so the codec checks all of them at once."""
    payload: dict[str, object] = {}
    if args.branch is not None:
        payload["branch_patterns"] = [_branch_rule(text) for text in args.branch]
    if args.ai is not None:
        payload["ai_enabled"] = args.ai
    if args.stopping_point is not KEEP:
        point = args.stopping_point
        payload["stopping_point_override"] = None if point is None else point.value
    ends = _ends(args)
    if ends is not None:
        if payload.get("stopping_point_override") is None:
            raise _nothing_ends(args.command, "the stopping point set by --stopping-point")
        payload["stopping_point_override_expires_at"] = format_timestamp(ends)
    return payload


def _known_organization(app: App, organization_id: str) -> OrganizationView:
    """The organization's view; :class:`NotFoundError` when nothing at all is stored for it.

    A read of an organization with no stored settings and no projects is most likely a
    mistyped name: it says so (exit 4) rather than print the defaults as if they were its.
    """
    actor = app.actor(organization_id)
    view = app.service.get_organization(actor, organization_id)
    if view.stored or app.service.list_projects(actor, organization_id, limit=1).items:
        return view
    raise NotFoundError(
        f"Organization {organization_id!r} has no stored settings and no projects "
        "(is the name mistyped?). A new organization has the defaults (scan on, fix off, "
        f"stopping point pull_request); 'ai-settings org set {organization_id} ...' stores it."
    )


# The commands ------------------------------------------------------------------------------


def demo(app: App) -> None:
    """``demo``: create the sample organization, then show how it resolves."""
    from ai_settings_core.cli._demo import build_demo  # noqa: PLC0415 - only this command needs it

    created = build_demo(app.service, app.actor("demo"))
    if not app.as_json:
        app.print(
            "Created the sample organization 'demo'."
            if created
            else "The sample organization 'demo' exists already; showing it."
        )
        app.print("")
    _resolve(app, "demo")


def migrate(app: App) -> None:
    """``migrate``: bring the store's schema to this version; print the version."""
    store: Any = app.store
    version = store.migrate() if callable(getattr(store, "migrate", None)) else None
    if not isinstance(version, int):
        version = int(store.schema_version())  # SQLite checks and migrates its file first
    if app.as_json:
        app.json({"store": app.store.label, "schema_version": version})
    else:
        app.print(f"{app.store.label}: schema version {version}.")


def org_show(app: App) -> None:
    """``org show``."""
    app.show_org(_known_organization(app, app.args.org))


def org_set(app: App) -> None:
    """``org set``."""
    args = app.args
    if not _has_org_change(args):
        raise UsageError("ai-settings org set: give at least one change")
    view = app.service.update_organization(
        app.actor(args.org), args.org, _org_patch(args), expected_version=args.if_version
    )
    app.show_org(view)


def project_show(app: App) -> None:
    """``project show``."""
    args = app.args
    _known_organization(app, args.org)
    app.show_project(app.service.get_project(app.actor(args.org), args.org, args.project))


def project_set(app: App) -> None:
    """``project set``."""
    args = app.args
    patch = _project_patch(args)
    if patch.is_empty:
        raise UsageError("ai-settings project set: give at least one change")
    view = app.service.update_project(
        app.actor(args.org), args.org, args.project, patch, expected_version=args.if_version
    )
    app.show_project(view)


def project_reset(app: App) -> None:
    """``project reset``."""
    args = app.args
    view = app.service.reset_project(
        app.actor(args.org), args.org, args.project, expected_version=args.if_version
    )
    app.show_project(view)


def repo_add(app: App) -> None:
    """``repo add``."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    args = app.args
    settings = codec.parse_repository({"repository": args.repository, **_repository_payload(args)})
    app.show_project(
        app.service.add_repository(app.actor(args.org), args.org, args.project, settings)
    )


def repo_set(app: App) -> None:
    """``repo set``."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    args = app.args
    ref = _repository(args.repository)
    patch = codec.parse_repository_patch(_repository_payload(args))
    app.show_project(
        app.service.update_repository(app.actor(args.org), args.org, args.project, ref, patch)
    )


def repo_remove(app: App) -> None:
    """``repo remove``."""
    args = app.args
    ref = _repository(args.repository)
    app.show_project(
        app.service.remove_repository(app.actor(args.org), args.org, args.project, ref)
    )


def resolve(app: App) -> None:
    """``resolve``: every project's effective settings."""
    _known_organization(app, app.args.org)
    _resolve(app, app.args.org)


def _resolve(app: App, organization_id: str) -> None:
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    actor = app.actor(organization_id)
    org_view = app.service.get_organization(actor, organization_id)
    views: list[ProjectView] = []
    cursor: str | None = None
    while True:
        page = app.service.list_projects(actor, organization_id, cursor=cursor, limit=1000)
        views.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    if app.as_json:
        app.json(
            {
                "organization": codec.dump_organization(
                    org_view.settings, org_view.resolution, org_view.warnings
                ),
                "projects": [codec.dump_project_view(view) for view in views],
            }
        )
    else:
        app.print(render_resolve(org_view, views, colour=app.colour()))


def explain(app: App) -> None:
    """``explain``: where a project's values come from, and a decision."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    args = app.args
    ref = None if args.repo is None else _repository(args.repo, "repo")
    _known_organization(app, args.org)
    explanation = app.service.explain(
        app.actor(args.org),
        args.org,
        args.project,
        repository=ref,
        branch=args.branch,
        environment=args.environment,
    )
    if app.as_json:
        app.json(codec.dump_explanation(explanation))
    else:
        app.print(render_explanation(explanation, branch=args.branch, environment=args.environment))


def exposure(app: App) -> None:
    """``exposure``: where AI may fix, and how far, in every project, repository and branch."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    args = app.args
    _known_organization(app, args.org)
    report = app.service.exposure(app.actor(args.org), args.org)
    if app.as_json:
        app.json(codec.dump_exposure(report, args.at))
    else:
        app.print(render_exposure(report, at=args.at))


def bulk(app: App) -> None:
    """``bulk``: one change, or a reset, to many projects."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    args = app.args
    ids = [p for p in args.projects.split(",") if p]
    changes = (args.scan, args.fix, args.stopping_point)
    if args.reset and any(value is not KEEP for value in changes):
        raise UsageError("ai-settings bulk: --reset cannot be combined with other changes")
    if not args.reset and all(value is KEEP for value in changes):
        raise UsageError("ai-settings bulk: give --reset or at least one change")
    actor = app.actor(args.org)
    if args.reset:
        result = app.service.bulk_update(actor, args.org, ids, reset=True)
    else:
        result = app.service.bulk_update(actor, args.org, ids, _project_patch(args))
    if app.as_json:
        app.json(codec.dump_bulk_result(result))
    else:
        app.print(
            f"Changed {len(result.changed)} of {len(result.projects)} projects"
            + (f": {', '.join(result.changed)}" if result.changed else ".")
        )


def preview(app: App) -> None:
    """``preview``: what an organization change would change."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    args = app.args
    if not _has_org_change(args):
        raise UsageError("ai-settings preview: give at least one change to preview")
    _known_organization(app, args.org)
    impact = app.service.preview_organization_change(
        app.actor(args.org), args.org, _org_patch(args)
    )
    if app.as_json:
        app.json(codec.dump_impact(impact))
    else:
        app.print(render_impact(impact))


def audit(app: App) -> None:
    """``audit``: the audit log, newest first."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    args = app.args
    _known_organization(app, args.org)
    page = app.service.audit_log(
        app.actor(args.org),
        args.org,
        project_id=args.project,
        cursor=args.cursor,
        limit=args.limit,
    )
    if app.as_json:
        app.json(codec.dump_audit_page(page))  # the HTTP API's document of a page
    else:
        app.print(render_audit(page.items))
        if page.next_cursor is not None:
            app.print(f"More entries: --cursor {page.next_cursor}")


def export(app: App) -> None:
    """``export``: one JSON document of the organization."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    organization_id = app.args.org
    with app.store(read_only=True) as uow:
        state = uow.projects.load_organization(organization_id)
    if state.organization is None and not state.projects:
        raise NotFoundError(f"Organization {organization_id!r} not found.")
    app.out.write(
        codec.dumps_export(state.organization, state.projects, organization_id, versions=False)
    )


def _read_json(app: App, source: str, command: str) -> object:
    """The JSON document in file ``source`` (``-``: standard input)."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only these commands need it

    try:
        data = app.stdin.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise UsageError(f"ai-settings {command}: cannot read {source!r}: {error}") from None
    try:
        return codec.load_json(data)
    except ValueError as error:
        message = f"The file is not JSON: {error}."
        raise ValidationError.from_findings(
            [Finding("parse_error", Severity.ERROR, (), message)]
        ) from None


def import_(app: App) -> None:
    """``import``: store an exported document."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    document = _read_json(app, app.args.file, "import")
    organization, projects = codec.parse_export(document)
    result = app.service.import_organization(
        app.actor(organization.organization_id), organization, projects, enforce=app.args.enforce
    )
    if app.as_json:
        app.json({"changed": list(result.changed)})
    else:
        app.print(
            f"Imported {organization.organization_id}: {len(result.changed)} of "
            f"{len(result.projects)} projects changed."
        )


def revert(app: App) -> None:
    """``revert ORG ENTRY_ID``: undo the change an audit entry recorded."""
    args = app.args
    _known_organization(app, args.org)
    result = app.service.revert(app.actor(args.org), args.org, args.entry_id, force=args.force)
    if app.as_json:
        from ai_settings_core import codec  # noqa: PLC0415 - start-up: only --json needs it

        app.json(codec.dump_revert_result(result))
    else:
        app.print(render_revert(result))


def plan(app: App) -> int:
    """``plan FILE``: what applying a desired-state document would change (10: changes)."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    args = app.args
    document = codec.parse_document(_read_json(app, args.file, "plan"))
    planned = app.service.plan(app.actor(document.organization_id), document, prune=args.prune)
    if args.out is not None:
        text = json.dumps(codec.dump_plan(planned), indent=2, ensure_ascii=False) + "\n"
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"ai-settings plan: cannot write {args.out!r}: {error}") from None
    if app.as_json:
        app.json(codec.dump_plan(planned))
    else:
        app.print(render_plan(planned))
    return 0 if planned.is_empty else EXIT_CHANGES


def apply(app: App) -> None:
    """``apply FILE`` or ``apply --plan PLANFILE``: make what is stored what the document says."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    args = app.args
    if (args.file is None) == (args.plan is None):
        raise UsageError("ai-settings apply: give either FILE or --plan PLANFILE")
    if args.plan is not None:
        if args.prune:
            raise UsageError("ai-settings apply: --prune is part of the plan; give it to plan")
        planned = codec.parse_plan(_read_json(app, args.plan, "apply"))
        actor = app.actor(planned.organization_id)
    else:
        document = codec.parse_document(_read_json(app, args.file, "apply"))
        actor = app.actor(document.organization_id)
        planned = app.service.plan(actor, document, prune=args.prune)
    result = app.service.apply(actor, planned)
    if app.as_json:
        app.json({"plan": codec.dump_plan(planned), "changed": list(result.changed)})
    else:
        app.print(render_plan(planned))
        count = len(planned.changes)
        app.print(
            f"Applied {planned.organization_id}: {count} record{'' if count == 1 else 's'} changed."
        )


def _show_invariants(app: App, view: InvariantsView) -> None:
    if app.as_json:
        from ai_settings_core import codec  # noqa: PLC0415 - start-up: only --json needs it

        app.json(codec.dump_invariants_view(view))
    else:
        app.print(render_invariants(view))


def invariants_show(app: App) -> None:
    """``invariants show``."""
    org = app.args.org
    _show_invariants(app, app.service.get_invariants(app.actor(org), org))


def invariants_add(app: App) -> None:
    """``invariants add``: the options become an invariant payload, parsed as the HTTP API's."""
    from ai_settings_core import codec  # noqa: PLC0415 - start-up: only this command needs it

    args = app.args
    payload: dict[str, Any] = {"name": args.name, "kind": args.kind}
    if args.at_most is not None:
        payload["at_most"] = args.at_most.value
    if args.except_repositories:
        payload["except_repositories"] = args.except_repositories
    if args.branches:
        payload["branches"] = args.branches
    invariant = codec.parse_invariant(payload, limits=app.service.limits)
    view = app.service.add_invariant(
        app.actor(args.org),
        args.org,
        invariant,
        enforce=args.enforce,
        expected_version=args.if_version,
    )
    _show_invariants(app, view)


def invariants_remove(app: App) -> None:
    """``invariants remove``."""
    args = app.args
    view = app.service.remove_invariant(
        app.actor(args.org), args.org, args.name, expected_version=args.if_version
    )
    _show_invariants(app, view)


def completion(app: App) -> None:
    """``completion SHELL``: print a shell completion script."""
    app.out.write(completion_script(build_parser(), app.args.shell))


def api(app: App) -> int:
    """``api METHOD PATH``: one request through the HTTP handler."""
    return run_api(app.args, app.store, app.out, app.err, actor_id=app.login, stdin=app.stdin)


def serve(app: App) -> int:
    """``serve``: the settings page and the JSON API, until interrupted."""
    return run_serve(app.args, app.service, app.out, app.err)


COMMANDS: Final[dict[str, Command]] = {
    "demo": Command(demo, writes=always),
    "migrate": Command(migrate, writes=always),
    "org show": Command(org_show),
    "org set": Command(org_set, writes=always),
    "project show": Command(project_show),
    "project set": Command(project_set, writes=always),
    "project reset": Command(project_reset, writes=always),
    "repo add": Command(repo_add, writes=always),
    "repo set": Command(repo_set, writes=always),
    "repo remove": Command(repo_remove, writes=always),
    "invariants show": Command(invariants_show),
    "invariants add": Command(invariants_add, writes=always),
    "invariants remove": Command(invariants_remove, writes=always),
    "resolve": Command(resolve),
    "explain": Command(explain),
    "exposure": Command(exposure),
    "bulk": Command(bulk, writes=always),
    "preview": Command(preview),
    "audit": Command(audit),
    "export": Command(export),  # always JSON: --json is accepted and changes nothing
    "import": Command(import_, writes=always),
    "revert": Command(revert, writes=always),
    "plan": Command(plan),
    "apply": Command(apply, writes=always),
    "completion": Command(completion, json=False),
    "api": Command(api, writes=api_writes),  # --json: the body alone, as --body-only
    "watch": Command(watch),  # --json: one JSON object per line
    "serve": Command(serve, writes=always, json=False),
}
"""Every command by its name (``"org show"``), as the parser sets ``args.command``."""
