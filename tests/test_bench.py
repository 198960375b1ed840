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
