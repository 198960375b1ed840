"""The benchmark script runs end to end on a small corpus (its numbers are checked by `make
bench`, never here: no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin import bench

CORPUS = Path(__file__).parent / "fixtures" / "corpus"


def test_throughput_benchmark_reports(capsys: pytest.CaptureFixture[str]) -> None:
    bench.main(["--corpus", str(CORPUS), "--processes", "1"])
    printed = capsys.readouterr().out
    assert "articles                 4" in printed and "peak RSS" in printed


def test_missing_corpus_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--corpus", str(tmp_path / "none")]) == 0
    assert "benchmark skipped" in capsys.readouterr().out
