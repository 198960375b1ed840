"""Inter-annotator agreement on the double-coded stories of dev/voa, with tocsin's own scorer.

    python dev/agreement.py            # F1 of the second annotation against the first
    python dev/agreement.py --diff     # and each story's tuples the two disagree on

The first annotation (`dev/voa/gold/`) is taken as gold and the second (`dev/voa/second/`) as
output; F1 is symmetric in the two, so which is which does not change it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tocsin.scoring import read_gold, score

VOA = Path(__file__).parent / "voa"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diff", action="store_true")
    args = parser.parse_args()
    second = read_gold(VOA / "second") if any((VOA / "second").glob("*.jsonl")) else {}
    if not second:
        print("no double-coded stories yet in dev/voa/second/")
        return
    first = read_gold(VOA / "gold")
    both = sorted(set(first) & set(second))
    as_output = {s: [t for t in second[s] if not t.optional] for s in both}
    report = score({s: first[s] for s in both}, as_output)
    total = report.as_dict()
    print(
        f"agreement on {len(both)} double-coded stories: F1 {total['f1']} "
        f"(P {total['precision']}, R {total['recall']}; {total['tp']} shared tuples, "
        f"{total['fn']} only in the first, {total['fp']} only in the second)"
    )
    if args.diff:
        for story in report.stories:
            for item in story.missed:
                print(f"{story.story} first only:  {item.label}")
            for item in story.wrong:
                print(f"{story.story} second only: {item.label}")


if __name__ == "__main__":
    main()
