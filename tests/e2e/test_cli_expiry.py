"""``--until`` and ``--for`` on the commands that set overrides and locks."""

from __future__ import annotations

import datetime as dt
import json

import pytest


def _after(text: str, lower: dt.timedelta, upper: dt.timedelta) -> bool:
    """Whether ``text`` (an expiry as payloads write it) lies between now+lower and now+upper."""
    moment = dt.datetime.fromisoformat(text)
    now = dt.datetime.now(dt.UTC)
    return now + lower <= moment <= now + upper


def test_for_counts_from_now_and_until_names_the_moment(cli, tmp_path):
    db = tmp_path / "e.db"
    result = cli(db, "project", "set", "acme", "web", "--fix", "off", "--for", "1w2d", "--json")
    assert result.returncode == 0, result.stderr
    ends = json.loads(result.stdout)["fix_enabled_override_expires_at"]
    assert _after(ends, dt.timedelta(days=9, minutes=-5), dt.timedelta(days=9))
    result = cli(db, "org", "set", "acme", "--lock", "fix", "--lock", "scan", "--for", "90m")
    assert result.returncode == 0, result.stderr
    document = json.loads(cli(db, "org", "show", "acme", "--json").stdout)
    assert document["fix_enabled_lock_expires_at"] == document["scan_enabled_lock_expires_at"]
    assert "stopping_point_lock_expires_at" not in document
    result = cli(
        db,
        "repo",
        "add",
        "acme",
        "web",
        "github:acme/web",
        "--stopping-point",
        "suggestion",
        "--until",
        "2099-12-07T10:00+01:00",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    (repository,) = json.loads(result.stdout)["repositories"]
    assert repository["stopping_point_override_expires_at"] == "2099-12-07T09:00:00Z"
    result = cli(
        db, "bulk", "acme", "--projects", "web,api", "--stopping-point", "merge", "--for", "3d"
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("project", "set", "acme", "web", "--fix", "inherit", "--for", "3d"), "give one to end"),
        (("org", "set", "acme", "--fix", "on", "--until", "2099-01-01T00:00Z"), "--lock"),
        (("project", "set", "acme", "web", "--fix", "off", "--for", "3x"), "length of time"),
        (("project", "set", "acme", "web", "--fix", "off", "--for", "0d"), "length of time"),
        (("project", "set", "acme", "web", "--fix", "off", "--until", "soon"), "ISO 8601"),
        (
            (
                "project",
                "set",
                "acme",
                "web",
                "--fix",
                "off",
                "--for",
                "3d",
                "--until",
                "2099-01-01T00:00Z",
            ),
            "not allowed with",
        ),
    ],
)
def test_an_expiry_the_command_cannot_use_is_a_usage_error(cli, tmp_path, args, message):
    result = cli(tmp_path / "e.db", *args)
    assert result.returncode == 2
    assert message in result.stderr
