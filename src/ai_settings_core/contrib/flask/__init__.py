"""Flask: the AI settings API as a blueprint (extra ``flask``).

>>> import flask
>>> from ai_settings_core import ALL_SCOPES, Actor, SettingsService
>>> from ai_settings_core.adapters.memory import MemoryStore
>>> from ai_settings_core.contrib.flask import settings_blueprint
>>> def settings_actor(request, organization_id):
...     if request.headers.get("Authorization") != "Bearer admin":
...         return None  # 401
...     return Actor("user:admin", organization_id, ALL_SCOPES)
>>> app = flask.Flask("demo")
>>> service = SettingsService(MemoryStore().unit_of_work)
>>> app.register_blueprint(settings_blueprint(service, settings_actor, url_prefix="/api/0"))
>>> client = app.test_client()
>>> client.get("/api/0/organizations/acme/ai-settings/").status_code
401
>>> answer = client.get(
...     "/api/0/organizations/acme/ai-settings/", headers={"Authorization": "Bearer admin"}
... )
>>> answer.status_code, answer.headers["ETag"], answer.json["stopping_point"]
(200, '"0"', 'pull_request')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias, cast

import flask
from werkzeug.exceptions import RequestEntityTooLarge

from ai_settings_core.domain.permissions import Actor
from ai_settings_core.http import Request, Response, SettingsApi
from ai_settings_core.http._wsgi import DRAIN_BYTES, discard, too_large
from ai_settings_core.service import SettingsService

__all__ = ["ActorHook", "settings_blueprint"]

ActorHook: TypeAlias = Callable[[flask.Request, str], Actor | None]
"""The host's user as an :class:`~ai_settings_core.Actor`: Flask's request and the
organization in the URL in, ``None`` to answer 401. Build the scopes from the user's own
memberships, never from the URL: the library answers 404 for another organization's routes."""

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _answer(response: Response) -> flask.Response:
    answer = flask.Response(response.body, status=response.status, headers=list(response.headers))
    if response.header("Content-Type") is None:
        del answer.headers["Content-Type"]  # Flask's default, which the handler did not send
    return answer


def settings_blueprint(
    service: SettingsService,
    actor: ActorHook,
    *,
    url_prefix: str = "/api/0",
    name: str = "ai_settings",
    max_body_bytes: int = 1_048_576,
    max_page_size: int = 1000,
    www_authenticate: str = 'Bearer realm="ai-settings"',
    serve_openapi: bool = True,
    openapi_options: Mapping[str, Any] | None = None,
) -> flask.Blueprint:
    """A blueprint serving every route of :class:`~ai_settings_core.http.SettingsApi`.

    The answers are the handler's, statuses, headers and bodies, whatever Flask would add: a
    405 names the handler's ``Allow``, an error its code header. A body over
    ``max_body_bytes`` (or over the app's ``MAX_CONTENT_LENGTH``, when smaller) is answered
    with the handler's JSON 413, not Flask's HTML page.

    Args:
        service: The use cases to serve.
        actor: The host's authentication (see :data:`ActorHook`).
        url_prefix: Where the routes live; register the blueprint without another prefix.
        name: The blueprint's name.
        max_body_bytes: Bodies larger than this are refused with 413.
        max_page_size: The largest ``limit`` a listing accepts.
        www_authenticate: The ``WWW-Authenticate`` challenge sent with a 401.
        serve_openapi: Whether ``{url_prefix}/openapi.json`` serves the OpenAPI document.
        openapi_options: More keyword arguments of
            :func:`~ai_settings_core.http.openapi_document` (``security_schemes``...).

    Raises:
        ValueError: At registration, when the app gives the blueprint another prefix.
    """
    api = SettingsApi(
        service,
        lambda request, organization_id: actor(
            cast("flask.Request", request.context), organization_id
        ),
        prefix=url_prefix,
        max_body_bytes=max_body_bytes,
        max_page_size=max_page_size,
        www_authenticate=www_authenticate,
        serve_openapi=serve_openapi,
        openapi_options=openapi_options,
    )
    blueprint = flask.Blueprint(name, __name__, url_prefix=api.prefix or None)

    def check_prefix(state: Any) -> None:  # noqa: ANN401 - Flask's BlueprintSetupState
        given = "/" + (state.url_prefix or "").strip("/")
        if given.rstrip("/") != api.prefix:
            raise ValueError(
                f"The AI settings blueprint serves {api.prefix or '/'!r}; it was registered "
                f"at {given!r}: pass url_prefix to settings_blueprint instead."
            )

    def view(rest: str = "") -> flask.Response:
        del rest  # the handler routes the whole path
        request = flask.request
        configured = flask.current_app.config.get("MAX_CONTENT_LENGTH")
        limit = api.max_body_bytes if configured is None else min(configured, api.max_body_bytes)
        request.max_content_length = limit
        body = request.get_data(cache=False)  # over the limit: RequestEntityTooLarge
        query = request.query_string.decode("latin-1")
        headers = list(request.headers.items())
        context = cast("Any", request)._get_current_object()  # noqa: SLF001 - not the proxy
        return _answer(
            api.handle(Request(request.method, request.path, headers, body, query, context=context))
        )

    def payload_too_large(error: RequestEntityTooLarge) -> flask.Response:
        del error
        request = flask.request
        # Read what is left of the body and throw it away (see WsgiApp): the client gets the
        # answer and keeps its connection. Beyond DRAIN_BYTES, the server closes it.
        declared = request.content_length
        if declared is None or declared <= DRAIN_BYTES:
            discard(request.environ["wsgi.input"], DRAIN_BYTES if declared is None else declared)
        limit = request.max_content_length
        return _answer(too_large(api.max_body_bytes if limit is None else limit))

    blueprint.record(check_prefix)
    blueprint.add_url_rule("/", "root", view, methods=_METHODS, strict_slashes=False)
    blueprint.add_url_rule("/<path:rest>", "api", view, methods=_METHODS, strict_slashes=False)
    blueprint.register_error_handler(RequestEntityTooLarge, payload_too_large)
    return blueprint
