"""The OpenAPI document: valid OpenAPI 3.1, and the app conforms to it (schemathesis)."""

from __future__ import annotations

import copy
import json

import openapi_spec_validator
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as core_checks
from schemathesis.specs.openapi import checks as openapi_checks

from ai_settings_core import ALL_SCOPES, Actor, SettingsService
from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.http import SettingsApi, WsgiApp, merge_openapi, openapi_document


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
        "/organizations/{org}/ai-settings/exposure/",
        "/organizations/{org}/ai-settings/audit/",
        "/organizations/{org}/ai-settings/audit/{entry}/revert/",
        "/organizations/{org}/ai-settings/plan/",
        "/organizations/{org}/ai-settings/apply/",
        "/organizations/{org}/ai-settings/invariants/",
        "/organizations/{org}/ai-settings/invariants/{name}/",
        "/organizations/{org}/ai-projects/",
        "/organizations/{org}/ai-projects/bulk/",
        "/organizations/{org}/ai-decisions/",
        "/organizations/{org}/ai-projects/bulk/preview/",
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
_TOKEN = "Bearer schemathesis"  # noqa: S105 - a test token


def _authenticate(request, org):
    """The document's security: a bearer token (a request without it is answered 401)."""
    if request.header("Authorization") != _TOKEN:
        return None
    return Actor("user:schemathesis", org, ALL_SCOPES)


_api = SettingsApi(SettingsService(_store.unit_of_work), _authenticate, prefix="/api/0")
schema = schemathesis.openapi.from_wsgi("/api/0/openapi.json", WsgiApp(_api))
# A negative body may be over the body limit (a bulk request past maxItems, with long names):
# the 413 that refuses it is a rejection too.
schema.config.checks.negative_data_rejection.expected_statuses.append("413")


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


# Generator-friendly: what openapi-python-client and datamodel-code-generator need (the e2e
# test generates both from the served document).


def _refs(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def test_every_domain_enumeration_is_one_referenced_schema():
    document = openapi_document()
    stopping_points = [
        schema
        for schema in _all_schemas(document)
        if schema.get("enum") == ["suggestion", "pull_request", "merge"]
    ]
    assert len(stopping_points) == 1
    refs = list(_refs(document))
    assert refs.count("#/components/schemas/AISettingsStoppingPoint") >= 10


def _all_schemas(value):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _all_schemas(item)
    elif isinstance(value, list):
        for item in value:
            yield from _all_schemas(item)


def test_no_schema_mixes_structured_types_in_a_list():
    # ["object", "array"] made openapi-python-client drop the 400 response; scalars mix fine.
    for schema in _all_schemas(openapi_document()):
        kind = schema.get("type")
        if isinstance(kind, list):
            assert not {"object", "array"} & set(kind), schema


def test_a_400_body_is_one_of_the_parse_error_and_the_field_errors():
    schemas = openapi_document()["components"]["schemas"]
    assert schemas["AISettingsValidationErrorDetail"]["oneOf"] == [
        {"$ref": "#/components/schemas/AISettingsErrorDetail"},
        {"$ref": "#/components/schemas/AISettingsFieldErrors"},
    ]


def test_every_reference_names_a_component_and_every_name_has_the_prefix():
    document = openapi_document(component_prefix="Acme")
    components = document["components"]
    for ref in _refs(document):
        section, name = ref.removeprefix("#/components/").split("/")
        assert name in components[section], ref
    for section, items in components.items():
        if section != "securitySchemes":
            assert all(name.startswith("Acme") for name in items), section
    bare = openapi_document(component_prefix="")
    assert "ProjectRead" in bare["components"]["schemas"]


def test_security_and_servers_are_the_hosts():
    document = openapi_document()
    assert document["security"] == [{"AISettingsBearer": []}]
    assert document["components"]["securitySchemes"]["AISettingsBearer"]["scheme"] == "bearer"
    assert document["servers"] == [{"url": "/"}]
    assert document["paths"]["/openapi.json"]["get"]["security"] == []
    custom = openapi_document(
        security_schemes={"cookie": {"type": "apiKey", "in": "cookie", "name": "sid"}},
        security=[{"cookie": []}, {}],
        servers=[{"url": "https://example.com/"}],
    )
    openapi_spec_validator.validate(custom)
    assert custom["security"] == [{"cookie": []}, {}]
    assert list(custom["components"]["securitySchemes"]) == ["cookie"]


def test_the_served_document_takes_the_apis_openapi_options():
    api = SettingsApi(
        SettingsService(MemoryStore().unit_of_work),
        _authenticate,
        openapi_options={"servers": [{"url": "https://example.com/"}], "component_prefix": "X"},
    )
    document = json.loads(api.openapi_bytes())
    assert document["servers"] == [{"url": "https://example.com/"}]
    assert "XProjectRead" in document["components"]["schemas"]


def test_merging_refuses_every_collision_and_changes_neither_document():
    ours = openapi_document()
    host = {
        "openapi": "3.1.0",
        "info": {"title": "Host", "version": "1"},
        "paths": {"/openapi.json": {"get": {"responses": {}}}, "/shop/": {}},
        "components": {"schemas": {"AISettingsProjectRead": {"type": "object"}}},
    }
    before = copy.deepcopy(host)
    with pytest.raises(
        ValueError, match=r"paths//openapi\.json, components/schemas/AISettingsProjectRead\."
    ):
        merge_openapi(host, ours)
    assert host == before
    del host["paths"]["/openapi.json"], host["components"]["schemas"]["AISettingsProjectRead"]
    merged = merge_openapi(host, ours)
    assert set(merged["paths"]) == {"/shop/", *ours["paths"]}
    assert merged["info"] == host["info"]
    assert merge_openapi(merged, ours) == merged  # the same definitions twice: no collision
    openapi_spec_validator.validate(merged)
