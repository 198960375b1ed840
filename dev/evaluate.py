"""Score tocsin on the hand-coded dev set in this folder (sentences and short stories).

    python dev/evaluate.py            # scores
    python dev/evaluate.py --misses   # and every sentence or story triple it got wrong
    python dev/evaluate.py --heldout  # the held-out sentences and stories instead (no locations)
    python dev/evaluate.py --codebook # codebook-style sentences, one or two a CAMEO code, in a
                                      # dev part and a frozen test part (every third id)
    python dev/evaluate.py --codebook 2   # the second such set, written blind by another helper

Sentence scores follow the hidden evaluation's wording: the share of event sentences whose gold
PLOVER type is among the coded events ("type"), and whose type, source and target country are
all found in one coded event ("type+dyad"); plus the share of no-event sentences left empty.
Stories are scored at article level on distinct (CAMEO root, source, target) triples.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from tocsin import Coder
from tocsin.errors import InputError
from tocsin.model import Actor, Event

HERE = Path(__file__).parent


def actor_key(actor: Actor | None) -> str | None:
    if actor is None:
        return None
    return actor.country or actor.org


def same_actor(actor: Actor | None, gold: str | None) -> bool:
    """Gold written as '@' + sector (a group with no country, as the guideline keys it) is
    met by an actor of that sector with no country or organisation."""
    if gold is not None and gold.startswith("@"):
        return actor is not None and actor_key(actor) is None and actor.sector == gold[1:]
    return actor_key(actor) == gold


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (HERE / name).read_text().splitlines() if line.strip()]


def codebook_part(row: dict) -> str:
    """The codebook sentences split once by id: every third is frozen test, never tuned on."""
    return "test" if int(row["id"][1:]) % 3 == 0 else "dev"


def code(coder: Coder, record: dict) -> list[Event]:
    try:
        article = coder.article_from_text(
            record["text"],
            article_id=record["id"],
            published=record.get("published") or None,
            title=record.get("title"),
        )
    except InputError:
        return []  # nothing left once boilerplate ("Watch: ...") is taken off
    return list(coder.code_article(article).events)


def score_sentences(
    coder: Coder, show_misses: bool, name: str = "sentences.jsonl", part: str | None = None
) -> dict[str, float]:
    rows = [row for row in load(name) if part is None or codebook_part(row) == part]
    show_misses = show_misses and part != "test"
    typed = dyad = events_total = empty_ok = empty_total = 0
    by_type: Counter[str] = Counter()
    by_type_hit: Counter[str] = Counter()
    for row in rows:
        events = code(coder, row)
        gold = row["gold"]
        if not gold:
            empty_total += 1
            empty_ok += not events
            if events and show_misses:
                print(f"FP   {row['id']}: {row['text']}\n     -> {describe(events)}")
            continue
        events_total += 1
        first = gold[0]
        by_type[first["plover"]] += 1
        type_hit = any(e.plover.type == g["plover"] for e in events for g in gold)
        dyad_hit = any(
            (
                e.plover.type == g["plover"]
                and same_actor(e.source, g.get("source"))
                and same_actor(e.target, g.get("target"))
            )
            or (
                g.get("symmetric")
                and e.plover.type == g["plover"]
                and same_actor(e.target, g.get("source"))
                and same_actor(e.source, g.get("target"))
            )
            for e in events
            for g in gold
        )
        typed += type_hit
        dyad += dyad_hit
        by_type_hit[first["plover"]] += type_hit
        if show_misses and not dyad_hit:
            tag = "TYPE" if not type_hit else "DYAD"
            print(f"{tag} {row['id']}: {row['text']}\n     gold {gold}\n     -> {describe(events)}")
    result = {
        "sentences": events_total,
        "type": typed / events_total,
        "type+dyad": dyad / events_total,
        "no-event sentences left empty": empty_ok / max(empty_total, 1),
    }
    for plover in sorted(by_type):
        result[f"  type {plover}"] = by_type_hit[plover] / by_type[plover]
    return result


def score_stories(coder: Coder, show_misses: bool, name: str = "stories.jsonl") -> dict[str, float]:
    tp = fp = fn = 0
    for story in load(name):
        events = code(coder, story)
        found = {(e.root, actor_key(e.source), actor_key(e.target)) for e in events}
        gold = {(g["root"], g.get("source"), g.get("target")) for g in story["gold"]}
        symmetric = [
            (g["root"], g.get("source"), g.get("target"))
            for g in story["gold"]
            if g.get("symmetric")
        ]
        for root, source, target in symmetric:
            if (root, target, source) in found and (root, target, source) not in gold:
                found.discard((root, target, source))
                found.add((root, source, target))
        tp += len(found & gold)
        fp += len(found - gold)
        fn += len(gold - found)
        if show_misses:
            for miss in sorted(found - gold, key=str):
                print(f"FP   {story['id']}: {miss}")
            for miss in sorted(gold - found, key=str):
                print(f"MISS {story['id']}: {miss}")
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    return {
        "story precision": precision,
        "story recall": recall,
        "story F1": 2 * precision * recall / max(precision + recall, 1e-9),
    }


def score_locations(coder: Coder, show_misses: bool) -> dict[str, float]:
    """Of gold events found (same root), how often the location country is right."""
    matched = right = placed_gold = 0
    for row in load("locations.jsonl"):
        events = code(coder, row)
        for gold in row["gold"]:
            candidates = [e for e in events if e.root == gold["root"]]
            if not candidates:
                continue
            matched += 1
            event = candidates[0]
            have = event.location.country if event.location else None
            if gold["location"] is not None:
                placed_gold += 1
                ok = event.location is not None and have == gold["country"]
            else:
                ok = event.location is None
            right += ok
            if show_misses and not ok:
                where = event.location.name if event.location else None
                print(
                    f"LOC  {row['id']}: gold {gold['location']} ({gold['country']}) "
                    f"-> {where} ({have}) [{event.location_basis}]\n     {row['text'][:150]}"
                )
    return {
        "location events matched": matched,
        "location country right": right / max(matched, 1),
        "  of which gold has a place": placed_gold,
    }


def describe(events: list[Event]) -> str:
    return (
        "; ".join(
            f"{e.cameo} {e.plover.type} {actor_key(e.source)}->{actor_key(e.target)} "
            f"[{e.trigger.text}] {e.rule}"
            for e in events
        )
        or "(nothing)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print what was missed")
    parser.add_argument(
        "--heldout",
        action="store_true",
        help="score the held-out sentences and stories (gold written before running tocsin)",
    )
    parser.add_argument(
        "--codebook",
        nargs="?",
        const="1",
        choices=["1", "2"],
        help="score a set of codebook-style sentences (one or two a CAMEO code, gold written "
        "blind): 1 (default) or 2",
    )
    args = parser.parse_args()
    coder = Coder()
    started = time.perf_counter()
    if args.codebook:
        name = "codebook-sentences.jsonl" if args.codebook == "1" else "codebook-sentences-2.jsonl"
        dev = score_sentences(coder, args.misses, name, part="dev")
        test = score_sentences(coder, args.misses, name, part="test")
        results = {f"dev {k.strip()}": v for k, v in dev.items()} | {
            f"test {k.strip()}": v for k, v in test.items()
        }
    elif args.heldout:
        results = score_sentences(coder, args.misses, "heldout-sentences.jsonl") | score_stories(
            coder, args.misses, "heldout-stories.jsonl"
        )
    else:
        results = (
            score_sentences(coder, args.misses)
            | score_stories(coder, args.misses)
            | score_locations(coder, args.misses)
        )
    for name, value in results.items():
        print(f"{name:<34} {value:.3f}" if isinstance(value, float) else f"{name:<34} {value}")
    print(f"{'seconds':<34} {time.perf_counter() - started:.1f}")


if __name__ == "__main__":
    main()
