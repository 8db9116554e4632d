"""``ai-settings api``: one request through the handler, run in process."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def api(cli):
    def run(db, *args, stdin=None):
        return cli(db, "api", *args, stdin=stdin)

    return run


def split(stdout):
    status, _, body = stdout.partition("\n")
    return status, json.loads(body) if body.strip() else None


@pytest.fixture
def db(tmp_path):
    return tmp_path / "settings.db"


def test_reads_writes_and_versions(api, db, tmp_path):
    result = api(db, "GET", "/organizations/acme/ai-settings/")
    assert result.returncode == 0
    status, body = split(result.stdout)
    assert (status, body["stopping_point"]) == ("HTTP 200", "pull_request")
    assert not db.exists()  # a read creates nothing

    result = api(
        db, "PUT", "/projects/acme/web/ai-settings/", "--data", '{"fix_enabled_override": true}'
    )
    assert result.returncode == 0
    assert split(result.stdout)[1]["effective"]["fix_enabled"] is True

    body_file = tmp_path / "patch.json"
    body_file.write_text('{"scan_enabled_override": false}', encoding="utf-8")
    result = api(
        db,
        "PUT",
        "/projects/acme/web/ai-settings/",
        "--data",
        f"@{body_file}",
        "--header",
        'If-Match: "1"',
        "-i",
    )
    assert result.returncode == 0
    assert 'ETag: "2"' in result.stdout

    result = api(
        db,
        "PUT",
        "/projects/acme/web/ai-settings/",
        "--data",
        "-",
        "--header",
        'If-Match: "1"',
        stdin='{"scan_enabled_override": true}',
    )
    assert result.returncode == 1
    assert result.stdout.startswith("HTTP 412\n")

    result = api(db, "GET", "/organizations/acme/ai-projects/?limit=5")
    assert split(result.stdout)[1]["results"][0]["overridden"] == ["fix_enabled", "scan_enabled"]


def test_errors_exit_1_with_the_body(api, db):
    result = api(db, "PUT", "/organizations/acme/ai-settings/", "--data", '{"stopping_point": "x"}')
    assert result.returncode == 1
    assert split(result.stdout) == ("HTTP 400", {"stopping_point": ['"x" is not a valid choice.']})
    result = api(db, "PUT", "/organizations/acme/ai-settings/", "--data", "{")
    assert split(result.stdout)[0] == "HTTP 400"
    assert api(db, "GET", "/nowhere/").stdout.startswith("HTTP 404\n")


def test_scopes_limit_the_request(api, db):
    result = api(
        db, "PUT", "/organizations/acme/ai-settings/", "--data", "{}", "--scope", "org:read"
    )
    assert result.returncode == 1
    assert result.stdout.startswith("HTTP 403\n")
    result = api(db, "GET", "/organizations/acme/ai-settings/", "--scope", "org:read")
    assert result.returncode == 0


def test_the_openapi_document_can_be_exported(api, db):
    result = api(db, "GET", "/openapi.json", "--body-only")
    assert result.returncode == 0
    assert json.loads(result.stdout)["openapi"] == "3.1.0"


@pytest.mark.parametrize(
    "args",
    [
        ("GET", "organizations/acme/ai-settings/"),
        ("GET", "/x/", "--header", "no colon"),
        ("GET", "/x/", "--scope", "root"),
        ("PUT", "/x/", "--data", "@/nonexistent/file.json"),
    ],
)
def test_usage_errors_exit_2(api, db, args):
    result = api(db, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr
