"""The reference settings page beside the JSON API: one ``Request -> Response`` callable.

:class:`SettingsPage` answers the page (``GET /organizations/{org}/settings/ai/``), its bulk
impact preview, its two static files, and hands every other request to the
:class:`~ai_settings_core.http.SettingsApi` it wraps, so one server serves both.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable
from typing import Final, TypeAlias

import attrs

from ai_settings_core.domain.permissions import Actor
from ai_settings_core.domain.rules import validate_identifier
from ai_settings_core.errors import AISettingsError
from ai_settings_core.http import Request, Response, SettingsApi
from ai_settings_core.http._messages import error_response
from ai_settings_core.ui._render import login_page, render_page

__all__ = ["PAGE_LIMIT", "STATIC_PATH", "SettingsPage"]

STATIC_PATH: Final = "/_ai-settings/static"
"""Where the page's CSS and script are served (under the page's prefix)."""

PAGE_LIMIT: Final = 1000
"""The most projects the page lists; the others are reached through bulk changes or the API."""

_ASSETS: Final = {
    "page.css": "text/css; charset=utf-8",
    "page.js": "text/javascript; charset=utf-8",
}
_SECURITY: Final = (
    (
        "Content-Security-Policy",
        (
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
            " img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)

_PAGE: Final = ("organizations", "{org}", "settings", "ai")

Login: TypeAlias = Callable[[Request], Response]


def _html(status: int, text: str, *headers: tuple[str, str]) -> Response:
    return Response(
        status, (("Content-Type", "text/html; charset=utf-8"), *_SECURITY, *headers), text.encode()
    )


class SettingsPage:
    """The settings page of every organization, and the JSON API, as one callable.

    >>> from ai_settings_core import ALL_SCOPES, Actor, SettingsService
    >>> from ai_settings_core.adapters.memory import MemoryStore
    >>> from ai_settings_core.http import Request, SettingsApi
    >>> service = SettingsService(MemoryStore().unit_of_work)
    >>> page = SettingsPage(SettingsApi(service, lambda r, org: Actor("admin", org, ALL_SCOPES)))
    >>> response = page.handle(Request("GET", "/organizations/acme/settings/ai/"))
    >>> response.status, b'data-test-id="save-settings"' in response.body
    (200, True)
    >>> page.handle(Request("GET", "/organizations/acme/ai-settings/")).json()["fix_enabled"]
    False

    Args:
        api: The JSON API the page calls; its ``authenticate`` also guards the page.
        login: What answers ``POST /_ai-settings/login`` (the form a refused page shows);
            ``None`` when the host authenticates otherwise, and a refused page is a plain 401.
    """

    def __init__(self, api: SettingsApi, *, login: Login | None = None) -> None:
        self.api = api
        self.login = login
        self._assets: dict[str, bytes] = {}

    @property
    def max_body_bytes(self) -> int:
        """The API's limit on bodies, which the page's preview keeps too."""
        return self.api.max_body_bytes

    def __call__(self, request: Request) -> Response:
        """Same as :meth:`handle`."""
        return self.handle(request)

    def handle(self, request: Request) -> Response:
        """Answer one request: the page, its preview or static files, else the API."""
        segments = request.path.strip("/").split("/")
        method = "GET" if request.method == "HEAD" else request.method
        static, name = segments[:2], segments[2:]
        head, rest = segments[:4], segments[4:]
        page = len(head) == len(_PAGE) and all(
            p in ("{org}", s) for p, s in zip(_PAGE, head, strict=True)
        )
        if static == ["_ai-settings", "static"] and len(name) == 1 and method == "GET":
            response = self._asset(name[0])
        elif segments == ["_ai-settings", "login"] and method == "POST" and self.login:
            response = self.login(request)
        elif page and not rest and method == "GET":
            response = self._guarded(request, segments[1], self._page)
        else:
            return self.api.handle(request)
        return attrs.evolve(response, body=b"") if request.method == "HEAD" else response

    def _asset(self, name: str) -> Response:
        content_type = _ASSETS.get(name)
        if content_type is None:
            return self.api.handle(Request("GET", "/_ai-settings/static/" + name))  # its 404
        if name not in self._assets:
            files = importlib.resources.files("ai_settings_core.ui") / "_assets" / name
            self._assets[name] = files.read_bytes()
        headers = (("Content-Type", content_type), ("X-Content-Type-Options", "nosniff"))
        return Response(200, headers, self._assets[name])

    def _guarded(
        self, request: Request, org: str, answer: Callable[[Request, Actor], Response]
    ) -> Response:
        if validate_identifier(org, (), "org", self.api.service.limits):
            return error_response(404, "Not found.", "not_found")  # no such id can exist
        actor = self.api.authenticate(request, org)
        if actor is None:
            if self.login is not None:
                return _html(401, login_page("/_ai-settings/login", request.path, failed=False))
            return error_response(
                401,
                "Authentication credentials were not provided.",
                "not_authenticated",
                (("WWW-Authenticate", self.api.www_authenticate),),
            )
        try:
            return answer(request, actor)
        except AISettingsError as error:
            if error.status >= 500:  # noqa: PLR2004 - a server fault: the server's guard logs it
                raise
            return error_response(error.status, error.message, error.code)

    def _page(self, request: Request, actor: Actor) -> Response:
        org = request.path.strip("/").split("/")[1]
        service = self.api.service
        organization = service.get_organization(actor, org)
        listing = service.list_projects(actor, org, limit=PAGE_LIMIT, resolve_repositories=False)
        text = render_page(
            organization,
            listing.items,
            api_prefix=self.api.prefix,
            page_path=request.path,
            static_path=STATIC_PATH,
            more_projects=listing.next_cursor is not None,
        )
        return _html(200, text)
