"""The `tocsin` command. Only this layer prints, exits, and turns errors into one-line messages."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .errors import TocsinError
from .ingest import InputProblem, parse_datetime, read_inputs
from .model import Article, Event
from .output import csv_row, csv_writer, event_table, quote_record, quote_table, write_jsonl

app = typer.Typer(
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
    help="Turn news stories into political event data (CAMEO and PLOVER).",
)


class OutputFormat(StrEnum):
    json = "json"
    table = "table"
    csv = "csv"


@app.callback()
def main_options() -> None:
    """tocsin: who did what to whom, when and where, with the words it came from."""


Paths = Annotated[
    list[str], typer.Argument(help="Story files (.txt), JSONL files, folders, or - for stdin.")
]
Published = Annotated[
    str | None,
    typer.Option(help="Publication date for stories that give none (anchors 'yesterday')."),
]
DataFolders = Annotated[
    list[Path] | None,
    typer.Option(help="Folder or file of extra knowledge (same formats as tocsin/data)."),
]


@app.command("code")
def code_command(
    paths: Paths,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.json,
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
        int, typer.Option(min=1, max=64, help="Worker processes for large inputs.")
    ] = 1,
) -> None:
    """Code news stories into events: one JSON line per event (or a table, or CSV)."""
    err = Console(stderr=True)
    reference, coder = _setup(published, data, include_all=include_all)
    problems: list[InputProblem] = []
    articles = _articles(paths, reference, problems)
    started = time.perf_counter()
    count, events = _emit(coder, articles, output_format, processes, err)
    seconds = time.perf_counter() - started
    failed = f", {len(problems)} failed" if problems else ""
    err.print(
        f"coded {count} article{'s' if count != 1 else ''}{failed}: {events} events "
        f"in {seconds:.1f} s",
        highlight=False,
    )
    if problems:
        raise typer.Exit(1)


@app.command("quotes")
def quotes_command(
    paths: Paths,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="json or table.")
    ] = OutputFormat.json,
    published: Published = None,
    data: DataFolders = None,
) -> None:
    """Who said what: direct quotes and reported speech, with speakers and disputes."""
    err = Console(stderr=True)
    reference, coder = _setup(published, data, include_all=False)
    problems: list[InputProblem] = []
    records = []
    articles = quotes = 0
    with _progress(err) as progress:
        task = progress.add_task("reading quotes", total=None)
        for coded in coder.code_many(_articles(paths, reference, problems)):
            articles += 1
            quotes += len(coded.quotes)
            for quote in coded.quotes:
                record = quote_record(quote, coded.article.id)
                if output_format is OutputFormat.table:
                    records.append(record)
                else:
                    typer.echo(json.dumps(record, ensure_ascii=False))
            progress.advance(task)
    if output_format is OutputFormat.table:
        Console().print(quote_table(records))
    failed = f", {len(problems)} failed" if problems else ""
    err.print(f"read {articles} articles{failed}: {quotes} quotes", highlight=False)
    if problems:
        raise typer.Exit(1)


def _setup(published: str | None, data: list[Path] | None, *, include_all: bool):
    """Read the options every command shares; a bad option is a usage error (status 2)."""
    try:
        reference = parse_datetime(published) if published else None
        from .pipeline import Coder

        return reference, Coder(extra_data=data or (), include_all=include_all)
    except TocsinError as exc:
        typer.echo(f"tocsin: error: {exc}", err=True)
        raise typer.Exit(2) from None


def _articles(
    paths: list[str], reference: dt.datetime | None, problems: list[InputProblem]
) -> Iterator[Article]:
    for item in read_inputs(paths, published=reference):
        if isinstance(item, InputProblem):
            problems.append(item)
            typer.echo(f"tocsin: error: {item}", err=True)
        else:
            yield item


def _emit(
    coder, articles: Iterator[Article], output_format: OutputFormat, processes: int, err: Console
) -> tuple[int, int]:
    count = events = 0
    table_events: list[Event] = []
    writer = csv_writer(sys.stdout) if output_format is OutputFormat.csv else None
    with _progress(err) as progress:
        task = progress.add_task("coding", total=None)
        for coded in coder.code_many(articles, n_process=processes):
            count += 1
            events += len(coded.events)
            if output_format is OutputFormat.json:
                write_jsonl(coded.events, sys.stdout)
            elif writer is not None:
                writer.writerows(csv_row(e) for e in coded.events)
            else:
                table_events.extend(coded.events)
            progress.update(task, advance=1, description=f"coded {count} articles")
    if output_format is OutputFormat.table:
        names = {code: info.name for code, info in coder.knowledge.cameo.items()}
        Console().print(event_table(table_events, names=names))
    return count, events


def _progress(err: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def main() -> None:
    try:
        app()
    except Exception as exc:  # a bug of ours: still one line, and a status that says so
        typer.echo(f"tocsin: internal error: {type(exc).__name__}: {exc} (please report)", err=True)
        sys.exit(3)
