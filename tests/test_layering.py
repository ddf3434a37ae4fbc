"""The package's layers: data flows corpus -> encoders -> store -> retrieval -> evaluation / UI, never back.

Read from the source (every import, also those inside functions and under TYPE_CHECKING), so a
lazy import cannot hide an arrow pointing the wrong way.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "searchkit"

# Lowest first. A module may import its own package and packages of lower layers; packages that
# share a layer are independent of each other. `searchkit/__init__.py` (the public API) and
# `__main__.py` sit above everything.
LAYERS = [
    {"types", "errors", "ranking", "display"},
    {"corpus"},
    {"encoders"},
    {"store"},
    {"index", "judgments", "training"},  # training reads corpora and tunes encoders' models
    {"indexing", "retrieval", "evaluation"},  # evaluation scores runs; it never asks a retriever
    {"experiments"},
    {"tui"},
    {"cli"},
]
LAYER = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}
FACADE = {"searchkit", "searchkit.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported searchkit module) for every import in the file; `from p import m` names module p.m."""
    known = modules()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "searchkit")
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import"
            if node.module and node.module.split(".")[0] == "searchkit":
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    yield node.lineno, submodule if submodule in known else node.module


def package(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def test_every_package_has_a_layer() -> None:
    unplaced = {package(m) for m in modules() if m not in FACADE} - set(LAYER)
    assert not unplaced, f"add these to LAYERS: {sorted(unplaced)}"


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for name, path in modules().items():
        if name in FACADE:
            continue
        source = package(name)
        for line, target in imports(path):
            if target in FACADE:
                wrong.append(f"{path}:{line}: imports the top-level package ({target}); import the module it re-exports")
            elif package(target) != source and LAYER[package(target)] >= LAYER[source]:
                wrong.append(f"{path}:{line}: {source} imports {target} (same or higher layer)")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_modules() -> None:
    known = modules()
    graph = {name: {target for _, target in imports(path) if target in known} for name, path in known.items()}
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            pytest.fail("import cycle: " + " -> ".join([*trail[trail.index(name):], name]))
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, [*trail, name])
        done.add(name)

    for name in graph:
        visit(name, [])


def test_only_the_store_package_knows_its_backend() -> None:
    """Outside `searchkit.store`: no client or shard attribute, no store submodule; only the `VectorStore` API."""
    wrong = []
    for name, path in modules().items():
        if package(name) == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("client", "shard"):
                wrong.append(f"{path}:{node.lineno}: uses a store's {node.attr}")
        wrong += [f"{path}:{line}: imports {target}" for line, target in imports(path) if target.startswith("searchkit.store.")]
    assert not wrong, "\n".join(wrong)


BACKENDS = {"qdrant_client", "qdrant_edge"}  # only searchkit.store may import these


def test_only_the_store_package_imports_a_backend() -> None:
    wrong = []
    for name, path in modules().items():
        if package(name) == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            wrong += [f"{path}:{node.lineno}: imports {n}" for n in names if n.split(".")[0] in BACKENDS]
    assert not wrong, "\n".join(wrong)


def test_a_package_above_a_lower_one_is_caught(tmp_path: Path) -> None:
    """The check itself: an arrow from encoders up to retrieval is reported."""
    offender = tmp_path / "searchkit" / "encoders" / "bad.py"
    offender.parent.mkdir(parents=True)
    offender.write_text("def f():\n    from searchkit.retrieval import answer_all\n", encoding="utf-8")
    (target,) = [target for _, target in imports(offender)]
    assert LAYER[package(target)] > LAYER["encoders"]
