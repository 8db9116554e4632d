"""FastAPI: the AI settings API as an ``APIRouter`` (extra ``fastapi``), on ASGI itself.

The router holds one route, under its prefix, whose app is
:class:`~ai_settings_core.http.AsgiApp`: the body is received and limited on ASGI, the
handler runs in a worker thread, and the answer is the handler's, untouched by FastAPI.

>>> import fastapi
>>> from fastapi.testclient import TestClient
>>> from ai_settings_core import ALL_SCOPES, Actor, SettingsService
>>> from ai_settings_core.adapters.memory import MemoryStore
>>> from ai_settings_core.contrib.fastapi import settings_router
>>> def settings_actor(request, organization_id):
...     if request.headers.get("Authorization") != "Bearer admin":
...         return None  # 401
...     return Actor("user:admin", organization_id, ALL_SCOPES)
>>> app = fastapi.FastAPI()
>>> service = SettingsService(MemoryStore().unit_of_work)
>>> app.include_router(settings_router(service, settings_actor, prefix="/api/0"))
>>> with TestClient(app) as client:
...     refused = client.get("/api/0/organizations/acme/ai-settings/")
...     answer = client.get(
...         "/api/0/organizations/acme/ai-settings/", headers={"Authorization": "Bearer admin"}
...     )
>>> refused.status_code, answer.status_code, answer.headers["ETag"]
(401, 200, '"0"')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import fastapi
from starlette.requests import Request as StarletteRequest

from ai_settings_core.domain.permissions import Actor
from ai_settings_core.http import AsgiApp, Request, SettingsApi
from ai_settings_core.service import SettingsService

__all__ = ["ActorHook", "settings_router"]

ActorHook: TypeAlias = Callable[[StarletteRequest, str], Actor | None]
"""The host's user as an :class:`~ai_settings_core.Actor`: the request (Starlette's, which
FastAPI's is: ``request.user`` and ``request.state`` hold what middleware set) and the
organization in the URL in, ``None`` to answer 401. It runs in a worker thread. Build the
scopes from the user's own memberships, never from the URL: the library answers 404 for
another organization's routes."""


def settings_router(
    service: SettingsService,
    actor: ActorHook,
    *,
    prefix: str = "/api/0",
    name: str = "ai_settings",
    max_body_bytes: int = 1_048_576,
    max_page_size: int = 1000,
    www_authenticate: str = 'Bearer realm="ai-settings"',
    serve_openapi: bool = True,
    openapi_options: Mapping[str, Any] | None = None,
) -> fastapi.APIRouter:
    """An ``APIRouter`` serving every route of :class:`~ai_settings_core.http.SettingsApi`.

    Include it without another prefix (``app.include_router(router)``). The route is left
    out of FastAPI's own schema; the library's document is at ``{prefix}/openapi.json``, and
    :func:`~ai_settings_core.http.merge_openapi` merges it into FastAPI's.

    Args:
        service: The use cases to serve.
        actor: The host's authentication (see :data:`ActorHook`).
        prefix: Where the routes live.
        name: The route's name.
        max_body_bytes: Bodies larger than this are refused with 413.
        max_page_size: The largest ``limit`` a listing accepts.
        www_authenticate: The ``WWW-Authenticate`` challenge sent with a 401.
        serve_openapi: Whether ``{prefix}/openapi.json`` serves the OpenAPI document.
        openapi_options: More keyword arguments of
            :func:`~ai_settings_core.http.openapi_document` (``security_schemes``...).
    """

    def authenticate(request: Request, organization_id: str) -> Actor | None:
        scope: Any = request.context
        return actor(StarletteRequest(scope), organization_id)

    api = SettingsApi(
        service,
        authenticate,
        prefix=prefix,
        max_body_bytes=max_body_bytes,
        max_page_size=max_page_size,
        www_authenticate=www_authenticate,
        serve_openapi=serve_openapi,
        openapi_options=openapi_options,
    )
    router = fastapi.APIRouter(prefix=api.prefix)
    app: Any = AsgiApp(api)  # an ASGI app as the endpoint: Starlette calls it as one
    # Every method reaches the handler, which answers 405 with its own Allow.
    router.add_route("/{rest:path}", app, methods=[], name=name, include_in_schema=False)
    return router
