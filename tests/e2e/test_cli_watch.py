"""``ai-settings watch ORG``: one line per committed change, as it happens, until interrupted."""

from __future__ import annotations

import json
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from ai_settings_core import OrganizationSettings, ProjectSettings
from ai_settings_core.adapters.sqlite import SqliteStore

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _line(process: subprocess.Popen[bytes], timeout: float) -> str | None:
    """The next line the command printed (unbuffered: ``select`` sees every byte)."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline().decode() if ready else None


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_watch_prints_each_commit_until_interrupted(tmp_path: Path, as_json: bool) -> None:
    db = tmp_path / "watched.db"
    store = SqliteStore(db)
    with store() as uow:
        uow.organizations.save(OrganizationSettings("acme"))
        uow.commit()
    command = [sys.executable, "-m", "ai_settings_core", "--db", str(db), "watch", "acme"]
    with subprocess.Popen(
        [*command, *(["--json"] if as_json else [])], stdout=subprocess.PIPE, bufsize=0
    ) as process:
        # Until the command has started, a commit may come before its first look: write until
        # it prints one line, then every later commit must print exactly one, in order.
        first = None
        deadline = time.monotonic() + 120
        while first is None:
            assert time.monotonic() < deadline, "watch printed nothing"
            with store() as uow:
                uow.projects.save(ProjectSettings("acme", "web"))
                uow.commit()
            first = _line(process, 1.0)
        with store(read_only=True) as uow:
            started = uow.feed.generations(["acme"])["acme"]
        with store() as uow:
            uow.projects.save(ProjectSettings("acme", "api"))
            uow.projects.save(ProjectSettings("acme", "web", scan_enabled_override=False))
            uow.commit()
        with store() as uow:
            uow.organizations.save(OrganizationSettings("acme", fix_enabled=True))
            uow.commit()
        lines: list[str] = []
        while f"generation {started + 2}" not in "".join(lines).replace('": ', " "):
            line = _line(process, 120)
            assert line is not None, "watch stopped printing"
            if int(re.search(r"generation\D+(\d+)", line)[1]) > started:  # type: ignore[index]
                lines.append(line)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    generation = started + 2
    if as_json:
        documents = [json.loads(line) for line in lines]
        schemas = json.loads((DOCS / "cli-schemas.json").read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(
            {"$defs": schemas["$defs"], **schemas["commands"]["watch"]}
        )
        for document in documents:
            validator.validate(document)
        assert documents == [
            {
                "organization_id": "acme",
                "generation": generation - 1,
                "organization": False,
                "project_ids": ["api", "web"],
                "all_projects": False,
            },
            {
                "organization_id": "acme",
                "generation": generation,
                "organization": True,
                "project_ids": [],
                "all_projects": False,
            },
        ]
    else:
        assert lines == [
            f"acme generation {generation - 1}: projects api, web\n",
            f"acme generation {generation}: organization settings\n",
        ]
