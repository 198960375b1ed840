"""Serialise events: JSON records (the documented schema), flat CSV rows, a terminal table."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TextIO

from .model import Actor, Event, Location, Quote

if TYPE_CHECKING:
    from rich.table import Table

    from .scoring import Report


def actor_record(actor: Actor | None) -> dict[str, Any] | None:
    if actor is None:
        return None
    return {
        "text": actor.text,
        "span": {"start": actor.span.start, "end": actor.span.end},
        "country": actor.country,
        "sector": actor.sector,
        "org": actor.org,
        "name": actor.name,
        "code": actor.code,
    }


def event_record(event: Event) -> dict[str, Any]:
    """The JSON form of an event; field names are documented in docs/schema.md and stable."""
    return {
        "article_id": event.article_id,
        "cameo": event.cameo,
        "root": event.root,
        "quad_class": int(event.quad_class),
        "goldstein": event.goldstein,
        "plover": {
            "type": event.plover.type,
            "mode": event.plover.mode,
            "context": event.plover.context,
        },
        "source": actor_record(event.source),
        "target": actor_record(event.target),
        "trigger": {
            "text": event.trigger.text,
            "span": {"start": event.trigger.span.start, "end": event.trigger.span.end},
        },
        "sentence": event.sentence,
        "sentence_index": event.sentence_index,
        "date": event.date.isoformat() if event.date else None,
        "date_basis": event.date_basis.value if event.date_basis else None,
        "symmetric": event.symmetric,
        "modality": event.modality.value,
        "attributed_to": actor_record(event.attributed_to),
        "attributions": [actor_record(a) for a in event.attributions],
        "disputed": event.disputed,
        "disputed_by": [actor_record(a) for a in event.disputed_by],
        "location": location_record(event.location),
        "location_basis": event.location_basis.value if event.location_basis else None,
        "confidence": event.confidence,
        "rule": event.rule,
    }


def location_record(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    span = location.span
    return {
        "name": location.name,
        "text": location.text,
        "span": {"start": span.start, "end": span.end} if span else None,
        "country": location.country,
        "region": location.region,
        "kind": location.kind,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "geonames_id": location.geonames_id,
    }


def quote_record(quote: Quote, article_id: str) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "kind": quote.kind.value,
        "text": quote.text,
        "span": {"start": quote.span.start, "end": quote.span.end},
        "speaker": actor_record(quote.speaker),
        "verb": quote.verb,
        "sentence_index": quote.sentence_index,
        "disputed": quote.disputed,
        "disputed_by": [actor_record(a) for a in quote.disputed_by],
    }


def _actor_cell(role: str, field: str) -> Callable[[Event], object]:
    def cell(event: Event) -> object:
        actor: Actor | None = getattr(event, role)
        return (getattr(actor, field) or "") if actor else ""

    return cell


def _location_cell(field: str) -> Callable[[Event], object]:
    def cell(event: Event) -> object:
        return (getattr(event.location, field) if event.location else None) or ""

    return cell


_CSV: dict[str, Callable[[Event], object]] = {
    "article_id": lambda e: e.article_id,
    "sentence_index": lambda e: e.sentence_index,
    "date": lambda e: e.date.isoformat() if e.date else "",
    "date_basis": lambda e: e.date_basis.value if e.date_basis else "",
    "cameo": lambda e: e.cameo,
    "root": lambda e: e.root,
    "quad_class": lambda e: int(e.quad_class),
    "goldstein": lambda e: e.goldstein,
    "plover_type": lambda e: e.plover.type or "",
    "plover_mode": lambda e: e.plover.mode or "",
    "plover_context": lambda e: e.plover.context or "",
    **{
        f"{role}_{field}": _actor_cell(role, field)
        for role in ("source", "target")
        for field in ("code", "country", "sector", "org", "name", "text")
    },
    "trigger": lambda e: e.trigger.text,
    "trigger_start": lambda e: e.trigger.span.start,
    "trigger_end": lambda e: e.trigger.span.end,
    "symmetric": lambda e: e.symmetric,
    "modality": lambda e: e.modality.value,
    "attributed_to": lambda e: e.attributed_to.text if e.attributed_to else "",
    "disputed": lambda e: e.disputed,
    "disputed_by": lambda e: "; ".join(a.text for a in e.disputed_by),
    **{
        f"location_{field}": _location_cell(field)
        for field in ("name", "country", "latitude", "longitude", "geonames_id")
    },
    "location_basis": lambda e: e.location_basis.value if e.location_basis else "",
    "confidence": lambda e: e.confidence,
    "rule": lambda e: e.rule,
    "sentence": lambda e: e.sentence,
}
CSV_COLUMNS = tuple(_CSV)
"""The columns of `tocsin code --format csv`, each declared once above with its value."""


def csv_row(event: Event) -> dict[str, object]:
    return {name: cell(event) for name, cell in _CSV.items()}


def write_jsonl(events: Iterable[Event], stream: TextIO) -> None:
    for event in events:
        stream.write(json.dumps(event_record(event), ensure_ascii=False) + "\n")


QUOTE_CSV_COLUMNS = (
    "article_id",
    "kind",
    "speaker_code",
    "speaker_name",
    "speaker_text",
    "verb",
    "text",
    "start",
    "end",
    "sentence_index",
    "disputed",
    "disputed_by",
)


def quote_csv_row(record: dict[str, Any]) -> dict[str, object]:
    """A quote record (as `quote_record` makes it) flattened to the CSV columns."""
    speaker = record["speaker"] or {}
    return {
        "article_id": record["article_id"],
        "kind": record["kind"],
        "speaker_code": speaker.get("code") or "",
        "speaker_name": speaker.get("name") or "",
        "speaker_text": speaker.get("text") or "",
        "verb": record["verb"] or "",
        "text": record["text"],
        "start": record["span"]["start"],
        "end": record["span"]["end"],
        "sentence_index": record["sentence_index"],
        "disputed": record["disputed"],
        "disputed_by": "; ".join(a["text"] for a in record["disputed_by"]),
    }


def csv_writer(stream: TextIO, columns: tuple[str, ...] = CSV_COLUMNS) -> csv.DictWriter[str]:
    writer = csv.DictWriter(stream, fieldnames=columns)
    writer.writeheader()
    return writer


def event_table(events: Iterable[Event], *, names: dict[str, str]) -> Table:
    """A readable table: when, who, did what (code and its name), to whom, and why."""
    from rich.table import Table

    table = Table(show_lines=False, expand=True, pad_edge=False)
    table.add_column("date", no_wrap=True)
    table.add_column("source", overflow="fold", ratio=2)
    table.add_column("event", overflow="fold", ratio=3)
    table.add_column("target", overflow="fold", ratio=2)
    table.add_column("trigger", overflow="fold", ratio=2)
    table.add_column("rule", overflow="fold", ratio=2)
    for e in events:
        table.add_row(
            e.date.isoformat() if e.date else "",
            _actor_label(e.source),
            f"{e.cameo} {names.get(e.cameo, '')}" + (" ↔" if e.symmetric else ""),
            _actor_label(e.target),
            e.trigger.text,
            e.rule if e.modality.value == "asserted" else f"{e.rule} [{e.modality.value}]",
        )
    return table


def _actor_label(actor: Actor | None) -> str:
    if actor is None:
        return ""
    return _label(actor.code, actor.name, actor.text)


def _label(code: str | None, name: str | None, text: str) -> str:
    """An actor as the tables show it: 'CODE (Name)', else whichever is known, else its words."""
    if code and name:
        return f"{code} ({name})"
    return code or name or text


def quote_table(records: list[dict[str, Any]]) -> Table:
    from rich.table import Table

    table = Table(expand=True, pad_edge=False)
    table.add_column("speaker", ratio=2, overflow="fold")
    table.add_column("verb", no_wrap=True)
    table.add_column("quote", ratio=6, overflow="fold")
    table.add_column("disputed by", ratio=2, overflow="fold")
    for record in records:
        speaker = record["speaker"]
        label = _label(speaker["code"], speaker["name"], speaker["text"]) if speaker else ""
        direct = record["kind"] == "direct"
        table.add_row(
            label,
            record["verb"] or "",
            f"“{record['text']}”" if direct else record["text"],
            "; ".join(a["text"] for a in record["disputed_by"]),
        )
    return table


WIDE_COLUMNS = frozenset({"sentence", "source_name", "target_name", "location_name", "code"})
"""Query columns of words, which wrap to fit the terminal; the others (codes, dates,
numbers) keep to one line."""


def rows_table(records: list[dict[str, Any]]) -> Table:
    """Any list of query rows as a table, columns in row order."""
    from rich.table import Table

    table = Table(expand=True, pad_edge=False)
    for name in records[0] if records else ["(no rows)"]:
        wide = name in WIDE_COLUMNS
        table.add_column(name, overflow="fold", no_wrap=not wide, ratio=1 if wide else None)
    for record in records:
        table.add_row(*["" if v is None else str(v) for v in record.values()])
    return table


def score_table(name: str, report: Report) -> Table:
    """A scoring report: the overall line, then one line per PLOVER type."""
    from rich.table import Table

    total = report.as_dict()
    title = (
        f"{name}: {total['stories']} stories, P {total['precision']} R {total['recall']} "
        f"F1 {total['f1']}; dates right {total['dates_right']}, locations right "
        f"{total['locations_right']}; events per story gold {total['gold_per_story']}, "
        f"tocsin {total['output_per_story']}"
    )
    table = Table(title=title, title_justify="left", pad_edge=False)
    for column in ("PLOVER type", "P", "R", "F1", "TP", "FP", "FN"):
        table.add_column(column, justify="left" if column == "PLOVER type" else "right")
    rows = [("all", report.total), *sorted(report.by_type.items())]
    for label, counts in rows:
        table.add_row(
            label,
            f"{counts.precision:.2f}",
            f"{counts.recall:.2f}",
            f"{counts.f1:.2f}",
            str(counts.tp),
            str(counts.fp),
            str(counts.fn),
        )
    return table


def misses_text(report: Report) -> str:
    """Each story's missed gold tuples and wrong output tuples, for fixing rules on dev."""
    lines = []
    for story in report.stories:
        if not story.missed and not story.wrong:
            continue
        lines.append(f"story {story.story}")
        lines += [f"  missed {t.label}" for t in story.missed]
        lines += [f"  wrong  {t.label}" for t in story.wrong]
    return "\n".join(lines)
