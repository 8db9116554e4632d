"""The HTTP kit's route table: indexed by first segment, it answers as trying every route."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ai_settings_core.errors import AISettingsError
from ai_settings_core.http._messages import HttpError
from ai_settings_core.http._routes import ROUTES, Route, RouteTable, match

# Segments drawn from the routes' own literals, values for their parameters, and strangers.
_LITERALS = sorted({part for route in ROUTES for part in route.pattern if "{" not in part})
_SEGMENTS = st.sampled_from([*_LITERALS, "acme", "web", "github:acme", "api", "", "x{y}"])


def _answer(find: object, segments: list[str]) -> tuple[str, dict[str, str]] | None:
    try:
        route, params = find(segments)  # type: ignore[operator]
    except (HttpError, AISettingsError):
        return None
    assert isinstance(route, Route)
    return route.name, params


@given(st.lists(_SEGMENTS, min_size=1, max_size=8), st.booleans())
def test_the_table_finds_the_route_that_trying_every_route_in_order_finds(
    segments: list[str], with_openapi: bool
) -> None:
    routes = ROUTES if with_openapi else ROUTES[1:]
    expected = _answer(lambda s: match(routes, s), segments)
    assert _answer(RouteTable(routes).match, segments) == expected


def test_every_route_is_found_with_its_parameters() -> None:
    table = RouteTable(ROUTES)
    for route in ROUTES:
        segments = [
            {"{org}": "acme", "{project}": "web", "{repository+}": "github:acme/api"}.get(
                part, part
            )
            for part in route.pattern
        ]
        segments = "/".join(segments).split("/")
        found, params = table.match(segments)
        assert found.name == route.name
        assert all(value for value in params.values())
