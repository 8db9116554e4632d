"""The terminal transcript in docs/expiry.md is what the command really prints."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli_docs import run_transcript, transcript_steps

DOC = Path(__file__).resolve().parents[2] / "docs" / "expiry.md"


def test_the_expiry_transcript_matches(tmp_path):
    steps = transcript_steps(DOC.read_text(encoding="utf-8"))
    assert len(steps) == 3
    run_transcript(steps, tmp_path)
