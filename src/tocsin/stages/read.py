"""Read stories from files, folders, JSONL and stdin; parse wire-story furniture out of the body.

Reading never stops at a bad input: each problem is yielded as an `InputProblem` naming the
input (and line), and the remaining inputs are still read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from dateutil import parser as date_parser

from ..errors import DataFileError, InputError
from ..knowledge import Knowledge
from ..model import Article

MEGABYTE = 1024 * 1024
MAX_FILE_BYTES = 10 * MEGABYTE
MAX_STORY_CHARS = 1_000_000
STORY_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Za-z.'\-/ ]{1,40}?[A-Za-z.])"
    r"(?:,\s*[A-Z][A-Za-z.]*\.?(?:\s+\d{1,2})?)?"
    r"\s*(?:\((?P<agency>[^)]{2,40})\))?\s*[-–—]{1,2}\s+"
)
PUBLISHED = "published"
UPDATED = "updated"
SENTENCE_END = re.compile(r"[.!?\"”’)]$")


@dataclass(frozen=True, slots=True)
class InputProblem:
    """An input that could not be coded, with a message a user can act on."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class StoryReader:
    """Reads stories from files, folders, JSONL and stdin, and splits a wire story into its
    parts; the words it looks for (date labels, teaser labels, agencies) come from
    `data/words-read.tsv`."""

    def __init__(self, knowledge: Knowledge) -> None:
        self._date_labels = knowledge.word_values("read.date-labels")
        unknown = set(self._date_labels.values()) - {PUBLISHED, UPDATED}
        if unknown:
            raise DataFileError(
                f"word list 'read.date-labels': {sorted(unknown)[0]!r} must be "
                f"{PUBLISHED} or {UPDATED}"
            )
        forms = [f for label in self._date_labels for f in (label.upper(), label.capitalize())]
        self._date_line = re.compile(rf"^\s*({_alternation(forms)})\s*:\s*(.+?)\s*$")
        teasers = _alternation(knowledge.words("read.teaser-labels"))
        self._teaser_line = re.compile(rf"^\s*({teasers})\s*:", re.I)
        self._agencies = frozenset(a.lower() for a in knowledge.words("read.agencies"))
        joiners = _alternation(knowledge.words("read.credit-joiners"))
        self._credit_split = re.compile(rf",|\b(?:{joiners})\b|;|/")

    def read(
        self,
        paths: Iterable[str],
        *,
        published: dt.datetime | None = None,
        stdin: TextIO | None = None,
    ) -> Iterator[Article | InputProblem]:
        """Articles from each path (file, folder, '-' for stdin), with problems yielded in
        their place."""
        for raw in paths:
            if raw == "-":
                yield from self._read_stdin(stdin or sys.stdin, published)
                continue
            path = Path(raw)
            if not path.exists():
                yield InputProblem(raw, "no such file or directory")
            elif path.is_dir():
                yield from self._read_folder(path, published)
            else:
                yield from self._read_file(path, published)

    def _read_folder(
        self, folder: Path, published: dt.datetime | None
    ) -> Iterator[Article | InputProblem]:
        files = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and p.suffix.lower() in STORY_SUFFIXES + JSONL_SUFFIXES
        )
        if not files:
            yield InputProblem(str(folder), "directory has no .txt or .jsonl files to code")
            return
        for path in files:
            yield from self._read_file(path, published)

    def _read_file(
        self, path: Path, published: dt.datetime | None
    ) -> Iterator[Article | InputProblem]:
        where = str(path)
        if path.suffix.lower() in JSONL_SUFFIXES:
            try:
                with path.open("rb") as handle:
                    yield from self._read_jsonl(handle, where, published)
            except OSError as exc:
                yield InputProblem(where, f"cannot read ({exc.strerror or exc})")
            return
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                yield InputProblem(
                    where,
                    f"file is {size / MEGABYTE:.1f} MB; a story file may be at most "
                    f"{MAX_FILE_BYTES // MEGABYTE} MB (use JSONL for corpora)",
                )
                return
            data = path.read_bytes()
        except OSError as exc:
            yield InputProblem(where, f"cannot read ({exc.strerror or exc})")
            return
        try:
            text = decode_text(data)
            yield self.parse(text, article_id=path.stem, published=published)
        except InputError as exc:
            yield InputProblem(where, str(exc))

    def _read_stdin(
        self, stream: TextIO, published: dt.datetime | None
    ) -> Iterator[Article | InputProblem]:
        try:
            data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read().encode()
        except (OSError, UnicodeDecodeError) as exc:
            yield InputProblem("<stdin>", f"cannot read ({exc})")
            return
        if data.lstrip().startswith(b"{"):
            yield from self._read_jsonl(data.splitlines(keepends=True), "<stdin>", published)
            return
        try:
            yield self.parse(decode_text(data), article_id="stdin", published=published)
        except InputError as exc:
            yield InputProblem("<stdin>", str(exc))

    def _read_jsonl(
        self, lines: Iterable[bytes], where: str, published: dt.datetime | None
    ) -> Iterator[Article | InputProblem]:
        """One article per line: `text` required; `id`, `title`, `published`, `url`, `source`."""
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            place = f"{where}:{number}"
            try:
                yield self._article_from_record(_json_line(raw), place, published)
            except InputError as exc:
                yield InputProblem(place, str(exc))

    def _article_from_record(
        self, record: dict[str, Any], where: str, published: dt.datetime | None
    ) -> Article:
        text = record.get("text")
        if not isinstance(text, str):
            raise InputError(
                "missing the required 'text' field" if text is None else "'text' must be a string"
            )
        when = record.get("published")
        stamp = parse_datetime(str(when)) if when not in (None, "") else published
        title = record.get("title")
        article_id = str(record.get("id") or where)
        return self.parse(
            text,
            article_id=article_id,
            published=stamp,
            title=str(title) if title else None,
            url=_str(record.get("url")),
            source=_str(record.get("source")),
        )

    def parse(
        self,
        text: str,
        *,
        article_id: str,
        published: dt.datetime | None = None,
        title: str | None = None,
        url: str | None = None,
        source: str | None = None,
    ) -> Article:
        """Split a wire story into headline, dates, dateline, body and credits."""
        if len(text) > MAX_STORY_CHARS:
            raise InputError(f"story is {len(text):,} characters; the limit is {MAX_STORY_CHARS:,}")
        paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n")]
        paragraphs = [p for p in paragraphs if p]
        if not paragraphs:
            raise InputError("empty story: no text to code")
        meta = self._metadata(paragraphs)
        body = [p for i, p in enumerate(paragraphs) if i not in meta.skip]
        if title is None and meta.title is not None:
            title = meta.title
        agencies: tuple[str, ...] = ()
        if body and len(body) > 1 and (found := self._credits(body[-1])):
            agencies, body = found, body[:-1]
        body = self._drop_furniture(body)
        dateline = None
        if body and (match := DATELINE.match(body[0])) and _is_dateline(match):
            dateline = match.group("place").strip()
            if match.group("agency"):
                agencies = agencies or (match.group("agency").strip(),)
            body[0] = body[0][match.end() :]
        if not any(p.strip() for p in body):
            raise InputError("empty story: nothing left to code after the headline and metadata")
        return Article(
            id=article_id or _content_id(text),
            text="\n\n".join(body),
            title=title,
            published=meta.published or published,
            updated=meta.updated,
            agencies=agencies,
            dateline=dateline,
            url=url,
            source=source,
        )

    def _metadata(self, paragraphs: list[str]) -> _Meta:
        """Headline, standfirst and PUBLISHED/UPDATED lines at the top of a story."""
        meta = _Meta(None, None, None, set())
        last_meta = -1
        for i, line in enumerate(paragraphs[:8]):
            match = self._date_line.match(line)
            if not match:
                continue
            stamp = parse_datetime(match.group(2))
            if self._date_labels[match.group(1).lower()] == PUBLISHED:
                meta.published = meta.published or stamp
            else:
                meta.updated = meta.updated or stamp
            meta.skip.add(i)
            last_meta = i
        if len(paragraphs) > 1 and _looks_like_headline(paragraphs[0]):
            meta.title = paragraphs[0]
            meta.skip.add(0)
            # A standfirst sits between the headline and the PUBLISHED line.
            meta.skip.update(range(1, max(last_meta, 1)))
        return meta

    def _credits(self, line: str) -> tuple[str, ...]:
        parts = [p.strip() for p in self._credit_split.split(line) if p.strip()]
        if not parts or len(line) > 120 or (SENTENCE_END.search(line) and not line.endswith(")")):
            return ()
        if all(p.lower() in self._agencies for p in parts):
            return tuple(parts)
        return ()

    def _drop_furniture(self, body: list[str]) -> list[str]:
        """Video teasers and pull-quotes that repeat a sentence found elsewhere in the story."""
        kept = []
        normalized = [_normalize(p) for p in body]
        for i, paragraph in enumerate(body):
            if self._teaser_line.match(paragraph):
                continue
            key = normalized[i]
            repeated = (
                len(paragraph) < 250
                and key
                and any(
                    key in other
                    for j, other in enumerate(normalized)
                    if j != i and len(other) > len(key)
                )
            )
            if repeated:
                continue
            kept.append(paragraph)
        return kept


def _json_line(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_STORY_CHARS * 4:
        raise InputError(
            f"line is {len(raw) / MEGABYTE:.1f} MB; a story may be at most "
            f"{MAX_STORY_CHARS:,} characters"
        )
    try:
        record = json.loads(decode_text(raw))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise InputError("a JSONL line must be an object with a 'text' field")
    return record


def _str(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def decode_text(data: bytes) -> str:
    """UTF-8 text, or an error that says why not (binary data, another encoding)."""
    if b"\x00" in data[:8192]:
        raise InputError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (invalid byte at position {exc.start}); convert it with iconv -t UTF-8"
        ) from None


def parse_datetime(value: str) -> dt.datetime:
    """ISO 8601 or a common news format; a date without day and month is refused."""
    text = value.strip()
    try:
        first: dt.datetime = date_parser.parse(text, default=dt.datetime(2000, 1, 1))
        second: dt.datetime = date_parser.parse(text, default=dt.datetime(2001, 2, 2))
    except (ValueError, OverflowError):
        raise InputError(
            f"cannot read the date {value!r}; use ISO 8601 such as 2014-03-05"
        ) from None
    if (first.year, first.month, first.day) != (second.year, second.month, second.day):
        raise InputError(
            f"the date {value!r} lacks a day, month or year; use ISO 8601 such as 2014-03-05"
        )
    return first


@dataclass(slots=True)
class _Meta:
    title: str | None
    published: dt.datetime | None
    updated: dt.datetime | None
    skip: set[int]


def _looks_like_headline(line: str) -> bool:
    return len(line) <= 200 and not SENTENCE_END.search(line) and not DATELINE.match(line)


def _normalize(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _alternation(words: Iterable[str]) -> str:
    """A regular-expression alternation of the words, longest first, each taken literally."""
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


def _is_dateline(match: re.Match[str]) -> bool:
    place = match.group("place")
    return bool(match.group("agency")) or place.isupper()


def _content_id(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
