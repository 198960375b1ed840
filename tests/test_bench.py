"""The benchmark script runs end to end on a small corpus (its numbers are checked by `make
bench`, never here: no timing is asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "corpus"


def _load_bench() -> ModuleType:
    """dev/bench.py is a script outside the package: load it from its file."""
    spec = importlib.util.spec_from_file_location("bench", ROOT / "dev" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def test_throughput_benchmark_reports(capsys: pytest.CaptureFixture[str]) -> None:
    bench.main(["--corpus", str(CORPUS), "--processes", "1"])
    printed = capsys.readouterr().out
    assert "articles                 4" in printed and "peak RSS" in printed


def test_missing_corpus_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--corpus", str(tmp_path / "none")]) == 0
    assert "benchmark skipped" in capsys.readouterr().out


def test_query_benchmark_runs_on_a_small_synthetic_store(tmp_path: Path) -> None:
    timings = bench.query_benchmark(500, tmp_path / "bench.duckdb")
    assert len(timings) == 6 and timings[0][0] == "dyad RUS-UKR by month"
    assert timings[-1][0] == "escalation alerts, every dyad"


def _load_bench_spark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_spark", ROOT / "dev" / "bench_spark.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_spark_benchmark_skips_without_its_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _load_bench_spark().main(["--corpus", str(tmp_path / "none")]) == 0
    assert "benchmark skipped" in capsys.readouterr().out


def test_spark_benchmark_repeats_the_corpus_as_new_articles(tmp_path: Path) -> None:
    import json

    target = tmp_path / "many.jsonl"
    written = _load_bench_spark().corpus(CORPUS / "stories.jsonl", 10, target)
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert written == len(rows) >= 10
    assert len({r["id"] for r in rows}) == len({r["text"] for r in rows}) == len(rows)
