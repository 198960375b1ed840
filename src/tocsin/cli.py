"""The `tocsin` command. Only this layer prints, exits, and turns errors into one-line messages."""

from __future__ import annotations

import datetime as dt
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
from .output import csv_row, csv_writer, event_table, write_jsonl

app = typer.Typer(
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


@app.command("code")
def code_command(
    paths: Annotated[
        list[str], typer.Argument(help="Story files (.txt), JSONL files, folders, or - for stdin.")
    ],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.json,
    published: Annotated[
        str | None,
        typer.Option(help="Publication date for stories that give none (anchors 'yesterday')."),
    ] = None,
    include_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Also emit negated, hypothetical and future acts and plain statements, "
            "each with its modality.",
        ),
    ] = False,
    data: Annotated[
        list[Path] | None,
        typer.Option(help="Folder or file of extra knowledge (same formats as tocsin/data)."),
    ] = None,
    processes: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes for large inputs.")
    ] = 1,
) -> None:
    """Code news stories into events: one JSON line per event (or a table, or CSV)."""
    err = Console(stderr=True)
    try:
        reference = parse_datetime(published) if published else None
        from .pipeline import Coder

        coder = Coder(extra_data=data or (), include_all=include_all)
    except TocsinError as exc:
        typer.echo(f"tocsin: error: {exc}", err=True)
        raise typer.Exit(2) from None
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
    app()
