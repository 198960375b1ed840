"""The corpus written once per session into a temporary folder."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .corpus import FILES, RECORDS, stored_id, story, write_records

STDIN_STORY = story("stdin")


@dataclass(frozen=True)
class Corpus:
    paths: list[str]  # every input, in the order given to the command
    bad: list[tuple[str, str]]  # (where, message): each must appear on one stderr line
    good: set[str]  # article ids every run must code and store (stdin's included)
    with_events: set[str]  # those whose story codes an event


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = tmp_path_factory.mktemp("badinput")
    paths = [str(case.make(folder)) for case in FILES]
    records = folder / "records.jsonl"
    places = write_records(records)
    bad = [(p, c.message) for p, c in zip(paths, FILES, strict=True) if c.message]
    bad += [(places[c.name], c.message) for c in RECORDS if c.message]
    cases = [*FILES, *RECORDS]
    good = {stored_id(c) for c in cases if c.good} | {"stdin"}
    with_events = {stored_id(c) for c in cases if c.good and c.events} | {"stdin"}
    return Corpus([*paths, str(records), "-"], bad, good, with_events)
