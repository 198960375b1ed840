"""What the coder did and why, recorded as it runs, for `tocsin explain`.

The stages write into a `Trace` while they code; with `enabled=False` (every normal run) each
call returns at once, so coding does not pay for explanations nobody asked for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

    from .model import Actor, Event


@dataclass(slots=True)
class TriggerTrace:
    """One candidate trigger: the patterns tried, the one that fired, and what followed."""

    sentence: int
    token: int
    text: str
    kind: str
    patterns: list[str] = field(default_factory=list)
    rule: str | None = None
    code: str | None = None
    outcome: str = "no pattern fired"
    steps: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SentenceTrace:
    index: int
    text: str
    triggers: list[TriggerTrace] = field(default_factory=list)


@dataclass(slots=True)
class Trace:
    """The explanation of one article, filled by the events stage and the pipeline."""

    enabled: bool = False
    sentences: list[SentenceTrace] = field(default_factory=list)
    _current: TriggerTrace | None = None

    def sentence(self, index: int, text: str) -> None:
        if self.enabled:
            self.sentences.append(SentenceTrace(index, text))

    def trigger(self, token: Token, kind: str) -> None:
        """Start the record of a candidate trigger; later notes about it go there."""
        if not self.enabled or not self.sentences:
            return
        record = TriggerTrace(self.sentences[-1].index, token.i, token.text, kind)
        self.sentences[-1].triggers.append(record)
        self._current = record

    def focus(self, token: Token) -> None:
        """Send the following notes to the record of this trigger (one the matcher opened)."""
        if not self.enabled:
            return
        self._current = next(
            (t for s in self.sentences for t in s.triggers if t.token == token.i),
            self._current,
        )

    def pattern(self, rule: str, result: str) -> None:
        if self.enabled and self._current is not None:
            self._current.patterns.append(f"{rule}: {result}")

    def matched(self, code: str, rule: str) -> None:
        if self.enabled and self._current is not None:
            self._current.code, self._current.rule = code, rule
            self._current.outcome = "coded"

    def outcome(self, text: str) -> None:
        if self.enabled and self._current is not None:
            self._current.outcome = text

    def step(self, what: str, detail: str) -> None:
        if self.enabled and self._current is not None:
            self._current.steps.append(f"{what}: {detail}")

    def event(self, text: str) -> None:
        if self.enabled and self._current is not None:
            self._current.events.append(text)

    def drop(self, text: str) -> None:
        if self.enabled and self._current is not None:
            self._current.dropped.append(text)

    def drop_event(self, event: Event, reason: str) -> None:
        """Note that an event the stage produced was left out later (by the pipeline)."""
        if not self.enabled:
            return
        text = describe(event)
        who = text.rsplit(" (", 1)[0]  # the modality may have changed since (background)
        for sentence in self.sentences:
            if sentence.index != event.sentence_index:
                continue
            for record in sentence.triggers:
                if any(e.rsplit(" (", 1)[0] == who for e in record.events):
                    record.dropped.append(f"{text}: {reason}")
                    return

    def as_dict(self) -> dict[str, object]:
        """The explanation as JSON-ready data (`tocsin explain --format json`)."""
        return {"sentences": [asdict(s) for s in self.sentences]}


def describe(event: Event) -> str:
    """'RUS 190 UKR (asserted)': an event as one line of an explanation."""
    target = _actor_label(event.target) if event.target is not None else "-"
    return f"{_actor_label(event.source)} {event.cameo} {target} ({event.modality.value})"


def _actor_label(actor: Actor) -> str:
    return actor.code or actor.name or repr(actor.text)


def render_text(trace: Trace, events: list[str]) -> str:
    """The explanation as plain text: each sentence with a candidate trigger, then each
    trigger with the patterns tried, the choices made and the events kept or dropped."""
    lines: list[str] = []
    for sentence in trace.sentences:
        if not sentence.triggers:
            continue
        lines.append(f"sentence {sentence.index}: {sentence.text}")
        for record in sentence.triggers:
            matched = f"{record.code} by {record.rule}"
            if record.outcome == "coded":
                outcome = f"coded {matched}"
            else:
                outcome = record.outcome + (f" (matched {matched})" if record.rule else "")
            lines.append(f"  {record.kind} '{record.text}': {outcome}")
            lines += [f"    tried {p}" for p in record.patterns]
            lines += [f"    {s}" for s in record.steps]
            lines += [f"    event {e}" for e in record.events]
            lines += [f"    dropped {d}" for d in record.dropped]
        lines.append("")
    lines.append(f"{len(events)} event{'s' if len(events) != 1 else ''} reported by default")
    lines += [f"  {e}" for e in events]
    return "\n".join(lines)
