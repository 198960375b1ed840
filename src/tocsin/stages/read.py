"""Read stories from files, folders, JSONL and stdin; parse wire-story furniture out of the body.

Reading never stops at a bad input: each problem is yielded as an `InputProblem` naming the
input (and line), and the remaining inputs are still read.
"""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import hashlib
import io
import itertools
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, TextIO

from dateutil import parser as date_parser

from ..errors import DataFileError, InputError
from ..knowledge import Knowledge
from ..model import Article, Limits

MEGABYTE = 1024 * 1024
UTF8_BOM = codecs.BOM_UTF8
# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SURROGATE = re.compile(r"[\ud800-\udfff]")
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

    def __init__(self, knowledge: Knowledge, limits: Limits | None = None) -> None:
        self._limits = limits or Limits()
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
            problem = _unreadable(path)
            if problem is not None:
                yield InputProblem(raw, problem)
            elif path.is_dir():
                yield from self._read_folder(path, published)
            else:
                yield from self._read_file(path, published)

    def read_bytes(
        self, data: bytes, where: str, *, published: dt.datetime | None = None
    ) -> Iterator[Article | InputProblem]:
        """The articles of one file's bytes, named `where` (a path or URL: its suffix says
        JSONL or story), read as a file of that name is read: for readers that fetch files
        themselves, such as Spark's."""
        name = PurePosixPath(where)
        try:
            if name.suffix.lower() in JSONL_SUFFIXES:
                yield from self._read_jsonl(self._lines(io.BytesIO(data)), where, published)
            else:
                yield self._story(data, name.stem, published)
        except InputError as exc:
            yield InputProblem(where, str(exc))

    def read_record(
        self, record: dict[str, Any], where: str, *, published: dt.datetime | None = None
    ) -> Article | InputProblem:
        """One article given as a record with the JSONL fields (a row of a table)."""
        try:
            return self._article_from_record(record, where, published)
        except InputError as exc:
            return InputProblem(where, str(exc))

    def _read_folder(
        self, folder: Path, published: dt.datetime | None
    ) -> Iterator[Article | InputProblem]:
        files, problems = _story_files(folder)
        yield from problems
        if not files and not problems:
            yield InputProblem(str(folder), "directory has no .txt or .jsonl files to code")
        for path in files:
            yield from self._read_file(path, published)

    def _read_file(
        self, path: Path, published: dt.datetime | None
    ) -> Iterator[Article | InputProblem]:
        where = str(path)
        try:
            with path.open("rb") as handle:
                if path.suffix.lower() in JSONL_SUFFIXES:
                    yield from self._read_jsonl(self._lines(handle), where, published)
                else:
                    size = os.fstat(handle.fileno()).st_size
                    if size > self._limits.file_bytes:
                        raise InputError(self._too_big(size))
                    data = handle.read(self._limits.file_bytes + 1)
                    yield self._story(data, path.stem, published)
        except OSError as exc:
            yield InputProblem(where, f"cannot read ({exc.strerror or exc})")
        except InputError as exc:
            yield InputProblem(where, str(exc))

    def _story(self, data: bytes, article_id: str, published: dt.datetime | None) -> Article:
        """One story file's bytes, read up to one byte past the limit to tell it was passed."""
        if len(data) > self._limits.file_bytes:
            raise InputError(self._too_big(None))
        return self.parse(decode_text(data), article_id=article_id, published=published)

    def _read_stdin(
        self, stream: TextIO, published: dt.datetime | None
    ) -> Iterator[Article | InputProblem]:
        source: BinaryIO = stream.buffer if hasattr(stream, "buffer") else _bytes_of(stream)
        lines = self._lines(source)
        try:
            first = next(lines, b"")
            if first is None:
                raise InputError(self._too_big(None))
            if first.removeprefix(UTF8_BOM).lstrip().startswith(b"{"):
                yield from self._read_jsonl(itertools.chain([first], lines), "<stdin>", published)
                return
            rest = source.read(self._limits.file_bytes + 1)
            yield self._story(first + rest, "stdin", published)
        except OSError as exc:
            yield InputProblem("<stdin>", f"cannot read ({exc.strerror or exc})")
        except InputError as exc:
            yield InputProblem("<stdin>", str(exc))

    def _read_jsonl(
        self, lines: Iterable[bytes | None], where: str, published: dt.datetime | None
    ) -> Iterator[Article | InputProblem]:
        """One article per line: `text` required; `id`, `title`, `published`, `url`, `source`."""
        for number, raw in enumerate(lines, start=1):
            place = f"{where}:{number}"
            if raw is None:
                yield InputProblem(place, self._line_too_long())
                continue
            if number == 1 and raw.startswith(tuple(bom for bom, _ in BOMS)):
                yield InputProblem(where, "JSONL must be UTF-8; convert it: iconv -t UTF-8")
                return
            if not raw.strip():
                continue
            try:
                yield self._article_from_record(_json_line(raw), place, published)
            except InputError as exc:
                yield InputProblem(place, str(exc))

    def _lines(self, source: BinaryIO) -> Iterator[bytes | None]:
        """The lines of a JSONL input, None for a line over the limit, which is skipped
        without being held in memory. A line that does not end within four times the limit
        (one endless line, /dev/zero on stdin) ends the reading of that input."""
        limit = self._line_bytes
        while line := source.readline(limit + 1):
            if len(line) <= limit:
                yield line
                continue
            skipped = len(line)
            while line and not line.endswith(b"\n"):
                if skipped > 4 * limit:
                    raise InputError(
                        f"a line runs over {skipped / MEGABYTE:.0f} MB without ending; "
                        f"the rest of this input is not read"
                    )
                line = source.readline(MEGABYTE)
                skipped += len(line)
            yield None

    @property
    def _line_bytes(self) -> int:
        """The longest JSONL line read: a story's characters may take up to 4 bytes each."""
        return self._limits.story_chars * 4

    def _too_big(self, size: int | None) -> str:
        """Why a story is refused for its size; `size` is None when it was not read whole."""
        limit = f"{self._limits.file_bytes / MEGABYTE:g} MB"
        told = f"is {size / MEGABYTE:.1f} MB" if size is not None else f"is over {limit}"
        return f"story {told}; a story may be at most {limit} (use JSONL for corpora)"

    def _line_too_long(self) -> str:
        return (
            f"line is over {self._line_bytes / MEGABYTE:.1f} MB; a story may be at "
            f"most {self._limits.story_chars:,} characters"
        )

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
        """Split a wire story into headline, dates, dateline, body and credits. Lone surrogates
        (JSON can carry "\\ud800") are replaced, as no output could encode them."""
        limit = self._limits.story_chars
        if len(text) > limit:
            raise InputError(f"story is {len(text):,} characters; the limit is {limit:,}")
        text, article_id = _clean(text), _clean(article_id)
        title, url, source = (v and _clean(v) for v in (title, url, source))
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
    try:
        record = json.loads(decode_text(raw))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise InputError(
            "JSON nested too deeply to read; a story record is one flat object"
        ) from None
    if not isinstance(record, dict):
        raise InputError("a JSONL line must be an object with a 'text' field")
    return record


def _str(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _clean(text: str) -> str:
    return SURROGATE.sub("\ufffd", text)


def _bytes_of(stream: TextIO) -> BinaryIO:
    return io.BytesIO(stream.read().encode("utf-8", "surrogatepass"))


def _unreadable(path: Path) -> str | None:
    """Why a path given to read is no file or folder to read, or None."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a loop of symbolic links"
        if exc.errno == errno.ENOENT:
            return "a broken symbolic link" if path.is_symlink() else "no such file or directory"
        return f"cannot read ({exc.strerror or exc})"
    if path.is_dir():
        return None if os.access(path, os.R_OK | os.X_OK) else "cannot read (permission denied)"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, device or socket); give a file, folder or - for stdin"
    return None


def _story_files(folder: Path) -> tuple[list[Path], list[InputProblem]]:
    """The story and JSONL files under a folder, and the names in it that cannot be read
    (an unreadable sub-folder, a FIFO named like a story). Symbolic links to folders are
    not followed, so a link loop cannot trap the walk."""
    files: list[Path] = []
    problems: list[InputProblem] = []

    def unreadable(exc: OSError) -> None:
        problems.append(InputProblem(str(exc.filename), f"cannot read ({exc.strerror or exc})"))

    for root, _, names in os.walk(folder, onerror=unreadable):
        for name in names:
            path = Path(root) / name
            if path.suffix.lower() not in STORY_SUFFIXES + JSONL_SUFFIXES:
                continue
            problem = _unreadable(path)
            if problem is None:
                files.append(path)
            else:
                problems.append(InputProblem(str(path), problem))
    return sorted(files), problems


def decode_text(data: bytes) -> str:
    """UTF-8 text (a byte-order mark says UTF-16 or UTF-32 instead), or an error that says
    why not (binary data, another encoding)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(
                    f"not valid {encoding.upper()} text after its byte-order mark"
                ) from None
    if b"\x00" in data[:8192]:
        if _looks_like_utf16(data):
            raise InputError(
                "UTF-16 text without a byte-order mark; convert it: iconv -f UTF-16LE -t UTF-8"
            )
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
    try:
        if first.tzinfo is not None:
            first.astimezone(dt.UTC)
    except ValueError:
        raise InputError(f"the date {value!r} has a time zone offset beyond ±24 hours") from None
    except OverflowError:
        raise InputError(f"the date {value!r} falls outside the years 1-9999 in UTC") from None
    return first


@dataclass(slots=True)
class _Meta:
    title: str | None
    published: dt.datetime | None
    updated: dt.datetime | None
    skip: set[int]


def _looks_like_utf16(data: bytes) -> bool:
    """Mostly ASCII text in UTF-16 has a zero in every other byte."""
    sample = data[:4096]
    return sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4


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
