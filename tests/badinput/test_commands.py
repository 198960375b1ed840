"""The whole corpus through `tocsin code` and `tocsin ingest`, one run each: every good input
coded and stored, every bad one named on stderr with its own message, no internal error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tocsin.cli import app
from tocsin.storage.store import Store

from .conftest import STDIN_STORY, Corpus
from .corpus import ENVIRONMENT

pytestmark = pytest.mark.timeout(120)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=STDIN_STORY, env=ENVIRONMENT)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "internal error" not in result.stderr and "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def assert_each_bad_input_named(corpus: Corpus, stderr: str) -> None:
    errors = [line for line in stderr.splitlines() if line.startswith("tocsin: error: ")]
    missing = [
        (where, message)
        for where, message in corpus.bad
        if not any(where in line and message in line for line in errors)
    ]
    assert missing == []


def test_code_codes_every_good_input_and_names_every_bad_one(corpus: Corpus) -> None:
    status, stdout, stderr = run("code", *corpus.paths)
    assert status == 1
    assert_each_bad_input_named(corpus, stderr)
    coded = {json.loads(line)["article_id"] for line in stdout.splitlines()}
    assert corpus.with_events <= coded
    assert f"coded {len(corpus.good)} articles, " in stderr


def test_ingest_stores_every_good_input_and_a_rerun_adds_nothing(
    corpus: Corpus, tmp_path: Path
) -> None:
    db = tmp_path / "bad.duckdb"
    status, _, stderr = run("ingest", *corpus.paths, "--db", str(db))
    assert status == 1
    assert_each_bad_input_named(corpus, stderr)
    with Store(db, read_only=True) as store:
        stored = {row[0] for row in store._db.execute("SELECT article_id FROM articles").fetchall()}
    assert stored == corpus.good
    again = run("ingest", *corpus.paths, "--db", str(db))[2]
    assert f"articles: 0 new (0 near-duplicates), {len(corpus.good)} already known" in again


def test_dev_zero_on_stdin_is_refused_after_a_bounded_read(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "tocsin.cli", "code", "-"]
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run(
            command, stdin=zeros, capture_output=True, text=True, timeout=60, env=_env()
        )
    assert done.returncode == 1
    assert "<stdin>: a line runs over" in done.stderr


def _env() -> dict[str, str]:
    import os

    return {**os.environ, **ENVIRONMENT}
