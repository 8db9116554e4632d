"""One scenario, run through Django's test client and through a real server, on both databases.

A :class:`Client` sends a request and gives back an :class:`Answer`; the scenario checks the
seed's routes, If-Match conflicts, validation errors, permissions, another organization,
authentication, CSRF and oversized bodies, with the kit's exact statuses, headers and bodies.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import attrs

from tests.django_project.accounts.seed import PASSWORD, TOKENS

ORG = "/organizations/acme/ai-settings/"
PROJECT = "/projects/acme/web/ai-settings/"
LIMIT = 1_048_576  # AI_SETTINGS["MAX_BODY_BYTES"]'s default


@attrs.frozen
class Answer:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Client(Protocol):
    def login(self, username: str, password: str) -> Answer: ...

    def logout(self) -> None: ...

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Answer: ...


class Session:
    """A browser-like user of the API: a session cookie and the CSRF token."""

    def __init__(self, client: Client, prefix: str = "/api/0") -> None:
        self.client = client
        self.prefix = prefix
        self.csrf = ""

    def login(self, username: str) -> None:
        self.client.logout()
        answer = self.client.login(username, PASSWORD)
        assert answer.status == 200, answer
        self.csrf = answer.json()["csrftoken"]

    def call(
        self,
        method: str,
        path: str,
        document: object = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        csrf: bool = True,
    ) -> Answer:
        sent = dict(headers or {})
        body = raw if raw is not None else b""
        if document is not None:
            body = json.dumps(document).encode()
        if body and "Content-Type" not in sent:
            sent["Content-Type"] = "application/json"
        if csrf and self.csrf:
            sent["X-CSRFToken"] = self.csrf
        return self.client.request(method, self.prefix + path, body, sent)


def _error(answer: Answer, status: int, code: str) -> None:
    assert answer.status == status, (answer.status, answer.body)
    assert answer.header("AI-Settings-Error-Code") == code
    assert answer.header("Content-Type") == "application/json"
    assert set(answer.json()) == {"detail"}


def run(client: Client) -> None:
    """The whole scenario, from a fresh database with the seeded people."""
    user = Session(client)

    # Unauthenticated: 401 with the challenge, DRF's body.
    answer = user.call("GET", ORG)
    _error(answer, 401, "not_authenticated")
    assert answer.header("WWW-Authenticate") == 'Bearer realm="ai-settings"'

    user.login("alice")
    answer = user.call("GET", ORG)
    assert (answer.status, answer.header("ETag")) == (200, '"0"')
    assert answer.json()["stopping_point"] == "pull_request"
    assert answer.header("Vary") in {None, "Cookie"}  # only the session's own Vary

    # CSRF: a session user's write without the token is refused, as JSON.
    answer = user.call("PUT", ORG, {"fix_enabled": True}, csrf=False)
    _error(answer, 403, "permission_denied")
    assert answer.json()["detail"].startswith("CSRF Failed: ")

    answer = user.call(
        "PUT", ORG, {"fix_enabled": True, "stopping_point": "merge"}, headers={"If-Match": '"0"'}
    )
    assert (answer.status, answer.header("ETag"), answer.json()["fix_enabled"]) == (
        200,
        '"1"',
        True,
    )
    # A stale If-Match: 412, nothing changed.
    answer = user.call("PUT", ORG, {"scan_enabled": False}, headers={"If-Match": '"0"'})
    _error(answer, 412, "precondition_failed")
    assert user.call("GET", ORG).json()["scan_enabled"] is True

    # Validation: 400 with DRF's field-by-field body and the codes header.
    answer = user.call("PUT", ORG, {"stopping_point": "invalid"})
    assert answer.status == 400
    assert answer.json() == {"stopping_point": ['"invalid" is not a valid choice.']}
    assert json.loads(answer.header("AI-Settings-Error-Codes")) == {
        "stopping_point": ["invalid_choice"]
    }
    # A method the route does not have: 405 with the kit's Allow, untouched.
    answer = user.call("DELETE", ORG)
    _error(answer, 405, "method_not_allowed")
    assert answer.header("Allow") == "GET, HEAD, PUT"

    # The project routes.
    answer = user.call("PUT", PROJECT, {"stopping_point_override": "suggestion"})
    assert (answer.status, answer.json()["effective"]["stopping_point"]) == (200, "suggestion")
    answer = user.call(
        "POST",
        PROJECT + "repositories/",
        {"repository": "github:acme/web", "branch_patterns": ["main", "release/*"]},
        headers={"If-Match": answer.header("ETag")},
    )
    assert answer.status == 201
    assert answer.header("Location") == "/api/0" + PROJECT + "repositories/github:acme/web/"
    answer = user.call("GET", PROJECT + "repositories/github:acme%2Fweb/")
    assert (answer.status, answer.json()["branch_patterns"]) == (200, ["main", "release/*"])
    answer = user.call("GET", PROJECT + "explain/?repository=github:acme/web&branch=main")
    assert (answer.status, answer.json()["decision"]["stopping_point"]) == (200, "suggestion")
    answer = user.call("PATCH", PROJECT + "repositories/github:acme/web/", {"ai_enabled": False})
    assert (answer.status, answer.json()["repositories"][0]["ai_enabled"]) == (200, False)
    answer = user.call("GET", "/organizations/acme/ai-projects/")
    assert [item["project_id"] for item in answer.json()["results"]] == ["web"]
    answer = user.call(
        "POST",
        "/organizations/acme/ai-projects/bulk/",
        {"projects": ["web", "api"], "changes": {"fix_enabled_override": False}},
    )
    assert answer.status == 200, answer.body
    assert answer.json()["changed"] == ["web", "api"]
    answer = user.call("POST", "/organizations/acme/ai-settings/preview/", {"fix_enabled": False})
    assert answer.status == 200
    assert user.call("GET", ORG).json()["fix_enabled"] is True  # a preview saves nothing
    answer = user.call("POST", PROJECT + "reset/")
    assert (answer.status, answer.json()["stopping_point_override"]) == (200, None)
    answer = user.call("GET", PROJECT + "audit/?limit=2")
    assert answer.status == 200
    assert [entry["event"] for entry in answer.json()["results"]] == [
        "project_ai_settings.reset",
        "project_ai_settings.bulk_edit",
    ]
    answer = user.call("GET", "/organizations/acme/ai-settings/audit/?limit=50")
    assert len(answer.json()["results"]) == 7
    answer = user.call("DELETE", PROJECT + "repositories/github:acme/web/")
    assert answer.status == 200
    answer = user.call("HEAD", ORG)
    assert (answer.status, answer.body, answer.header("ETag")) == (200, b"", '"1"')
    answer = user.call("GET", "/openapi.json")
    assert (answer.status, answer.json()["openapi"]) == (200, "3.1.0")

    # Bodies: over the kit's limit a JSON 413; above Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    # (4096 in this project) but within the limit, an ordinary answer.
    answer = user.call("PUT", ORG, raw=b" " * (LIMIT + 1))
    _error(answer, 413, "payload_too_large")
    padded = b'{"scan_enabled": true' + b" " * 10_000 + b"}"
    assert user.call("PUT", ORG, raw=padded).status == 200
    _error(
        user.call("PUT", ORG, raw=b"fix=on", headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )

    # Permissions: a viewer may read, not write (403).
    user.login("carol")
    assert user.call("GET", ORG).status == 200
    _error(user.call("PUT", ORG, {"fix_enabled": False}), 403, "permission_denied")

    # Another organization: a member of globex does not even learn that acme exists (404).
    user.login("mallory")
    _error(user.call("GET", ORG), 404, "not_found")
    _error(user.call("PUT", PROJECT, {"fix_enabled_override": True}), 404, "not_found")
    assert user.call("GET", "/organizations/globex/ai-settings/").status == 200

    # Token clients: no cookie, no CSRF token, the CSRF-exempt mount.
    client.logout()
    token = Session(client, "/token-api/0")
    bearer = {"Authorization": f"Bearer {TOKENS['alice']}"}
    answer = token.call("PUT", ORG, {"scan_enabled": False}, headers=bearer)
    assert (answer.status, answer.json()["scan_enabled"]) == (200, False)
    # ... but the session mount still checks CSRF for them.
    answer = Session(client).call("PUT", ORG, {"scan_enabled": True}, headers=bearer)
    _error(answer, 403, "permission_denied")
    other = {"Authorization": f"Bearer {TOKENS['mallory']}"}
    _error(token.call("GET", ORG, headers=other), 404, "not_found")
    _error(
        token.call("GET", ORG, headers={"Authorization": "Bearer forged"}), 401, "not_authenticated"
    )
