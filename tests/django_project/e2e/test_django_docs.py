"""docs/django.md, followed from the top in an empty directory, as a new user would.

Blocks starting ``# file: PATH`` are written, ``# append to: PATH`` appended, and every ``$``
line of a ``console`` block is run; output shown under a command must be what it prints. The
PostgreSQL block runs when a server answers, on a database of its own.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import pytest

from tests.django_project.conftest import HAS_POSTGRES

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "django.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _blocks():
    return [(language, text) for language, text in BLOCK.findall(DOC.read_text(encoding="utf-8"))]


def _run(line: str, cwd: Path, env: dict[str, str]) -> str:
    words = shlex.split(line)
    if words[:2] == ["pip", "install"]:
        extra = re.search(r"\[(\w+)\]", line).group(1)
        extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
            "optional-dependencies"
        ]
        assert extra in extras  # installed in this environment already
        return ""
    if words[0] == "python":
        words[0] = sys.executable
    done = subprocess.run(
        words, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _admin(statement: str) -> None:
    import psycopg

    from tests.django_project.settings import POSTGRES

    with psycopg.connect(
        host=POSTGRES["HOST"],
        port=POSTGRES["PORT"],
        user=POSTGRES["USER"],
        password=POSTGRES["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(statement)


def _create_database(name: str) -> None:
    _admin(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(not HAS_POSTGRES, reason="no PostgreSQL server answers"),
        ),
    ],
)
def test_following_the_django_page_gives_a_working_project(backend, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"} and not key.startswith("DJANGO_")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    database = f"django_docs_{uuid.uuid4().hex[:12]}"
    ran = 0
    try:
        for language, text in _blocks():
            if language == "python":
                header, _, body = text.partition("\n")
                target = re.fullmatch(r"# (file|append to): (\S+)( \(PostgreSQL\))?", header)
                assert target, header
                kind, path, postgres = target.groups()
                if postgres:
                    if backend != "postgres":
                        continue
                    assert '"NAME": "mysite"' in body
                    body = body.replace('"NAME": "mysite"', f'"NAME": "{database}"')
                    _create_database(database)
                file = tmp_path / path
                if kind == "file":
                    file.write_text(body)
                else:
                    with file.open("a") as existing:
                        existing.write("\n" + body)
            elif language == "console":
                lines = text.splitlines()
                for index, line in enumerate(lines):
                    if not line.startswith("$ "):
                        continue
                    expected = []
                    for following in lines[index + 1 :]:
                        if following.startswith("$ "):
                            break
                        expected.append(following)
                    output = _run(line[2:], tmp_path, env)
                    ran += 1
                    if expected:
                        assert output.splitlines() == expected, line
    finally:
        if backend == "postgres":
            _drop_database(database)
    assert ran >= 12
