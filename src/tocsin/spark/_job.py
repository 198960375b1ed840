"""The Spark job on the driver: the plan of DataFrames from the input files to the output
tables. Only counts come back to the driver; rows stay on the executors."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import SparkError
from ..model import Limits
from ..storage.rules import DEFAULT_MERGE_WINDOW
from ..storage.schema import ARTICLES, EVENTS, EXPORT_COLUMNS, MENTIONS, QUOTES
from . import _tables as tables
from . import _worker as worker

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

MARKER = "_tocsin"
"""The folder in an output that says a tocsin Spark job wrote it, and what it did (JSON)."""

STORY_FILES = r"(?i)\.(txt|jsonl|ndjson)$"
LSH_TABLES = 5  # a pair with Jaccard 0.6 is proposed 99 times in 100; each table costs time
LSH_DISTANCE = 0.7  # propose pairs with an estimated Jaccard of 0.3 or more; rules decide
LSH_SEED = 20250101
ROOT_ROUNDS = 32  # links followed to an original; chains of republished copies are short


@dataclass(frozen=True, slots=True)
class SparkOptions:
    """What `tocsin spark code` was asked to do."""

    inputs: tuple[str, ...]
    output: str
    master: str | None = None  # None: as spark-submit or the Spark configuration says
    partitions: int | None = None
    exports: tuple[str, ...] = ()  # "gdelt", "plover"
    merge_window: int = DEFAULT_MERGE_WINDOW
    overwrite: bool = False
    extra_data: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    published: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class SparkSummary:
    """What a job did; also written, as JSON, to the output's `_tocsin` folder."""

    coded: int
    rejected: int
    repeated: int  # the same text or URL as an article taken before it: skipped, as a store does
    near_duplicates: int
    events: int
    mentions: int
    master: str
    partitions: int
    seconds: float = 0.0  # from the session's start to the last output, Spark's start-up excluded
    startup_seconds: float = 0.0
    steps: tuple[tuple[str, float], ...] = ()  # each step and its seconds
    tocsin: str = __version__


def run_job(
    options: SparkOptions, *, on_step: Callable[[str], None] = lambda _: None
) -> SparkSummary:
    """Run the job: start a Spark session, code and merge, write the output, stop."""
    started = time.perf_counter()
    with warnings.catch_warnings():
        # pyspark warns of pandas versions it has not tried; tocsin hands it Arrow, not pandas
        warnings.filterwarnings("ignore", message=".*does not yet fully support pandas.*")
        return _run(options, on_step, started)


def _run(options: SparkOptions, on_step: Callable[[str], None], started: float) -> SparkSummary:
    spark = _session(options)
    try:
        ready = time.perf_counter()
        _check_output(spark, options)
        summary = replace(
            _Job(spark, options, on_step).run(),
            seconds=round(time.perf_counter() - ready, 2),
            startup_seconds=round(ready - started, 2),
        )
        _write_marker(spark, options.output, summary)
        return summary
    finally:
        spark.stop()


def _session(options: SparkOptions) -> SparkSession:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkError("tocsin spark needs pyspark: pip install 'tocsin[spark]'") from None
    # Local workers run this Python (and see this tocsin) unless the user chose another.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("tocsin")
    if options.master:
        builder = builder.master(options.master)
    settings = {
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.maxRecordsPerBatch": "64",
        "spark.python.worker.reuse": "true",
    }
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Java missing, a master that cannot be reached
        raise SparkError(f"cannot start Spark ({_first_line(exc)})") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _check_output(spark: SparkSession, options: SparkOptions) -> None:
    """Refuse an output that exists before any coding, unless told to replace it."""
    if options.overwrite:
        return
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    path = jvm.org.apache.hadoop.fs.Path(options.output)
    filesystem = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if filesystem.exists(path):
        raise SparkError(f"{options.output}: exists; choose another output or add --overwrite")


def _write_marker(spark: SparkSession, output: str, summary: SparkSummary) -> None:
    line = json.dumps(asdict(summary))
    spark.createDataFrame([(line,)], "value string").coalesce(1).write.mode("overwrite").text(
        f"{output}/{MARKER}"
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Job:
    """One run's plan; each step a DataFrame built from those before."""

    def __init__(
        self, spark: SparkSession, options: SparkOptions, on_step: Callable[[str], None]
    ) -> None:
        self.spark = spark
        self.options = options
        self.on_step = on_step
        self.steps: list[tuple[str, float]] = []
        self.settings = worker.CoderSettings(
            extra_data=options.extra_data, limits=options.limits, published=options.published
        )
        self.partitions = options.partitions or 2 * spark.sparkContext.defaultParallelism
        self.now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        if not spark.sparkContext.getConf().contains("spark.sql.shuffle.partitions"):
            # Spark's 200 would be 200 tasks, each starting Python, for every merge step
            spark.conf.set("spark.sql.shuffle.partitions", str(self.partitions))
        self.mode = "overwrite" if options.overwrite else "errorifexists"

    def run(self) -> SparkSummary:
        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        self._step("reading")
        read = self._read().persist(StorageLevel.MEMORY_AND_DISK)
        read.count()
        everything = read.filter(F.col("error").isNull()).drop("input", "error")
        articles = _first_by(_first_by(everything, "article_key"), "url")
        self._step("coding")
        coded = (
            articles.repartition(self.partitions)
            .mapInArrow(
                partial(worker.code_articles, settings=self.settings), tables.ddl(tables.CODED)
            )
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        # Coded once, now: the steps after read it along several branches at a time, which
        # would otherwise each code the partitions not yet cached.
        coded.count()
        done = coded.filter(F.col("error").isNull()).drop("input", "error")
        kept = (
            articles.join(done.select("article_key"), "article_key")
            .withColumn("order", _order())
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        self._step("finding near-duplicates")
        originals = self._near_duplicates(kept).localCheckpoint()
        self._step("merging events")
        reports = self._reports(kept, done, originals).persist(StorageLevel.MEMORY_AND_DISK)
        reports.count()  # merged once, for the events and the mentions written next
        self._step("writing")
        self._write(self._events(reports), "events", by="date")
        self._write(reports.select(*MENTIONS.names), "mentions")
        self._write(self._articles(kept, done, originals), "articles")
        self._write(self._quotes(done), "quotes")
        errors = _errors(read).unionByName(_errors(coded))
        errors.coalesce(1).write.mode(self.mode).json(f"{self.options.output}/errors")
        for export in self.options.exports:
            self._step(f"exporting {export}")
            self._export(self._written("events"), export)
        self._step("counting")
        written = self._written("articles")
        return SparkSummary(
            coded=written.count(),
            rejected=errors.count(),
            repeated=everything.count() - articles.count(),
            near_duplicates=written.filter(F.col("duplicate_of").isNotNull()).count(),
            events=self._written("events").count(),
            mentions=self._written("mentions").count(),
            master=self.spark.sparkContext.master or "",
            partitions=self.partitions,
            steps=self._finished_steps(),
        )

    def _step(self, name: str) -> None:
        """Say what the job does now, and time it: the summary gives each step's seconds."""
        now = time.perf_counter()
        if self.steps:
            last, started = self.steps[-1]
            self.steps[-1] = (last, round(now - started, 2))
        self.steps.append((name, now))
        self.on_step(name)

    def _finished_steps(self) -> tuple[tuple[str, float], ...]:
        self._step("done")
        return tuple(self.steps[:-1])

    def _write(self, frame: DataFrame, table: str, *, by: str | None = None) -> None:
        writer = frame.write.mode(self.mode)
        if by is not None:
            writer = writer.partitionBy(by)
        writer.parquet(f"{self.options.output}/{table}")

    def _written(self, table: str) -> DataFrame:
        return self.spark.read.parquet(f"{self.options.output}/{table}")

    # --- reading ----------------------------------------------------------------------------

    def _read(self) -> DataFrame:
        """Article rows and error rows from text folders, JSONL files and Parquet tables, each
        file taken by its suffix."""
        from pyspark.sql import functions as F

        sources = list(self.options.inputs)
        named = ", ".join(sources)
        try:
            files = (
                self.spark.read.format("binaryFile")
                .option("recursiveFileLookup", "true")
                .load(sources)
            )
        except Exception as exc:
            raise SparkError(f"{named}: cannot read ({_first_line(exc)})") from None
        # file names only, to read the tables with Spark's Parquet reader: no rows come here
        tables_found = [
            row.path
            for row in files.select("path").filter(F.lower("path").endswith(".parquet")).collect()
        ]
        stories = files.filter(F.col("path").rlike(STORY_FILES))
        parts = [self._read_table(tables_found)] if tables_found else []
        if _has_rows(stories.select("path")):
            parts.append(
                stories.select("path", "content").mapInArrow(
                    partial(worker.read_files, settings=self.settings), tables.ddl(tables.READ)
                )
            )
        if not parts:
            raise SparkError(f"{named}: no .txt, .jsonl or .parquet files to code")
        return parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])

    def _read_table(self, paths: list[str]) -> DataFrame:
        from pyspark.sql import functions as F

        table = self.spark.read.parquet(*paths)
        if "text" not in table.columns:
            raise SparkError(f"{paths[0]}: Parquet without a 'text' column; tocsin codes articles")
        fields = [
            F.col(name).cast("string") if name == "id" else F.col(name)
            for name in ("id", "text", "title", "published", "url", "source")
            if name in table.columns
        ]
        return table.select(*fields, F.col("_metadata.file_path").alias("input")).mapInArrow(
            partial(worker.read_records, settings=self.settings), tables.ddl(tables.READ)
        )

    # --- near-duplicates --------------------------------------------------------------------

    def _near_duplicates(self, kept: DataFrame) -> DataFrame:
        """(article_key, duplicate_of) for each article that repeats an earlier one: MinHash
        LSH proposes pairs, the store's exact check confirms them, the most alike earlier
        article is taken (the earliest on a tie) and followed to the article it counts as."""
        from pyspark.ml.feature import HashingTF, MinHashLSH
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        order = kept.select("article_key", "order")
        shingled = (
            kept.select("article_key", "text")
            .mapInArrow(worker.shingle_rows, tables.ddl(tables.SHINGLES))
            .join(order, "article_key")
        )
        features = HashingTF(
            inputCol="shingles", outputCol="features", numFeatures=1 << 20, binary=True
        ).transform(shingled)
        model = MinHashLSH(
            inputCol="features", outputCol="hashes", numHashTables=LSH_TABLES, seed=LSH_SEED
        ).fit(features)
        # hashed once and kept: the self-join below reads it on both sides
        hashed = model.transform(features).localCheckpoint()
        earlier = model.approxSimilarityJoin(hashed, hashed, LSH_DISTANCE).filter(
            F.col("datasetB.order") < F.col("datasetA.order")
        )
        confirmed = earlier.select(
            F.col("datasetA.article_key").alias("key"),
            F.col("datasetA.shingles").alias("words"),
            F.col("datasetB.article_key").alias("other"),
            F.col("datasetB.shingles").alias("other_words"),
        ).mapInArrow(worker.confirm_pairs, tables.ddl(tables.PAIRS))
        best = Window.partitionBy("key").orderBy(F.col("score").desc(), F.col("other_order"))
        parents = (
            confirmed.join(order.toDF("other", "other_order"), "other")
            .withColumn("rank", F.row_number().over(best))
            .filter(F.col("rank") == 1)
            .select(F.col("key").alias("article_key"), F.col("other").alias("duplicate_of"))
        )
        return _roots(parents)

    # --- events -----------------------------------------------------------------------------

    def _reports(self, kept: DataFrame, done: DataFrame, originals: DataFrame) -> DataFrame:
        """Every event report with the event it belongs to (`event_id`), merged group by group
        by the store's rule: a group is one CAMEO base code and one pair of actors; an undated
        report is an event of its own."""
        from pyspark.sql import functions as F

        exploded = done.select("article_key", F.posexplode("events").alias("ordinal", "report"))
        reports = (
            exploded.select("article_key", "ordinal", "report.*")
            .join(
                kept.select("article_key", "article_id", "published", "url", "source", "agencies"),
                "article_key",
            )
            .join(originals, "article_key", "left")
        )
        actors = F.array_join(
            F.sort_array(
                F.array(F.coalesce("source_code", F.lit("")), F.coalesce("target_code", F.lit("")))
            ),
            "|",
        )
        window = self.options.merge_window
        group = F.when(
            F.col("date").isNull(), F.concat_ws("|", F.lit("~"), "article_key", "ordinal")
        ).otherwise(F.concat_ws("|", "base_code", actors))
        keys = [
            "article_key",
            "ordinal",
            "article_id",
            "published",
            "base_code",
            "source_code",
            "target_code",
            "is_symmetric",
            "date",
        ]
        assigned = (
            reports.select(group.alias("group"), *keys)
            .groupBy("group")
            .applyInArrow(
                # a lambda: Spark reads a function's type hints to tell its form, and a
                # partial has none it can read
                lambda table: worker.assign_events(table, window),
                tables.ddl(tables.ASSIGNED),
            )
        )
        event_id = F.xxhash64("first_key", "first_ordinal").bitwiseAND(F.lit(0x7FFFFFFFFFFFFFFF))
        return reports.join(assigned, ["article_key", "ordinal"]).withColumn("event_id", event_id)

    def _events(self, reports: DataFrame) -> DataFrame:
        """One row per event: the report that made it, with the counts the store keeps (near-
        duplicates count once among articles) and its surest sentence."""
        from pyspark.sql import functions as F

        counts = reports.groupBy("event_id").agg(
            F.count(F.lit(1)).cast("int").alias("num_mentions"),
            F.countDistinct(F.coalesce("duplicate_of", "article_key"))
            .cast("int")
            .alias("num_articles"),
            F.countDistinct(F.coalesce("source", "agencies", "article_key"))
            .cast("int")
            .alias("num_sources"),
            F.max("confidence").alias("confidence"),
            F.min(F.struct((-F.col("confidence")).alias("c"), F.col("sentence").alias("s")))[
                "s"
            ].alias("sentence"),
        )
        firsts = reports.filter(
            (F.col("article_key") == F.col("first_key"))
            & (F.col("ordinal") == F.col("first_ordinal"))
        ).select(
            "event_id",
            *(
                n
                for n, _ in tables.columns(EVENTS, only_values=True)
                if n not in ("confidence", "sentence")
            ),
            F.col("url").alias("source_url"),
        )
        now = F.lit(self.now).cast("timestamp_ntz")
        return (
            firsts.join(counts, "event_id")
            .withColumn("first_seen", now)
            .withColumn("last_seen", now)
            .select(*EVENTS.names)
        )

    def _articles(self, kept: DataFrame, done: DataFrame, originals: DataFrame) -> DataFrame:
        from pyspark.sql import functions as F

        return (
            kept.join(
                done.select("article_key", "event_count", "coder_version", "knowledge_hash"),
                "article_key",
            )
            .join(originals, "article_key", "left")
            .withColumn("ingested_at", F.lit(self.now).cast("timestamp_ntz"))
            .select(*ARTICLES.names)
        )

    def _quotes(self, done: DataFrame) -> DataFrame:
        from pyspark.sql import functions as F

        return done.select("article_key", F.explode("quotes").alias("quote")).select(
            "article_key", *(F.col(f"quote.{n}").alias(n) for n in QUOTES.names[1:])
        )

    def _export(self, events: DataFrame, export: str) -> None:
        lines = events.select(*EXPORT_COLUMNS).mapInArrow(
            partial(worker.export_lines, export_format=export), tables.ddl(tables.LINES)
        )
        lines.write.mode(self.mode).text(f"{self.options.output}/{export}")


def _order() -> Column:
    """The canonical article order (`rules.article_order`) as a comparable struct."""
    from pyspark.sql import functions as F

    return F.struct(
        F.col("published").isNull(),
        F.coalesce("published", F.lit(dt.datetime.max).cast("timestamp_ntz")),
        F.col("article_id"),
        F.col("article_key"),
    )


def _first_by(articles: DataFrame, column: str) -> DataFrame:
    """The first article (in canonical order) of each value of `column`; articles without one
    are all kept: a store skips an article whose text or URL it already holds."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    rank = F.row_number().over(Window.partitionBy(column).orderBy(_order()))
    return (
        articles.withColumn("_rank", rank)
        .filter(F.col(column).isNull() | (F.col("_rank") == 1))
        .drop("_rank")
    )


def _roots(parents: DataFrame) -> DataFrame:
    """Each near-duplicate linked to the article its earlier copy counts as (an original is
    never itself a duplicate): links followed until none changes."""
    from pyspark.sql import functions as F

    links = parents.localCheckpoint()
    for _ in range(ROOT_ROUNDS):
        step = links.alias("a").join(
            links.alias("b"), F.col("a.duplicate_of") == F.col("b.article_key"), "left"
        )
        moved = step.filter(F.col("b.duplicate_of").isNotNull())
        if not _has_rows(moved):
            return links
        links = step.select(
            F.col("a.article_key").alias("article_key"),
            F.coalesce("b.duplicate_of", "a.duplicate_of").alias("duplicate_of"),
        ).localCheckpoint()
    return links


def _errors(frame: DataFrame) -> DataFrame:
    """The inputs a step could not take, with the reason."""
    from pyspark.sql import functions as F

    return frame.filter(F.col("error").isNotNull()).select("input", F.col("error").alias("reason"))


def _has_rows(frame: DataFrame) -> bool:
    return bool(frame.limit(1).count())
