"""The kit's text that people read, gathered once for the language tests.

"What people read" is every content file (exercises/**: YAML, Markdown and CSV headers),
the notebooks' Markdown cells, the facilitator guide, the README, templates, and the string
literals in src/ (widget labels, messages, feedback), docstrings excepted. The tests walk
the whole tree, so text added later is checked too.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _python_strings(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.lineno, node.value


def texts() -> Iterator[tuple[str, int, str]]:
    """``(file, line, text)`` for everything people read in the kit."""
    for path in sorted((ROOT / "exercises").rglob("*")):
        if path.suffix in (".yaml", ".yml", ".md"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                yield str(path.relative_to(ROOT)), n, line
        elif path.suffix == ".csv":
            header = path.read_text(encoding="utf-8").splitlines()[:1]
            yield from ((str(path.relative_to(ROOT)), 1, h) for h in header)
    for pattern in ("facilitator_guide/*.md", "README.md", "workshop.yml"):
        for path in sorted(ROOT.glob(pattern)):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                yield str(path.relative_to(ROOT)), n, line
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for k, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                yield str(path.relative_to(ROOT)), k + 1, "".join(cell["source"])
    src = ROOT / "src" / "datasharing_workshop"
    for path in sorted(src.rglob("*")):
        if path.suffix == ".py":
            for n, text in _python_strings(path):
                yield str(path.relative_to(ROOT)), n, text
        elif path.suffix in (".j2", ".html"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                yield str(path.relative_to(ROOT)), n, line
