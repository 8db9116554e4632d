"""Run every benchmark of ai_settings_core in one process and check its targets.

    python benchmarks/run.py            # 15 repeats of each measurement
    python benchmarks/run.py --quick    # 3 repeats: a smoke run, same targets

Exit status: 0 when every target is met, 1 when one is missed (or a module failed).

The contract between this runner and the benchmark modules
-----------------------------------------------------------
Each module in ``MODULES`` is ``benchmarks/<name>.py`` and exposes::

    def run(repeats: int) -> list[dict]: ...

It builds its own workload, warms up, times each candidate ``repeats`` times beside its
baseline in the same process (``benchmarks.measure`` does this, interleaved, GC off) and
returns one row per figure, a dict with exactly these keys:

    name                str          what was measured ("resolve_all, 100k projects")
    median_ns           float        median time of ONE operation, in nanoseconds
    baseline_name       str | None   what it is compared with, or None
    baseline_median_ns  float | None the baseline's median, same unit and operation, or None
    ratio               float | None median_ns / baseline_median_ns, or None
    target              str          the target in words ("<= 50 ms"), or "information"
    passed              bool         whether the target is met (True for information rows)

``benchmarks.row(...)`` builds such a row. A module that fails to import or to run, or returns
a row that breaks the contract, counts as a missed target.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
import traceback
from pathlib import Path

# ``python benchmarks/run.py`` puts benchmarks/ on the path; the package needs its parent.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

MODULES = (
    "bench_decide",
    "bench_resolve_all",
    "bench_exposure",  # the exposure report of 100,000 projects (issue 16)
    "bench_codec",
    "bench_storage",
    "bench_postgres",
    "bench_cli",
    "bench_http",  # storage on the request path, under gunicorn (issue 17, target 6)
    "bench_cache",  # DecisionCache: decide, refresh, commit-to-answer latency (issue 18)
)
KEYS = ("name", "median_ns", "baseline_name", "baseline_median_ns", "ratio", "target", "passed")


def check(raw: dict[str, object]) -> dict[str, object]:
    """The row with the contract's keys, in order; ``ValueError`` if it breaks the contract."""
    missing = [key for key in KEYS if key not in raw]
    if missing or not isinstance(raw["passed"], bool):
        raise ValueError(f"row {raw!r} breaks the contract (missing: {', '.join(missing)})")
    return {key: raw[key] for key in KEYS}


def duration(ns: object) -> str:
    """A duration in the unit that reads best."""
    if ns is None:
        return "-"
    value = float(ns)  # type: ignore[arg-type]
    if value < 10_000:
        return f"{value:,.0f} ns"
    if value < 10_000_000:
        return f"{value / 1e3:,.1f} µs"
    if value < 10_000_000_000:
        return f"{value / 1e6:,.1f} ms"
    return f"{value / 1e9:,.2f} s"


def machine() -> str:
    """The machine, in one line: CPU model, cores, Python."""
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    import os  # noqa: PLC0415 - only needed here

    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()}"
    )


def table(rows: list[dict[str, object]]) -> str:
    """The rows as a Markdown table."""
    header = ("benchmark", "median", "baseline", "baseline median", "ratio", "target", "result")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for item in rows:
        ratio = "-" if item["ratio"] is None else f"{float(item['ratio']):.2f}x"  # type: ignore[arg-type]
        if item["target"] == "information":
            result = "info"
        else:
            result = "PASS" if item["passed"] else "**MISS**"
        cells = (
            str(item["name"]),
            duration(item["median_ns"]),
            str(item["baseline_name"] or "-"),
            duration(item["baseline_median_ns"]),
            ratio,
            str(item["target"]),
            result,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 15")
    parser.add_argument("--repeats", type=int, help="repeats of each measurement")
    parser.add_argument("--only", action="append", choices=MODULES, help="run only these")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 15)

    print(f"# ai_settings_core benchmarks: {' '.join(['python', *sys.argv])}")
    print(f"# {machine()}; {repeats} repeats, medians\n")
    rows: list[dict[str, object]] = []
    notes: list[str] = []
    failed = False
    for name in args.only or MODULES:
        module_name = f"benchmarks.{name}"
        start = time.perf_counter()
        try:
            module = importlib.import_module(module_name)
            produced = [check(item) for item in module.run(repeats)]
        except Exception:  # a broken module is a missed target, reported, not a crash
            failed = True
            notes.append(f"FAILED {name}:\n{traceback.format_exc()}")
            continue
        rows.extend(produced)
        notes.append(f"ran {name} in {time.perf_counter() - start:.1f} s")
    print(table(rows))
    print()
    for note in notes:
        print(f"- {note}")
    missed = [item["name"] for item in rows if not item["passed"]]
    if missed:
        print(f"\nMISSED: {', '.join(map(str, missed))}")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())
