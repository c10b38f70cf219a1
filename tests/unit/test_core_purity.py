"""The core imports only the standard library, `schemas` and small pure libraries."""

import ast
import sys
from pathlib import Path

CORE = Path(__file__).parents[2] / "conductor" / "core"
ALLOWED_THIRD_PARTY = {"schemas", "dateutil", "numpy"}
FORBIDDEN_STDLIB = {
    "socket", "subprocess", "sqlite3", "asyncio", "threading", "os", "io", "pathlib",
    "time", "urllib", "http", "shutil", "tempfile", "logging", "secrets", "uuid",
}  # fmt: skip


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("conductor.core"):
                continue
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_nothing_impure() -> None:
    modules = sorted(CORE.rglob("*.py"))
    assert len(modules) > 5
    for module in modules:
        for root in imported_roots(module):
            allowed = root in ALLOWED_THIRD_PARTY or (
                root in sys.stdlib_module_names and root not in FORBIDDEN_STDLIB
            )
            assert allowed, f"{module.name} imports {root!r}: the core must stay pure"


def test_core_never_reads_the_clock() -> None:
    for module in CORE.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        for call in ("datetime.now(", ".utcnow(", "date.today(", "time.time(", "random.random("):
            assert call not in text, f"{module.name} calls {call}"


def test_core_never_imports_a_runtime() -> None:
    for module in CORE.rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("conductor.")
            ):
                assert node.module.startswith("conductor.core"), f"{module.name}: {node.module}"
