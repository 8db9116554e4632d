"""The layers, as the import graph shows them: a lower layer never imports a higher one."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "ai_settings_core"

# Each module's layer is its first path component under the package.
EDGES = {"cli", "http", "ui", "contrib", "bootstrap", "testing"}
FORBIDDEN = {
    "domain": {"codec", "service", "ports", "adapters", "events", "rules", "changes", "invariants"}
    | EDGES,
    "errors": {"codec", "service", "ports", "adapters", "events"} | EDGES,
    "codec": {"service", "adapters"} | EDGES,
    "ports": {"codec", "service", "adapters", "events"} | EDGES,
    "events": {"codec", "service", "adapters"} | EDGES,
    "service": {"adapters"} | EDGES,
    "adapters": {"service"} | EDGES - {"bootstrap"},
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("ai_settings_core.")}


def _graph() -> dict[str, set[str]]:
    return {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_the_graph_covers_every_layer() -> None:
    layers = {_layer(module) for module in _graph()}
    assert {"domain", "codec", "service", "adapters", "http", "cli", "testing"} <= layers


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_lower_layer_never_imports_a_higher_one(layer: str) -> None:
    violations = [
        f"{module} imports {imported}"
        for module, imports in _graph().items()
        if _layer(module) == layer
        for imported in sorted(imports)
        if _layer(imported) in FORBIDDEN[layer]
    ]
    assert violations == []


def test_importing_the_package_loads_no_store_and_no_service() -> None:
    code = (
        "import sys, ai_settings_core\n"
        "heavy = ['sqlite3', 'ai_settings_core.adapters.sqlite', 'ai_settings_core.adapters.memory',"
        " 'ai_settings_core.service', 'ai_settings_core.codec', 'cattrs']\n"
        "print([name for name in heavy if name in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_lazy_front_door_name_loads_its_module_on_first_use() -> None:
    code = (
        "import sys, ai_settings_core\n"
        "from ai_settings_core import SettingsService, SqliteStore\n"
        "print(SettingsService.__module__, SqliteStore.__module__, 'sqlite3' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [
        "ai_settings_core.service._service",
        "ai_settings_core.adapters.sqlite",
        "True",
    ]


def test_a_moved_name_still_imports_from_the_root_with_a_deprecation_warning() -> None:
    import ai_settings_core
    from ai_settings_core.codec import parse_project

    with pytest.warns(DeprecationWarning, match=r"ai_settings_core\.codec\.parse_project"):
        moved = ai_settings_core.parse_project  # type: ignore[attr-defined]
    assert moved is parse_project


def test_the_front_door_lists_only_what_it_holds() -> None:
    import ai_settings_core

    for name in ai_settings_core.__all__:
        assert getattr(ai_settings_core, name) is not None
    assert sorted(dir(ai_settings_core)) == sorted(ai_settings_core.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = ai_settings_core.nothing_here  # type: ignore[attr-defined]


def _top_level_imports(path: Path) -> set[str]:
    """The package modules ``path`` imports when it is loaded (not in functions or for types)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    modules = set(_graph())
    return {name for name in found if name in modules}


@pytest.mark.parametrize("package", ["http", "cli"])
def test_an_edge_package_has_no_import_loop(package: str) -> None:
    # In http the messages come first, then conditional requests, the call, the handlers, the
    # routes, the API class and WSGI; a module may import a later one lazily, in a function.
    graph = {
        _module_name(path): _top_level_imports(path) - {_module_name(path)}
        for path in sorted((PACKAGE / package).glob("*.py"))
        if path.name != "__init__.py"
    }
    inside = {module: imports & set(graph) for module, imports in graph.items()}
    order: list[str] = []
    while inside:
        ready = sorted(module for module, imports in inside.items() if not imports - set(order))
        assert ready, f"import loop among {sorted(inside)}"
        order.extend(ready)
        for module in ready:
            del inside[module]


def test_http_never_imports_the_command_line() -> None:
    violations = [
        f"{module} imports {imported}"
        for module, imports in _graph().items()
        if _layer(module) == "http"
        for imported in sorted(imports)
        if _layer(imported) in {"cli", "contrib"}
    ]
    assert violations == []


def test_one_adapter_loads_without_the_others() -> None:
    code = (
        "import sys, ai_settings_core.adapters.sqlite\n"
        "print([name for name in ('ai_settings_core.adapters.memory',"
        " 'ai_settings_core.adapters.postgres', 'psycopg') if name in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
