"""Command-line start-up (issue 17, target 5): whole processes, beside ``import cattrs``.

A command's time from the shell is mostly start-up: the interpreter, then the imports. Each
candidate runs as its own process, the way a terminal or a script runs it, interleaved with
the baseline ``python -c "import cattrs"`` (an interpreter importing the one run-time
dependency that every command touching settings needs):

- ``ai-settings --help``: parsing the arguments only; imports neither the codec nor the
  service nor a store. Target: at most 2x the baseline.
- ``ai-settings org show acme`` on a small SQLite file (one organization, three projects).
  Target: at most 2x the baseline.
- ``python -c "import ai_settings_core"``: the front door, for information.

Every candidate runs with its bytecode cached, as after ``pip install`` (which compiles the
package): the package is compiled first and ``PYTHONDONTWRITEBYTECODE`` is removed from the
children's environment. With that variable set (some shells and CI images set it), an editable
install recompiles every module of the library on every start, which measures the compiler,
not the command (about 1.6x slower here).

Run: ``python benchmarks/run.py --only bench_cli``; ``run(repeats)`` returns the rows.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import ai_settings_core
from ai_settings_core import OrganizationSettings, ProjectSettings, StoppingPoint
from ai_settings_core.adapters.sqlite import SqliteStore
from benchmarks import row

TARGET = 2.0
BASELINE = "python -c 'import cattrs'"
FRONT_DOOR = "import ai_settings_core"


def _command(*argv: str) -> list[str]:
    """``ai-settings ARGV``: the installed console script beside this interpreter."""
    script = Path(sys.executable).with_name("ai-settings")
    if script.exists():
        return [str(script), *argv]
    code = "import sys; from ai_settings_core.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, *argv]


def _small_store(directory: Path) -> Path:
    path = directory / "small.db"
    store = SqliteStore(path)
    with store() as unit:
        unit.organizations.save(
            OrganizationSettings("acme", fix_enabled=True, stopping_point=StoppingPoint.MERGE)
        )
        for name in ("web", "api", "docs"):
            unit.projects.save(ProjectSettings("acme", name))
        unit.commit()
    return path


def _wall_ns(argv: list[str], env: dict[str, str]) -> int:
    start = time.perf_counter_ns()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)  # noqa: S603
    return time.perf_counter_ns() - start


def run(repeats: int = 15) -> list[dict[str, Any]]:
    """Time each command as a whole process beside the baseline; one row per command."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="ai-settings-bench-cli-") as tmp:
        database = _small_store(Path(tmp))
        env = os.environ | {"AI_SETTINGS_DB": str(database)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        compileall.compile_dir(Path(ai_settings_core.__file__).parent, quiet=1)
        candidates = {
            BASELINE: [sys.executable, "-c", "import cattrs"],
            "ai-settings --help": _command("--help"),
            "ai-settings org show acme (small SQLite file)": _command("org", "show", "acme"),
            "python -c 'import ai_settings_core'": [sys.executable, "-c", FRONT_DOOR],
        }
        samples: dict[str, list[int]] = {name: [] for name in candidates}
        for argv in candidates.values():  # warm the file cache
            _wall_ns(argv, env)
        for _ in range(max(repeats, 5)):
            for name, argv in candidates.items():
                samples[name].append(_wall_ns(argv, env))
    medians = {name: float(statistics.median(times)) for name, times in samples.items()}
    baseline = medians.pop(BASELINE)
    for name, median in medians.items():
        target = name.startswith("ai-settings")
        rows.append(
            row(
                f"cli start-up: {name}",
                median,
                baseline_name=BASELINE,
                baseline_median_ns=baseline,
                target=f"ratio <= {TARGET:g}" if target else "information",
                passed=not target or median / baseline <= TARGET,
            )
        )
    return rows
