"""A store of the fixture corpus, coded once for the storage tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin import Coder
from tocsin.pipeline import IngestSummary, ingest_articles
from tocsin.storage.store import Store

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus" / "stories.jsonl"


def ingest(coder: Coder, db: Path, path: Path = CORPUS) -> IngestSummary:
    with Store(db) as store:
        return ingest_articles(coder, store, coder.read_articles([str(path)], on_problem=print))


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory, coder: Coder) -> Path:
    db = tmp_path_factory.mktemp("store") / "events.duckdb"
    ingest(coder, db)
    return db
