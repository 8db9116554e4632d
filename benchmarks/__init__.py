"""Benchmarks of ai_settings_core beside the baselines a user would otherwise choose.

Run them all with ``python benchmarks/run.py [--quick]``; the row contract every module
follows is written at the top of ``benchmarks/run.py``. This package also holds the one timing
helper the modules share, so that every figure is taken the same way.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping


def measure(
    candidates: Mapping[str, Callable[[], object]], repeats: int, *, warmup: int = 1
) -> dict[str, float]:
    """The median wall time, in nanoseconds, of one call of each candidate.

    The candidates run interleaved (each repeat runs every candidate once, in order), so that
    a busy moment of the shared machine weighs on all of them alike; ``warmup`` untimed rounds
    come first. The garbage collector is off while timing, as in ``timeit``.
    """
    for _ in range(warmup):
        for candidate in candidates.values():
            candidate()
    samples: dict[str, list[int]] = {name: [] for name in candidates}
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, candidate in candidates.items():
                start = time.perf_counter_ns()
                candidate()
                samples[name].append(time.perf_counter_ns() - start)
    finally:
        if enabled:
            gc.enable()
    return {name: float(statistics.median(times)) for name, times in samples.items()}


def row(
    name: str,
    median_ns: float,
    *,
    baseline_name: str | None = None,
    baseline_median_ns: float | None = None,
    target: str = "information",
    passed: bool = True,
) -> dict[str, object]:
    """One result row in the shape ``benchmarks/run.py`` expects (ratio computed here)."""
    ratio = None if not baseline_median_ns else median_ns / baseline_median_ns
    return {
        "name": name,
        "median_ns": median_ns,
        "baseline_name": baseline_name,
        "baseline_median_ns": baseline_median_ns,
        "ratio": ratio,
        "target": target,
        "passed": passed,
    }
