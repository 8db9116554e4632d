"""The OpenAPI document: valid OpenAPI 3.1, and the app conforms to it (schemathesis)."""

from __future__ import annotations

import openapi_spec_validator
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as core_checks
from schemathesis.specs.openapi import checks as openapi_checks

from ai_settings_core import ALL_SCOPES, Actor, SettingsService
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.http import SettingsApi, WsgiApp, openapi_document


@pytest.mark.parametrize("prefix", ["", "/api/0"])
def test_the_document_is_valid_openapi_3_1(prefix):
    document = openapi_document(prefix=prefix)
    openapi_spec_validator.validate(document)
    assert document["openapi"] == "3.1.0"


def test_every_route_of_the_handler_is_documented():
    paths = openapi_document()["paths"]
    assert set(paths) == {
        "/openapi.json",
        "/organizations/{org}/ai-settings/",
        "/organizations/{org}/ai-settings/preview/",
        "/organizations/{org}/ai-settings/audit/",
        "/organizations/{org}/ai-projects/",
        "/organizations/{org}/ai-projects/bulk/",
        "/projects/{org}/{project}/ai-settings/",
        "/projects/{org}/{project}/ai-settings/reset/",
        "/projects/{org}/{project}/ai-settings/explain/",
        "/projects/{org}/{project}/ai-settings/audit/",
        "/projects/{org}/{project}/ai-settings/repositories/",
        "/projects/{org}/{project}/ai-settings/repositories/{repository}/",
    }


def test_request_bodies_are_the_codecs_schemas():
    from ai_settings_core.codec._schema import json_schema

    schemas = openapi_document()["components"]["schemas"]
    codec = json_schema("project_patch")
    assert set(schemas["AISettingsProjectPatch"]["properties"]) == set(codec["properties"])
    assert schemas["AISettingsProjectPatch"]["additionalProperties"] is False


def test_411_is_documented_where_a_body_can_be_refused_for_want_of_a_length():
    paths = openapi_document()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            listed = "411" in operation["responses"]
            assert listed == (method in {"put", "post", "patch"}), (method, path)
    document = openapi_document()
    assert "AISettingsLengthRequired" in document["components"]["responses"]


# Property-based testing of the app against its own document, in process. Every operation
# gets a few dozen generated requests, valid and invalid: no answer may be a 5xx, and every
# answer must be one the document allows (status, content type, headers, body schema).

_store = MemoryStore()
_TOKEN = "Bearer schemathesis"


def _authenticate(request, org):
    """The document's security: a bearer token (a request without it is answered 401)."""
    if request.header("Authorization") != _TOKEN:
        return None
    return Actor("user:schemathesis", org, ALL_SCOPES)


_api = SettingsApi(SettingsService(_store.unit_of_work), _authenticate, prefix="/api/0")
schema = schemathesis.openapi.from_wsgi("/api/0/openapi.json", WsgiApp(_api))


@schema.auth()
class _BearerToken:
    """The token of the document's security scheme, on every generated request."""

    def get(self, case, context):
        return _TOKEN

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": data}

CHECKS = [
    core_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_app_conforms_to_its_document(case):
    case.call_and_validate(checks=CHECKS)
