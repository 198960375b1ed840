"""Check that a refactoring left the coder's output unchanged, byte for byte.

    python dev/identity.py record /tmp/before   # before the change
    python dev/identity.py check /tmp/before    # after: exit 1 and a diff summary if anything moved

Runs `tocsin code` (default and `--all`) and `tocsin quotes` over the shared VOA corpus (when
present), `examples/` and the dev sets, and stores `examples/` and the corpus with `tocsin ingest`
to list and export them, through the installed command line, so whatever the code looks like
inside, only what a user sees is compared. Rule ids are part of the output: a change
that renames rules shows up here and must be listed in its commit.
"""

from __future__ import annotations

import argparse
import difflib
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
RUNS: list[tuple[str, list[str]]] = [
    ("code", []),
    ("code", ["--all"]),
    ("quotes", []),
]


def inputs() -> dict[str, Path]:
    found = {"examples": ROOT / "examples"}
    for path in sorted((ROOT / "dev").glob("*.jsonl")):
        found[f"dev-{path.stem}"] = path
    if SHARED.is_dir():
        found["voa"] = SHARED / "voa_stories.jsonl"
        found["reference"] = next(SHARED.glob("*.txt"))
    else:
        print(f"{SHARED} not found: the shared corpus is skipped", file=sys.stderr)
    return found


def tocsin() -> str:
    local = Path(sys.executable).parent / "tocsin"
    return str(local) if local.exists() else (shutil.which("tocsin") or "tocsin")


def outputs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in inputs().items():
        for command, options in RUNS:
            label = "-".join([name, command, *[o.strip("-") for o in options]])
            done = subprocess.run(
                [tocsin(), command, str(path), "--published", "2020-01-01", *options],
                capture_output=True,
                text=True,
                check=False,
            )
            (folder / f"{label}.jsonl").write_text(done.stdout)
            (folder / f"{label}.status").write_text(f"{done.returncode}\n{done.stderr}")
            print(f"{label}: {done.stdout.count(chr(10))} lines, exit {done.returncode}")
    for name in ("examples", "voa"):
        if name in inputs():
            stored(folder, name, inputs()[name])


def stored(folder: Path, name: str, path: Path) -> None:
    """Ingest into a fresh store, then list events and export them as GDELT and PLOVER."""
    db = folder / f"{name}.duckdb"
    db.unlink(missing_ok=True)
    run = [tocsin(), "ingest", str(path), "--db", str(db), "--published", "2020-01-01"]
    subprocess.run(run, capture_output=True, check=True)
    listing = [tocsin(), "events", "--db", str(db), "--format", "jsonl", "--limit", "1000000"]
    events = subprocess.run(listing, capture_output=True, text=True, check=True).stdout
    (folder / f"{name}-store-events.jsonl").write_text(events)
    for kind in ("gdelt", "plover"):
        out = folder / f"{name}-export-{kind}.txt"
        export = [tocsin(), "export", "--db", str(db), "--format", kind, "--output", str(out)]
        subprocess.run(export, capture_output=True, check=True)
    db.unlink()
    print(f"{name}: stored, {events.count(chr(10))} events listed and exported")


def normalized(path: Path) -> list[str]:
    """The file's lines without what changes from run to run: timings in the summaries and the
    ingestion timestamp (DATEADDED) in GDELT exports."""
    text = re.sub(r"[\d.]+ s\b", "N s", path.read_text()) if path.exists() else ""
    return re.sub(r"\t20\d{12}\t", "\tDATEADDED\t", text).splitlines()


def compare(before: Path, after: Path) -> int:
    changed = 0
    for old in sorted(before.iterdir()):
        if old.suffix == ".duckdb":
            continue
        new = after / old.name
        a, b = normalized(old), normalized(new)
        if a == b:
            continue
        changed += 1
        print(f"CHANGED {old.name}")
        for line in list(difflib.unified_diff(a, b, lineterm="", n=0))[:12]:
            print("   ", line[:240])
    print(f"{changed} of {len(list(before.iterdir()))} outputs differ")
    return 1 if changed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["record", "check"])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    if args.action == "record":
        outputs(args.folder)
        return 0
    after = args.folder.with_name(args.folder.name + "-after")
    shutil.rmtree(after, ignore_errors=True)
    outputs(after)
    return compare(args.folder, after)


if __name__ == "__main__":
    sys.exit(main())
