"""The whole journey in one place: read → parse → resolve actors → code events → date them.

`Coder` is the library's entry point; the CLI and (later) the store and web layers call it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

    from .storage.store import Store

from . import __version__
from .knowledge import Knowledge, load_knowledge
from .model import (
    Article,
    CodedArticle,
    CoderStamp,
    DateBasis,
    Event,
    Limits,
    Location,
    LocationBasis,
    Modality,
    SentenceEvent,
)
from .nlp import (
    MODEL,
    join_docs,
    load_pipeline,
    parse_pieces,
    repair_names,
    repair_subjunctive,
    repair_timed_complements,
    repair_verbless,
    split_headings,
    tokenizer_words,
)
from .stages.actors import ActorLexicon, ActorResolver
from .stages.dates import DateFinder, DateMention, event_date, is_background
from .stages.events import EventFinder, SentenceContext
from .stages.places import Gazetteer, Geoparser
from .stages.quotes import QuoteRules, apply_disputes, find_quotes, gather_attributions
from .stages.read import InputProblem, StoryReader, parse_datetime
from .storage.rules import article_order, content_key
from .storage.store import IngestSummary as IngestSummary  # the summary ingest returns
from .syntax import Grammar
from .trace import Trace

PARALLEL_CHUNK = 4


class Coder:
    """Codes news stories into events. Loading is lazy: the spaCy model loads on first use."""

    def __init__(
        self,
        *,
        extra_data: Iterable[Path] = (),
        include_all: bool = False,
        model: str = MODEL,
        nlp: Language | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.extra_data = tuple(Path(p) for p in extra_data)
        self.include_all = include_all
        self.model = model
        self.limits = limits or Limits()
        self.knowledge: Knowledge = load_knowledge(self.extra_data)
        self.grammar = Grammar.from_knowledge(self.knowledge)
        self.events = EventFinder(self.knowledge, self.grammar)
        self.dates = DateFinder(self.knowledge)
        self.reader = StoryReader(self.knowledge, self.limits)
        self.quote_rules = QuoteRules.from_knowledge(
            self.knowledge, self.grammar, self.events.is_speech
        )
        self._nlp = nlp
        self._lexicon: ActorLexicon | None = None
        self._gazetteer: Gazetteer | None = None

    @property
    def stamp(self) -> CoderStamp:
        """tocsin's version and the fingerprint of the knowledge loaded (user files included):
        what a store records with each article this coder codes."""
        return CoderStamp(__version__, self.knowledge.fingerprint)

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            self._nlp = load_pipeline(self.model)
        return self._nlp

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = Gazetteer(self.knowledge)
        return self._gazetteer

    @property
    def lexicon(self) -> ActorLexicon:
        if self._lexicon is None:
            self._lexicon = ActorLexicon(
                self.knowledge, tokenizer_words(self.nlp), self.gazetteer.names()
            )
        return self._lexicon

    def code(
        self, text: str, *, published: str | dt.datetime | None = None, article_id: str = "text"
    ) -> list[Event]:
        """Events in one story; `published` anchors relative dates such as 'yesterday'."""
        article = self.article_from_text(text, published=published, article_id=article_id)
        return list(self.code_article(article).events)

    def code_article(self, article: Article) -> CodedArticle:
        return self._code_doc(article, self.parse(article.text))

    def parse(self, text: str) -> Doc:
        """The parsed text, a long one parsed a piece at a time (see `Limits`): spaCy's memory
        grows with the text it parses at once. Known names read as verbs are parsed again
        piece by piece, so that only the pieces holding one pay for it."""
        pieces = self.nlp.pipe(self._pieces(text), batch_size=1)
        return join_docs([self._repaired(doc) for doc in pieces])

    def _repaired(self, doc: Doc) -> Doc:
        named = repair_names(self.nlp, doc, self.lexicon.starts_name)
        verbs = repair_verbless(self.nlp, named, self._is_act_verb)
        demands = repair_subjunctive(self.nlp, verbs, self.grammar.demand_verbs, self._is_act_lemma)
        headed = split_headings(self.nlp, demands, self.lexicon.starts_name)
        return repair_timed_complements(headed, self._is_family_verb)

    def _is_act_verb(self, token: Token) -> bool:
        return self._is_act_lemma(token.lemma_.lower())

    def _is_family_verb(self, token: Token) -> bool:
        """A verb refined by its complement ('threaten', 'offer', 'urge', 'refuse')."""
        patterns = self.knowledge.verbs.get(token.lemma_.lower(), ())
        return any(p.code.endswith("*") for p in patterns)

    def _is_act_lemma(self, lemma: str) -> bool:
        return lemma in self.knowledge.verbs

    def _pieces(self, text: str) -> list[str]:
        limits = self.limits
        pieces = parse_pieces(
            text, chunk_chars=limits.chunk_chars, sentence_words=limits.sentence_words
        )
        return pieces or [text]

    def code_many(
        self, articles: Iterable[Article], *, batch_size: int = 16, n_process: int = 1
    ) -> Iterator[CodedArticle]:
        """Stream coded articles in input order; `n_process` > 1 codes on several cores."""
        if n_process > 1:
            # Small chunks keep both workers busy to the end of the input.
            chunk = max(1, min(batch_size, PARALLEL_CHUNK))
            yield from self._code_parallel(articles, batch_size=chunk, n_process=n_process)
            return
        for long, run in itertools.groupby(articles, key=self._is_long):
            if long:
                yield from (self._code_doc(a, self.parse(a.text)) for a in run)
                continue
            stream = ((a.text, a) for a in run)
            for doc, article in self.nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
                yield self._code_doc(article, self._repaired(doc))

    def _is_long(self, article: Article) -> bool:
        """Whether the article is parsed in pieces, alone, rather than batched with others."""
        return len(self._pieces(article.text)) > 1

    def article_from_text(
        self,
        text: str,
        *,
        published: str | dt.datetime | None = None,
        article_id: str = "text",
        title: str | None = None,
        url: str | None = None,
        source: str | None = None,
    ) -> Article:
        """One story given as text (Python, the API, the dev scripts), read like a story file."""
        when = parse_datetime(published) if isinstance(published, str) else published
        return self.reader.parse(
            text, article_id=article_id, published=when, title=title, url=url, source=source
        )

    def read_articles(
        self,
        paths: Iterable[str],
        *,
        published: str | None = None,
        on_problem: Callable[[InputProblem], None],
    ) -> Iterator[Article]:
        """Articles from files, folders and stdin ('-'); an input that cannot be read goes to
        `on_problem` and reading goes on. A bad `published` raises at once, before any
        reading."""
        reference = parse_datetime(published) if published else None
        return _readable(self.reader.read(paths, published=reference), on_problem)

    def explain(
        self, text: str, *, published: str | dt.datetime | None = None
    ) -> tuple[CodedArticle, Trace]:
        """Code a story, with the trace of how each event was found or why it was dropped
        (acts left out by default appear there, not among the events): the patterns tried,
        the choices of source, target and modality."""
        return self.explain_article(self.article_from_text(text, published=published))

    def explain_article(self, article: Article) -> tuple[CodedArticle, Trace]:
        trace = Trace(enabled=True)
        return self._code_doc(article, self.parse(article.text), trace=trace), trace

    def _code_doc(self, article: Article, doc: Doc, *, trace: Trace | None = None) -> CodedArticle:
        reference = article.published.date() if article.published else None
        resolver = ActorResolver(self.lexicon, self.grammar, reference)
        resolver.start_doc(doc, dateline=article.dateline)
        sentences = list(doc.sents)
        found: list[SentenceEvent] = []
        for index, sentence in enumerate(sentences):
            if self.events.has_trigger(sentence):
                ctx = SentenceContext(article.id, index)
                found.extend(self.events.code_sentence(sentence, ctx, resolver, trace))
        geoparser = Geoparser(self.gazetteer, resolver.place_mentions(), resolver.ranked)
        dateline = geoparser.dateline(article.dateline)
        named = {
            index: self._dates_named(sentences[index], reference)
            for index in {f.event.sentence_index for f in found}
        }
        events = [self._date(f, sentences, named, reference) for f in found]
        scene = self._story_scene(events, resolver.focus)
        events = [self._locate(e, sentences, geoparser, dateline, scene) for e in events]
        quotes = find_quotes(doc, resolver, self.quote_rules)
        events, quotes = apply_disputes(events, quotes, doc, resolver, self.quote_rules)
        events = [replace(e, sentence=e.sentence.strip()) for e in gather_attributions(events)]
        kept = tuple(e for e in events if self.include_all or self._reportable(e, trace))
        return CodedArticle(
            article, kept, tuple(geoparser.locations), tuple(quotes), coded_by=self.stamp
        )

    def _dates_named(
        self, sentence: SpacySpan, reference: dt.date | None
    ) -> tuple[list[DateMention], list[DateMention]]:
        """A sentence's days, and its days with the months and years it names: found once
        for all the sentence's events."""
        mentions = self.dates.find(sentence.text, reference)
        return mentions, [*mentions, *self.dates.periods(sentence.text, reference)]

    def _date(
        self,
        found: SentenceEvent,
        sentences: list[SpacySpan],
        named: dict[int, tuple[list[DateMention], list[DateMention]]],
        reference: dt.date | None,
    ) -> Event:
        """When the event happened: a date in its clause, the sentence's only date, or the
        publication day (the dates stage decides)."""
        sentence = sentences[found.event.sentence_index]
        mentions, periods = named[found.event.sentence_index]
        day, basis = event_date(found.anchor, sentence, mentions, reference)
        past = is_background(
            found.anchor, sentence, periods, reference, temporal_marks=self.dates.temporal_marks
        )
        if past is None or found.event.modality is not Modality.ASSERTED:
            return replace(found.event, date=day, date_basis=basis)
        if basis is DateBasis.PUBLICATION:
            day, basis = None, None  # 'in 2019' is no day; the publication day is wrong
        return replace(found.event, date=day, date_basis=basis, modality=Modality.BACKGROUND)

    def _locate(
        self,
        event: Event,
        sentences: list[SpacySpan],
        geoparser: Geoparser,
        dateline: Location | None,
        scene: str | None,
    ) -> Event:
        """Where the event happened: its clause, its sentence, the dateline, else the country
        its actors imply (both of one country; force used or aid sent against a country), else
        the country the story is about (news tell where once and let it carry)."""
        sentence = sentences[event.sentence_index]
        anchor = next((t for t in sentence if t.idx == event.trigger.span.start), sentence.root)
        location, basis = geoparser.event_location(anchor, sentence)
        if location is None and dateline is not None:
            location, basis = dateline, LocationBasis.DATELINE
        country = self._actors_country(event) if location is None else None
        if country is not None:
            location = geoparser.country(country)
            basis = LocationBasis.ACTORS if location is not None else None
        if location is None and scene is not None:
            location = geoparser.country(scene)
            basis = LocationBasis.STORY if location is not None else None
        return replace(event, location=location, location_basis=basis)

    def _story_scene(self, events: list[Event], focus: str | None) -> str | None:
        """Where a story's events that name no place happen: the host country of a visit it
        reports (a state visit sets the scene for the talks and deals around it), else the
        country the story is about."""
        for event in events:
            if event.modality is not Modality.ASSERTED:
                continue
            roles = self.knowledge.facts(event.cameo).roles
            host = event.target if "visit" in roles else event.source if "host" in roles else None
            if host is not None and host.country:
                return host.country
        return focus

    def _actors_country(self, event: Event) -> str | None:
        target = event.target.country if event.target is not None else None
        if target is not None and target == event.source.country:
            return target
        located = "located" in self.knowledge.facts(event.cameo).roles
        return target if located else None

    def _reportable(self, event: Event, trace: Trace | None) -> bool:
        """By default only asserted acts between two known parties (one actor doing something
        to or with another, as the coding guideline defines an event), and no plain comments
        (codes with the 'comment' role and no PLOVER type: PLOVER drops them)."""
        reason = _left_out(event, self.knowledge.facts(event.cameo).roles)
        if reason is None:
            return True
        if trace is not None:
            trace.drop_event(event, f"left out by default: {reason}")
        return False

    def _code_parallel(
        self, articles: Iterable[Article], *, batch_size: int, n_process: int
    ) -> Iterator[CodedArticle]:
        _ = self.lexicon  # build before forking so workers share the loaded model
        context = multiprocessing.get_context("fork")
        with context.Pool(n_process, initializer=_adopt, initargs=(self,)) as pool:
            yield from (
                coded
                for chunk in pool.imap(_code_chunk, _chunks(articles, batch_size))
                for coded in chunk
            )


_worker_coder: Coder | None = None  # one per worker process, set by the pool initializer


def _adopt(coder: Coder) -> None:
    global _worker_coder
    _worker_coder = coder


def _code_chunk(chunk: list[Article]) -> list[CodedArticle]:
    assert _worker_coder is not None
    return list(_worker_coder.code_many(chunk, batch_size=len(chunk)))


def _chunks(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for article in articles:
        chunk.append(article)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- use cases shared by the CLI and the API ------------------------------------------------


def actor_names(extra_data: Iterable[Path] = ()) -> Callable[[str], str]:
    """What a store query's actor or country named by a user is stored as, by the coder's
    knowledge (`Knowledge.actor_value`): for commands that query a store without coding."""
    return load_knowledge(tuple(Path(p) for p in extra_data)).actor_value


def reference_time(published: str | None) -> dt.datetime | None:
    """A `--published` option read (an error names a date that cannot be read)."""
    return parse_datetime(published) if published else None


def _left_out(event: Event, roles: frozenset[str]) -> str | None:
    if event.modality is not Modality.ASSERTED:
        return event.modality.value
    if "comment" in roles and event.plover.type is None:
        return "a comment PLOVER does not code"
    if not event.source.is_keyed:
        return "no known source"
    missing = event.target is None or not event.target.is_keyed
    if missing and "untargeted" not in roles:
        return "no known target"
    return None


def _readable(
    items: Iterable[Article | InputProblem], on_problem: Callable[[InputProblem], None]
) -> Iterator[Article]:
    for item in items:
        if isinstance(item, InputProblem):
            on_problem(item)
        else:
            yield item


def ingest_articles(
    coder: Coder,
    store: Store,
    articles: Iterable[Article],
    *,
    n_process: int = 1,
    on_progress: Callable[[IngestSummary], None] | None = None,
) -> IngestSummary:
    """Code and store the articles the store does not hold yet; one transaction per article.

    Known articles are skipped before coding, which is most of the cost: resuming an
    interrupted ingest re-reads its input but codes only what is new. The new articles are
    stored in the canonical order (`rules.article_order`: publication time, then id), so which
    report an event merges into, and which article is the original of a near-duplicate, do
    not depend on the order of the input: the Spark job (`tocsin spark code`) takes them in
    the same order and makes the same store.
    """
    summary = IngestSummary()
    unknown = []
    for article in articles:
        if store.is_known(article):
            summary.known += 1
        else:
            unknown.append(article)
    unknown.sort(key=lambda a: article_order(a.published, a.id, content_key(a.text)))
    for coded in coder.code_many(unknown, n_process=n_process):
        summary.count(store.add(coded))
        if on_progress is not None:
            on_progress(summary)
    return summary


@dataclass(slots=True)
class RecodeSummary:
    """What `tocsin recode` did: articles recoded and skipped (already coded by this coder),
    and the store's events before and after."""

    recoded: int = 0
    skipped: int = 0
    stale: int = 0
    events_before: int = 0
    events_after: int = 0


def recode_articles(
    coder: Coder,
    store: Store,
    *,
    n_process: int = 1,
    on_progress: Callable[[RecodeSummary], None] | None = None,
) -> RecodeSummary:
    """Code again, with `coder`, every stored article another coder (another tocsin version or
    other knowledge) coded; one transaction per article.

    An article is marked with the coder in the same transaction that replaces its events, so
    a second run skips everything and an interrupted run resumes where it stopped.
    """
    stamp = coder.stamp
    summary = RecodeSummary(
        skipped=store.count_articles(coded_by=stamp),
        stale=store.count_articles(coded_by=stamp, stale=True),
        events_before=store.count_events(),
    )
    for coded in coder.code_many(store.stale_articles(stamp), n_process=n_process):
        store.replace(coded)
        summary.recoded += 1
        if on_progress is not None:
            on_progress(summary)
    summary.events_after = store.count_events()
    return summary
