"""The event store against real DuckDB files: idempotent, crash-safe storing, near-duplicates,
merged events, and clear errors that leave the file untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tocsin import Coder
from tocsin.errors import StoreError
from tocsin.pipeline import IngestSummary, ingest_articles
from tocsin.storage.query import EventFilter, events, stats
from tocsin.storage.schema import MIGRATIONS, SCHEMA_VERSION
from tocsin.storage.store import Store

CORPUS = Path(__file__).parents[1] / "fixtures" / "corpus" / "stories.jsonl"


def ingest(coder: Coder, db: Path, path: Path = CORPUS) -> IngestSummary:
    with Store(db) as store:
        return ingest_articles(coder, store, coder.read_articles([str(path)], on_problem=print))


def counts(db: Path) -> tuple[int, int, int]:
    with Store(db, read_only=True) as store:
        held = stats(store)
    return held["articles"], held["events"], held["mentions"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_storing_twice_adds_nothing(store_path: Path, coder: Coder) -> None:
    before = counts(store_path)
    summary = ingest(coder, store_path)
    assert summary.new == 0 and summary.known == 4
    assert counts(store_path) == before
    assert before[0] == 4 and before[1] > 5


def test_add_reports_what_it_stored(tmp_path: Path, coder: Coder) -> None:
    article = coder.article_from_text(
        "Russian forces shelled Kharkiv on Monday.", published="2022-03-01", article_id="k"
    )
    coded = coder.code_article(article)
    with Store(tmp_path / "one.duckdb") as store:
        assert not store.is_known(article)
        first = store.add(coded)
        assert store.is_known(article)
        again = store.add(coded)
    assert not first.known and first.events_new == len(coded.events) >= 1
    assert again.known and again.events_new == 0


def test_reports_of_one_event_merge_into_mentions(store_path: Path) -> None:
    with Store(store_path, read_only=True) as store:
        rows = events(store, EventFilter(source="RUS", cameo="194"), limit=20)
    kharkiv = [r for r in rows if r.location_name == "Kharkiv"]
    assert len(kharkiv) == 1, "Monday's and Tuesday's shelling are one day apart: one event"
    assert kharkiv[0].num_mentions == 2 and kharkiv[0].num_articles == 2


def test_near_duplicate_adds_mentions_not_events(tmp_path: Path, coder: Coder) -> None:
    db = tmp_path / "dup.duckdb"
    ingest(coder, db)
    original = json.loads(CORPUS.read_text().splitlines()[0])
    copy = dict(
        original,
        id="copy-of-a1",
        url="https://mirror.example.net/story",
        title="UPDATED: Kharkiv under fire",
        text=original["text"] + " Residents sheltered in metro stations overnight.",
    )
    path = tmp_path / "copy.jsonl"
    path.write_text(json.dumps(copy) + "\n")
    _, events_before, mentions_before = counts(db)
    summary = ingest(coder, db, path)
    assert summary.new == 1 and summary.duplicates == 1
    after = counts(db)
    assert after[1] == events_before and after[2] > mentions_before
    assert stats_of(db)["near-duplicate articles"] == 1
    with Store(db, read_only=True) as store:
        most = max(r.num_articles for r in events(store, EventFilter(), limit=1000))
    assert most <= 2, "a republished copy must not count as another article"


def stats_of(db: Path) -> dict[str, object]:
    with Store(db, read_only=True) as store:
        return stats(store)


def test_sigkill_mid_ingest_then_resume_gives_same_counts(tmp_path: Path, coder: Coder) -> None:
    big = tmp_path / "many.jsonl"
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines()]
    lines = []
    for n in range(40):  # distinct stories: vary a sentence so every text hashes differently
        for row in rows:
            text = row["text"] + f" Officials in Geneva met on day {n} of the crisis."
            lines.append(json.dumps(dict(row, id=f"{row['id']}-{n}", url=None, text=text)))
    big.write_text("\n".join(lines) + "\n")
    reference = tmp_path / "reference.duckdb"
    killed = tmp_path / "killed.duckdb"
    command = [sys.executable, "-m", "tocsin.cli", "ingest", str(big), "--db"]
    subprocess.run([*command, str(reference)], check=True, capture_output=True)
    process = subprocess.Popen(
        [*command, str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _articles_in(killed) < 20:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < _articles_in(killed) < len(lines), "the kill must land mid-ingest"
    subprocess.run([*command, str(killed)], check=True, capture_output=True)
    assert counts(killed) == counts(reference)


def _articles_in(db: Path) -> int:
    """Read a copy: the ingesting process holds the write lock on the file itself."""
    if not db.exists():
        return 0
    copy = db.with_name("peek.duckdb")
    try:
        copy.write_bytes(db.read_bytes())
        wal = Path(str(db) + ".wal")
        if wal.exists():
            Path(str(copy) + ".wal").write_bytes(wal.read_bytes())
        return counts(copy)[0]
    except (StoreError, OSError):
        return 0
    finally:
        copy.unlink(missing_ok=True)
        Path(str(copy) + ".wal").unlink(missing_ok=True)


def test_missing_corrupt_and_newer_databases_are_refused_untouched(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    with pytest.raises(StoreError, match="no such database"):
        Store(missing, read_only=True)
    assert not missing.exists()
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"this is not a database" * 100)
    before = digest(corrupt)
    with pytest.raises(StoreError, match="not a readable tocsin database"):
        Store(corrupt)
    assert digest(corrupt) == before
    newer = tmp_path / "newer.duckdb"
    Store(newer).close()
    with duckdb.connect(str(newer)) as db:
        db.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)]
        )
    before = digest(newer)
    with pytest.raises(StoreError, match="newer tocsin"):
        Store(newer)
    assert digest(newer) == before
    with pytest.raises(StoreError, match="is a directory"):
        Store(tmp_path)


def test_a_v1_store_is_migrated_and_keeps_its_events(tmp_path: Path) -> None:
    old = tmp_path / "v1.duckdb"
    with duckdb.connect(str(old)) as db:
        for statement in MIGRATIONS[1]:
            db.execute(statement)
        db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        db.execute("INSERT INTO events (event_id, cameo, root) VALUES (7, '040', '04')")
        db.execute(
            "INSERT INTO mentions (event_id, sentence, confidence) VALUES "
            "(7, 'A weak reading.', 0.4), (7, 'Kerry met Lavrov.', 0.9)"
        )
    with Store(old) as store:
        rows = events(store, EventFilter())
    with duckdb.connect(str(old), read_only=True) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)
    assert [(r.event_id, r.sentence) for r in rows] == [(7, "Kerry met Lavrov.")]


def test_load_events_bulk_loads_and_refuses_unknown_columns(tmp_path: Path) -> None:
    with Store(tmp_path / "bulk.duckdb") as store:
        store.load_events(
            ("event_id", "date", "cameo", "root", "quad_class", "goldstein"),
            [(1, dt.date(2024, 1, 2), "190", "19", 4, -10.0)],
        )
        with pytest.raises(StoreError, match="no event column 'colour'"):
            store.load_events(("event_id", "colour"), [(2, "red")])
        assert [r.cameo for r in events(store, EventFilter())] == ["190"]


def test_a_v2_store_is_migrated_and_its_articles_have_no_coder(tmp_path: Path) -> None:
    old = tmp_path / "v2.duckdb"
    with duckdb.connect(str(old)) as db:
        for statement in MIGRATIONS[1] + MIGRATIONS[2]:
            db.execute(statement)
        db.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        db.execute("INSERT INTO articles (article_key, text) VALUES ('k1', 'Kerry met Lavrov.')")
        db.execute("INSERT INTO events (event_id, cameo, root) VALUES (7, '040', '04')")
        db.execute("INSERT INTO mentions (event_id, article_key) VALUES (7, 'k1')")
    with Store(old) as store:
        held = stats(store)
    with duckdb.connect(str(old), read_only=True) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        coder = db.execute("SELECT coder_version, knowledge_hash FROM articles").fetchall()
    assert version == (str(SCHEMA_VERSION),) and coder == [(None, None)]
    assert held["articles by coder"] == {"unknown unknown": 1}
    assert held["events by coder"] == {"unknown unknown": 1}


def test_the_order_of_the_input_does_not_change_the_store(tmp_path: Path, coder: Coder) -> None:
    """Articles are stored in one order (published, then id): the reports each event merges
    and the original of each near-duplicate come out the same whatever order they came in."""
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines()]
    copy = dict(rows[0], id="a1-copy", url=None, text=rows[0]["text"] + " More later.")
    forward, backward = tmp_path / "forward.jsonl", tmp_path / "backward.jsonl"
    forward.write_text("".join(json.dumps(r) + "\n" for r in [*rows, copy]))
    backward.write_text("".join(json.dumps(r) + "\n" for r in reversed([*rows, copy])))
    stores = []
    for path in (forward, backward):
        db = tmp_path / f"{path.stem}.duckdb"
        ingest(coder, db, path)
        with duckdb.connect(str(db), read_only=True) as connection:
            events_held = connection.execute(
                "SELECT date, cameo, source_code, target_code, num_mentions, num_articles, "
                "sentence FROM events ORDER BY ALL"
            ).fetchall()
            links = connection.execute(
                "SELECT a.article_id, o.article_id FROM articles a "
                "JOIN articles o ON a.duplicate_of = o.article_key"
            ).fetchall()
        stores.append((events_held, links))
    assert stores[0] == stores[1]
    assert stores[0][1] == [("a1-copy", "a1")]
