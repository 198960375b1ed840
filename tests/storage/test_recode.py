"""Recoding a store with other knowledge: the events become what a fresh ingest with that
knowledge stores, each article records its coder, and a second run has nothing to do."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tocsin import Coder
from tocsin.pipeline import RecodeSummary, ingest_articles, recode_articles
from tocsin.storage.query import stats
from tocsin.storage.store import Store

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus" / "stories.jsonl"

# Drops two packaged verb patterns the corpus uses ('shelled', reported twice and merged, and
# 'accused'), so recoding must delete events and rebuild a merged one.
FEWER_VERBS = "# tocsin:verbs v1\n~v.shell\n~v.accuse\n"


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory, coder: Coder) -> Coder:
    folder = tmp_path_factory.mktemp("data")
    (folder / "fewer-verbs.tsv").write_text(FEWER_VERBS)
    return Coder(extra_data=[folder], nlp=coder.nlp)


@pytest.fixture
def stores(tmp_path: Path, coder: Coder, changed: Coder) -> tuple[Path, Path]:
    """A store coded with the packaged knowledge, and one coded afresh with the changed."""
    db, fresh = tmp_path / "old.duckdb", tmp_path / "fresh.duckdb"
    ingest(coder, db)
    ingest(changed, fresh)
    return db, fresh


def ingest(coder: Coder, db: Path) -> None:
    with Store(db) as store:
        ingest_articles(coder, store, coder.read_articles([str(CORPUS)], on_problem=print))


def event_tuples(db: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(
            """SELECT date, source_code, cameo, target_code, num_mentions, num_articles,
                      location_country
               FROM events ORDER BY ALL"""
        ).fetchall()


def mention_tuples(db: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(
            """SELECT m.article_key, m.sentence_index, m.trigger, e.cameo, e.source_code,
                      e.target_code
               FROM mentions m JOIN events e USING (event_id) ORDER BY ALL"""
        ).fetchall()


def stamps(db: Path) -> set[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as connection:
        rows = connection.execute("SELECT coder_version, knowledge_hash FROM articles")
        return set(rows.fetchall())


def test_knowledge_fingerprint_is_stable_and_follows_the_files(
    coder: Coder, changed: Coder
) -> None:
    again = Coder(nlp=coder.nlp)
    assert coder.stamp == again.stamp and len(coder.stamp.knowledge) == 12
    assert changed.stamp.knowledge != coder.stamp.knowledge
    assert changed.stamp.version == coder.stamp.version


def test_recode_gives_what_a_fresh_ingest_with_the_new_knowledge_gives(
    stores: tuple[Path, Path], coder: Coder, changed: Coder
) -> None:
    db, fresh = stores
    before = event_tuples(db)
    assert stamps(db) == {(coder.stamp.version, coder.stamp.knowledge)}
    assert before != event_tuples(fresh)  # the change matters to this corpus

    with Store(db) as store:
        summary = recode_articles(changed, store)
    assert (summary.recoded, summary.skipped) == (4, 0)
    assert (summary.events_before, summary.events_after) == (len(before), len(event_tuples(db)))
    assert event_tuples(db) == event_tuples(fresh)
    assert mention_tuples(db) == mention_tuples(fresh)
    assert stamps(db) == {(changed.stamp.version, changed.stamp.knowledge)}

    with Store(db) as store:
        again = recode_articles(changed, store)
        held = stats(store)
    assert (again.recoded, again.skipped) == (0, 4)
    assert held["articles by coder"] == {f"{changed.stamp.version} {changed.stamp.knowledge}": 4}
    assert held["quotes"] == stats_of(fresh)["quotes"]


def test_an_interrupted_recode_resumes_where_it_stopped(
    stores: tuple[Path, Path], changed: Coder
) -> None:
    db, fresh = stores

    def stop_after_two(summary: RecodeSummary) -> None:
        if summary.recoded == 2:
            raise KeyboardInterrupt

    with Store(db) as store, pytest.raises(KeyboardInterrupt):
        recode_articles(changed, store, on_progress=stop_after_two)
    assert len(stamps(db)) == 2  # two articles recoded, two still stale
    with Store(db) as store:
        resumed = recode_articles(changed, store)
    assert (resumed.recoded, resumed.skipped) == (2, 2)
    assert event_tuples(db) == event_tuples(fresh)
    assert mention_tuples(db) == mention_tuples(fresh)


def stats_of(db: Path) -> dict[str, object]:
    with Store(db, read_only=True) as store:
        return stats(store)
