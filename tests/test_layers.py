"""Layers import one way, and every module imports alone.

Layers, lowest first (a module imports only from its own layer and the layers before it):
errors -> content -> rules -> store -> breakouts -> the presentation layer (widgets,
handouts, report-back, plenary notebooks, the app, the room) -> cli. The graph is read
from the source (every ``import``, including those inside functions), so a lazy import
that goes upward is caught too.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "datasharing_workshop"
NAME = "datasharing_workshop"

#: Top-level module or subpackage -> layer number. A new subpackage must be placed here.
LAYERS: dict[str, int] = {
    "__init__": 0,
    "errors": 0,
    # Foundations beside errors: they import nothing of the kit's but errors, and every
    # layer may use them (output ownership, text cleaning, the crash log).
    "ownership": 0,
    "text_safety": 0,
    "crash_log": 0,
    "lazy_iri": 0,
    # The shipped content, notebooks and guide (data read through importlib.resources).
    "kit": 0,
    "content": 1,
    "rules": 2,
    "store": 3,
    "breakouts": 4,
    "widgets": 5,
    "handouts": 5,
    "reportback": 5,
    "plenary": 5,
    "app": 5,
    "room": 5,
    "notebook": 1,
    "cli": 6,
    "__main__": 6,
}


@functools.cache
def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join([NAME, *parts])] = path
    return out


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(module: str, path: Path, *, top_level_only: bool = False) -> set[str]:
    """Every kit module ``module`` imports, anywhere in its source (or at import time)."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rsplit(".", 1)[0]
    found = set()
    tree = ast.parse(path.read_text("utf-8"))
    nodes = _top_level(tree) if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith(NAME)}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith(NAME):
                continue
            known = modules()
            for alias in node.names:  # `from . import tour` imports a module, not `.`
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    known = modules()
    return {m for m in found if m in known and m != module}


def _top_level(tree: ast.Module):
    """The statements run when the module is imported (not those inside functions)."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            todo += [n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt)]


def test_every_top_level_module_has_a_layer():
    missing = sorted({top(m) for m in modules()} - set(LAYERS))
    assert not missing, f"place these in LAYERS: {missing}"


def test_layers_import_one_way():
    wrong = []
    for module, path in modules().items():
        for target in imports(module, path):
            if LAYERS.get(top(target), 99) > LAYERS.get(top(module), 99):
                wrong.append(f"{module} imports {target}")
    assert not wrong, "imports that go up a layer:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle_between_subpackages():
    graph: dict[str, set[str]] = {}
    for module, path in modules().items():
        graph.setdefault(top(module), set()).update(
            top(t) for t in imports(module, path) if top(t) != top(module)
        )

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    cycles = sorted(p for p in graph if p in reach(p))
    assert not cycles, f"subpackages in an import cycle: {cycles}"


def test_no_import_cycle_between_modules():
    # At import time; a lazy import inside a function that closes a loop within one
    # subpackage (a backend asking its locator) is allowed, one across layers is not.
    graph = {m: imports(m, p, top_level_only=True) for m, p in modules().items()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(graph.get(module, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


@pytest.mark.parametrize("module", sorted(m for m in modules() if not m.endswith("__main__")))
def test_each_module_imports_alone_in_a_fresh_process(module):
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
