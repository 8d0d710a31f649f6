"""The last step of every answer: its ``[n]`` markers renumbered in the order they are used
(a marker that points at no passage dropped), each cited passage with the sentence it is
cited for, and for a written answer its sentences checked against what they cite."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from vectorstore.ingest.chunker import sentence_around

from .answer import Answer, Citation, Conflict, ConflictKind, ShortSource
from .answerers import Draft
from .citations import parse_citations
from .news.composed import Composed
from .news.conflicts import conflict_line
from .support import check_answer, cited_sentence
from .turn import Turn

log = logging.getLogger(__name__)

MAX_SHORT = 200  # characters: longer is no short answer


def short_answer(short: str | None, citations: Sequence[Citation]) -> tuple[str | None, ShortSource | None]:
    """The short answer and where it is in the first cited sentence; none unless it is copied
    from that sentence (nothing invented is shown as one)."""
    if not short or not citations or len(short.strip()) > MAX_SHORT or "*" in short or "\n" in short:
        return None, None
    short, c = short.strip(), citations[0]
    lo, hi = c.sentence_start - c.start, c.sentence_end - c.start
    at = c.passage.find(short, max(0, lo), hi if hi > lo else len(c.passage))
    if at < 0:
        return None, None
    return short, ShortSource(n=c.n, start=c.start + at, end=c.start + at + len(short))


def cite_answer(turn: Turn, draft: Draft, conflict: Conflict | None = None) -> Answer:
    """The answer, its markers renumbered and its sentences checked; with a conflict, the line
    that says what changed or who disagrees comes first (and the short answer is its lead)."""
    anchors: dict[int, tuple[int, int]] = {}
    head, raw, short = "", draft.text.strip(), draft.short
    if conflict is not None:
        update = conflict.kind == ConflictKind.UPDATE
        lead = conflict.values[-1] if turn.intent.first and update else conflict.values[0]
        short = lead.value if update else None
        head = (f"**{lead.value}** — " if update else "") + conflict_line(conflict, turn.intent.first)
        raw = f"{head}\n\n{draft.body.strip()}"
        for r in conflict.values:
            text = turn.passages[r.n - 1].text
            at = text.find(r.value)
            anchors[r.n] = sentence_around(text, at, at + len(r.value)) if at >= 0 else (0, len(text))
    parsed = parse_citations(raw, len(turn.passages))
    if parsed.dropped:
        log.info("dropped citation markers that point at no passage: %s", parsed.dropped)
    new = {old: i + 1 for i, old in enumerate(parsed.used)}
    used = {new[old]: turn.passages[old - 1] for old in parsed.used}
    skip = parsed.text.find("\n\n") + 2 if head else 0  # the conflict line is built from the spans: not checked
    checks = [replace(c, start=c.start + skip, end=c.end + skip)
              for c in check_answer(parsed.text[skip:], {n: h.text for n, h in used.items()})]  # fmt: skip
    citations = []
    for old in parsed.used:
        n, h = new[old], turn.passages[old - 1]
        claim = next((parsed.text[c.start : c.end] for c in checks if n in c.cited), parsed.text)
        citations.append(Citation.of(n, h, anchors.get(old) or cited_sentence(claim, h.text)))
    short, source = short_answer(short, citations)
    conflicts = [] if conflict is None else [
        Conflict(conflict.kind, tuple(replace(r, n=new[r.n]) for r in conflict.values if r.n in new))
    ]  # fmt: skip
    return turn.answer(
        text=parsed.text, citations=citations, uncited=not citations, checks=checks,
        unsupported=sum(not c.supported for c in checks), short=short, short_source=source, conflicts=conflicts,
    )  # fmt: skip


def cite_composed(turn: Turn, composed: Composed, intro: str) -> Answer:
    """A timeline or a briefing: its lines' markers renumbered, each cited for its line's sentence."""
    parsed = parse_citations(composed.text, len(composed.hits))
    new = {old: i + 1 for i, old in enumerate(parsed.used)}
    citations = [Citation.of(new[old], composed.hits[old - 1], composed.sentences[old]) for old in parsed.used]
    events = [replace(e, cited=tuple(new[c] for c in e.cited if c in new)) for e in composed.events]
    return turn.answer(text=f"{intro}\n\n{parsed.text}", citations=citations, mode=turn.intent.kind, events=events)
