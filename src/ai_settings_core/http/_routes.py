"""The routes: one table of paths, methods and route functions, and how a path finds one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Final, TypeAlias

import attrs

from ai_settings_core.http import _handlers as handlers
from ai_settings_core.http._call import Call
from ai_settings_core.http._messages import Response, detail_error

__all__ = ["ROUTES", "Handler", "Route", "RouteTable", "match"]

Handler: TypeAlias = Callable[[Call], Response]


@attrs.frozen
class Route:
    """One path of the API: its name, its segments (``{name}`` binds one) and its methods."""

    name: str
    pattern: tuple[str, ...]
    methods: Mapping[str, Handler]
    authenticated: bool = True


def _route(name: str, path: str, authenticated: bool = True, **methods: Handler) -> Route:
    return Route(name, tuple(path.strip("/").split("/")), methods, authenticated)


ROUTES: Final = (
    _route("openapi", "openapi.json", False, GET=handlers.openapi),
    _route(
        "organization",
        "organizations/{org}/ai-settings",
        GET=handlers.get_organization,
        PUT=handlers.put_organization,
    ),
    _route("preview", "organizations/{org}/ai-settings/preview", POST=handlers.preview),
    _route("exposure", "organizations/{org}/ai-settings/exposure", GET=handlers.exposure),
    _route(
        "organization_audit",
        "organizations/{org}/ai-settings/audit",
        GET=handlers.organization_audit,
    ),
    _route(
        "revert",
        "organizations/{org}/ai-settings/audit/{entry}/revert",
        POST=handlers.revert,
    ),
    _route("plan", "organizations/{org}/ai-settings/plan", POST=handlers.plan),
    _route("apply", "organizations/{org}/ai-settings/apply", POST=handlers.apply_plan),
    _route(
        "invariants",
        "organizations/{org}/ai-settings/invariants",
        GET=handlers.get_invariants,
        POST=handlers.add_invariant,
    ),
    _route(
        "invariant",
        "organizations/{org}/ai-settings/invariants/{name}",
        DELETE=handlers.remove_invariant,
    ),
    _route("projects", "organizations/{org}/ai-projects", GET=handlers.list_projects),
    _route("decision", "organizations/{org}/ai-decisions", GET=handlers.decision),
    _route("bulk", "organizations/{org}/ai-projects/bulk", POST=handlers.bulk),
    _route(
        "bulk_preview",
        "organizations/{org}/ai-projects/bulk/preview",
        POST=handlers.bulk_preview,
    ),
    _route(
        "project",
        "projects/{org}/{project}/ai-settings",
        GET=handlers.get_project,
        PUT=handlers.put_project,
    ),
    _route("reset", "projects/{org}/{project}/ai-settings/reset", POST=handlers.reset_project),
    _route("explain", "projects/{org}/{project}/ai-settings/explain", GET=handlers.explain),
    _route(
        "project_audit", "projects/{org}/{project}/ai-settings/audit", GET=handlers.project_audit
    ),
    _route(
        "repositories",
        "projects/{org}/{project}/ai-settings/repositories",
        POST=handlers.add_repository,
    ),
    _route(
        "repository",
        "projects/{org}/{project}/ai-settings/repositories/{repository+}",
        GET=handlers.get_repository,
        PUT=handlers.change_repository,
        PATCH=handlers.change_repository,
        DELETE=handlers.remove_repository,
    ),
)
"""Every route, in the order paths are matched; the first serves the OpenAPI document."""


def match(routes: Iterable[Route], segments: list[str]) -> tuple[Route, dict[str, str]]:
    """The first route whose pattern ``segments`` fit, and the parameters bound; else 404."""
    for route in routes:
        params = _match_one(route.pattern, segments)
        if params is not None:
            return route, params
    raise detail_error(404, "Not found.", "not_found")


class RouteTable:
    """Routes indexed by their first segment: a request tries only the routes that can fit.

    The answer is :func:`match`'s over the same routes (the first route that fits, in the
    table's order), found without trying every route of the API on every request.
    """

    def __init__(self, routes: Iterable[Route]) -> None:
        ordered = tuple(routes)
        # A route whose first segment binds a parameter fits any first segment.
        anywhere = [i for i, route in enumerate(ordered) if route.pattern[0].startswith("{")]
        firsts = {route.pattern[0] for route in ordered} - {ordered[i].pattern[0] for i in anywhere}
        self._anywhere = tuple(_candidate(ordered[i]) for i in anywhere)
        self._by_first = {
            first: tuple(
                _candidate(route)
                for i, route in enumerate(ordered)
                if route.pattern[0] == first or i in anywhere
            )
            for first in firsts
        }

    def match(self, segments: list[str]) -> tuple[Route, dict[str, str]]:
        """The first route whose pattern ``segments`` fit, and the parameters bound; else 404."""
        count = len(segments)
        for route, length, open_ended in self._by_first.get(segments[0], self._anywhere):
            if length != count and not open_ended:
                continue
            params = _match_one(route.pattern, segments)
            if params is not None:
                return route, params
        raise detail_error(404, "Not found.", "not_found")


def _candidate(route: Route) -> tuple[Route, int, bool]:
    return route, len(route.pattern), route.pattern[-1].endswith("+}")


def _match_one(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for index, part in enumerate(pattern):
        if part == "{repository+}":
            rest = segments[index:]
            if not rest or not all(rest):
                return None
            params["repository"] = "/".join(rest)
            return params
        if index >= len(segments):
            return None
        segment = segments[index]
        if part.startswith("{"):
            if not segment:
                return None
            params[part[1:-1]] = segment
        elif segment != part:
            return None
    return params if len(segments) == len(pattern) else None
