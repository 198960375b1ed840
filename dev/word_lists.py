"""Rewrite the word-list table of src/tocsin/data/README.md from the data files' own comments.

    python dev/word_lists.py

Each list's row takes the comment block above its first word; run it after adding a list.
"""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "src" / "tocsin" / "data"
HEADER = "| list | file | use |"


def rows() -> list[str]:
    out = [HEADER, "|---|---|---|"]
    for path in sorted(DATA.glob("words-*.tsv")):
        comment: list[str] = []
        seen: set[str] = set()
        for line in path.read_text().splitlines()[1:]:
            if line.startswith("#"):
                text = line.lstrip("# ").strip()
                if not text.startswith("list\tword"):
                    comment.append(text)
            elif not line.strip():
                comment = []
            elif (name := line.split("\t")[0]) not in seen:
                seen.add(name)
                out.append(f"| `{name}` | `{path.name}` | {' '.join(comment)} |")
                comment = []
    return out


def main() -> None:
    readme = DATA / "README.md"
    text = readme.read_text()
    start = text.index(HEADER)
    end = text.index("\n\n", start)
    readme.write_text(text[:start] + "\n".join(rows()) + text[end:])


if __name__ == "__main__":
    main()
