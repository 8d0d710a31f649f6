"""The answer chain: condense → retrieve → answer, as one LCEL ``Runnable``.

``chain.runnable`` streams ``str`` pieces of the answer and ends with the
structured :class:`Answer`.  ``stream``/``ask`` are thin helpers over it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from vectorstore.errors import InputError
from vectorstore.ingest.chunker import sentence_around
from vectorstore.records import Hit, Scope, StoredArticle

from .answer import Answer, Citation, Closest, Conflict, ShortSource
from .answerers import Answerer
from .citations import parse_citations
from .condense import Message, condense
from .filters import Filters
from .news.composed import Composed
from .news.conflicts import conflict_line
from .news.desk import DEFAULT_DAYS, NewsDesk
from .news.intent import ANSWER, TIMELINE, Intent, classify
from .prompts import (
    ABSTAIN,
    BRIEFING_INTRO,
    EMPTY_STORE,
    NO_BRIEFING,
    NO_TIMELINE,
    NOT_COVERED,
    NOT_COVERED_NONE,
    TIMELINE_INTRO,  # fmt: skip
)
from .readers.base import QUESTION_CHARS_READ, question_read
from .retriever import NewsRetriever
from .stages import retrieved_articles
from .support import check_answer, cited_sentence
from .timeexpr import TimeScope, shift

log = logging.getLogger(__name__)


@dataclass
class _State:
    question: str
    history: list[Message]
    standalone: str = ""
    hits: list[Hit] = field(default_factory=list)  # the ranking, fetch_k deep
    passages: list[Hit] = field(default_factory=list)  # the first k: what the answer is written from
    vector: Any = None
    time_said: TimeScope = field(default_factory=TimeScope)
    empty_store: bool = False
    filters: Filters = field(default_factory=Filters)
    intent: Intent = field(default_factory=Intent)
    timings: dict[str, float] = field(default_factory=dict)
    t0: float = 0.0


def validate_question(question: Any, max_chars: int) -> str:
    if question is not None and not isinstance(question, str):
        raise InputError(f"The question must be text, not {type(question).__name__}. Send it as a string.")
    if not question or not question.strip():
        raise InputError("The question is empty. Type a question about the articles.")
    q = question.strip()
    if len(q) > max_chars:
        raise InputError(
            f"The question is {len(q):,} characters long; the limit is {max_chars:,}. "
            "Ask a shorter question (NEWSRAG_MAX_QUESTION_CHARS sets the limit)."
        )
    return q


def validate_history(history: Any) -> list[Message]:
    """The conversation so far: a list of messages ({"role", "content"}) or of (user, bot) pairs."""
    if history is None:
        return []
    if isinstance(history, str | bytes | dict) or not isinstance(history, list | tuple):
        raise InputError(
            f"history must be a list of messages ({{'role': 'user', 'content': '…'}}), not {type(history).__name__}."
        )
    return list(history)


SHORT = re.compile(r"^\*\*(?P<short>[^*\n]{1,200})\*\*\s*[—-]\s")


def short_answer(text: str, citations: Sequence[Citation]) -> tuple[str | None, ShortSource | None]:
    """The bold short answer an answer opens with, and where it is in the first cited
    sentence; none unless it is copied from that sentence (nothing invented is shown as one)."""
    m = SHORT.match(text)
    if not m or not citations:
        return None, None
    short, c = m.group("short").strip(), citations[0]
    lo, hi = c.sentence_start - c.start, c.sentence_end - c.start
    at = c.passage.find(short, max(0, lo), hi if hi > lo else len(c.passage))
    if at < 0:
        return None, None
    return short, ShortSource(n=c.n, start=c.start + at, end=c.start + at + len(short))


def _days(window: tuple[dt.date, dt.date]) -> str:
    since, until = window
    return f"{since:%-d %B}" if since == until else f"{since:%-d %B} to {until:%-d %B %Y}"


class AnswerChain:
    def __init__(
        self,
        retriever: NewsRetriever,
        answerer: Answerer,
        min_score: float,
        max_question_chars: int = 2000,
        closest_k: int = 3,
        desk: NewsDesk | None = None,
    ) -> None:
        self.retriever = retriever
        self.desk = desk
        self.answerer = answerer
        self.min_score = min_score
        self.max_question_chars = max_question_chars
        self.closest_k = closest_k
        self.runnable: Runnable[dict[str, Any], Any] = (
            RunnableLambda(self._prepare) | RunnableLambda(self._retrieve) | RunnableGenerator(self._answer)
        )

    # ---- stages ----------------------------------------------------------
    def _prepare(self, inputs: dict[str, Any]) -> _State:
        t0 = time.perf_counter()
        q = validate_question(inputs.get("question"), self.max_question_chars)
        history = validate_history(inputs.get("history"))
        state = _State(question=q, history=history, t0=t0, filters=inputs.get("filters") or Filters())
        state.standalone = condense(q, history)
        state.intent = classify(state.standalone)
        state.timings["condense_ms"] = (time.perf_counter() - t0) * 1000
        if len(state.standalone) > QUESTION_CHARS_READ:  # the reader reads its start only: said with the timings
            state.timings["question_read_chars"] = float(len(question_read(state.standalone)))
        return state

    def _retrieve(self, state: _State) -> _State:
        t = time.perf_counter()
        found = self.retriever.retrieve(state.standalone, filters=state.filters)
        state.hits, state.vector, state.time_said = found.hits, found.vector, found.time
        state.passages = state.hits[: self.retriever.k]
        if not state.hits and self.retriever.store.count_chunks() == 0:
            state.empty_store = True
            return state
        state.timings.update(found.timings)
        state.timings["retrieve_ms"] = (time.perf_counter() - t) * 1000
        return state

    def _closest(self, state: _State) -> list[Closest]:
        """The stories nearest the question, one line each: the nearest copy, the others as ``also``
        (within what the question may use: nothing after its as-of date, its filters)."""
        if state.vector is None:
            return []
        scope = self.retriever.scope(state.filters)
        stories: dict[str, list[tuple[StoredArticle, float]]] = {}
        for a, score in self.retriever.store.nearest_articles(state.vector, self.closest_k * 4, scope):
            stories.setdefault(a.story or a.id, []).append((a, score))
        return [
            Closest(**first.ref().ref_fields(), score=score, also=tuple(a.ref() for a, _ in rest))
            for (first, score), *rest in list(stories.values())[: self.closest_k]
        ]

    def _finish(self, state: _State, **kw: Any) -> Answer:
        state.timings["total_ms"] = (time.perf_counter() - state.t0) * 1000
        t = state.time_said
        return Answer(
            as_of=state.filters.as_of_or_today().isoformat(),
            as_of_given=state.filters.as_of is not None,
            time_scope=(f"{t.since or ''}..{t.until or ''}" if t.has_window else "recent" if t.recency else ""),
            question=state.question,
            standalone_question=state.standalone,
            timings=state.timings,
            answerer=self.answerer.name,
            retrieved=retrieved_articles(state.hits),
            read=retrieved_articles(state.passages),
            **kw,
        )

    def _abstain(self, state: _State) -> Answer:
        closest = self._closest(state)  # listed once, under the message (not also inside it)
        text = NOT_COVERED if closest else NOT_COVERED_NONE
        return self._finish(state, text=text, citations=[], abstained=True, closest=closest)

    def _answer(self, states: Iterator[_State]) -> Iterator[str | Answer]:
        for state in states:
            if state.empty_store:
                yield EMPTY_STORE
                yield self._finish(state, text=EMPTY_STORE, citations=[], abstained=True)
                continue
            if self.desk is not None and state.intent.kind != ANSWER:
                answer = self._news(state, self.desk)
                yield answer.text
                yield answer
                continue
            if not state.passages or max(h.score for h in state.passages) < self.min_score:
                answer = self._abstain(state)
                yield answer.text
                yield answer
                continue
            t = time.perf_counter()
            pieces: list[str] = []
            for piece in self.answerer.stream(state.standalone, state.passages):
                pieces.append(piece)
                yield piece
            state.timings["answer_ms"] = (time.perf_counter() - t) * 1000
            raw = "".join(pieces).strip()
            if not raw or raw.startswith(ABSTAIN.rstrip(".")):
                yield self._abstain(state)
                continue
            conflict = None
            if self.desk is not None:
                conflict, extra = self.desk.conflict(state.standalone, state.intent, state.passages, state.vector)
                state.passages = [*state.passages, *extra] if conflict else state.passages
            yield self._cited(state, raw, conflict)

    def _cited(self, state: _State, raw: str, conflict: Conflict | None = None) -> Answer:
        """The answer, its markers renumbered and its sentences checked; with a conflict, the line
        that says what changed or who disagrees comes first (and the short answer is its lead)."""
        anchors: dict[int, tuple[int, int]] = {}
        head = ""
        if conflict is not None:
            lead = conflict.values[-1] if state.intent.first and conflict.kind == "update" else conflict.values[0]
            head = (f"**{lead.value}** — " if conflict.kind == "update" else "") + conflict_line(
                conflict, state.intent.first
            )
            raw = f"{head}\n\n{SHORT.sub('', raw)}"
            for r in conflict.values:
                text = state.passages[r.n - 1].text
                at = text.find(r.value)
                anchors[r.n] = sentence_around(text, at, at + len(r.value)) if at >= 0 else (0, len(text))
        parsed = parse_citations(raw, len(state.passages))
        if parsed.dropped:
            log.info("dropped citation markers that point at no passage: %s", parsed.dropped)
        new = {old: i + 1 for i, old in enumerate(parsed.used)}
        used = {new[old]: state.passages[old - 1] for old in parsed.used}
        skip = parsed.text.find("\n\n") + 2 if head else 0  # the conflict line is built from the spans: not checked
        checks = [replace(c, start=c.start + skip, end=c.end + skip)
                  for c in check_answer(parsed.text[skip:], {n: h.text for n, h in used.items()})]  # fmt: skip
        citations = []
        for old in parsed.used:
            n, h = new[old], state.passages[old - 1]
            claim = next((parsed.text[c.start : c.end] for c in checks if n in c.cited), parsed.text)
            citations.append(Citation.of(n, h, anchors.get(old) or cited_sentence(claim, h.text)))
        short, source = short_answer(parsed.text, citations)
        conflicts = [] if conflict is None else [
            Conflict(conflict.kind, tuple(replace(r, n=new[r.n]) for r in conflict.values if r.n in new))
        ]  # fmt: skip
        return self._finish(
            state, text=parsed.text, citations=citations, uncited=not citations, checks=checks,
            unsupported=sum(not c.supported for c in checks), short=short, short_source=source, conflicts=conflicts,
        )  # fmt: skip

    def _news(self, state: _State, desk: NewsDesk) -> Answer:
        """A timeline of a story, or a briefing of a period's stories."""
        intent, t = state.intent, state.time_said
        if intent.kind == TIMELINE:
            named = None
            if t.has_window:
                days = [d.toordinal() if d else None for d in (t.since, t.until)]
                named = Scope(min_day=days[0], max_day=days[1])
            composed = desk.timeline(state.standalone, intent, state.hits, named)
            intro = TIMELINE_INTRO.render(topic=intent.topic or "the story")
            empty = NO_TIMELINE
        else:
            as_of = state.filters.as_of_or_today()
            window = (t.since or shift(as_of, -DEFAULT_DAYS), min(t.until or as_of, as_of))
            period = t.expression or f"in the {DEFAULT_DAYS} days to {window[1]:%-d %B %Y}"
            if intent.topic:
                period = f"about {intent.topic} {period}"
            composed = desk.briefing(intent, state.hits, self.retriever.scope(state.filters), window, state.vector)
            intro = BRIEFING_INTRO.render(period=f"{period} ({_days(window)})")
            empty = NO_BRIEFING.render(period=f"{period} ({_days(window)})")
        if not composed.text:
            return self._finish(state, text=empty, citations=[], abstained=True, mode=intent.kind)
        return self._composed(state, composed, intro)

    def _composed(self, state: _State, composed: Composed, intro: str) -> Answer:
        parsed = parse_citations(composed.text, len(composed.hits))
        new = {old: i + 1 for i, old in enumerate(parsed.used)}
        citations = [Citation.of(new[old], composed.hits[old - 1], composed.sentences[old]) for old in parsed.used]
        events = [replace(e, cited=tuple(new[c] for c in e.cited if c in new)) for e in composed.events]
        return self._finish(state, text=f"{intro}\n\n{parsed.text}", citations=citations, mode=state.intent.kind,
                            events=events)  # fmt: skip

    # ---- entry points ----------------------------------------------------
    def stream(
        self, question: str, history: Iterable[Message] | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        """Yield answer text pieces, then the final :class:`Answer`."""
        yield from self.runnable.stream({"question": question, "history": history, "filters": filters})

    def ask(self, question: str, history: Sequence[Message] | None = None, filters: Filters | None = None) -> Answer:
        final = None
        for item in self.stream(question, history, filters):
            if isinstance(item, Answer):
                final = item
        assert final is not None
        return final
