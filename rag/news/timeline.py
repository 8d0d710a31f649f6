"""How a story developed: one dated line per day, oldest first, each quoting the sentence that
tells that day's news with its [n] (a sentence quoted once however many copies carry it, at most
``MAX_QUOTES`` a day, never a byline); copies of a story are one line ("also reported by").
When the question names a figure ("How did the death toll change?") each day gives the
value its sources report (of the kind most of them give: a toll, not a magnitude), so a
revised figure reads as a series (38 → 112 → 131)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from vectorstore.ingest.chunker import sentence_around
from vectorstore.records import Hit

from ..answer import Event
from ..support import cited_sentence
from .composed import Composed
from .conflicts import ValueReader, of_common_kind, when
from .lead import lead_span, says_something
from .values import Value

MAX_DAYS = 12
MAX_QUOTES = 2  # sentences a day's card quotes; its other reports are counted (with their outlets)
SPREAD = 0.25  # passages this far under the best cosine are another story


def relevant(hits: Sequence[Hit], min_score: float) -> list[Hit]:
    """Each article's best passage among the hits close enough to the best one (the story)."""
    if not hits:
        return []
    floor = max(min_score, max(h.score for h in hits) - SPREAD)
    seen: dict[str, Hit] = {}
    for h in hits:
        if h.score >= floor and h.article_id not in seen:
            seen[h.article_id] = h
    return list(seen.values())


def _sentence(topic: str, text: str) -> tuple[int, int]:
    """The sentence of ``text`` that tells about ``topic``; its lead when that one is a byline,
    a lone dateline or a note (:mod:`.lead`)."""
    span = cited_sentence(topic, text)
    return span if says_something(text[span[0] : span[1]]) else lead_span(text)


def _outlets(h: Hit) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for s in (h.source, *(a.source for a in h.also)) if s))


def timeline(
    topic: str, hits: Sequence[Hit], min_score: float, values: ValueReader | None = None, value_question: str = ""
) -> Composed:
    """The dated lines of the story ``hits`` tell (the retrieval's ranking for the topic)."""
    story = [h for h in relevant(hits, min_score) if h.published]
    found: dict[str, Value] = {}
    if values is not None and value_question:
        read = sorted(values.values(value_question, story), key=lambda v: -v.score)
        found = {story[v.passage].chunk_id: v for v in of_common_kind(read, story)}
    out = Composed()
    dated = sorted(enumerate(story), key=lambda ih: (ih[1].published or "", ih[0]))
    years = {h.published[:4] for _, h in dated if h.published}
    lines = []
    for day, group in groupby(dated, key=lambda ih: ih[1].published):
        parts: list[str] = []
        quotes: list[str] = []
        cited: list[int] = []
        said: list[str] = []
        outlets: list[str] = []
        count = 0
        for _, h in group:
            v = found.get(h.chunk_id)
            span = sentence_around(h.text, v.start, v.end) if v else _sentence(topic, h.text)
            quote = h.text[span[0] : span[1]].strip()
            outlets.extend(_outlets(h))
            count += 1 + len(h.also)
            if " ".join(quote.lower().split()) in {" ".join(q.lower().split()) for q in quotes}:
                continue  # another copy of a sentence already quoted: its outlet is counted, not its words
            if len(quotes) >= MAX_QUOTES:
                continue  # a busy day: its first reports quoted, the others counted
            n = out.cite(h, span)
            cited.append(n)
            also = [a.source for a in h.also if a.source and a.source != h.source]
            tail = f" (also reported by {', '.join(dict.fromkeys(also))})" if also else ""
            parts.append((f"{v.text}: " if v else "") + f"{quote} [{n}]{tail}")
            quotes.append(quote)
            said.append(v.text if v else "")
        label = when(day, len(years) > 1)
        lines.append(f"- **{label}** — " + " ".join(parts))
        value = ", ".join(s for s in said if s) or None
        out.events.append(Event(day, " ".join(quotes), tuple(cited), value, count, tuple(dict.fromkeys(outlets))))
    if len(lines) > MAX_DAYS:
        lines, out.events = lines[-MAX_DAYS:], out.events[-MAX_DAYS:]
    out.text = "\n".join(lines)
    return out
