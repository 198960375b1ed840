"""The `tocsin` command. Only this layer prints, exits, and turns errors into one-line messages."""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from . import __version__
from .errors import TocsinError
from .formats import (
    QUOTE_CSV_COLUMNS,
    csv_row,
    csv_writer,
    event_record,
    event_table,
    misses_text,
    quote_csv_row,
    quote_record,
    quote_table,
    rows_table,
    score_table,
    write_jsonl,
)
from .model import Article, Event, Limits
from .storage.query import SORTABLE
from .storage.schema import TABLE_COLUMNS
from .trace import describe, render_text

if TYPE_CHECKING:
    from .fetch import FetchSettings
    from .local import LocalServer
    from .pipeline import Coder, IngestSummary
    from .storage.alerts import Alert, AlertSettings
    from .storage.store import Store
    from .watch import Live, PassSummary

T = TypeVar("T")

app = typer.Typer(
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
    no_args_is_help=True,
    help="Turn news stories into political event data (CAMEO and PLOVER).",
)


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    table = "table"
    csv = "csv"


def _format_option(*choices: str) -> Any:
    """--format with these choices; 'json' is taken for 'jsonl' (JSON lines) everywhere."""

    def chosen(value: str) -> str:
        value = "jsonl" if value == "json" else value
        if value not in choices:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return typer.Option(
        "--format",
        "-f",
        parser=chosen,
        metavar="[" + "|".join(choices) + "]",
        help="Output format ('json' is taken for 'jsonl').",
        show_default=True,
    )


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"tocsin {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """tocsin: who did what to whom, when and where, with the words it came from.

    Exit status: 0 done; 1 some input could not be read or coded (each named on stderr, the
    rest was); 2 a usage error or an unusable store; 3 an internal error (please report)."""


Paths = Annotated[
    list[str],
    typer.Argument(
        metavar="PATH...", help="Story files (.txt), JSONL files, folders, or - for stdin."
    ),
]
Published = Annotated[
    str | None,
    typer.Option(
        metavar="DATE",
        help="Publication date for stories that give none (anchors 'yesterday').",
    ),
]
DataFolders = Annotated[
    list[Path] | None,
    typer.Option(
        metavar="PATH", help="Folder or file of extra knowledge (same formats as tocsin/data)."
    ),
]
Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write to this file, not stdout."),
]


@app.command("code")
def code_command(
    paths: Paths,
    output_format: Annotated[str, _format_option("jsonl", "table", "csv")] = ("jsonl"),
    output: Output = None,
    published: Published = None,
    include_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Also emit negated, hypothetical and future acts and plain statements, "
            "each with its modality.",
        ),
    ] = False,
    data: DataFolders = None,
    processes: Annotated[
        int, typer.Option(min=1, max=64, metavar="N", help="Worker processes for large inputs.")
    ] = 1,
) -> None:
    """Code news stories into events: one JSON line per event (or a table, or CSV)."""
    err = Console(stderr=True)
    problems: list[str] = []
    articles, coder = _setup(paths, published, data, problems, include_all=include_all)
    started = time.perf_counter()
    with _output(output) as stream:
        count, events = _emit(coder, articles, OutputFormat(output_format), processes, err, stream)
    seconds = time.perf_counter() - started
    failed = f", {len(problems)} failed" if problems else ""
    _summary(
        err,
        f"coded {_count(count, 'article')}{failed}: {_count(events, 'event')} in {seconds:.1f} s",
        problems,
    )


@app.command("quotes")
def quotes_command(
    paths: Paths,
    output_format: Annotated[str, _format_option("jsonl", "table", "csv")] = ("jsonl"),
    output: Output = None,
    published: Published = None,
    data: DataFolders = None,
) -> None:
    """Who said what: direct quotes and reported speech, with speakers and disputes."""
    err = Console(stderr=True)
    problems: list[str] = []
    articles_in, coder = _setup(paths, published, data, problems, include_all=False)
    records = []
    articles = quotes = 0
    with _output(output) as stream, _progress(err) as progress:
        writer = csv_writer(stream, QUOTE_CSV_COLUMNS) if output_format == "csv" else None
        task = progress.add_task("reading quotes", total=None)
        for coded in coder.code_many(articles_in):
            articles += 1
            quotes += len(coded.quotes)
            for quote in coded.quotes:
                record = quote_record(quote, coded.article.id)
                if output_format == "table":
                    records.append(record)
                elif writer is not None:
                    writer.writerow(quote_csv_row(record))
                else:
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            progress.advance(task)
        if output_format == "table":
            _print_table(stream, quote_table(records))
    failed = f", {len(problems)} failed" if problems else ""
    _summary(
        err, f"read {_count(articles, 'article')}{failed}: {_count(quotes, 'quote')}", problems
    )


class ExplainFormat(StrEnum):
    text = "text"
    jsonl = "jsonl"


@app.command("explain")
def explain_command(
    what: Annotated[
        str,
        typer.Argument(help="A sentence or story in quotes, a story file, or - for stdin."),
    ],
    output_format: Annotated[str, _format_option("text", "jsonl")] = "text",
    published: Published = None,
    data: DataFolders = None,
) -> None:
    """Why a text coded as it did: every candidate trigger, the patterns tried and the rule
    that fired, how source and target were chosen, the modality, and what was dropped."""
    err = Console(stderr=True)
    problems: list[str] = []
    is_input = what == "-" or _names_a_file(what)
    articles, coder = _setup(
        [what] if is_input else [], published, data, problems, include_all=False
    )
    if not is_input:
        articles = iter([_guard(lambda: coder.article_from_text(what, published=published))])
    explained = 0
    for article in articles:
        coded, trace = coder.explain_article(article)
        explained += 1
        if output_format == ExplainFormat.jsonl:
            record = {
                "article_id": article.id,
                "events": [event_record(e) for e in coded.events],
                "trace": trace.as_dict(),
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
        else:
            typer.echo(render_text(trace, [describe(e) for e in coded.events]))
    _summary(err, f"explained {_count(explained, 'article')}", problems)


@app.command("score")
def score_command(
    gold: Annotated[Path, typer.Argument(help="Gold events: a JSONL file or a folder of them.")],
    stories: Annotated[list[str], typer.Argument(help="The stories the gold was coded from.")],
    split: Annotated[
        Path | None,
        typer.Option(help="JSON with 'dev' and 'test' story ids: each part is scored apart."),
    ] = None,
    misses: Annotated[
        bool, typer.Option(help="List each story's missed and wrong tuples (never for test).")
    ] = False,
    output_format: Annotated[str, _format_option("text", "jsonl")] = "text",
    data: DataFolders = None,
) -> None:
    """Score tocsin against hand-coded gold, article by article, by the evaluation's rules:
    precision, recall and F1 of (root, source, target), dates and places of matched events."""
    from .scoring import output_tuples, read_gold, score

    err = Console(stderr=True)
    problems: list[str] = []
    golden = _guard(lambda: read_gold(gold))
    parts = _guard(lambda: _split_parts(split, set(golden)))
    articles, coder = _setup(stories, None, data, problems, include_all=False)
    wanted = [a for a in articles if a.id in golden]
    with _progress(err) as progress:
        task = progress.add_task("coding", total=len(wanted))
        events: list[Event] = []
        for coded in coder.code_many(wanted):
            events.extend(coded.events)
            progress.advance(task)
    output = output_tuples(events)
    reports = {name: score({s: golden[s] for s in ids}, output) for name, ids in parts.items()}
    if output_format == ExplainFormat.jsonl:
        typer.echo(json.dumps({name: r.as_dict() for name, r in reports.items()}))
    else:
        for name, report in reports.items():
            Console().print(score_table(name, report))
            if misses and name != "test":
                typer.echo(misses_text(report))
    missing = sorted(set(golden) - {a.id for a in wanted})
    if missing:
        problems.append(f"{len(missing)} gold stories not found in the input: {missing[:5]}")
        typer.echo(f"tocsin: error: {problems[-1]}", err=True)
    _summary(err, f"scored {len(wanted)} stories", problems)


def _names_a_file(text: str) -> bool:
    """Whether `tocsin explain`'s argument is a path; a long sentence is no file name."""
    try:
        return Path(text).exists()
    except OSError:
        return False


def _split_parts(split: Path | None, stories: set[str]) -> dict[str, list[str]]:
    from .errors import InputError

    if split is None:
        return {"all": sorted(stories)}
    try:
        parts = json.loads(split.read_text(encoding="utf-8"))
        return {name: [s for s in parts[name] if s in stories] for name in ("dev", "test")}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{split}: not a split file with 'dev' and 'test' lists ({exc})") from None


Database = Annotated[
    Path, typer.Option("--db", metavar="FILE", help="The DuckDB event store file.")
]
Processes = Annotated[int, typer.Option(min=1, max=64, metavar="N", help="Worker processes.")]
MergeWindow = Annotated[
    int,
    typer.Option(min=0, max=30, metavar="DAYS", help="Days apart two reports of one event may be."),
]
Since = Annotated[
    str | None, typer.Option(metavar="DATE", help="Only events on or after this day, YYYY-MM-DD.")
]
Until = Annotated[
    str | None, typer.Option(metavar="DATE", help="Only events on or before this day, YYYY-MM-DD.")
]
QueryFormat = Annotated[str, _format_option("table", "jsonl", "csv", "parquet")]
AlertsConfig = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE", help="Alert settings (TOML) replacing the defaults; see docs/live.md."
    ),
]
OnAlert = Annotated[
    str | None,
    typer.Option(metavar="CMD", help="Run this shell command with each new alert's JSON on stdin."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")]
Every = Annotated[
    str, typer.Option(metavar="TIME", help="Time between passes over the sources: 30s, 15m, 1h.")
]


class ExportFormat(StrEnum):
    gdelt = "gdelt"
    plover = "plover"
    parquet = "parquet"


@app.command("ingest")
def ingest_command(
    paths: Paths,
    db: Database = Path("tocsin.duckdb"),
    published: Published = None,
    data: DataFolders = None,
    processes: Processes = 1,
    merge_window: MergeWindow = 1,
    alerts_config: AlertsConfig = None,
    quiet: Quiet = False,
) -> None:
    """Code stories and store articles, events, mentions and quotes (idempotent, resumable);
    then raise the escalation alerts the new events call for. While `tocsin serve` holds the
    store, the server codes and stores them. A folder written by 'tocsin spark code' is loaded
    as it is, already coded and merged."""
    from .pipeline import ingest_articles
    from .storage.alerts import raise_alerts
    from .storage.bulk import is_spark_output

    err = Console(stderr=True)
    outputs = [Path(p) for p in paths if p != "-" and is_spark_output(Path(p))]
    if outputs:
        _load_spark_outputs(outputs, db, merge_window, err)
        paths = [p for p in paths if p == "-" or Path(p) not in outputs]
        if not paths:
            return
    problems: list[str] = []
    settings = _alert_settings(alerts_config)
    articles, coder = _setup(paths, published, data, problems, include_all=False)
    started = time.perf_counter()
    first = next(articles, None)
    if first is None:  # nothing readable: a typo must not leave an empty store behind
        _summary(err, f"nothing to ingest; {db} is unchanged", problems)
        return
    articles = itertools.chain([first], articles)
    total = _estimate(paths)
    server = _server_holding(db, "ingest", data=data)
    raised = 0
    with _interruptible("committed") as committed, _progress(err, quiet) as progress:
        task = progress.add_task("ingesting", total=total)

        def shown(summary: IngestSummary) -> None:
            committed[0] = summary.new
            progress.update(task, completed=summary.new + summary.known)

        if server is not None:
            summary, raised = _ingest_through(server, articles, shown)
        else:
            with _open_store(db, read_only=False, merge_window=merge_window) as store:
                summary = ingest_articles(
                    coder, store, articles, n_process=processes, on_progress=shown
                )
                if summary.new:
                    raised = len(_guard(lambda: raise_alerts(store, settings)))
    seconds = time.perf_counter() - started
    through = f" (through the server, pid {server.pid})" if server is not None else ""
    _summary(
        err,
        f"{_stored(summary, failed=len(problems))}; {_count(raised, 'alert')} raised; "
        f"{seconds:.1f} s{through}",
        problems,
    )


def _stored(summary: IngestSummary, *, failed: int | None = None) -> str:
    """The articles and events an ingest stored, as its summary line says them."""
    failures = f", {failed} failed" if failed is not None else ""
    return (
        f"articles: {summary.new} new ({summary.duplicates} near-duplicates), {summary.known} "
        f"already known{failures}; events: {summary.events_new} new, {summary.events_merged} "
        "merged into earlier ones"
    )


def _load_spark_outputs(outputs: list[Path], db: Path, merge_window: int, err: Console) -> None:
    from .local import find_server
    from .storage.bulk import load_tables

    server = find_server(db)
    if server is not None:
        _fail(
            f"{db}: held by tocsin serve (pid {server.pid}); stop it to load the Spark output "
            f"{outputs[0]}, then start it again"
        )
    for folder in outputs:
        started = time.perf_counter()
        store = _open_store(db, read_only=False, merge_window=merge_window)
        with store, _progress(err) as progress:
            progress.add_task(f"loading {folder}", total=None)
            loaded = _guard(lambda: load_tables(store, folder))  # noqa: B023
        err.print(
            f"{folder}: {_stored(loaded)}; {time.perf_counter() - started:.1f} s",
            highlight=False,
            soft_wrap=True,
        )


@app.command("recode")
def recode_command(
    db: Database = Path("tocsin.duckdb"),
    data: DataFolders = None,
    processes: Processes = 1,
    merge_window: MergeWindow = 1,
    quiet: Quiet = False,
) -> None:
    """Code the stored articles again with this coder and knowledge (idempotent, resumable)."""
    from .pipeline import RecodeSummary, recode_articles

    err = Console(stderr=True)
    if not db.exists():
        _fail(f"{db}: no such database; create it with 'tocsin ingest'")
    coder = _guard(lambda: _coder(data, include_all=False))
    started = time.perf_counter()
    server = _server_holding(db, "recode", data=data)
    if server is not None:
        err.print(f"recoding through the server (pid {server.pid})", highlight=False)
        summary = RecodeSummary(**_guard(lambda: server.call("recode", {})))
    else:
        store = _open_store(db, read_only=False, merge_window=merge_window)
        with _interruptible("recoded") as recoded, store, _progress(err, quiet) as progress:
            task = progress.add_task("recoding", total=None)

            def shown(summary: RecodeSummary) -> None:
                recoded[0] = summary.recoded
                progress.update(task, completed=summary.recoded, total=summary.stale)

            summary = recode_articles(coder, store, n_process=processes, on_progress=shown)
    seconds = time.perf_counter() - started
    stamp = coder.stamp
    _summary(
        err,
        f"articles: {summary.recoded} recoded, {summary.skipped} already coded by tocsin "
        f"{stamp.version} with knowledge {stamp.knowledge}; events: {summary.events_before} "
        f"→ {summary.events_after}; {seconds:.1f} s",
        [],
    )


@app.command("events")
def events_command(
    db: Database = Path("tocsin.duckdb"),
    actor: Annotated[
        str | None,
        typer.Option(
            metavar="WHO", help="Code, country, sector, org or name ('RUS', 'Russia', 'Putin')."
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option(metavar="WHO", help="Source actor (same forms).")
    ] = None,
    target: Annotated[
        str | None, typer.Option(metavar="WHO", help="Target actor (same forms).")
    ] = None,
    dyad: Annotated[
        str | None,
        typer.Option(metavar="A,B", help="Two countries, either direction: RUS,UKR or RUS-UKR."),
    ] = None,
    cameo: Annotated[str | None, typer.Option(metavar="CODE", help="CAMEO code or prefix.")] = None,
    root: Annotated[str | None, typer.Option(metavar="NN", help="CAMEO root, 01-20.")] = None,
    plover: Annotated[str | None, typer.Option(metavar="TYPE", help="PLOVER event type.")] = None,
    quad: Annotated[int | None, typer.Option(metavar="N", help="Quad class 1-4.")] = None,
    since: Since = None,
    until: Until = None,
    location: Annotated[
        str | None, typer.Option(metavar="COUNTRY", help="Location country: ISO3 or name.")
    ] = None,
    text: Annotated[
        str | None, typer.Option(metavar="WORDS", help="Words in the evidence sentence.")
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            metavar="COLUMN", help=f"Sort by one of: {', '.join(SORTABLE)} (newest, largest first)."
        ),
    ] = "date",
    limit: Annotated[
        int, typer.Option(min=1, max=1_000_000, metavar="N", help="Rows to show.")
    ] = 50,
    offset: Annotated[
        int, typer.Option(min=0, metavar="N", help="Rows to skip first (the next page).")
    ] = 0,
    output_format: QueryFormat = "table",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to this file (required for parquet)."
        ),
    ] = None,
) -> None:
    """List stored events with filters: a page at a time, as a table, JSONL, CSV or Parquet."""
    from .storage import query

    where = _filter(
        actor=actor,
        source=source,
        target=target,
        dyad=dyad,
        cameo=cameo,
        root=root,
        plover=plover,
        quad=quad,
        since=since,
        until=until,
        location=location,
        text=text,
    )
    server = _server_holding(db, "events")
    if server is not None:
        asked = {"filter": _filter_record(where), "limit": limit, "offset": offset, "sort": sort}
        answer = _guard(lambda: server.call("events", asked))
        rows, total = _rows(query.EventRow, answer["rows"]), int(answer["total"])
        _print_rows(rows, output_format, output)
    else:
        with _open_store(db, read_only=True) as store:
            rows = _guard(lambda: query.events(store, where, limit=limit, offset=offset, sort=sort))
            total = query.count_events(store, where) if len(rows) == limit or offset else len(rows)
            _print_rows(rows, output_format, output)
    if len(rows) < total:
        typer.echo(
            f"{offset + 1}-{offset + len(rows)} of {_count(total, 'event')} (use --limit/--offset)"
            if rows
            else f"none of {_count(total, 'event')} past --offset {offset}",
            err=True,
        )


@app.command("dyad")
def dyad_command(
    first: Annotated[str, typer.Argument(metavar="A", help="Country: ISO3 or name.")],
    second: Annotated[str, typer.Argument(metavar="B", help="Country: ISO3 or name.")],
    db: Database = Path("tocsin.duckdb"),
    freq: Annotated[
        str, typer.Option(metavar="PERIOD", help="day, week, month or year.")
    ] = "month",
    since: Since = None,
    until: Until = None,
    output_format: QueryFormat = "table",
    output: Output = None,
) -> None:
    """A dyad over time: counts by quad class, Goldstein mean and sum, share of conflict."""
    from .storage import query

    where = _filter(since=since, until=until, dyad=f"{first},{second}")
    server = _server_holding(db, "dyad")
    if server is not None:
        answer = _guard(
            lambda: server.call("series", {"filter": _filter_record(where), "freq": freq})
        )
        _print_rows(_rows(query.DyadRow, answer["rows"]), output_format, output)
        return
    with _open_store(db, read_only=True) as store:
        rows = _guard(lambda: query.series(store, where, freq=freq))
        _print_rows(rows, output_format, output)


@app.command("actors")
def actors_command(
    db: Database = Path("tocsin.duckdb"),
    top: Annotated[int, typer.Option(min=1, max=10_000, metavar="N", help="How many actors.")] = 20,
    output_format: QueryFormat = "table",
    output: Output = None,
) -> None:
    """The most active actors, as source and as target."""
    from .storage import query

    server = _server_holding(db, "actors")
    if server is not None:
        answer = _guard(lambda: server.call("actors", {"top": top}))
        _print_rows(_rows(query.ActorRow, answer["rows"]), output_format, output)
        return
    with _open_store(db, read_only=True) as store:
        rows = _guard(lambda: query.top_actors(store, top=top))
        _print_rows(rows, output_format, output)


@app.command("stats")
def stats_command(db: Database = Path("tocsin.duckdb"), output: Output = None) -> None:
    """What the store holds."""
    from .storage import query

    server = _server_holding(db, "stats")
    if server is not None:
        numbers = _guard(lambda: server.call("stats", {}))["stats"]
    else:
        with _open_store(db, read_only=True) as store:
            numbers = query.stats(store)
    with _output(output) as stream:
        for name, value in numbers.items():
            if isinstance(value, dict):
                stream.write(f"{name}:\n")
                stream.writelines(f"  {key!s:<24} {count}\n" for key, count in value.items())
            else:
                stream.write(f"{name:<26} {'-' if value is None else value}\n")


@app.command("export")
def export_command(
    output_format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="gdelt, plover or parquet.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="File to write.")],
    db: Database = Path("tocsin.duckdb"),
    since: Since = None,
    until: Until = None,
) -> None:
    """Export events as the GDELT 2.0 event table, PLOVER JSON records, or Parquet."""
    from .storage import export

    where = _filter(since=since, until=until)
    partial = _partial(output)
    server = _server_holding(db, "export")
    if server is not None:
        asked = {
            "filter": _filter_record(where),
            "format": output_format.value,
            "path": str(partial.resolve()),
        }
        count = _guard(lambda: server.call("export", asked))["count"]
        partial.replace(output)
        typer.echo(f"wrote {_count(count, 'event')} to {output} ({output_format.value})", err=True)
        return
    with _open_store(db, read_only=True) as store:
        if output_format is ExportFormat.parquet:
            count = export.write_parquet(store, partial, where)
        else:
            writer = (
                export.write_gdelt if output_format is ExportFormat.gdelt else (export.write_plover)
            )
            with _writing(partial) as stream:
                count = writer(store, stream, where)
        partial.replace(output)
    typer.echo(f"wrote {_count(count, 'event')} to {output} ({output_format.value})", err=True)


@app.command("serve")
def serve_command(
    db: Database = Path("tocsin.duckdb"),
    host: Annotated[str, typer.Option(help="Address to bind; loopback unless told.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    cors: Annotated[
        list[str] | None, typer.Option(help="Origin allowed to call the API (repeatable).")
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            help="Another Host name to answer to, beyond loopback and --host (repeatable; "
            "'*' for any)."
        ),
    ] = None,
    create: Annotated[
        bool, typer.Option("--create", help="Create the store if it does not exist.")
    ] = False,
    max_text: Annotated[
        int, typer.Option(min=1, help="Characters of one story coded per request (413 beyond).")
    ] = 100_000,
    coding_queue: Annotated[
        int, typer.Option(min=0, help="Coding requests that may wait (429 beyond).")
    ] = 32,
    max_connections: Annotated[
        int, typer.Option(min=2, help="Open connections; beyond, the longest idle is closed.")
    ] = 1000,
    watch: Annotated[
        Path | None,
        typer.Option(metavar="SOURCES", help="Watch the feeds, pages and folders this file lists."),
    ] = None,
    every: Every = "15m",
    alerts_config: AlertsConfig = None,
    on_alert: OnAlert = None,
    data: DataFolders = None,
) -> None:
    """Serve the dashboard (/) and the HTTP API (/api/v1, docs at /api/v1/docs) over a store;
    with --watch, ingest from the sources it lists meanwhile. Other tocsin commands on the
    store go through this server while it runs."""
    from .api import LOOPBACK_HOSTS, Settings, create_app
    from .local import new_key
    from .server import Limits, listen, serve

    if not create and not db.exists():
        _fail(f"{db}: no such database; create it with 'tocsin ingest', or serve it with --create")
    held = _server_holding(db, "serve")
    if held is not None:
        _fail(f"{db}: already served at {held.url} (pid {held.pid})")
    loopback = host in ("127.0.0.1", "localhost", "::1")
    key = os.environ.get("TOCSIN_API_KEY")
    if not loopback and not key:
        typer.echo(
            "tocsin: warning: bound beyond loopback without TOCSIN_API_KEY; "
            "coding and ingest are refused",
            err=True,
        )
    shown = f"[{host}]" if ":" in host else host
    near = "[::1]" if host == "::1" else "127.0.0.1" if host in ("0.0.0.0", "::") else shown
    settings = Settings(
        api_key=key,
        require_key=not loopback,
        cors_origins=tuple(cors or ()),
        allowed_hosts=(*LOOPBACK_HOSTS, host, *(allow_host or ())),
        max_text=max_text,
        coding_queue=coding_queue,
        local_key=new_key(),
        local_url=f"http://{near}:{port}",
    )
    live = _live(watch, every, alerts_config, on_alert)
    coder = _guard(lambda: _coder(data, include_all=False))
    sock = _guard(lambda: listen(host, port))
    try:
        server = _guard(lambda: create_app(db, coder=coder, settings=settings, live=live))
    except typer.Exit:
        sock.close()
        raise
    watching = f" · watching {_count(len(live.sources), 'source')}" if live.sources else ""
    typer.echo(
        f"tocsin dashboard on http://{shown}:{port}/ · API http://{shown}:{port}/api/v1 "
        f"(docs /api/v1/docs){watching} · Ctrl+C stops",
        err=True,
    )
    serve(server, sock, Limits(max_connections=max_connections))


def _live(
    sources: Path | None, every: str, alerts_config: Path | None, on_alert: str | None
) -> Live:
    """What `serve` and `watch` read from their options: sources, period, alerts, hook."""
    from .watch import Live, hook, parse_every, read_sources

    listed = _guard(lambda: tuple(read_sources(sources))) if sources is not None else ()
    seconds = _guard(lambda: parse_every(every))
    settings = _alert_settings(alerts_config)

    def log(line: str) -> None:
        typer.echo(f"tocsin: watch: {line}", err=True)

    command = hook(on_alert, log) if on_alert else None

    def alerted(alert: Alert) -> None:
        record = alert.record()
        log(
            f"ALERT {record['kind']} {record['unit']} {record['freq']} of "
            f"{record['period_start']}: {record['measure']} {record['value']} against "
            f"{record['baseline_mean']} ± {record['baseline_spread']} "
            f"({_count(record['events'], 'event')})"
        )
        if command is not None:
            command(alert)

    return Live(
        sources=listed,
        every=seconds,
        alerts=settings,
        on_alert=alerted,
        fetch=_guard(lambda: _fetch_settings()),
        log=log,
    )


def _fetch_settings() -> FetchSettings:
    from .fetch import FetchSettings

    agent = f"tocsin/{__version__} (news event coder; fetches only the sources its user lists)"
    return FetchSettings.from_environment(os.environ, user_agent=agent)


@app.command("watch")
def watch_command(
    sources: Annotated[
        Path, typer.Argument(metavar="SOURCES", help="File listing feeds, pages and folders.")
    ],
    db: Database = Path("tocsin.duckdb"),
    every: Every = "15m",
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit (for cron).")] = False,
    alerts_config: AlertsConfig = None,
    on_alert: OnAlert = None,
    data: DataFolders = None,
    quiet: Quiet = False,
) -> None:
    """Watch feeds, article pages and folders: fetch what is new, code it, store it, raise
    escalation alerts; a pass every --every until Ctrl+C, or one with --once."""
    import threading

    from .fetch import Fetcher
    from .watch import Watcher

    err = Console(stderr=True)
    live = _live(sources, every, alerts_config, on_alert)
    server = _server_holding(db, "watch")
    if server is not None:
        _fail(
            f"{db}: held by tocsin serve (pid {server.pid}); stop it and run "
            f"'tocsin serve --db {db} --watch {sources}' to watch while serving"
        )
    coder = _guard(lambda: _coder(data, include_all=False))
    store = _open_store(db, read_only=False)
    passes = 0
    with _interruptible("stored") as stored, store, _progress(err, quiet) as progress:
        task = progress.add_task("watching", total=None)

        def shown(summary: PassSummary) -> None:
            stored[0] = summary.stored.new
            progress.update(task, completed=summary.stored.new)

        watcher = Watcher(
            coder,
            list(live.sources),
            write=lambda job: job(store),
            fetcher=Fetcher(live.fetch),
            log=live.log,
            alerts=live.alerts,
            on_alert=live.on_alert,
            on_article=shown,
        )
        stop = threading.Event()
        try:
            while True:
                summary = watcher.run_once()
                passes += 1
                _pass_line(err, summary, passes)
                if once or stop.wait(live.every):
                    break
        finally:
            watcher.fetcher.close()


def _pass_line(err: Console, summary: PassSummary, passes: int) -> None:
    stored = summary.stored
    err.print(
        f"pass {passes}: {summary.sources} sources ({summary.unchanged} unchanged), "
        f"{_count(summary.items, 'new item')}; articles: {stored.new} new, {stored.known} already "
        f"known; events: {stored.events_new} new, {stored.events_merged} merged; "
        f"{_count(len(summary.alerts), 'alert')}; {_count(summary.problems, 'problem')}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("alerts")
def alerts_command(
    db: Database = Path("tocsin.duckdb"),
    since: Annotated[
        str | None,
        typer.Option(metavar="DATE", help="Only alerts of periods ending on or after this day."),
    ] = None,
    output_format: Annotated[str, _format_option("table", "jsonl", "csv")] = "table",
    output: Output = None,
) -> None:
    """Escalation alerts raised so far, the newest first: the dyad or actor, the period, the
    measure, baseline against now, and the events behind each."""
    from .storage.alerts import list_alerts
    from .storage.query import parse_date

    day = _guard(lambda: parse_date(since, "since")) if since else None
    server = _server_holding(db, "alerts")
    if server is not None:
        records = _guard(lambda: server.call("alerts", {"since": since}))["rows"]
    else:
        with _open_store(db, read_only=True) as store:
            records = [a.record() for a in list_alerts(store, since=day)]
    with _output(output) as stream:
        if output_format == "jsonl":
            stream.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        elif output_format == "csv":
            import csv

            if records:
                writer = csv.DictWriter(stream, fieldnames=list(records[0]))
                writer.writeheader()
                writer.writerows(
                    {**r, "event_ids": " ".join(map(str, r["event_ids"]))} for r in records
                )
        else:
            shown = [{**r, "event_ids": _ids(r["event_ids"])} for r in records]
            _print_table(stream, rows_table(shown))
    typer.echo(f"{_count(len(records), 'alert')}", err=True)


def _ids(ids: list[int]) -> str:
    return " ".join(map(str, ids[:8])) + (f" … (+{len(ids) - 8})" if len(ids) > 8 else "")


spark_app = typer.Typer(
    no_args_is_help=True,
    help="Run tocsin on Spark, for corpora one machine cannot code in time "
    "(pip install 'tocsin[spark]'; Java 17+).",
)
app.add_typer(spark_app, name="spark")


class SparkExport(StrEnum):
    gdelt = "gdelt"
    plover = "plover"


@spark_app.command("code")
def spark_code_command(
    sources: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT...",
            help="Paths Spark reads (s3a://, hdfs://, globs): folders of .txt, .jsonl files, "
            "Parquet tables with the JSONL fields as columns.",
        ),
    ],
    output: Annotated[
        str,
        typer.Argument(
            metavar="OUTPUT",
            help="Folder for the Parquet tables events/ (by day), mentions/, articles/, "
            "quotes/ and the rejected inputs errors/.",
        ),
    ],
    master: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="local[*], spark://host:7077, yarn … (default: spark-submit's, else local[*]).",
        ),
    ] = None,
    partitions: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Partitions to code in (default: 2 per core)."),
    ] = None,
    export: Annotated[
        list[SparkExport] | None,
        typer.Option(
            help="Also write the GDELT or PLOVER export, as 'tocsin export' does (repeatable)."
        ),
    ] = None,
    merge_window: MergeWindow = 1,
    published: Published = None,
    data: DataFolders = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace OUTPUT if it exists.")
    ] = False,
) -> None:
    """Code, merge and export a corpus on Spark: the same events, mentions and near-duplicates
    as 'tocsin ingest', as Parquet. Load the result with 'tocsin ingest OUTPUT --db FILE'."""
    from .model import Limits
    from .pipeline import reference_time
    from .spark import SparkOptions, run_job

    err = Console(stderr=True)
    options = SparkOptions(
        inputs=tuple(sources),
        output=output,
        master=master,
        partitions=partitions,
        exports=tuple(e.value for e in export or ()),
        merge_window=merge_window,
        overwrite=overwrite,
        extra_data=tuple(str(p) for p in data or ()),
        limits=_guard(lambda: Limits.from_environment(os.environ)),
        published=_guard(lambda: reference_time(published)),
    )
    with _progress(err) as progress:
        task = progress.add_task("starting Spark", total=None)
        summary = _guard(
            lambda: run_job(options, on_step=lambda step: progress.update(task, description=step))
        )
    rejected = f"; see {output}/errors/" if summary.rejected else ""
    _summary(
        err,
        f"coded {_count(summary.coded, 'article')} ({summary.near_duplicates} near-duplicates, "
        f"{summary.repeated} repeated and skipped), rejected {summary.rejected}{rejected}; "
        f"{_count(summary.events, 'event')} from {_count(summary.mentions, 'mention')}; "
        f"{summary.seconds:.1f} s on {summary.master} after {summary.startup_seconds:.1f} s "
        f"of Spark start-up",
        [f"{summary.rejected} rejected"] if summary.rejected else [],
    )


def _summary(err: Console, line: str, problems: list[str]) -> None:
    """The closing line of a command; inputs that could not be read make the exit status 1."""
    err.print(line, highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _partial(output: Path) -> Path:
    """Where a file is written before it takes its name, checked before any work is done."""
    if output.is_dir():
        _fail(f"{output}: is a directory; give a file name")
    folder = output.parent
    if not folder.is_dir():
        _fail(f"{output}: no folder {folder}; create it first or write elsewhere")
    if not os.access(folder, os.W_OK):
        _fail(f"{output}: cannot write in {folder} (permission denied)")
    return output.with_name(output.name + ".partial")


@contextmanager
def _writing(path: Path) -> Iterator[TextIO]:
    try:
        with path.open("w", encoding="utf-8", newline="") as stream:
            yield stream
    except OSError as exc:
        _fail(f"{path}: cannot write ({exc.strerror or exc})")


@contextmanager
def _output(output: Path | None) -> Iterator[TextIO]:
    """stdout, or the file given with --output, which appears whole or not at all."""
    if output is None:
        yield sys.stdout
        return
    partial = _partial(output)
    with _writing(partial) as stream:
        yield stream
    partial.replace(output)


def _print_table(stream: TextIO, table: Any) -> None:
    """A table fitted to the terminal; to a file or a pipe, plain text at its natural width."""
    terminal = stream.isatty()
    if not terminal:
        from rich import box

        table.expand = False
        table.box = box.SIMPLE
    Console(file=stream, width=None if terminal else 100_000, color_system=None).print(table)


def _filter(**options: Any) -> Any:
    """The filter the options ask for, actors and countries named as the coder names them."""
    from .pipeline import actor_names
    from .storage.query import EventFilter

    names = actor_names()
    return _guard(lambda: EventFilter.from_options(**options, names=names))


def _guard(action: Callable[[], T]) -> T:
    """Run a library call; an error it raises on purpose is a one-line message and status 2."""
    try:
        return action()
    except TocsinError as exc:
        _fail(str(exc))


def _fail(message: str) -> NoReturn:
    typer.echo(f"tocsin: error: {message}", err=True)
    raise typer.Exit(2)


def _open_store(db: Path, *, read_only: bool, merge_window: int = 1) -> Store:
    from .storage.store import Store

    return _guard(lambda: Store(db, read_only=read_only, merge_window=merge_window))


def _print_rows(rows: list[Any], output_format: str, output: Path | None) -> None:
    from dataclasses import asdict

    records = [asdict(r) for r in rows]
    if output_format == "parquet":
        if output is None:
            _fail("--format parquet needs --output FILE")
        from .storage.export import write_rows_parquet

        partial = _partial(output)
        write_rows_parquet(records, partial)
        partial.replace(output)
        typer.echo(f"wrote {_count(len(records), 'row')} to {output}", err=True)
        return
    with _output(output) as stream:
        if output_format == "jsonl":
            for record in records:
                stream.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
        elif output_format == "csv":
            import csv

            if records:
                writer = csv.DictWriter(stream, fieldnames=list(records[0]))
                writer.writeheader()
                writer.writerows(records)
        else:
            compact = [{k: r[k] for k in TABLE_COLUMNS if k in r} for r in records]
            _print_table(
                stream, rows_table(compact if records and "event_id" in records[0] else records)
            )


def _setup(
    paths: list[str],
    published: str | None,
    data: list[Path] | None,
    problems: list[str],
    *,
    include_all: bool,
) -> tuple[Iterator[Article], Coder]:
    """Read the options every command shares; a bad option is a usage error (status 2).

    Each input that cannot be read is reported as it is met and kept in `problems`."""

    def report(problem: object) -> None:
        problems.append(str(problem))
        typer.echo(f"tocsin: error: {problem}", err=True)

    try:
        coder = _coder(data, include_all=include_all)
        return coder.read_articles(paths, published=published, on_problem=report), coder
    except TocsinError as exc:
        _fail(str(exc))


def _emit(
    coder: Coder,
    articles: Iterator[Article],
    output_format: OutputFormat,
    processes: int,
    err: Console,
    stream: TextIO,
) -> tuple[int, int]:
    count = events = 0
    table_events: list[Event] = []
    writer = csv_writer(stream) if output_format is OutputFormat.csv else None
    with _progress(err) as progress:
        task = progress.add_task("coding", total=None)
        for coded in coder.code_many(articles, n_process=processes):
            count += 1
            events += len(coded.events)
            if output_format is OutputFormat.jsonl:
                write_jsonl(coded.events, stream)
            elif writer is not None:
                writer.writerows(csv_row(e) for e in coded.events)
            else:
                table_events.extend(coded.events)
            progress.update(task, advance=1, description=f"coded {_count(count, 'article')}")
    if output_format is OutputFormat.table:
        names = {code: info.name for code, info in coder.knowledge.cameo.items()}
        _print_table(stream, event_table(table_events, names=names))
    return count, events


def _coder(data: list[Path] | None, *, include_all: bool) -> Coder:
    """The coder a command uses: the user's knowledge folders, the limits from TOCSIN_*."""
    from .pipeline import Coder

    limits = Limits.from_environment(os.environ)
    return Coder(extra_data=data or (), include_all=include_all, limits=limits)


@contextmanager
def _interruptible(done: str) -> Iterator[list[int]]:
    """Ctrl-C while writing a store: say how many articles were `done` (the caller keeps the
    count in the one-item list) and exit 130; what was committed stays."""
    count = [0]
    try:
        yield count
    except KeyboardInterrupt:
        typer.echo(f"tocsin: interrupted; {count[0]} articles were {done}", err=True)
        raise typer.Exit(130) from None


class _Rate(ProgressColumn):
    """Items a second, for the bar on a terminal."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f}/s" if task.speed else "")


def _progress(err: Console, quiet: bool = False) -> Progress | _Lines:
    """On a terminal a bar with total, rate and ETA; otherwise (a log, a pipe) a line to
    stderr every few seconds (TOCSIN_PROGRESS_SECONDS, 5); nothing with --quiet."""
    if not err.is_terminal:
        every = os.environ.get("TOCSIN_PROGRESS_SECONDS", "5")
        return _Lines(err, float(every) if every.replace(".", "", 1).isdigit() else 5.0, quiet)
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _Rate(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=quiet,
    )


class _Lines:
    """Progress for a log or a pipe: 'ingesting: 120/500, 4.1/s, ETA 1m32s' now and then."""

    def __init__(self, err: Console, every: float, quiet: bool) -> None:
        self.err, self.every, self.quiet = err, every, quiet
        self.tasks: dict[int, list[Any]] = {}  # description, done, total, started, shown

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: float | None = None) -> TaskID:
        now = time.monotonic()
        self.tasks[len(self.tasks)] = [description, 0.0, total, now, now]
        return TaskID(len(self.tasks) - 1)

    def advance(self, task: TaskID, advance: float = 1) -> None:
        self.update(task, advance=advance)

    def update(
        self,
        task: TaskID,
        *,
        advance: float = 0,
        completed: float | None = None,
        total: float | None = None,
        description: str | None = None,
    ) -> None:
        kept = self.tasks[task]
        kept[1] = completed if completed is not None else kept[1] + advance
        kept[2] = total if total is not None else kept[2]
        kept[0] = description or kept[0]
        now = time.monotonic()
        if not self.quiet and now - kept[4] >= self.every:
            kept[4] = now
            self.err.print(_progress_line(kept, now), highlight=False, soft_wrap=True)


def _progress_line(kept: list[Any], now: float) -> str:
    description, done, total, started = kept[:4]
    rate = done / max(now - started, 1e-9)
    line = f"{description}: {int(done)}" + (f"/{int(total)}" if total else "")
    line += f", {rate:.1f}/s"
    if total and rate > 0 and total > done:
        left = int((total - done) / rate)
        line += f", ETA {left // 3600}h{left % 3600 // 60:02d}m{left % 60:02d}s"
    return line


def _estimate(paths: list[str]) -> int | None:
    """How many stories the inputs hold, counted cheaply (lines of JSONL, story files) for
    the progress's total and ETA; None when stdin is among them."""
    if "-" in paths:
        return None
    total = 0
    for raw in paths:
        path = Path(raw)
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            suffix = file.suffix.lower()
            if suffix in (".jsonl", ".ndjson") and file.is_file():
                with file.open("rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            elif suffix == ".txt" or not path.is_dir():
                total += 1
    return total or None


def _alert_settings(path: Path | None) -> AlertSettings:
    from .storage.alerts import AlertSettings

    return _guard(lambda: AlertSettings.load(path))


def _server_holding(
    db: Path, command: str, *, data: list[Path] | None = None
) -> LocalServer | None:
    """The running `tocsin serve` holding `db`, which the command then goes through."""
    from .local import find_server

    server = find_server(db)
    if server is not None and data:
        _fail(
            f"{db}: held by tocsin serve (pid {server.pid}), whose knowledge applies; stop it "
            f"to {command} with --data"
        )
    return server


def _ingest_through(
    server: LocalServer, articles: Iterator[Article], shown: Callable[[IngestSummary], None]
) -> tuple[IngestSummary, int]:
    """Hand the articles to the server a batch at a time; its summary and alerts raised."""
    from .local import batches
    from .pipeline import IngestSummary

    summary = IngestSummary()
    raised = 0
    for batch in batches(articles):
        done = _guard(lambda b=batch: server.call("ingest", {"articles": b}))  # type: ignore[misc]
        raised += int(done.pop("alerts"))
        for name, value in done.items():
            setattr(summary, name, getattr(summary, name) + int(value))
        shown(summary)
    return summary, raised


def _filter_record(where: Any) -> dict[str, Any]:
    from .local import filter_record

    return filter_record(where)


def _rows(kind: type[T], records: list[dict[str, Any]]) -> list[T]:
    """Rows the server sent back as the library's row type, dates as dates again."""
    import datetime as dt

    def revived(record: dict[str, Any]) -> dict[str, Any]:
        for name in ("date", "period"):
            if isinstance(record.get(name), str):
                record[name] = dt.date.fromisoformat(record[name])
        return record

    return [kind(**revived(r)) for r in records]


def main() -> None:
    try:
        app()
    except TocsinError as exc:  # raised outside a command's own checks, e.g. a missing model
        typer.echo(f"tocsin: error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:  # a bug of ours: still one line, and a status that says so
        typer.echo(f"tocsin: internal error: {type(exc).__name__}: {exc} (please report)", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
