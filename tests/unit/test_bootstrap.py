"""bootstrap: one string names a store, for every edge."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_settings_core.adapters.memory import MemoryStore
from ai_settings_core.adapters.sqlite import SqliteStore
from ai_settings_core.bootstrap import open_store, sqlite_path, store_kind
from ai_settings_core.errors import InvalidValueError


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("ai-settings.db", "sqlite"),
        ("sqlite:///x.db", "sqlite"),
        ("memory:", "memory"),
        ("postgresql://db/settings", "postgres"),
        ("postgres://db/settings", "postgres"),
    ],
)
def test_a_url_names_its_adapter(url: str, kind: str) -> None:
    assert store_kind(url) == kind


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("settings.db", Path("settings.db")),
        ("sqlite:///settings.db", Path("settings.db")),
        ("sqlite:////srv/settings.db", Path("/srv/settings.db")),
        ("sqlite:///settings.db?synchronous=normal", Path("settings.db")),
        ("odd?name.db", Path("odd?name.db")),  # a plain path is taken as it is
    ],
)
def test_the_file_of_a_sqlite_url(url: str, path: Path) -> None:
    assert sqlite_path(url) == path


@pytest.mark.parametrize(
    "url",
    [
        "",
        "sqlite:settings.db",
        "sqlite:///x.db?bogus=1",
        "sqlite:///x.db?synchronous=normal&synchronous=full",
        "sqlite:///x.db?busy_timeout=soon",
    ],
)
def test_a_url_that_names_no_store_is_refused_with_its_code(url: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        sqlite_path(url)
    assert caught.value.code == "invalid_store_url"


def test_the_query_of_a_sqlite_url_sets_the_store_options(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/s.db?synchronous=normal&busy_timeout=2.5&pool_size=1")
    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "s.db"
    assert (store.busy_timeout, store.synchronous) == (2.5, "normal")
    with store() as uow:
        uow.commit()
    assert not (tmp_path / "s.db?synchronous=normal&busy_timeout=2.5&pool_size=1").exists()


def test_memory_names_a_fresh_store() -> None:
    assert isinstance(open_store("memory:"), MemoryStore)
    assert open_store("memory:") is not open_store("memory:")
