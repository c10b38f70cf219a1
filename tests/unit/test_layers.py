"""The layers, enforced: every import points down, runtimes never import one another, and
no folder imports a folder that imports it back.

From the bottom: `schemas`; the pure core (`conductor.core`); the shared layer (the rest of
`conductor/` outside the runtimes and the CLI: errors, io, metrics, session, shards); the
runtimes (`conductor.runtime`, `streams`, `conductor.rehearsal`), which import only what is
below them; `dashboards`, which reads the metric catalogue; the CLI (`conductor.cli`) on top.
Every import counts, in functions and under `TYPE_CHECKING` too.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGES = ("schemas", "conductor", "streams", "dashboards")

RUNTIMES = ("conductor.runtime", "streams", "conductor.rehearsal")
LAYER_OF_PREFIX = {
    "schemas": 0,
    "conductor.core": 1,
    "conductor.runtime": 3,
    "streams": 3,
    "conductor.rehearsal": 3,
    "dashboards": 4,
    "conductor.cli": 5,
    "conductor.cli.__main__": 6,
}
SHARED = 2
"""Every other `conductor.*` module."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield module_name(path), path


def owner(module: str) -> str:
    """The layer's prefix a module belongs to (`conductor` itself is shared)."""
    found = [p for p in LAYER_OF_PREFIX if module == p or module.startswith(p + ".")]
    return max(found, key=len) if found else ("conductor" if module.startswith("conductor") else "")


def layer(module: str) -> int:
    prefix = owner(module)
    return LAYER_OF_PREFIX.get(prefix, SHARED)


def imports(path: Path, module: str) -> Iterator[str]:
    """Every project module `path` imports, at any depth of its code."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names = [_submodule_or(base, alias.name) for alias in node.names]
        else:
            continue
        yield from (name for name in names if name.split(".")[0] in PACKAGES)


def violation(module: str, imported: str) -> str | None:
    """Why `module` may not import `imported`, or None."""
    here, there = owner(module), owner(imported)
    if here == there:
        return None
    if layer(imported) > layer(module):
        return f"{module} (layer {layer(module)}) imports {imported} (above it)"
    if here in RUNTIMES and there in RUNTIMES:
        return f"{module} imports {imported}: runtimes never import each other"
    if here == "dashboards" and not imported.startswith(("conductor.metrics.catalogue", "schemas")):
        return f"{module} imports {imported}: dashboards read only the catalogue"
    return None


def _submodule_or(package: str, name: str) -> str:
    """`from conductor.core import rhythm` imports the module `conductor.core.rhythm`;
    `from conductor.core import Outcome` imports the package."""
    candidate = ROOT / Path(*package.split("."), name)
    is_module = candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists()
    return f"{package}.{name}" if is_module else package


def test_every_import_points_down_and_no_runtime_imports_another() -> None:
    wrong = [
        found
        for module, path in modules()
        for imported in imports(path, module)
        if (found := violation(module, imported)) is not None
    ]
    assert wrong == []


def folder(module: str) -> str:
    """The folder a module lives in (`conductor.io.eventlog` -> `conductor.io`); the core is
    one room, its rules included (`test_core_purity.py` checks its modules form no loop)."""
    if module == "conductor.core" or module.startswith("conductor.core."):
        return "conductor.core"
    path = ROOT / Path(*module.split("."))
    return module if path.is_dir() else module.rpartition(".")[0]


def test_no_folder_imports_a_folder_that_imports_it_back() -> None:
    edges: dict[str, set[str]] = {}
    for module, path in modules():
        for imported in imports(path, module):
            source, target = folder(module), folder(imported)
            if source != target:
                edges.setdefault(source, set()).add(target)
    assert find_cycle(edges) is None


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle in a directed graph, as a path that ends where it starts, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(edges.get(node, ())):
            found = visit(target, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(edges):
        found = visit(start, [])
        if found:
            return found
    return None


def test_the_core_s_modules_import_each_other_without_a_loop() -> None:
    """Rules take the state and the plan, never the engine, which imports them: a loop here
    (even through type hints) would make the core's parts inseparable."""
    edges: dict[str, set[str]] = {}
    for module, path in modules():
        if owner(module) == "conductor.core":
            inside = {m for m in imports(path, module) if owner(m) == "conductor.core"}
            edges[module] = {m for m in inside if m != module}
    assert len(edges) > 20
    assert find_cycle(edges) is None


def test_the_cycle_finder_finds_a_cycle_and_accepts_a_chain() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None


def test_the_rules_refuse_what_they_are_meant_to_refuse() -> None:
    assert violation("conductor.core.engine", "conductor.io.eventlog") is not None
    assert violation("schemas.score", "conductor.core.plan") is not None
    assert violation("streams.app", "conductor.rehearsal.replay") is not None
    assert violation("conductor.runtime.live", "streams.topics") is not None
    assert violation("conductor.io.eventlog", "conductor.runtime.store") is not None
    assert violation("dashboards.tempo", "conductor.runtime.live") is not None
    assert violation("conductor.runtime.live", "conductor.session.clock") is None
    assert violation("conductor.cli.kafka", "streams.run") is None
    assert violation("conductor.rehearsal.replay", "conductor.core.engine") is None


def test_the_walker_reads_imports_in_functions_and_relative_ones(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from conductor.runtime.live import LiveRuntime\n"
        "def f():\n    import streams.run\n"
        "from .plan import Plan\n",
        encoding="utf-8",
    )
    found = set(imports(path, "conductor.core.mod"))
    assert found == {"conductor.runtime.live", "streams.run", "conductor.core.plan"}
