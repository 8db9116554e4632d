"""Client generators accept the served OpenAPI document, and the generated client works.

openapi-python-client and datamodel-code-generator run as subprocesses, offline, on the
document a live server (uvicorn, AsgiApp) serves; neither may warn. The generated client then
calls every operation of the document against that server, the typed 400 bodies included.
"""

from __future__ import annotations

import http.client
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ai_settings_core.http import openapi_document
from tests.e2e import host_scenario

PACKAGE = "ai_settings_generated_client"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    database = tmp_path_factory.mktemp("client") / "settings.db"
    port = host_scenario.free_port()
    command = host_scenario.uvicorn("tests.e2e.host_scenario:asgi_app", port)
    with host_scenario.serve(command, port, database):
        yield port


@pytest.fixture(scope="module")
def document(server, tmp_path_factory):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    try:
        connection.request("GET", host_scenario.PREFIX + "/openapi.json")
        body = connection.getresponse().read()
    finally:
        connection.close()
    path = tmp_path_factory.mktemp("document") / "openapi.json"
    path.write_bytes(body)
    return path


def _run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def client_package(document, tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    config = root / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: the test needs only the code
    generator = str(Path(sys.executable).with_name("openapi-python-client"))
    result = _run(
        generator,
        "generate",
        "--path",
        str(document),
        "--output-path",
        str(root / PACKAGE),
        "--meta",
        "none",
        "--config",
        str(config),
        cwd=root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # It reports what it cannot read (a schema it skips, a response it drops) as warnings.
    output = (result.stdout + result.stderr).lower()
    assert "warning" not in output, output
    assert "error" not in output, output
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_datamodel_code_generator_reads_the_document_without_a_warning(document, tmp_path):
    generator = str(Path(sys.executable).with_name("datamodel-codegen"))
    result = _run(
        generator,
        "--input",
        str(document),
        "--input-file-type",
        "openapi",
        "--formatters",
        "builtin",
        "--output",
        str(tmp_path / "models.py"),
        cwd=tmp_path,
    )
    assert (result.returncode, result.stderr) == (0, "")
    models = (tmp_path / "models.py").read_text()
    assert models.count("class AISettingsStoppingPoint(") == 1
    assert "class StoppingPoint" not in models


def _module(package, operation_id):
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in operation_id)
    return importlib.import_module(f"{PACKAGE}.api.default.{snake}")


def test_the_generated_client_calls_every_operation(server, document, client_package):
    models = importlib.import_module(f"{PACKAGE}.models")
    token = "admin"  # the scenario's administrator  # noqa: S105
    with client_package.AuthenticatedClient(
        base_url=f"http://127.0.0.1:{server}", token=token
    ) as client:
        _every_operation(client_package, models, client, document)


def _every_operation(client_package, models, client, document):
    called: set[str] = set()

    def call(operation_id, *args, **kwargs):
        called.add(operation_id)
        return _module(client_package, operation_id).sync_detailed(*args, client=client, **kwargs)

    answer = call("getOpenApiDocument")
    assert answer.status_code == 200
    answer = call("getOrganizationSettings", "acme")
    assert (answer.status_code, answer.headers["ETag"]) == (200, '"0"')
    assert answer.parsed.stopping_point == models.AISettingsStoppingPoint.PULL_REQUEST

    patch = models.AISettingsOrganizationPatch(
        fix_enabled=True, stopping_point=models.AISettingsStoppingPoint.MERGE
    )
    answer = call("updateOrganizationSettings", "acme", body=patch, if_match='"0"')
    assert (answer.status_code, answer.parsed.fix_enabled) == (200, True)
    # A 400 whose body is the parse error's: typed as ErrorDetail.
    answer = call("updateOrganizationSettings", "acme", body=patch, if_match="abc")
    assert answer.status_code == 400
    assert isinstance(answer.parsed, models.AISettingsErrorDetail)
    assert "If-Match" in answer.parsed.detail
    answer = call("previewOrganizationChange", "acme", body=models.AISettingsOrganizationPatch())
    assert answer.status_code == 200

    project = models.AISettingsProjectPatch(
        stopping_point_override=models.AISettingsStoppingPoint.SUGGESTION
    )
    answer = call("updateProjectSettings", "acme", "web", body=project)
    assert answer.status_code == 200
    assert answer.parsed.stopping_point_override == models.AISettingsStoppingPoint.SUGGESTION
    assert call("getProjectSettings", "acme", "web").status_code == 200

    # A 400 whose body names the fields: typed as FieldErrors.
    bad = models.AISettingsRepository(repository="not a repository")
    answer = call("addRepository", "acme", "web", body=bad)
    assert answer.status_code == 400
    assert isinstance(answer.parsed, models.AISettingsFieldErrors)
    assert list(answer.parsed.additional_properties) == ["repository"]
    assert all(isinstance(m, str) for m in answer.parsed.additional_properties["repository"])

    # Branch rules: a pattern alone, or a rule with its own stopping point (issue 16).
    rule = models.AISettingsBranchRule(
        pattern="release/*", stopping_point_override=models.AISettingsStoppingPoint.SUGGESTION
    )
    repository = models.AISettingsRepository(
        repository="github:acme/api", branch_patterns=[rule, "main"]
    )
    answer = call("addRepository", "acme", "web", body=repository)
    assert (answer.status_code, answer.headers["ETag"]) == (201, '"2"')
    answer = call("getExposure", "acme", at=models.AISettingsStoppingPoint.SUGGESTION)
    assert answer.status_code == 200
    places = [
        (p.project_id, p.repository, p.branch_pattern) for p in answer.parsed.places.suggestion
    ]
    assert places == [("web", "github:acme/api", "release/*"), ("web", "github:acme/api", "main")]
    assert answer.parsed.projects[0].repositories[0].branches[0].decision.fix is True
    answer = call("getRepository", "acme", "web", "github:acme/api")
    assert (answer.status_code, answer.parsed.repository) == (200, "github:acme/api")
    first, second = answer.parsed.branch_patterns
    assert (first.pattern, first.stopping_point_override, second) == (
        "release/*",
        models.AISettingsStoppingPoint.SUGGESTION,
        "main",
    )
    answer = call(
        "explainProjectSettings", "acme", "web", repository="github:acme/api", branch="release/2"
    )
    assert answer.parsed.repository.sources.stopping_point.level == models.AISettingsLevel.BRANCH
    change = models.AISettingsRepositoryPatch(ai_enabled=False)
    assert call("patchRepository", "acme", "web", "github:acme/api", body=change).status_code == 200
    assert (
        call("updateRepository", "acme", "web", "github:acme/api", body=change).status_code == 200
    )
    answer = call("explainProjectSettings", "acme", "web", repository="github:acme/api")
    assert answer.parsed.decision.reasons == [
        models.AISettingsDecisionReason.REPOSITORY_AI_DISABLED  # patched above
    ]
    answer = call("decide", "acme", project="web", repository="github:acme/api", branch="main")
    assert answer.parsed.reasons == [models.AISettingsDecisionReason.REPOSITORY_AI_DISABLED]
    answer = call("listOverridingProjects", "acme", limit=10)
    assert [item.project_id for item in answer.parsed.results] == ["web"]
    bulk = models.AISettingsBulkRequest(projects=["web"], reset=True)
    answer = call("previewBulkUpdate", "acme", body=bulk)
    assert (answer.status_code, answer.parsed.projects_considered) == (200, 1)
    answer = call("bulkUpdateProjects", "acme", body=bulk)
    assert (answer.status_code, answer.parsed.changed) == (200, ["web"])
    assert call("removeRepository", "acme", "web", "github:acme/api").status_code == 200
    assert call("resetProjectSettings", "acme", "web").status_code == 200
    answer = call("getProjectAuditLog", "acme", "web", limit=2)
    assert (answer.status_code, len(answer.parsed.results)) == (200, 2)
    answer = call("getOrganizationAuditLog", "acme")
    event = models.AISettingsAuditEvent("project_ai_settings.repository_removed")
    assert answer.parsed.results[0].event == event  # the reset changed nothing: no entry

    # Revert the removal, as a new change; a second revert of it is a conflict.
    removal = answer.parsed.results[0].id
    options = models.AISettingsRevertRequest()
    answer = call("revertAuditEntry", "acme", str(removal), body=options)
    assert (answer.status_code, answer.parsed.reverted) == (200, [removal])
    assert [p.repositories[0].repository for p in answer.parsed.projects] == ["github:acme/api"]
    assert call("revertAuditEntry", "acme", str(removal), body=options).status_code == 409

    # Plan a desired-state document, then apply the plan the server answered.
    request = models.AISettingsPlanRequest.from_dict(
        {"document": {"organization_id": "acme", "fix_enabled": False, "projects": []}}
    )
    answer = call("planSettings", "acme", body=request)
    assert answer.status_code == 200
    assert [(c.project_id, c.action) for c in answer.parsed.changes] == [
        (None, models.AISettingsPlanAction.UPDATE)
    ]
    answer = call("applySettingsPlan", "acme", body=answer.parsed)
    assert (answer.status_code, answer.parsed.changed) == (200, [])
    assert call("getOrganizationSettings", "acme").parsed.fix_enabled is False
    # Invariants: refused with the violations, saved with enforce, listed, removed.
    at_most = models.AISettingsInvariantType0(
        name="suggest-only",
        kind="stopping_point_at_most",
        at_most=models.AISettingsStoppingPoint.SUGGESTION,
    )
    answer = call("addOrganizationInvariant", "acme", body=at_most)
    assert answer.status_code == 400
    assert isinstance(answer.parsed, models.AISettingsFieldErrors)
    assert list(answer.parsed.additional_properties) == ["non_field_errors"]
    codes = json.loads(answer.headers["AI-Settings-Error-Codes"])["non_field_errors"]
    assert set(codes) == {"invariant_violated"}
    answer = call("addOrganizationInvariant", "acme", body=at_most, enforce=True)
    assert answer.status_code == 201
    assert [item.name for item in answer.parsed.invariants] == ["suggest-only"]
    assert answer.parsed.violations[0].invariant == "suggest-only"
    fix = models.AISettingsInvariantType2(name="fix-needs-scan", kind="fix_requires_scan")
    assert call("addOrganizationInvariant", "acme", body=fix).status_code == 201
    answer = call("getOrganizationInvariants", "acme")
    assert (answer.status_code, len(answer.parsed.invariants)) == (200, 2)
    answer = call("removeOrganizationInvariant", "acme", "suggest-only")
    assert [item.name for item in answer.parsed.invariants] == ["fix-needs-scan"]

    operations = {
        operation["operationId"]
        for item in json.loads(document.read_text())["paths"].values()
        for key, operation in item.items()
        if key != "parameters"
    }
    assert called == operations


def test_the_served_document_is_the_generated_one(document):
    served = json.loads(document.read_text())
    expected = openapi_document(prefix=host_scenario.PREFIX, max_body_bytes=host_scenario.LIMIT)
    assert served == expected
