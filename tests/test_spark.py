"""`tocsin spark code` against the one-machine path, on a corpus of short stories written for
these tests (tests/fixtures/spark: JSONL, story files, and bad input of each kind; and a
Parquet table of three more, made here).

Spark runs once, on local[2], in a subprocess (no JVM in the pytest process, which forks),
and the tests check its output: the same events as `tocsin code`, the same merged events,
mentions and near-duplicates as `tocsin ingest`, the rejected inputs, the exports, and the
output loaded back into a store.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tocsin import Coder
from tocsin.cli import app
from tocsin.model import Article
from tocsin.pipeline import ingest_articles
from tocsin.storage.schema import EVENTS
from tocsin.storage.store import Store

CORPUS = Path(__file__).parent / "fixtures" / "spark"
SRC = Path(__file__).parents[1] / "src"
REPEATS = {"s22": "same URL as s21", "s23": "same text as s04"}
BAD = {
    "stories.jsonl:24": "empty story",
    "stories.jsonl:25": "not valid JSON",
    "stories.jsonl:26": "missing the required 'text' field",
    "t03-latin1.txt": "not UTF-8 text",
    "day.parquet:p3": "empty story",
}
UTC = dt.UTC
TABLE = [
    {
        "id": "p1",
        "published": dt.datetime(2025, 6, 4, 9, 0, tzinfo=UTC),
        "url": "https://news.example/p1",
        "source": "Table Wire",
        "text": "Senegal and Gambia signed a fisheries agreement in Dakar on Wednesday. "
        "Mauritania welcomed the agreement.",
    },
    {
        "id": "p2",
        "published": dt.datetime(2025, 6, 5, 16, 0, tzinfo=UTC),
        "url": None,
        "source": "Table Wire",
        "text": "Morocco accused Algeria on Thursday of arming rebels. Algeria rejected the "
        "accusation.",
    },
    {"id": "p3", "published": None, "url": None, "source": None, "text": " "},
]


def tocsin(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, importing this tocsin (Spark's Python workers
    too)."""
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run(
        [sys.executable, "-m", "tocsin.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("table")
    pq.write_table(pa.Table.from_pylist(TABLE), folder / "day.parquet")
    return folder


@pytest.fixture(scope="module")
def job(
    tmp_path_factory: pytest.TempPathFactory, table: Path
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("spark") / "out"
    done = tocsin(
        *("spark", "code", str(CORPUS), str(table), str(out), "--master", "local[2]"),
        *("--export", "gdelt", "--export", "plover"),
    )
    assert (out / "_tocsin").is_dir(), done.stderr[-3000:]
    return out, done


@pytest.fixture(scope="module")
def out(job: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    return job[0]


def articles(coder: Coder) -> list[Article]:
    """The corpus as the one-machine path reads it: the files, then the table's rows as
    JSONL records."""
    read = list(coder.read_articles([str(CORPUS)], on_problem=lambda _: None))
    for row in TABLE:
        record = dict(row, published=row["published"].isoformat() if row["published"] else None)
        found = coder.reader.read_record(record, f"day.parquet:{row['id']}")
        if isinstance(found, Article):
            read.append(found)
    return read


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, coder: Coder) -> Path:
    """The same corpus ingested on one machine."""
    db = tmp_path_factory.mktemp("one") / "one.duckdb"
    with Store(db) as store:
        ingest_articles(coder, store, articles(coder))
    return db


def parquet(out: Path, table: str) -> str:
    hive = ", hive_partitioning = true" if table == "events" else ""
    return f"read_parquet('{out / table}/**/*.parquet'{hive})"


def query(sql: str, db: Path | None = None) -> list[tuple[object, ...]]:
    connection = duckdb.connect(str(db) if db else ":memory:", read_only=db is not None)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def merged(events: str, mentions: str, articles: str, db: Path | None = None) -> Counter[tuple]:
    """Each event as the store keeps it, with its mentions by article id and trigger: what
    must not depend on where it was merged (ids and times of storing aside)."""
    rows = query(
        f"""SELECT e.date, e.cameo, e.source_code, e.target_code, e.is_symmetric,
                   e.location_name, e.num_mentions, e.num_articles, e.num_sources,
                   e.confidence, e.sentence, e.source_url,
                   list(a.article_id || ':' || m.trigger_start || '-' || m.trigger_end
                        || ':' || m.source_text ORDER BY a.article_id, m.trigger_start)
            FROM {events} e JOIN {mentions} m USING (event_id)
                 JOIN {articles} a USING (article_key)
            GROUP BY ALL""",
        db,
    )
    return Counter(tuple(str(value) for value in row) for row in rows)


def reported(
    article: str, cameo: str, source: str, target: str | None, symmetric: bool, *span: int
) -> tuple:
    """One report of an event; the actors of a symmetric act ('met', 'signed') in either order,
    as a merged event keeps them in the order of its first report."""
    actors = (source, target)
    return (article, cameo, *(sorted(actors, key=str) if symmetric else actors), *span)


def test_events_equal_those_of_tocsin_code(out: Path, coder: Coder) -> None:
    local = set()
    for coded in coder.code_many(articles(coder)):
        for e in coded.events:
            target = e.target.code if e.target else None
            span = (e.trigger.span.start, e.trigger.span.end)
            local.add(
                reported(coded.article.id, e.cameo, e.source.code, target, e.symmetric, *span)
            )
    spark = set(
        reported(*row)
        for row in query(
            f"""SELECT a.article_id, e.cameo, e.source_code, e.target_code, e.is_symmetric,
                       m.trigger_start, m.trigger_end
                FROM {parquet(out, "mentions")} m JOIN {parquet(out, "articles")} a
                     USING (article_key)
                     JOIN {parquet(out, "events")} e USING (event_id)"""
        )
    )
    reports = query(f"SELECT count(*) FROM {parquet(out, 'mentions')}")[0][0]
    assert reports == len(spark), "each report of an event is one mention"
    kept = {row[0] for row in query(f"SELECT article_id FROM {parquet(out, 'articles')}")}
    assert {row[0] for row in local} - kept == set(REPEATS)
    assert spark == {row for row in local if row[0] in kept} and len(spark) > 50


def test_merged_events_and_mentions_equal_those_of_tocsin_ingest(out: Path, ingested: Path) -> None:
    one = merged("events", "mentions", "articles", ingested)
    spark = merged(parquet(out, "events"), parquet(out, "mentions"), parquet(out, "articles"))
    assert spark == one
    assert any(int(row[6]) > 1 for row in one), "the corpus has reports that merge"


def test_near_duplicates_and_repeats_as_the_store_finds_them(out: Path, ingested: Path) -> None:
    links = """SELECT a.article_id, o.article_id FROM {0} a LEFT JOIN {0} o
               ON a.duplicate_of = o.article_key"""
    one = set(query(links.format("articles"), ingested))
    spark = set(query(links.format(parquet(out, "articles"))))
    assert spark == one
    assert ("s05", "s04") in spark
    assert not {row[0] for row in spark} & set(REPEATS)


def test_events_are_partitioned_by_day_with_the_store_columns(out: Path) -> None:
    days = sorted(p.name for p in (out / "events").iterdir() if p.is_dir())
    assert "date=2025-02-10" in days and "date=__HIVE_DEFAULT_PARTITION__" in days
    columns = [row[0] for row in query(f"DESCRIBE SELECT * FROM {parquet(out, 'events')}")]
    assert sorted(columns) == sorted(EVENTS.names)


def test_bad_input_goes_to_errors_and_the_job_goes_on(
    job: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, done = job
    errors = [json.loads(line) for f in (out / "errors").glob("*.json") for line in f.open()]
    found = {e["input"].rsplit("/", 1)[-1]: e["reason"] for e in errors}
    assert set(found) == set(BAD)
    for where, reason in BAD.items():
        assert reason in found[where]
    assert done.returncode == 1, "some input could not be coded; the rest was"
    summary = done.stderr.strip().splitlines()[-1]
    assert "coded 25 articles" in summary and "rejected 5" in summary, summary
    record = json.loads((next((out / "_tocsin").glob("part-*"))).read_text())
    assert (record["coded"], record["rejected"], record["repeated"]) == (25, 5, 2)


@pytest.mark.parametrize(("export", "left_out"), [("gdelt", (0, 59)), ("plover", ("id",))])
def test_exports_equal_those_of_tocsin_export(
    out: Path, ingested: Path, tmp_path: Path, export: str, left_out: tuple[object, ...]
) -> None:
    """Event ids and the time of storing differ by design; every other field is the same."""
    target = tmp_path / f"events.{export}"
    result = CliRunner().invoke(
        app, ["export", "--db", str(ingested), "--format", export, "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    one = Counter(_fields(line, export, left_out) for line in target.read_text().splitlines())
    spark_lines = [line for f in (out / export).glob("part-*") for line in f.open()]
    spark = Counter(_fields(line.rstrip("\n"), export, left_out) for line in spark_lines)
    assert spark == one and len(one) > 50


def _fields(line: str, export: str, left_out: tuple[object, ...]) -> str:
    if export == "gdelt":
        cells = line.split("\t")
        return "\t".join(c for i, c in enumerate(cells) if i not in left_out)
    record = json.loads(line)
    return json.dumps({k: v for k, v in record.items() if k not in left_out}, sort_keys=True)


def test_ingest_loads_the_output_into_a_store_once(
    out: Path, ingested: Path, tmp_path: Path
) -> None:
    db = tmp_path / "loaded.duckdb"
    runner = CliRunner()
    first = runner.invoke(app, ["ingest", str(out), "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert "25 new (1 near-duplicates)" in first.output
    again = runner.invoke(app, ["ingest", str(out), "--db", str(db)])
    assert again.exit_code == 0 and "0 new" in again.output and "25 already known" in again.output
    assert merged("events", "mentions", "articles", db) == merged(
        "events", "mentions", "articles", ingested
    )
    counts = "SELECT (SELECT count(*) FROM quotes), (SELECT count(*) FROM signatures)"
    assert query(counts, db) == query(counts, ingested)


def test_ingest_into_a_store_with_events_merges_into_them(
    out: Path, ingested: Path, tmp_path: Path
) -> None:
    """Loaded on top of the same corpus ingested without its last stories, the events those
    stories add to merge into the stored ones: the store ends as if it had ingested all."""
    db = tmp_path / "partial.duckdb"
    runner = CliRunner()
    lines = (CORPUS / "stories.jsonl").read_text().splitlines()
    early = tmp_path / "early.jsonl"
    early.write_text("\n".join(lines[:19]) + "\n")  # s01-s19
    assert runner.invoke(app, ["ingest", str(early), "--db", str(db)]).exit_code == 0
    loaded = runner.invoke(app, ["ingest", str(out), "--db", str(db)])
    assert loaded.exit_code == 0 and "19 already known" in loaded.output, loaded.output
    assert "merged into earlier ones" in loaded.output
    assert merged("events", "mentions", "articles", db) == merged(
        "events", "mentions", "articles", ingested
    )


def test_without_pyspark_it_says_how_to_install_it() -> None:
    blocked = "import sys; sys.modules['pyspark'] = None; from tocsin.cli import main; main()"
    env = dict(os.environ, PYTHONPATH=str(SRC))
    done = subprocess.run(
        [sys.executable, "-c", blocked, "spark", "code", str(CORPUS), "unused"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "tocsin: error: tocsin spark needs pyspark: pip install 'tocsin[spark]'"
    ]
