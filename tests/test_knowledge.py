"""Knowledge files load, validate with file:line errors, and take user additions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin import Coder
from tocsin.errors import DataFileError
from tocsin.knowledge import Knowledge, load_knowledge
from tocsin.model import Modality, QuadClass


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


def user_knowledge(tmp_path: Path, kind: str, *lines: str) -> Knowledge:
    path = tmp_path / f"my-{kind}.tsv"
    path.write_text(f"# tocsin:{kind} v1\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return load_knowledge([path])


def test_word_lists_load_by_name() -> None:
    knowledge = load_knowledge()
    assert {"say", "deny"} <= knowledge.words("quotes.speech-verbs")
    assert "thousands" in knowledge.words("syntax.quantity-nouns")
    roots = knowledge.word_values("events.act-noun-roots")
    assert roots and all(value for value in roots.values())
    with pytest.raises(DataFileError, match=r"no word list 'quotes\.mutterings'"):
        knowledge.words("quotes.mutterings")


def test_a_user_file_adds_removes_and_clears_words(tmp_path: Path) -> None:
    added = user_knowledge(tmp_path, "words", "quotes.speech-verbs\tmutter\t-")
    assert {"mutter", "say"} <= added.words("quotes.speech-verbs")
    removed = user_knowledge(tmp_path, "words", "~quotes.speech-verbs\tsay\t-")
    speech = removed.words("quotes.speech-verbs")
    assert "say" not in speech and "deny" in speech
    cleared = user_knowledge(
        tmp_path, "words", "~quotes.speech-verbs\t*\t-", "quotes.speech-verbs\tmutter\t-"
    )
    assert cleared.words("quotes.speech-verbs") == frozenset({"mutter"})
    # other lists are untouched
    assert cleared.words("quotes.denial-verbs") == load_knowledge().words("quotes.denial-verbs")


def test_user_word_file_errors_name_the_list_and_line(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"unknown word list 'quotes\.mutterings'"):
        user_knowledge(tmp_path, "words", "quotes.mutterings\tmutter\t-")
    with pytest.raises(DataFileError, match=r"my-words\.tsv:3: nothing to remove"):
        user_knowledge(tmp_path, "words", "quotes.speech-verbs\tmutter\t-", "~quotes.x-y\tz\t-")
    with pytest.raises(DataFileError, match=r"my-words\.tsv:2: list name 'Speech'"):
        user_knowledge(tmp_path, "words", "Speech\tsay\t-")


def test_sector_groups() -> None:
    knowledge = load_knowledge()
    assert {"GOV", "COP", "PRO"} <= knowledge.sectors_in("domestic")
    assert "MIL" not in knowledge.sectors_in("domestic")
    assert {"GOV", "MIL", "COP"} <= knowledge.sectors_in("authority")
    assert "PRO" not in knowledge.sectors_in("authority")
    assert {"PRO", "OPP", "CVL"} <= knowledge.sectors_in("grievance")
    assert knowledge.sectors_in("international") == frozenset({"NGO", "IGO"})
    with pytest.raises(DataFileError, match="no sector group 'foreign'"):
        knowledge.sectors_in("foreign")


def test_code_facts_are_inherited_from_parent_and_root() -> None:
    knowledge = load_knowledge()
    intent = knowledge.facts("0311")  # own symmetry, the rest from root 03
    assert (intent.quad, intent.symmetric, intent.reciprocal) == (
        QuadClass.VERBAL_COOPERATION,
        True,
        True,
    )
    assert knowledge.facts("031").symmetric is False
    assert knowledge.facts("040").symmetric is True  # root 04 consults both ways
    assert knowledge.facts("042").symmetric is False  # a visit does not
    assert knowledge.facts("0841").reciprocal is True
    assert knowledge.facts("0842").reciprocal is False
    posture = knowledge.facts("1541")  # no row of its own or of 154's: root 15
    assert posture.quad is QuadClass.MATERIAL_CONFLICT
    assert posture.roles == frozenset({"located", "mobilize", "untargeted"})
    assert knowledge.roots_with("violent") >= {"18", "19", "20"}
    with pytest.raises(KeyError):
        knowledge.facts("99")


@pytest.mark.parametrize(
    ("kind", "line", "message"),
    [
        ("cameo", "0999\tNew code\t0\t-\t-\t-\t5\t-\t-\t-", "quad class '5' must be 1-4"),
        ("cameo", "0999\tNew code\t0\t-\t-\t-\t-\tmaybe\t-\t-", "'maybe' must be yes, no or -"),
        ("cameo", "0999\tNew code\t0\t-\t-\t-\t-\t-\t-\tsulky", "unknown role 'sulky'"),
        ("cameo", "99\tNew root\t0\t-\t-\t-\t-\t-\t-\t-", "root 99 must give quad"),
        ("rewrites", "my-rule\tsometimes\t04\t030*", "condition 'sometimes' must be one of"),
        ("rewrites", "my-rule\tfuture\t-\t030*", "needs the codes it applies to"),
        ("rewrites", "~no-such-rule", "nothing to remove: no rewrites record 'no-such-rule'"),
        ("sectors", "XYZ\tstrangers\tforeign", "unknown sector group 'foreign'"),
    ],
)
def test_bad_cameo_role_or_rewrite_line_names_file_and_line(
    tmp_path: Path, kind: str, line: str, message: str
) -> None:
    with pytest.raises(DataFileError, match=message) as info:
        user_knowledge(tmp_path, kind, "# a comment line first", line)
    assert f"my-{kind}.tsv:3:" in str(info.value)


def test_rewrites_load_in_order_and_a_user_file_removes_one(tmp_path: Path, coder: Coder) -> None:
    knowledge = load_knowledge()
    assert [(r.id, r.when, r.codes, r.to) for r in knowledge.rewrites.values()] == [
        ("border-deployment", "to-border", ("072",), "154"),
        ("announced-cooperation", "future", ("04", "05", "06", "07"), "030*"),
        ("announced-concession", "future", ("08",), "030*"),
        ("sought-cooperation", "sought", ("04", "05", "06", "07", "08"), "030*"),
        ("announced-coercion", "future", ("14", "16", "17", "18", "19", "20"), "130*"),
        ("violent-protest", "by-protesters", ("171", "18", "19", "20"), "145"),
    ]
    sentence = "Putin will meet Xi in Beijing."
    as_packaged = Coder(include_all=True, nlp=coder.nlp).code(sentence, published="2024-03-10")
    assert [(e.cameo, e.modality) for e in as_packaged] == [("036", Modality.ASSERTED)]
    (tmp_path / "rewrites.tsv").write_text(
        "# tocsin:rewrites v1\n~announced-cooperation\n", encoding="utf-8"
    )
    mine = Coder(extra_data=[tmp_path], include_all=True, nlp=coder.nlp)
    assert "announced-cooperation" not in mine.knowledge.rewrites
    events = mine.code(sentence, published="2024-03-10")
    assert [(e.cameo, e.modality) for e in events] == [("040", Modality.FUTURE)]
