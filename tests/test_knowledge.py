"""Knowledge files load, validate with file:line errors, and take user additions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin import Coder
from tocsin.errors import DataFileError
from tocsin.knowledge import load_knowledge


def test_packaged_knowledge_loads_and_covers_every_root() -> None:
    knowledge = load_knowledge()
    codes = {p.code.rstrip("*")[:2] for ps in knowledge.verbs.values() for p in ps}
    codes |= {p.code.rstrip("*")[:2] for ps in knowledge.nouns.values() for p in ps}
    assert {f"{n:02d}" for n in range(1, 21)} <= codes
    assert knowledge.code_info("0256").plover_type == "REQUEST"
    assert knowledge.refine("020", "046") == "026"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("verbs\tno header\n", "first line must declare the kind"),
        ("# tocsin:weather v1\n", "unknown kind 'weather'"),
        ("# tocsin:verbs v9\n", "newer than this tocsin reads"),
        ("# tocsin:verbs v1\nv.x\t999999\tbomb\t-\tobj\tx\n", "not a CAMEO code"),
        ("# tocsin:verbs v1\nv.x\t190\tbomb\tobj\tx\n", "expected 6 tab-separated fields"),
        ("# tocsin:roles v1\nsniper\tSNP\tno\n", "unknown sector 'SNP'"),
        ("# tocsin:verbs v1\nv.x\t190\tbomb\t-\tsomewhere\tx\n", "target 'somewhere'"),
    ],
)
def test_bad_user_file_names_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "mine.tsv"
    path.write_text(content)
    with pytest.raises(DataFileError, match=message) as info:
        load_knowledge([path])
    assert "mine.tsv" in str(info.value)


def test_missing_user_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such data file"):
        load_knowledge([tmp_path / "absent"])


def test_user_patterns_and_actors_extend_the_coder(tmp_path: Path, coder: Coder) -> None:
    (tmp_path / "verbs.tsv").write_text(
        "# tocsin:verbs v1\nv.mine.hornswoggle\t1711\thornswoggle\t-\tobj\tX hornswoggled Y.\n"
    )
    (tmp_path / "orgs.tsv").write_text(
        "# tocsin:organizations v1\nNorthern Guild\tGuild\tNOR\tBUS\t-\tNORBUS\n"
    )
    mine = Coder(extra_data=[tmp_path], nlp=coder.nlp)
    events = mine.code("The Northern Guild hornswoggled Sweden.", published="2020-01-01")
    assert [(e.cameo, e.rule, e.source.code, e.target.country) for e in events] == [
        ("1711", "v.mine.hornswoggle", "NORBUS", "SWE")
    ]
