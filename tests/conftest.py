"""Test configuration shared by the whole suite."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

# The machine is small and often shared: generation speed and per-example time say nothing
# about correctness here, so neither health check nor deadline may fail a run.
settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    parent=settings.get_profile("default"),
    max_examples=1000,
)
# CI runs the same examples every time (derandomized, no example database), so a submission's
# result does not depend on the draw; `HYPOTHESIS_PROFILE=thorough` hunts with many more.
settings.register_profile(
    "ci",
    parent=settings.get_profile("default"),
    derandomize=True,
    database=None,
    print_blob=True,
)
# Mutation runs (scripts/mutation) look for a failure, not for the smallest example of one:
# derandomized like CI, without shrinking (a mutant is killed by the first failing example; the
# shrinking that follows can take longer than finding it), and 20 examples a law instead of
# 100, so that a mutant no test kills (which runs every test that reaches it) costs a fifth
# of the time. A mutant is to be killed by a module's fast tests: its examples, and its laws
# within their first examples.
settings.register_profile(
    "mutation",
    parent=settings.get_profile("ci"),
    phases=(Phase.explicit, Phase.generate),
    max_examples=20,
    print_blob=False,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)

# The layers of the suite, by folder: `pytest -m unit` runs the fast part alone.
_LAYERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its layer (the folder it lives in); doctests count as unit tests."""
    for item in items:
        parts = item.path.parts
        layer = next((name for name in _LAYERS if name in parts), "unit")
        item.add_marker(getattr(pytest.mark, layer))
