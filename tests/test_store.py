"""The event store against real DuckDB files: idempotent, crash-safe ingest, near-duplicates,
merged events, queries, exports, and clear errors that leave the file untouched."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tocsin import Coder
from tocsin.cli import app
from tocsin.errors import QueryError, StoreError
from tocsin.export import GDELT_COLUMNS, write_gdelt, write_plover
from tocsin.query import EventFilter, dyad, events, stats, top_actors
from tocsin.stages.read import read_inputs
from tocsin.store import SCHEMA_VERSION, IngestSummary, Store

CORPUS = Path(__file__).parent / "fixtures" / "corpus" / "stories.jsonl"


def ingest(coder: Coder, db: Path, path: Path = CORPUS) -> IngestSummary:
    articles = [a for a in read_inputs([str(path)]) if not isinstance(a, Exception)]
    with Store(db) as store:
        return store.ingest(coder.code_many(articles))


def counts(db: Path) -> tuple[int, int, int]:
    with Store(db, read_only=True) as store:
        one = store.db.execute
        return (
            one("SELECT count(*) FROM articles").fetchone()[0],
            one("SELECT count(*) FROM events").fetchone()[0],
            one("SELECT count(*) FROM mentions").fetchone()[0],
        )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory, coder: Coder) -> Path:
    db = tmp_path_factory.mktemp("store") / "events.duckdb"
    ingest(coder, db)
    return db


def test_ingesting_twice_adds_nothing(store_path: Path, coder: Coder) -> None:
    before = counts(store_path)
    summary = ingest(coder, store_path)
    assert summary.new == 0 and summary.known == 4
    assert counts(store_path) == before
    assert before[0] == 4 and before[1] > 5


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
    with Store(db, read_only=True) as store:
        dup = store.db.execute(
            "SELECT duplicate_of FROM articles WHERE article_id = 'copy-of-a1'"
        ).fetchone()[0]
        assert dup is not None
        most = store.db.execute("SELECT max(num_articles) FROM events").fetchone()[0]
        assert most <= 2, "a republished copy must not count as another article"


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
        with Store(copy, read_only=True) as store:
            return store.db.execute("SELECT count(*) FROM articles").fetchone()[0]
    except (StoreError, OSError):
        return 0
    finally:
        copy.unlink(missing_ok=True)
        Path(str(copy) + ".wal").unlink(missing_ok=True)


def test_queries(store_path: Path) -> None:
    with Store(store_path, read_only=True) as store:
        series = dyad(store, "RUS", "UKR", freq="day")
        assert series and sum(r.events for r in series) >= 2
        assert all(0 <= r.conflict_share <= 1 for r in series)
        assert top_actors(store, top=3)[0].events >= 2
        assert stats(store)["articles"] == 4
        found = events(store, EventFilter(text="humanitarian aid"))
        assert [r.source_code for r in found] == ["POL"]
        assert events(store, EventFilter(plover="assault", since=_day("2022-03-02")))


def test_gdelt_export_round_trips(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "events.tsv"
    with Store(store_path, read_only=True) as store, path.open("w") as stream:
        written = write_gdelt(store, stream)
        stored = store.db.execute(
            "SELECT event_id, date, cameo, goldstein, latitude FROM events ORDER BY event_id"
        ).fetchall()
    lines = path.read_text().splitlines()
    assert len(lines) == written == len(stored)
    assert all(len(line.split("\t")) == 61 for line in lines)
    frame = pd.read_csv(
        path,
        sep="\t",
        names=GDELT_COLUMNS,
        dtype={"EventCode": str, "EventBaseCode": str, "EventRootCode": str},
    )
    for (event_id, day, cameo, goldstein, latitude), row in zip(
        stored, frame.itertuples(), strict=True
    ):
        assert (row.GLOBALEVENTID, row.EventCode) == (event_id, cameo)
        assert str(row.SQLDATE) == day.strftime("%Y%m%d")
        assert row.GoldsteinScale == goldstein
        if latitude is not None:
            assert row.ActionGeo_Lat == pytest.approx(latitude)


def test_plover_export(store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    with Store(store_path, read_only=True) as store, path.open("w") as stream:
        write_plover(store, stream)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert records and all({"id", "date", "actor", "event"} <= set(r) for r in records)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["events", "--sort", "colour"], "sort column 'colour' is unknown"),
        (["events", "--since", "2022-03-05", "--until", "2022-03-01"], "is after until"),
        (["events", "--since", "last spring"], "give a date as YYYY-MM-DD"),
        (["events", "--root", "42"], "CAMEO root from 01 to 20"),
        (["dyad", "RUS", "UKR", "--freq", "fortnight"], "frequency 'fortnight'"),
    ],
)
def test_bad_queries_change_nothing(store_path: Path, args: list[str], message: str) -> None:
    before = digest(store_path)
    result = CliRunner().invoke(app, [*args, "--db", str(store_path)])
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output
    assert digest(store_path) == before


def test_missing_corrupt_and_newer_databases(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = tmp_path / "none.duckdb"
    result = runner.invoke(app, ["stats", "--db", str(missing)])
    assert result.exit_code == 2 and "no such database" in result.stderr
    assert not missing.exists()
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"this is not a database" * 100)
    before = digest(corrupt)
    result = runner.invoke(app, ["events", "--db", str(corrupt)])
    assert result.exit_code == 2 and "not a readable tocsin database" in result.stderr
    assert digest(corrupt) == before
    newer = tmp_path / "newer.duckdb"
    with Store(newer) as store:
        store.db.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 1)]
        )
    before = digest(newer)
    result = runner.invoke(app, ["ingest", str(CORPUS), "--db", str(newer)])
    assert result.exit_code == 2 and "newer tocsin" in result.stderr
    assert digest(newer) == before


def test_a_v1_store_is_migrated_and_keeps_its_events(tmp_path: Path) -> None:
    import duckdb

    from tocsin.store import MIGRATIONS

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
        version = store.db.execute("SELECT value FROM meta WHERE key = 'schema_version'")
        assert version.fetchone()[0] == str(SCHEMA_VERSION)
        rows = events(store, EventFilter())
    assert [(r.event_id, r.sentence) for r in rows] == [(7, "Kerry met Lavrov.")]


def test_actor_filters_skip_only_columns_that_cannot_match(store_path: Path) -> None:
    from tocsin.query import ActorValues

    with Store(store_path, read_only=True) as store:
        known = ActorValues.read(store)
        names = [n for n in known.columns["source_name"] if n][:2]
        tries = [
            "RUS",
            "rus",
            "UKRGOV",
            "GOV",
            "mil",
            "NATO",
            "XYZ",
            *names,
            *(n.upper() for n in names),
        ]
        for value in tries:
            for where in (EventFilter(actor=value), EventFilter(source=value, root="19")):
                plain = events(store, where, limit=500)
                store.actor_values = known
                pruned = events(store, where, limit=500)
                del store.actor_values
                assert [r.event_id for r in pruned] == [r.event_id for r in plain], value
        assert events(store, EventFilter(actor="RUS"), limit=5)


def test_query_filter_validation() -> None:
    with pytest.raises(QueryError, match="quad class"):
        EventFilter(quad_class=7)


def _day(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "table"])
def test_events_command_formats(store_path: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"events.{fmt}"
    result = CliRunner().invoke(
        app,
        [
            "events",
            "--db",
            str(store_path),
            "--actor",
            "RUS",
            "--format",
            fmt,
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    if fmt == "parquet":
        frame = pd.read_parquet(out) if _has_parquet_engine() else None
        assert out.stat().st_size > 0 and (frame is None or len(frame) > 0)
    else:
        assert "RUS" in out.read_text()


@pytest.mark.parametrize("fmt", ["gdelt", "plover", "parquet"])
def test_export_command(store_path: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    result = CliRunner().invoke(
        app, ["export", "--db", str(store_path), "--format", fmt, "--output", str(out)]
    )
    assert result.exit_code == 0 and "wrote" in result.stderr
    assert out.stat().st_size > 0 and not Path(str(out) + ".partial").exists()


def _has_parquet_engine() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True
