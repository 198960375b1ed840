"""The bad-input corpus: every input that once stopped a run, beside good inputs that must be
coded in the same run. Each bad case names the message it must get; each good case the id
its article must be stored under.

Files are written into a folder; story records go into one JSONL file (and, one at a time,
to `POST /api/v1/code`). The limits are small (see `LIMITS`) so that the long and oversized
cases stay cheap.
"""

from __future__ import annotations

import codecs
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tocsin.model import Limits

LIMITS = Limits(file_bytes=1_000_000, story_chars=200_000, chunk_chars=20_000)
ENVIRONMENT = {
    "TOCSIN_FILE_BYTES": str(LIMITS.file_bytes),
    "TOCSIN_STORY_CHARS": str(LIMITS.story_chars),
    "TOCSIN_CHUNK_CHARS": str(LIMITS.chunk_chars),
}
ATTACK = "Russia attacked Ukraine."
IS_ROOT = os.geteuid() == 0  # permissions do not bind root: the unreadable cases are skipped


@dataclass(frozen=True)
class Case:
    """One input: `message` for a bad one, None for a good one, whose article is `stored`
    under its name and, with `events`, codes at least one event."""

    name: str
    message: str | None = None
    events: bool = True

    @property
    def good(self) -> bool:
        return self.message is None


@dataclass(frozen=True)
class FileCase(Case):
    make: Callable[[Path], Path] = lambda folder: folder


@dataclass(frozen=True)
class RecordCase(Case):
    """A JSONL line: `record` is the object, or `raw` the line as it stands. `api` is the
    status and message of `POST /api/v1/code` where its request schema answers first."""

    record: dict[str, object] | None = None
    raw: str | None = None
    api: tuple[int, str] | None = None

    def line(self) -> str:
        if self.raw is not None:
            return self.raw
        return json.dumps({"id": self.name, **(self.record or {})})


def story(name: str) -> str:
    """A story that codes one event, its words its own: the store knows an article by its
    text, so two good cases must not share one."""
    return f"{ATTACK} Officials described it as the {name} case."


def _write(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    return make


def _fifo(name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        os.mkfifo(folder / name)
        return folder / name

    return make


def _link(name: str, target: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / name).symlink_to(folder / target)
        return folder / name

    return make


def _folder(name: str, *entries: Callable[[Path], Path], mode: int | None = None) -> Callable:
    def make(folder: Path) -> Path:
        inner = folder / name
        inner.mkdir()
        for entry in entries:
            entry(inner)
        if mode is not None:
            inner.chmod(mode)
        return inner

    return make


def _sparse(name: str, size: int) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        with (folder / name).open("wb") as handle:
            handle.truncate(size)
        return folder / name

    return make


def _unreadable(name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = _write(name, ATTACK)(folder)
        path.chmod(0o000)
        return path

    return make


def _given(path: str) -> Callable[[Path], Path]:
    return lambda _: Path(path)


def _long_story() -> str:
    """About 100 KB of paragraphs, so that the story is parsed in several pieces."""
    quiet = [
        f"Residents of district {i} waited for news as the rain went on through the evening."
        for i in range(1_200)
    ]
    return "\n\n".join([story("long first"), *quiet, story("long last")])


WALL = ATTACK[:-1] + " and " + " ".join(["the people walked along the river"] * 830)
"""5,000 words without a full stop: parsed in runs, its cost grows with its length."""
LINE_LIMIT = LIMITS.story_chars * 4

FILES: tuple[FileCase, ...] = (
    FileCase("missing", "no such file or directory", make=lambda d: d / "missing.txt"),
    FileCase("loop", "a loop of symbolic links", make=_link("loop.txt", "loop.txt")),
    FileCase("dangling", "a broken symbolic link", make=_link("dangling.txt", "gone.txt")),
    FileCase("fifo", "not a regular file", make=_fifo("fifo.txt")),
    FileCase("dev-zero", "not a regular file", make=_given("/dev/zero")),
    FileCase("dev-null", "not a regular file", make=_given("/dev/null")),
    FileCase("empty-dir", "directory has no .txt or .jsonl files", make=_folder("empty")),
    FileCase("fifo-in-dir", "not a regular file", make=_folder("withfifo", _fifo("pipe.txt"))),
    FileCase("binary", "binary file", make=_write("binary.txt", b"\x00\x01\x02" * 100)),
    FileCase("latin1", "not UTF-8", make=_write("latin1.txt", "Café à Genève.".encode("latin-1"))),
    FileCase(
        "utf16-no-bom",
        "UTF-16 text without a byte-order mark",
        make=_write("utf16-no-bom.txt", ATTACK.encode("utf-16-le")),
    ),
    FileCase(
        "utf16-broken",
        "not valid UTF-16",
        make=_write("utf16-broken.txt", codecs.BOM_UTF16_LE + b"\x00\xd8A"),
    ),
    FileCase("empty-file", "empty story", make=_write("empty-file.txt", b"")),
    FileCase("blank-file", "empty story", make=_write("blank-file.txt", " \n\t\n \r\n")),
    FileCase("oversized", "story is 1.1 MB", make=_sparse("oversized.txt", 1_200_000)),
    FileCase(
        "one-long-line",
        f"story is 300,000 characters; the limit is {LIMITS.story_chars:,}",
        make=_write("one-long-line.txt", "a" * 300_000),
    ),
    FileCase(
        "jsonl-utf16",
        "JSONL must be UTF-8",
        make=_write("jsonl-utf16.jsonl", json.dumps({"text": ATTACK}).encode("utf-16")),
    ),
    FileCase(
        "endless-line",
        "without ending; the rest of this input is not read",
        make=_write("endless-line.jsonl", b"x" * (4 * LINE_LIMIT + 3 * 1024 * 1024)),
    ),
    FileCase("good-utf16-le", make=_write("good-utf16-le.txt", story("utf16-le").encode("utf-16"))),
    FileCase(
        "good-utf16-be",
        make=_write(
            "good-utf16-be.txt", codecs.BOM_UTF16_BE + story("utf16-be").encode("utf-16-be")
        ),
    ),
    FileCase("good-utf32", make=_write("good-utf32.txt", story("utf32").encode("utf-32"))),
    FileCase(
        "good-utf8-bom",
        make=_write("good-utf8-bom.txt", codecs.BOM_UTF8 + story("utf8-bom").encode()),
    ),
    FileCase("good-crlf", make=_write("good-crlf.txt", f"Headline\r\n\r\n{story('crlf')}\r\n")),
    FileCase("good-long-story", make=_write("good-long-story.txt", _long_story())),
    FileCase("good-wall-of-words", make=_write("good-wall-of-words.txt", WALL)),
    FileCase(
        "good-beside-fifo",
        make=_folder("mixed", _fifo("pipe.txt"), _write("good-beside-fifo.txt", story("fifo"))),
    ),
    FileCase(
        "good-jsonl-bom",
        make=_write(
            "good-jsonl-bom.jsonl",
            codecs.BOM_UTF8 + json.dumps({"id": "good-jsonl-bom", "text": story("bom")}).encode(),
        ),
    ),
)

if not IS_ROOT:
    FILES += (
        FileCase(
            "unreadable-dir",
            "permission denied",
            make=_folder("locked", _write("inside.txt", ATTACK), mode=0o000),
        ),
        FileCase("unreadable-file", "permission denied", make=_unreadable("secret.txt")),
    )


def _dated(name: str, text: str, published: str, *, events: bool = True) -> RecordCase:
    return RecordCase(name, events=events, record={"text": text, "published": published})


DEEP = "[" * 100_000 + "]" * 100_000
UNPARSED = "There was an error parsing the body"
NOT_UNICODE = "Input should be a valid string, unable to parse raw data as a unicode string"

RECORDS: tuple[RecordCase, ...] = (
    RecordCase("not-json", "not valid JSON", raw='{"text": "unterminated'),
    RecordCase("array", "must be an object", raw=json.dumps([ATTACK])),
    RecordCase("string", "must be an object", raw=json.dumps(ATTACK)),
    RecordCase("no-text", "missing the required 'text' field", record={"title": "x"}),
    RecordCase("null-text", "missing the required 'text' field", record={"text": None}),
    RecordCase("number-text", "'text' must be a string", record={"text": 42}),
    RecordCase("empty-text", "empty story", record={"text": ""}),
    RecordCase("blank-text", "empty story", record={"text": " \n \t "}),
    RecordCase("deep-nesting", "nested too deeply", raw=DEEP, api=(400, UNPARSED)),
    RecordCase(
        "deep-field",
        "nested too deeply",
        raw='{"text": "x", "meta": ' + DEEP + "}",
        api=(400, UNPARSED),
    ),
    RecordCase(
        "too-long-story",
        f"story is {LIMITS.story_chars + 1:,} characters",
        record={"text": "a" * (LIMITS.story_chars + 1)},
        api=(413, "over this server's 100,000"),
    ),
    RecordCase(
        "too-long-line",
        "line is over 0.8 MB",
        raw=json.dumps({"text": "é" * (LINE_LIMIT // 2)}),
        api=(413, "body over"),
    ),
    RecordCase(
        "offset-plus-25",
        "time zone offset beyond ±24 hours",
        record={"text": ATTACK, "published": "2024-03-05T10:00:00+25:00"},
    ),
    RecordCase(
        "offset-minus-25",
        "time zone offset beyond ±24 hours",
        record={"text": ATTACK, "published": "2024-03-05T10:00:00-25:00"},
    ),
    RecordCase(
        "before-year-one",
        "outside the years 1-9999",
        record={"text": ATTACK, "published": "0001-01-01T00:00:00+05:00"},
    ),
    RecordCase(
        "garbage-date", "cannot read the date", record={"text": ATTACK, "published": "soon"}
    ),
    RecordCase(
        "year-only", "lacks a day, month or year", record={"text": ATTACK, "published": "2024"}
    ),
    RecordCase("object-date", "cannot read the date", record={"text": ATTACK, "published": {}}),
    _dated("good-days-ago", "Russia attacked Ukraine 99999999 days ago.", "2024-03-05"),
    _dated("good-many-days-ago", "Russia attacked Ukraine 9999999999 days ago.", "2024-03-05"),
    _dated("good-yesterday-year-one", "Russia attacked Ukraine yesterday.", "0001-01-01"),
    _dated("good-tuesday-year-one", "Russia attacked Ukraine on Tuesday.", "0001-01-01"),
    _dated("good-this-week-year-one", "Russia attacked Ukraine earlier this week.", "0001-01-01"),
    _dated("good-last-year-year-one", "Russia attacked Ukraine last year.", "0001-03-01"),
    _dated("good-december-year-one", "Russia attacked Ukraine in December.", "0001-01-01"),
    _dated(
        "good-tomorrow-9999", "Russia will attack Ukraine tomorrow.", "9999-12-31", events=False
    ),
    _dated("good-next-tuesday-9999", "Russia attacked Ukraine next Tuesday.", "9999-12-31"),
    _dated("good-march-3-9999", "Russia attacked Ukraine on March 3.", "9999-12-20", events=False),
    _dated("good-february-29", "Russia attacked Ukraine on Feb. 29.", "2023-03-05"),
    _dated("good-march-32", "Russia attacked Ukraine on March 32.", "2024-04-05"),
    _dated("good-digits-date", story("digits-date"), "20240305"),
    RecordCase(
        "good-surrogate-text",
        record={"text": story("surrogate \ud800 text")},
        api=(422, "body.text: " + NOT_UNICODE),
    ),
    RecordCase("good-surrogate-title", record={"text": story("title"), "title": "Strike \udfff"}),
    RecordCase(
        "good-surrogate-id",
        raw=json.dumps({"id": "good-surrogate-id\ud800", "text": story("surrogate id")}),
        api=(422, "body.id: " + NOT_UNICODE),
    ),
    RecordCase("good-nul", record={"text": story("nul \u0000")}),
    RecordCase("good-emoji-rtl", record={"text": f"🔥 {story('emoji')} مرحبا Z̷̢a̸l̵g̶o"}),
    RecordCase(
        "good-line-separators", record={"text": f"{story('separated')}\u2028{ATTACK}\u2029"}
    ),
    RecordCase("good-punctuation-only", events=False, record={"text": "!!! ??? ... ---"}),
    RecordCase(
        "good-list-title",
        record={"text": story("list title"), "title": ["a", "b"]},
        api=(422, "body.title: Input should be a valid string"),
    ),
    RecordCase(
        "good-long-id",
        raw=json.dumps({"id": "good-long-id" + "x" * 150, "text": story("long id")}),
    ),
    RecordCase("good-wall", record={"text": "Wall. " + WALL}),
)


def stored_id(case: Case) -> str:
    """The id a good case's article is stored under."""
    if case.name == "good-surrogate-id":
        return "good-surrogate-id\ufffd"
    if case.name == "good-long-id":
        return "good-long-id" + "x" * 150
    return case.name


def write_records(path: Path) -> dict[str, str]:
    """The records as one JSONL file, good lines between the bad; each case's place
    (file:line) in it."""
    lines = [case.line() for case in RECORDS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    return {case.name: f"{path}:{number}" for number, case in enumerate(RECORDS, start=1)}
