"""The golden suite: short texts we wrote, with the events a careful coder must find.

Each line of tests/golden/*.jsonl has `text`, `published`, `all`, `expect` and `forbid`. An
expected item matches an event when its `cameo` is a prefix of the event's code and every other
key equals the event's value (see tests/golden/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tocsin import Coder, Event

GOLDEN = Path(__file__).parent / "golden"
CASES = [
    pytest.param(case, id=f"{path.stem}:{case['name']}")
    for path in sorted(GOLDEN.glob("*.jsonl"))
    for case in map(json.loads, path.read_text().splitlines())
]


def event_fields(event: Event) -> dict[str, object]:
    fields: dict[str, object] = {
        "cameo": event.cameo,
        "plover": event.plover.type,
        "symmetric": event.symmetric,
        "modality": event.modality.value,
        "date": event.date.isoformat() if event.date else None,
        "date_basis": event.date_basis.value if event.date_basis else None,
        "attributed_to_text": event.attributed_to.text if event.attributed_to else None,
        "disputed": event.disputed,
        "disputed_by_text": "; ".join(a.text for a in event.disputed_by) or None,
        "location_name": event.location.name if event.location else None,
        "location_country": event.location.country if event.location else None,
        "location_basis": event.location_basis.value if event.location_basis else None,
    }
    for role, actor in (("source", event.source), ("target", event.target)):
        for key in ("country", "sector", "org", "name"):
            fields[f"{role}_{key}"] = getattr(actor, key) if actor else None
    return fields


def matches(item: dict[str, object], event: Event) -> bool:
    fields = event_fields(event)
    for key, want in item.items():
        have = fields[key]
        if key == "cameo":
            if not str(have).startswith(str(want)):
                return False
        elif key in ("attributed_to_text", "disputed_by_text"):
            if have is None or str(want) not in str(have):
                return False
        elif have != want:
            return False
    return True


def describe(events: list[Event]) -> str:
    return "\n".join(f"  {event_fields(e)}" for e in events) or "  (no events)"


@pytest.mark.parametrize("case", CASES)
def test_golden(case: dict, coder: Coder, coder_all: Coder) -> None:
    chosen = coder_all if case.get("all") else coder
    events = chosen.code(case["text"], published=case.get("published"))
    for item in case.get("expect", []):
        assert any(matches(item, e) for e in events), f"missing {item}\n{describe(events)}"
    for item in case.get("forbid", []):
        assert not any(matches(item, e) for e in events), f"forbidden {item}\n{describe(events)}"
