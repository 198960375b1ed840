"""The `tocsin code` command: formats, inputs, and a clear one-line error for every bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tocsin.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
STORY = FIXTURES / "wire_story.txt"
SHORT = "Police in Nairobi arrested three opposition leaders on Monday."


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str, stdin: str | None = None):
    result = runner.invoke(app, ["code", *args], input=stdin)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def events_of(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_codes_a_wire_story_as_json_lines(runner: CliRunner) -> None:
    result = run(runner, str(STORY))
    assert result.exit_code == 0
    events = events_of(result.stdout)
    meeting = [e for e in events if e["root"] == "04"]
    assert meeting and meeting[0]["source"]["country"] == "ARM"
    assert meeting[0]["target"]["country"] == "AZE"
    assert meeting[0]["date"] == "2023-10-11" and meeting[0]["date_basis"] == "relative"
    assert all(e["article_id"] == "wire_story" for e in events)
    assert not any("Crowds" in e["sentence"] for e in events)
    assert "coded 1 article" in result.stderr


def test_table_and_csv_formats(runner: CliRunner) -> None:
    table = run(runner, str(STORY), "--format", "table")
    assert table.exit_code == 0 and "ARM" in table.stdout
    as_csv = run(runner, str(STORY), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows and rows[0]["cameo"] and "source_country" in rows[0]


def test_stdin_and_published_option(runner: CliRunner) -> None:
    result = run(runner, "-", "--published", "2024-01-10", stdin=SHORT)
    events = events_of(result.stdout)
    assert result.exit_code == 0
    assert events[0]["cameo"] == "173" and events[0]["date"] == "2024-01-08"


def test_jsonl_input_carries_ids(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps({"id": "k1", "text": SHORT, "published": "2024-01-10"}) + "\n")
    events = events_of(run(runner, str(path)).stdout)
    assert events and events[0]["article_id"] == "k1"


def test_all_flag_shows_modality(runner: CliRunner) -> None:
    text = "Russia could impose sanctions on Latvia, officials warned."
    default = events_of(run(runner, "-", stdin=text).stdout)
    everything = events_of(run(runner, "-", "--all", stdin=text).stdout)
    assert not any(e["root"] == "16" for e in default)
    assert any(e["root"] == "16" and e["modality"] == "hypothetical" for e in everything)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.txt", "no such file or directory"),
        (lambda d: _dir(d / "empty"), "no .txt or .jsonl files"),
        (lambda d: _write(d / "image.txt", b"\x89PNG\x00\x00\x01binary"), "binary file"),
        (lambda d: _write(d / "latin1.txt", "Caf\xe9 talks".encode("latin-1")), "not UTF-8"),
        (lambda d: _write(d / "blank.txt", b"  \n\n \n"), "empty story"),
        (lambda d: _write(d / "bad.jsonl", b"{not json}\n"), "not valid JSON"),
        (lambda d: _write(d / "notext.jsonl", b'{"id": "x"}\n'), "missing the required 'text'"),
        (
            lambda d: _write(d / "date.jsonl", b'{"text": "Talks.", "published": "someday"}\n'),
            "cannot read the date",
        ),
        (lambda d: _sparse(d / "huge.txt", 50 * 1024 * 1024), "50.0 MB"),
    ],
    ids=[
        "missing",
        "empty-dir",
        "binary",
        "latin1",
        "empty",
        "not-json",
        "no-text",
        "bad-date",
        "50MB",
    ],
)
def test_bad_input_gets_one_line_and_others_still_coded(
    runner: CliRunner, tmp_path: Path, make, message: str
) -> None:
    bad = make(tmp_path)
    result = run(runner, str(bad), str(STORY))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("tocsin: error:")]
    assert len(errors) == 1 and message in errors[0] and bad.name in errors[0]
    assert events_of(result.stdout), "the good input must still be coded"


def test_jsonl_error_names_the_line(runner: CliRunner, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "mixed.jsonl", (json.dumps({"text": SHORT}) + "\n" + "[1, 2]\n").encode()
    )
    result = run(runner, str(path))
    assert result.exit_code == 1
    assert f"{path}:2:" in result.stderr
    assert events_of(result.stdout)


def test_bad_published_option_is_a_usage_error(runner: CliRunner) -> None:
    result = run(runner, str(STORY), "--published", "the other day")
    assert result.exit_code == 2
    assert "cannot read the date" in result.stderr


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _dir(path: Path) -> Path:
    path.mkdir()
    (path / "notes.md").write_text("not a story")
    return path


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path
