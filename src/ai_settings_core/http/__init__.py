"""The HTTP API of the AI settings, framework-neutral: a handler, WSGI and ASGI apps, OpenAPI.

:class:`SettingsApi` answers a :class:`Request` (method, path, headers, body bytes) with a
:class:`Response` (status, headers, body bytes), routing the seed's URLs under any prefix;
:class:`WsgiApp` serves it to any WSGI server, :class:`AsgiApp` to any ASGI server;
:func:`openapi_document` describes it and :func:`merge_openapi` merges that into a host's. The
host brings its authentication as a callable (see :data:`Authenticate`).

>>> from ai_settings_core import ALL_SCOPES, Actor, SettingsService
>>> from ai_settings_core.adapters.memory import MemoryStore
>>> from ai_settings_core.http import Request, SettingsApi
>>> service = SettingsService(MemoryStore().unit_of_work)
>>> api = SettingsApi(service, lambda request, org: Actor("user:1", org, ALL_SCOPES))
>>> response = api.handle(Request(
...     "PUT", "/organizations/acme/ai-settings/",
...     headers=[("Content-Type", "application/json"), ("If-Match", '"0"')],
...     body=b'{"stopping_point": "invalid"}',
... ))
>>> response.status, response.json()
(400, {'stopping_point': ['"invalid" is not a valid choice.']})
"""

from __future__ import annotations

from ai_settings_core.http._handler import SettingsApi
from ai_settings_core.http._messages import (
    ERROR_CODE_HEADER,
    ERROR_CODES_HEADER,
    Authenticate,
    Request,
    Response,
)
from ai_settings_core.http._openapi import openapi_document
from ai_settings_core.http._openapi_components import merge_openapi
from ai_settings_core.http._wsgi import WsgiApp, request_from_environ

# isort: split
from ai_settings_core.http._asgi import AsgiApp  # built on the names above: imported last

__all__ = [
    "ERROR_CODES_HEADER",
    "ERROR_CODE_HEADER",
    "AsgiApp",
    "Authenticate",
    "Request",
    "Response",
    "SettingsApi",
    "WsgiApp",
    "merge_openapi",
    "openapi_document",
    "request_from_environ",
]


def __dir__() -> list[str]:
    return list(__all__)
