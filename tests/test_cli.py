"""The `tocsin` commands through Typer's runner: formats, inputs, the store commands, and a
one-line error with the documented exit status (0 ok, 1 bad input, 2 usage or store) for
every mistake."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tocsin.cli import app
from tocsin.storage.query import EventFilter, events, stats
from tocsin.storage.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
STORY = FIXTURES / "wire_story.txt"
CORPUS = FIXTURES / "corpus" / "stories.jsonl"
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


@pytest.fixture(scope="module")
def store_path(runner: CliRunner, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "events.duckdb"
    result = runner.invoke(app, ["ingest", str(CORPUS), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "articles: 4 new (0 near-duplicates), 0 already known, 0 failed" in result.stderr
    return db


def test_ingest_stores_what_it_codes_and_skips_it_the_second_time(
    runner: CliRunner, store_path: Path
) -> None:
    with Store(store_path, read_only=True) as store:
        held = stats(store)
        rus = events(store, EventFilter(actor="RUS"))
    assert held["articles"] == 4 and held["events"] == held["mentions"] - 1 and rus
    again = runner.invoke(app, ["ingest", str(CORPUS), "--db", str(store_path)])
    assert again.exit_code == 0 and "0 new (0 near-duplicates), 4 already known" in again.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "table"])
def test_events_command_formats(
    runner: CliRunner, store_path: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"events.{fmt}"
    args = ["events", "--db", str(store_path), "--actor", "RUS", "--format", fmt]
    result = runner.invoke(app, [*args, "--output", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "parquet":
        assert out.stat().st_size > 0 and "wrote" in result.stderr
    else:
        assert "RUS" in out.read_text()
    if fmt == "table":
        assert "num_mentions" in out.read_text() and "plover_mode" not in out.read_text()


@pytest.mark.parametrize("fmt", ["gdelt", "plover", "parquet"])
def test_export_command(runner: CliRunner, store_path: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export.{fmt}"
    result = runner.invoke(
        app, ["export", "--db", str(store_path), "--format", fmt, "--output", str(out)]
    )
    assert result.exit_code == 0 and "wrote" in result.stderr
    assert out.stat().st_size > 0 and not Path(str(out) + ".partial").exists()


def test_dyad_actors_and_stats_commands(runner: CliRunner, store_path: Path) -> None:
    dyad = runner.invoke(app, ["dyad", "RUS", "UKR", "--db", str(store_path), "-f", "jsonl"])
    assert dyad.exit_code == 0 and json.loads(dyad.stdout.splitlines()[0])["events"] >= 1
    actors = runner.invoke(app, ["actors", "--db", str(store_path), "--top", "3", "-f", "csv"])
    assert actors.exit_code == 0 and actors.stdout.startswith("code,events")
    shown = runner.invoke(app, ["stats", "--db", str(store_path)])
    assert shown.exit_code == 0 and "articles" in shown.stdout


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["events", "--sort", "colour"], "sort column 'colour' is unknown"),
        (["events", "--since", "2022-03-05", "--until", "2022-03-01"], "is after until"),
        (["events", "--since", "last spring"], "give a date as YYYY-MM-DD"),
        (["events", "--root", "42"], "CAMEO root from 01 to 20"),
        (["events", "--format", "parquet"], "--format parquet needs --output"),
        (["dyad", "RUS", "UKR", "--freq", "fortnight"], "frequency 'fortnight'"),
    ],
)
def test_bad_queries_exit_2_and_change_nothing(
    runner: CliRunner, store_path: Path, args: list[str], message: str
) -> None:
    before = _digest(store_path)
    result = runner.invoke(app, [*args, "--db", str(store_path)])
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output
    assert _digest(store_path) == before


def test_missing_corrupt_and_newer_databases_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    result = runner.invoke(app, ["stats", "--db", str(missing)])
    assert result.exit_code == 2 and "no such database" in result.stderr
    assert not missing.exists()
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"this is not a database" * 100)
    result = runner.invoke(app, ["events", "--db", str(corrupt)])
    assert result.exit_code == 2 and "not a readable tocsin database" in result.stderr
    result = runner.invoke(app, ["ingest", str(CORPUS), "--db", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_usage_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(app, ["code", str(STORY), "--format", "yaml"]).exit_code == 2
    assert runner.invoke(app, ["frobnicate"]).exit_code == 2
    result = runner.invoke(app, ["code", str(STORY), "--data", str(tmp_path / "none")])
    assert result.exit_code == 2 and result.stderr.startswith("tocsin: error:")


def test_a_bug_exits_3_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from tocsin import cli

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 3
    assert capsys.readouterr().err == "tocsin: internal error: RuntimeError: boom (please report)\n"


def test_a_library_error_outside_a_command_check_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from tocsin import cli
    from tocsin.errors import ModelError

    def no_model() -> None:
        raise ModelError("the spaCy model is missing")

    monkeypatch.setattr(cli, "app", no_model)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "tocsin: error: the spaCy model is missing\n"


def test_explain_a_sentence_shows_patterns_roles_modality_and_drops(runner: CliRunner) -> None:
    text = "Russian forces shelled Kherson on Tuesday. Kyiv will not negotiate."
    result = runner.invoke(app, ["explain", text, "--published", "2025-01-15"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "verb 'shelled': coded 194 by v.shell" in out
    assert "tried v.shell: fired, code 194" in out
    assert "source: the subject 'forces' → RUSMIL" in out
    assert "modality: negated: negation on 'negotiate'" in out
    assert "left out by default: negated" in out
    assert "1 event reported by default" in out


def test_explain_a_story_file_as_json(runner: CliRunner) -> None:
    result = runner.invoke(app, ["explain", str(STORY), "--format", "json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output.splitlines()[0])
    triggers = [t for s in record["trace"]["sentences"] for t in s["triggers"]]
    coded = [t for t in triggers if t["rule"] and t["events"]]
    assert record["events"] and coded
    assert all(
        any(p.startswith(t["rule"]) for p in t["patterns"]) or ">" in t["rule"] or "+" in t["rule"]
        for t in coded
    )
    assert {e["rule"] for e in record["events"]} <= {t["rule"] for t in triggers}


def test_explain_refuses_a_bad_date(runner: CliRunner) -> None:
    result = runner.invoke(app, ["explain", "Iran recalled its ambassador.", "--published", "x"])
    assert result.exit_code == 2
    assert "cannot read the date 'x'" in result.output


def test_every_command_is_shown_in_the_readme() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    commands = [c.name for c in app.registered_commands]
    assert "explain" in commands
    assert [name for name in commands if f"tocsin {name}" not in readme] == []


def test_recode_recodes_with_new_knowledge_once_and_stats_shows_the_coders(
    runner: CliRunner, tmp_path: Path
) -> None:
    db, data = tmp_path / "events.duckdb", tmp_path / "data"
    data.mkdir()
    (data / "fewer-verbs.tsv").write_text("# tocsin:verbs v1\n~v.shell\n~v.accuse\n")
    assert runner.invoke(app, ["ingest", str(CORPUS), "--db", str(db)]).exit_code == 0
    first = runner.invoke(app, ["recode", "--db", str(db), "--data", str(data)])
    assert first.exit_code == 0, first.output
    assert "articles: 4 recoded, 0 already coded by tocsin" in first.stderr
    again = runner.invoke(app, ["recode", "--db", str(db), "--data", str(data)])
    assert again.exit_code == 0 and "0 recoded, 4 already coded" in again.stderr
    shown = runner.invoke(app, ["stats", "--db", str(db)])
    assert shown.exit_code == 0 and "articles by coder" in shown.stdout
    with Store(db, read_only=True) as store:
        assert len(stats(store)["articles by coder"]) == 1
    missing = runner.invoke(app, ["recode", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 2 and "no such database" in missing.stderr


def test_explain_takes_a_sentence_longer_than_a_file_name(runner: CliRunner) -> None:
    text = "Kenya recalled its ambassador to Somalia on Monday, " * 12
    result = runner.invoke(app, ["explain", text, "--published", "2025-01-15"])
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("tocsin ")


@pytest.mark.parametrize("command", ["code", "quotes"])
def test_json_and_jsonl_are_one_format(runner: CliRunner, command: str) -> None:
    outputs = [
        runner.invoke(app, [command, str(STORY), "--format", fmt]).stdout
        for fmt in ("json", "jsonl")
    ]
    assert outputs[0] == outputs[1] and outputs[0].startswith("{")


def test_quotes_as_csv_to_a_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "quotes.csv"
    result = runner.invoke(app, ["quotes", str(STORY), "-f", "csv", "-o", str(out)])
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert result.exit_code == 0 and result.stdout == ""
    assert rows and rows[0]["speaker_text"] and rows[0]["text"]


@pytest.mark.parametrize("command", ["dyad", "actors", "stats"])
def test_every_listing_writes_to_output(
    runner: CliRunner, store_path: Path, tmp_path: Path, command: str
) -> None:
    out = tmp_path / f"{command}.txt"
    args = ["RUS", "UKR"] if command == "dyad" else []
    result = runner.invoke(app, [command, *args, "--db", str(store_path), "-o", str(out)])
    assert result.exit_code == 0 and result.stdout == "" and out.read_text().strip()


@pytest.mark.parametrize("dyad", ["RUS,UKR", "RUS-UKR", "Russia,Ukraine", "ukr-Russia"])
def test_events_dyad_takes_one_value(runner: CliRunner, store_path: Path, dyad: str) -> None:
    args = ["events", "--db", str(store_path), "--dyad", dyad, "--limit", "2", "-f", "jsonl"]
    result = runner.invoke(app, args)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0 and len(rows) == 2
    assert all({r["source_code"][:3], r["target_code"][:3]} == {"RUS", "UKR"} for r in rows)


@pytest.mark.parametrize(
    ("option", "name", "code"),
    [
        ("--actor", "Russia", "RUS"),
        ("--source", "Russian", "RUS"),
        ("--actor", "United States", "USA"),
        ("--location", "Ukraine", "UKR"),
    ],
)
def test_actors_and_places_by_name(
    runner: CliRunner, store_path: Path, option: str, name: str, code: str
) -> None:
    by_name = runner.invoke(app, ["events", "--db", str(store_path), option, name, "-f", "jsonl"])
    with Store(store_path, read_only=True) as store:
        expected = events(store, EventFilter.from_options(**{option[2:]: code}), limit=1000)
    assert by_name.exit_code == 0
    assert len(by_name.stdout.splitlines()) == len(expected) > 0


def test_events_says_how_many_there_are(runner: CliRunner, store_path: Path) -> None:
    result = runner.invoke(app, ["events", "--db", str(store_path), "--limit", "2"])
    with Store(store_path, read_only=True) as store:
        total = stats(store)["events"]
    assert f"1-2 of {total} events (use --limit/--offset)" in result.stderr


def test_a_table_to_a_file_is_plain_and_unwrapped(runner: CliRunner, store_path: Path) -> None:
    args = ["events", "--db", str(store_path), "--limit", "3"]
    table = runner.invoke(app, args).stdout
    rows = [
        json.loads(line)
        for line in runner.invoke(app, [*args, "-f", "jsonl"]).stdout.split("\n")
        if line
    ]
    assert "\x1b[" not in table and "│" not in table
    assert all(any(r["sentence"] in line for line in table.splitlines()) for r in rows)


def test_help_names_values_not_python_types(runner: CliRunner) -> None:
    shown = "".join(runner.invoke(app, [c, "--help"]).stdout for c in ("code", "events"))
    assert "<bool>" not in shown and "{paths}" not in shown and "<str>" not in shown
    assert "Rows to skip first" in shown and "num_mentions" in shown


def test_a_failed_ingest_leaves_no_store_behind(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "typo.duckdb"
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing.txt"), "--db", str(db)])
    assert result.exit_code == 1 and "nothing to ingest" in result.stderr
    assert not db.exists()


def test_export_into_a_missing_folder_is_a_usage_error(
    runner: CliRunner, store_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "missing" / "dir" / "x.tsv"
    args = ["export", "--db", str(store_path), "--format", "gdelt", "--output", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "no folder" in result.stderr


def test_a_store_held_by_another_process_is_named(store_path: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    held = tmp_path / "held.duckdb"
    held.write_bytes(store_path.read_bytes())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(held)!r}); print(1, flush=True); "
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline()
        result = CliRunner().invoke(app, ["stats", "--db", str(held)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2
    assert "in use by another process (python" in result.stderr
    assert f"pid {holder.pid}" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind root")
def test_ingest_into_a_read_only_folder_is_refused_before_coding(
    runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    result = runner.invoke(app, ["ingest", str(STORY), "--db", str(folder / "x.duckdb")])
    assert result.exit_code == 2 and "not writable" in result.stderr
