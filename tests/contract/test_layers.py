"""The engine layer's dependency rules, checked on the source text (no import, no database):
``dialects/`` imports nothing of ours but ``errors`` and ``schema.model``; connectors never
import the writer (nor the model), so there is no cycle between them."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "dbsynth"


def ours(path: Path) -> set[str]:
    """Every ``dbsynth.…`` module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dbsynth"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("dbsynth")}
    return found


def test_dialects_import_only_errors_and_the_schema_model() -> None:
    allowed = ("dbsynth.errors", "dbsynth.schema.model", "dbsynth.dialects")
    for path in sorted((PACKAGE / "dialects").glob("*.py")):
        bad = {m for m in ours(path) if not m.startswith(allowed)}
        assert not bad, f"{path.name} imports {bad}"


def test_connectors_do_not_import_writer_or_model() -> None:
    for path in sorted((PACKAGE / "connectors").glob("*.py")):
        bad = {m for m in ours(path) if m.startswith(("dbsynth.writer", "dbsynth.model",
                                                       "dbsynth.pipeline"))}
        assert not bad, f"connectors/{path.name} imports {bad}"
