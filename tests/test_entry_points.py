"""The layers, as far as the entry points and storage go: `cli`, `api` and `web/` reach the coder
only through `pipeline` and the store only through `storage/`, and `formats` needs only the
model. Imports inside functions count."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "tocsin"
ENTRY_POINTS_MAY_IMPORT = {"pipeline", "storage", "formats", "model", "errors", "web", ""}
ALLOWED = {
    "cli.py": ENTRY_POINTS_MAY_IMPORT | {"api"},  # `tocsin serve`
    "api.py": ENTRY_POINTS_MAY_IMPORT,
    "web/__init__.py": ENTRY_POINTS_MAY_IMPORT,
    "formats.py": {"model"},
    "storage/schema.py": {"model"},
    "storage/store.py": {"errors", "model", "storage"},
    "storage/query.py": {"errors", "storage"},
    "storage/export.py": {"", "storage"},
}


def tocsin_imports(path: Path) -> set[str]:
    """The top-level tocsin modules a file imports ("" for the package itself)."""
    package = path.parent.relative_to(SRC.parent).parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            parts = [*base, *(node.module or "").split(".")]
            found.add(next((p for p in parts[1:] if p), ""))
        elif isinstance(node, ast.ImportFrom | ast.Import):
            names = (
                [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            )
            found |= {
                n.split(".")[1] if "." in n else "" for n in names if n and n.startswith("tocsin")
            }
    return found


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_imports_stay_in_their_layer(name: str) -> None:
    extra = tocsin_imports(SRC / name) - ALLOWED[name]
    assert not extra, f"{name} imports {sorted(extra)}"


def test_no_sql_or_connection_outside_storage() -> None:
    for path in SRC.rglob("*.py"):
        if "storage" in path.parts:
            continue
        text = path.read_text()
        for marker in ("._db", ".execute(", "SELECT ", "INSERT INTO", "import duckdb"):
            assert marker not in text, f"{path.relative_to(SRC)} has {marker!r}"
