"""The events stage's word lists, read once from `data/words-events.tsv` (and a user's files)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from ...knowledge import Knowledge

ANY_ROOT = "*"


@dataclass(frozen=True, slots=True)
class EventWords:
    """One field per list `events.<field-with-hyphens>`; see the data file for each one's use."""

    extra_speech_verbs: frozenset[str]
    hypothetical_auxiliaries: frozenset[str]
    speaker_pronouns: frozenset[str]
    future_auxiliaries: frozenset[str]
    conditional_markers: frozenset[str]
    conditional_prepositions: frozenset[str]
    contrast_conjunctions: frozenset[str]
    negating_governors: frozenset[str]
    negating_adverbs: frozenset[str]
    hypothetical_governors: frozenset[str]
    seeking_governors: frozenset[str]
    future_governors: frozenset[str]
    proposing_governors: frozenset[str]
    negating_determiners: frozenset[str]
    consequence_verbs: frozenset[str]
    state_act_nouns: frozenset[str]
    state_act_prepositions: frozenset[str]
    complement_prepositions: frozenset[str]
    object_prepositions: frozenset[str]
    own_object_prepositions: frozenset[str]
    evaluative_verbs: frozenset[str]
    brief_prepositions: frozenset[str]
    nested_target_prepositions: frozenset[str]
    country_list_prepositions: frozenset[str]
    distributive_words: frozenset[str]
    done_in_purpose_roots: frozenset[str]
    within_state_roots: frozenset[str]
    state_sectors: frozenset[str]
    public_roots: frozenset[str]
    public_sectors: frozenset[str]
    located_target_prepositions: frozenset[str]
    destination_prepositions: frozenset[str]
    border_nouns: frozenset[str]
    aiming_verbs: frozenset[str]
    frame_prepositions: frozenset[str]
    frame_partner_prepositions: frozenset[str]
    framed_roots: frozenset[str]
    definite_determiners: frozenset[str]
    attribution_nouns: frozenset[str]

    @classmethod
    def from_knowledge(cls, knowledge: Knowledge) -> EventWords:
        return cls(**knowledge.word_fields("events", (f.name for f in fields(cls))))


def act_noun_roots(knowledge: Knowledge) -> dict[str, frozenset[str]]:
    """General act nouns ('decision', 'killing') with the roots of the acts they refer to."""
    roots = frozenset(code for code in knowledge.cameo if len(code) == 2)
    return {
        noun: roots if value == ANY_ROOT else frozenset(value.split("|"))
        for noun, value in knowledge.word_values("events.act-noun-roots").items()
    }
