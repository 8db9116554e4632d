"""The terminal transcripts in the docs are what the command really prints."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
# Each page with a transcript, and how many steps it has at least (so none is lost).
TRANSCRIPTS = {
    "cli.md": 8,
    "exposure.md": 4,
    "revert.md": 4,
    "settings-as-code.md": 5,
    "invariants.md": 6,
}
PROGRAM = f"{shlex.quote(sys.executable)} -m ai_settings_core"
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def transcript_steps(text: str) -> list[tuple[str, str]]:
    """(command line, expected output) pairs from every ```console block, in order."""
    steps: list[tuple[str, list[str]]] = []
    for block in BLOCK.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
    return [(command, "\n".join(output) + ("\n" if output else "")) for command, output in steps]


@pytest.mark.parametrize("page", sorted(TRANSCRIPTS))
def test_transcript_matches(tmp_path, page):
    steps = transcript_steps((DOCS / page).read_text(encoding="utf-8"))
    assert len(steps) >= TRANSCRIPTS[page]
    run_transcript(steps, tmp_path)


def run_transcript(steps: list[tuple[str, str]], tmp_path: Path) -> None:
    """Run each command line in ``tmp_path`` and compare what it prints with the transcript."""
    environment = {**os.environ, "NO_COLOR": "1"}
    environment.pop("AI_SETTINGS_DB", None)
    for command, expected in steps:
        words = shlex.split(command)
        assert words[0] == "ai-settings"
        # Run through the shell, as typed (the transcript shows a status with `echo "exit $?"`),
        # with stderr merged into stdout in the order a terminal shows them.
        result = subprocess.run(
            ["bash", "-c", command.replace("ai-settings", PROGRAM, 1)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
            timeout=60,
            check=False,
        )
        assert result.stdout == expected, command
