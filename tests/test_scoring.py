"""Each scoring rule of the coding guideline, pinned on hand-made tuples, and `tocsin score`
end to end on a story written for this test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tocsin.cli import app
from tocsin.errors import InputError
from tocsin.model import Actor, Span
from tocsin.scoring import Tuple, actor_key, gold_tuple, read_gold, score, score_story


def gold(**fields: object) -> Tuple:
    record = {"cameo": "190", "source": {"country": "RUS"}, "target": {"country": "UKR"}}
    record.update(fields)
    return gold_tuple(record)


def out(root: str = "19", source: str | None = "RUS", target: str | None = "UKR", **kw) -> Tuple:
    return Tuple(root, source, target, **kw)


def test_actor_key_is_country_then_organisation_then_sector() -> None:
    assert actor_key({"country": "RUS", "org": None, "sector": "GOV"}) == "RUS"
    assert actor_key({"country": None, "org": "un", "sector": "IGO"}) == "UN"
    assert actor_key({"country": None, "org": None, "sector": "REB"}) == "@REB"
    assert actor_key({"country": None, "org": None, "sector": None}) is None
    assert actor_key(None) is None
    assert actor_key(Actor("the militants", Span(0, 13), sector="REB")) == "@REB"


def test_an_exact_tuple_is_a_true_positive() -> None:
    counts = score_story("s", [gold()], [out()]).counts
    assert (counts.tp, counts.fp, counts.fn) == (1, 0, 0)


def test_a_gold_target_is_not_matched_by_an_output_without_one() -> None:
    counts = score_story("s", [gold()], [out(target=None)]).counts
    assert (counts.tp, counts.fp, counts.fn) == (0, 1, 1)


def test_symmetric_events_match_in_either_direction() -> None:
    meeting = gold(cameo="040", symmetric=True)
    assert score_story("s", [meeting], [out("04", "UKR", "RUS")]).counts.tp == 1
    attack = gold()
    counts = score_story("s", [attack], [out("19", "UKR", "RUS")]).counts
    assert (counts.tp, counts.fp, counts.fn) == (0, 1, 1)


def test_several_outputs_matching_one_gold_count_once() -> None:
    first = out(dates=frozenset({"2025-01-01"}))
    second = out(dates=frozenset({"2025-01-02"}))
    counts = score_story("s", [gold()], [first, second]).counts
    assert (counts.tp, counts.fp, counts.fn) == (1, 0, 0)


def test_outputs_matching_an_optional_gold_count_neither_way() -> None:
    counts = score_story("s", [gold(optional=True)], [out()]).counts
    assert (counts.tp, counts.fp, counts.fn, counts.gold_events) == (0, 0, 0, 0)


def test_acceptable_codes_match_too() -> None:
    item = gold(cameo="111", acceptable=["120", "112"])
    assert score_story("s", [item], [out("12")]).counts.tp == 1
    assert score_story("s", [item], [out("13")]).counts.tp == 0


def test_dates_and_locations_are_scored_on_matched_events_that_have_them() -> None:
    items = [
        gold(date="2025-03-01", date_alt="2025-03-02", location={"country": "UKR"}),
        gold(cameo="040", source={"country": "FRA"}, date=None, location=None),
    ]
    output = [
        out(dates=frozenset({"2025-03-02"}), location=None),
        out("04", "FRA", "UKR", dates=frozenset({"2025-03-09"})),
    ]
    counts = score_story("s", items, output).counts
    assert (counts.dated, counts.dates_right) == (1, 1)
    assert (counts.located, counts.locations_right) == (1, 0)


def test_micro_scores_sum_over_stories_and_split_by_plover_type() -> None:
    report = score(
        {"a": [gold(plover="ASSAULT")], "b": [gold(cameo="040", plover="CONSULT")]},
        {"a": [out(plover="ASSAULT")], "b": [out("12", plover="REJECT")]},
    )
    assert (report.total.tp, report.total.fp, report.total.fn) == (1, 1, 1)
    assert report.total.f1 == pytest.approx(0.5)
    assert report.by_type["ASSAULT"].tp == 1 and report.by_type["CONSULT"].fn == 1
    assert report.by_type["REJECT"].fp == 1
    assert report.as_dict()["gold_per_story"] == 1.0


def test_read_gold_names_the_bad_line(tmp_path: Path) -> None:
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / "s1.jsonl").write_text('{"doc": "s1", "cameo": "190"}\nnot json\n')
    with pytest.raises(InputError, match=r"s1.jsonl:2: not valid JSON"):
        read_gold(folder)
    (folder / "s1.jsonl").write_text('{"doc": "s1", "cameo": "x"}\n')
    with pytest.raises(InputError, match=r"s1.jsonl:1: .*no CAMEO root"):
        read_gold(folder)
    (folder / "s1.jsonl").write_text("")
    assert read_gold(folder) == {"s1": []}


STORY = {
    "id": "score-1",
    "published": "2025-02-10",
    "text": "Russian forces shelled the Ukrainian city of Kherson on Sunday, killing two "
    "civilians. Ukraine's foreign minister condemned the attack.",
}


def test_tocsin_score_end_to_end(tmp_path: Path) -> None:
    stories = tmp_path / "stories.jsonl"
    stories.write_text(json.dumps(STORY) + "\n")
    golden = tmp_path / "gold.jsonl"
    records = [
        {
            "doc": "score-1",
            "cameo": "194",
            "source": {"country": "RUS", "sector": "MIL"},
            "target": {"country": "UKR"},
            "date": "2025-02-09",
            "location": {"country": "UKR"},
        },
        {
            "doc": "score-1",
            "cameo": "111",
            "source": {"country": "UKR", "sector": "GOV"},
            "target": {"country": "RUS", "sector": "MIL"},
        },
        {
            "doc": "score-1",
            "cameo": "057",
            "source": {"country": "UKR"},
            "target": {"country": "FRA"},
        },
    ]
    golden.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = CliRunner().invoke(app, ["score", str(golden), str(stories), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[: result.output.rindex("}") + 1])["all"]
    assert report["tp"] >= 2 and report["fn"] >= 1
    assert report["dates_right"] == 1.0


def test_tocsin_score_never_lists_test_misses(tmp_path: Path) -> None:
    stories = tmp_path / "stories.jsonl"
    stories.write_text(json.dumps(STORY) + "\n" + json.dumps({**STORY, "id": "score-2"}) + "\n")
    folder = tmp_path / "gold"
    folder.mkdir()
    record = {"cameo": "057", "source": {"country": "UKR"}, "target": {"country": "FRA"}}
    for story in ("score-1", "score-2"):
        (folder / f"{story}.jsonl").write_text(json.dumps({**record, "doc": story}) + "\n")
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"dev": ["score-1"], "test": ["score-2"]}))
    args = ["score", str(folder), str(stories), "--split", str(split), "--misses"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "story score-1" in result.output and "story score-2" not in result.output
    assert "dev: 1 stories" in result.output and "test: 1 stories" in result.output
