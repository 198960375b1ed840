"""data/README.md documents every knowledge file, every kind and every word list."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from tocsin.knowledge import LOADERS, PACKAGED_DATA, load_knowledge

README = (PACKAGED_DATA / "README.md").read_text()


def test_every_kind_has_a_row_in_the_table() -> None:
    assert [kind for kind in LOADERS if f"| `{kind}` |" not in README] == []


def test_every_packaged_file_is_named() -> None:
    named = set(re.findall(r"`([\w*-]+\.tsv)`", README))
    files = sorted(p.name for p in Path(PACKAGED_DATA).glob("*.tsv"))
    assert [f for f in files if not any(fnmatch.fnmatch(f, n) for n in named)] == []


def test_every_word_list_is_documented() -> None:
    lists = load_knowledge().word_lists
    assert [name for name in lists if f"`{name}`" not in README] == []
