"""What the events-stage tests share: coding one sentence with the trace on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tocsin import Coder
from tocsin.model import Event
from tocsin.stages.actors import ActorResolver
from tocsin.stages.events import SentenceContext
from tocsin.trace import Trace

DAY = dt.date(2024, 3, 10)
SentenceCoder = Callable[[str], tuple[list[Event], list[str]]]


@pytest.fixture(scope="session")
def code_sentence(coder: Coder) -> SentenceCoder:
    """The events of a one-sentence text (published 2024-03-10), and the steps the trace
    noted for them."""

    def code(text: str) -> tuple[list[Event], list[str]]:
        doc = coder.nlp(text)
        resolver = ActorResolver(coder.lexicon, coder.grammar, DAY)
        resolver.start_doc(doc)
        trace = Trace(enabled=True)
        found = coder.events.code_sentence(
            next(iter(doc.sents)), SentenceContext("test", 0), resolver, trace
        )
        steps = [s for t in trace.sentences[0].triggers for s in t.steps]
        return [f.event for f in found], steps

    return code
