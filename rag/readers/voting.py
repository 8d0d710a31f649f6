"""Passages vote on the answer: a reader's spans, reordered by how many passages back them.

News repeats itself: the answer to a question about the week is usually in several of the
articles retrieved, and a wrong span in one article rarely recurs in another.  Each
distinct answer (SQuAD-normalised text) gets the log of the summed exponentials of its
best score in each passage that holds it — its best score when one passage holds it,
more when several agree — and the spans are ordered by that, best first (ties: the
span's own score).  Scores stay the reader's own, so "no answer" and the margins the
abstention is fitted on are unchanged; only which span comes first changes.

Measured on the held-out calibration sets (docs/reader.md), the best span's exact match without
and with voting: RealTimeQA 2025's second half 0.481 → 0.571 with the shipped model (0.468 → 0.532
with the one-epoch model), three SQuAD articles 0.576 → 0.574 (0.561 → 0.563).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from vectorstore.records import Hit

from ..metrics import normalize_answer
from .base import Reader, Reading, Span


def support(spans: Sequence[Span], texts: Sequence[str]) -> dict[str, float]:
    """Each distinct answer's support: log Σ over the passages holding it of exp(its best score there)."""
    best: dict[str, dict[int, float]] = {}
    for s in spans:
        key = normalize_answer(texts[s.passage][s.start : s.end])
        if key:
            seen = best.setdefault(key, {})
            seen[s.passage] = max(seen.get(s.passage, -math.inf), s.score)
    out = {}
    for key, scores in best.items():
        top = max(scores.values())
        out[key] = top + math.log(sum(math.exp(v - top) for v in scores.values()))
    return out


def voted(reading: Reading, texts: Sequence[str]) -> Reading:
    """The reading with its spans ordered by their answer's support (a sentence reader's
    whole sentences are left as they are)."""
    if not reading.spans or reading.spans[0].sentence:
        return reading
    backing = support(reading.spans, texts)

    def key(s: Span) -> tuple[float, float]:
        return -backing.get(normalize_answer(texts[s.passage][s.start : s.end]), -math.inf), -s.score

    return Reading(
        spans=tuple(sorted(reading.spans, key=key)), no_answer=reading.no_answer, sentences=reading.sentences
    )


class VotingReader:
    """A span reader whose answers are put in the order the passages back them."""

    def __init__(self, inner: Reader) -> None:
        self.inner = inner
        self.name = inner.name

    def read(self, question: str, passages: Sequence[Hit]) -> Reading:
        return voted(self.inner.read(question, passages), [h.text for h in passages])
