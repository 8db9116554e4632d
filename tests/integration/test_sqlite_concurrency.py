"""Several real processes on one SQLite file: no lost update, and conflicts exactly for the stale.

Workers are separate Python processes (``subprocess``) that wait on a file before they start, so
they really contend; the counts are checked.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ai_settings_core import ProjectSettings, StoppingPoint
from ai_settings_core.adapters.sqlite import SqliteStore

WORKERS = 4
TIMEOUT = 120.0

PRELUDE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import attrs
    from ai_settings_core import ConflictError, StoppingPoint
    from ai_settings_core.adapters.sqlite import SqliteStore

    directory, index = Path(sys.argv[1]), int(sys.argv[2])
    store = SqliteStore(directory / "settings.db")

    def wait_for(path):
        deadline = time.monotonic() + 120
        while not path.exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {path}")
            time.sleep(0.005)
        return path.read_text()

    def report(name, text):
        temporary = directory / (name + ".tmp")
        temporary.write_text(text)
        temporary.replace(directory / name)
    """
)

READ_MODIFY_WRITE = PRELUDE + textwrap.dedent(
    """
    rounds = int(sys.argv[3])
    changes = [
        lambda p: attrs.evolve(p, scan_enabled_override=False),
        lambda p: attrs.evolve(p, fix_enabled_override=True),
        lambda p: attrs.evolve(p, stopping_point_override=StoppingPoint.MERGE),
        lambda p: p,
    ]
    wait_for(directory / "go")
    for round_ in range(rounds):
        with store() as uow:
            current = uow.projects.get("acme", "web")
            changed = changes[index](current)
            changed = attrs.evolve(
                changed, environments=changed.environments | {f"w{index}-{round_}"}
            )
            uow.projects.save(changed)
            uow.commit()
    report(f"done-{index}", "ok")
    """
)

COMPARE_AND_SET = PRELUDE + textwrap.dedent(
    """
    rounds = int(sys.argv[3])
    for round_ in range(rounds):
        expected = int(wait_for(directory / f"go-{round_}"))
        try:
            with store() as uow:
                current = uow.projects.get("acme", "web")
                changed = attrs.evolve(
                    current, environments=current.environments | {f"w{index}-{round_}"}
                )
                uow.projects.save(changed, expected_version=expected)
                uow.commit()
            result = "saved"
        except ConflictError as error:
            assert (error.expected, error.actual) == (expected, expected + 1), error
            result = "conflict"
        report(f"done-{round_}-{index}", result)
    """
)


def start_workers(directory: Path, code: str, rounds: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, "-c", code, str(directory), str(index), str(rounds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for index in range(WORKERS)
    ]


def wait_for_files(paths: list[Path], workers: list[subprocess.Popen[bytes]]) -> list[str]:
    deadline = time.monotonic() + TIMEOUT
    while not all(path.exists() for path in paths):
        for worker in workers:
            if worker.poll() not in {None, 0}:
                _, stderr = worker.communicate()
                pytest.fail(f"worker failed: {stderr.decode()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {[p.name for p in paths if not p.exists()]}")
        time.sleep(0.005)
    return [path.read_text() for path in paths]


def finish(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        _, stderr = worker.communicate(timeout=TIMEOUT)
        assert worker.returncode == 0, stderr.decode()


def signal_file(path: Path, text: str) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text)
    temporary.replace(path)


def test_concurrent_read_modify_writes_lose_no_update(tmp_path: Path) -> None:
    rounds = 8
    store = SqliteStore(tmp_path / "settings.db")
    with store() as uow:
        uow.projects.save(ProjectSettings("acme", "web"))
        uow.commit()
    workers = start_workers(tmp_path, READ_MODIFY_WRITE, rounds)
    try:
        signal_file(tmp_path / "go", "")
        results = wait_for_files([tmp_path / f"done-{i}" for i in range(WORKERS)], workers)
        finish(workers)
    finally:
        for worker in workers:
            worker.kill()
    assert results == ["ok"] * WORKERS
    with store(read_only=True) as uow:
        final = uow.projects.get("acme", "web")
    assert final == ProjectSettings(
        "acme",
        "web",
        scan_enabled_override=False,
        fix_enabled_override=True,
        stopping_point_override=StoppingPoint.MERGE,
        environments=frozenset(f"w{i}-{r}" for i in range(WORKERS) for r in range(rounds)),
        version=1 + WORKERS * rounds,
    )


def test_with_expected_versions_exactly_the_stale_writers_conflict(tmp_path: Path) -> None:
    rounds = 5
    store = SqliteStore(tmp_path / "settings.db")
    with store() as uow:
        uow.projects.save(ProjectSettings("acme", "web"))
        uow.commit()
    workers = start_workers(tmp_path, COMPARE_AND_SET, rounds)
    saved_per_round = []
    conflicts_per_round = []
    try:
        for round_ in range(rounds):
            with store(read_only=True) as uow:
                current = uow.projects.get("acme", "web")
            assert current is not None
            signal_file(tmp_path / f"go-{round_}", str(current.version))
            results = wait_for_files(
                [tmp_path / f"done-{round_}-{i}" for i in range(WORKERS)], workers
            )
            saved_per_round.append(results.count("saved"))
            conflicts_per_round.append(results.count("conflict"))
        finish(workers)
    finally:
        for worker in workers:
            worker.kill()
    assert saved_per_round == [1] * rounds
    assert conflicts_per_round == [WORKERS - 1] * rounds
    with store(read_only=True) as uow:
        final = uow.projects.get("acme", "web")
    assert final is not None
    assert final.version == 1 + rounds
    assert len(final.environments) == rounds
    assert sorted(name.split("-")[1] for name in final.environments) == [
        str(r) for r in range(rounds)
    ]
