"""The SQLite store's shared row values: equal rows give the same immutable objects, within bounds.

A read builds each repository (and its reference) once for equal rows and keeps it in a
bounded cache, so a page read again builds none of them. A load of more repositories than the
cache holds builds them without it: keeping them would only clear the cache for the next read.
"""

from __future__ import annotations

import pytest

from ai_settings_core import ProjectSettings, RepositoryRef, RepositorySettings, StoppingPoint
from ai_settings_core.adapters.sqlite import SqliteStore, _rows


def _project(index: int) -> ProjectSettings:
    return ProjectSettings(
        "acme",
        f"p{index:03}",
        repositories=(
            RepositorySettings(
                RepositoryRef.parse(f"github:acme/service-{index}"),
                branch_patterns=("main", "release/*"),
                stopping_point_override=StoppingPoint.SUGGESTION if index % 2 else None,
            ),
        ),
    )


@pytest.fixture
def store(tmp_path) -> SqliteStore:
    store = SqliteStore(tmp_path / "rows.db")
    with store() as unit:
        for index in range(8):
            unit.projects.save(_project(index))
        unit.commit()
    return store


def _load(store: SqliteStore) -> list[ProjectSettings]:
    with store(read_only=True) as unit:
        return list(unit.projects.load_organization("acme").projects)


def test_equal_rows_read_twice_give_the_same_repository_objects(store) -> None:
    first, again = _load(store), _load(store)
    assert [project.repositories for project in first] == [
        _project(index).repositories for index in range(8)
    ]
    for one, other in zip(first, again, strict=True):
        assert one.repositories[0] is other.repositories[0]


def test_a_load_larger_than_the_caches_builds_without_them(store, monkeypatch) -> None:
    for cache in _rows._SHARED:
        cache.clear()
    monkeypatch.setattr(_rows, "_CACHE_LIMIT", 5)  # eight repositories: more than it holds
    first, again = _load(store), _load(store)
    assert first == again
    assert [project.repositories for project in first] == [
        _project(index).repositories for index in range(8)
    ]
    assert first[0].repositories[0] is not again[0].repositories[0]
    assert len(_rows._REPOSITORIES) == len(_rows._REFS) == 0
    with store(read_only=True) as unit:  # a read of one project keeps its repository
        one = unit.projects.get("acme", "p003")
    with store(read_only=True) as unit:
        assert unit.projects.get("acme", "p003").repositories[0] is one.repositories[0]
