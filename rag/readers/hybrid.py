"""The default reader: the trained span reader finds the short answer (the span the
passages back most, :mod:`.voting`) and the evidence for "not in the articles"; the
sentence model chooses the other sentences to quote.

The sentence holding the short answer is quoted first — the sentence model's own when it
chose it, else the one around the span.  Measured (docs/reader.md): the span reader alone
quotes the sentence holding the answer less often than the sentence model on news, but its
best span is a better short answer than the best span inside the sentence model's choice
(held-out RealTimeQA 2025 H2, exact match: 0.571 against 0.442 with the shipped model, 0.532
against 0.429 with the one-epoch model before it), so each does what it does best.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from vectorstore.ingest.chunker import sentence_around
from vectorstore.records import Hit

from .base import Reader, Reading, Span

WAITING = 8  # questions whose span reading can be under way at once (the rest queue)


class HybridReader:
    name = "minilm"

    def __init__(self, spans: Reader, sentences: Reader) -> None:
        self.spans = spans
        self.sentences = sentences
        self._lock = threading.Lock()
        self._waiting: ThreadPoolExecutor | None = None

    def _starter(self) -> ThreadPoolExecutor:
        """Threads that start the span reader's run and wait for it (its own pool does the work)."""
        with self._lock:
            if self._waiting is None:
                self._waiting = ThreadPoolExecutor(WAITING, thread_name_prefix="reader-wait")
            return self._waiting

    def read(self, question: str, passages: Sequence[Hit]) -> Reading:
        # The two readers at once: the span reader's passages run one per core, and the last
        # round leaves a core idle that the sentence model's embedding fills (benchmarks/ask.py).
        reading = self._starter().submit(self.spans.read, question, passages)
        chosen = self.sentences.read(question, passages).spans
        found = reading.result()
        if found.spans:  # the sentence holding the short answer first: it is the one the answer cites first
            best = found.spans[0]
            home = next((s for s in chosen if s.holds(best)), None) or _around(best, passages[best.passage].text)
            chosen = (home, *(s for s in chosen if not _overlap(s, home)))
        return Reading(spans=found.spans, no_answer=found.no_answer, sentences=tuple(chosen))


def _around(span: Span, text: str) -> Span:
    start, end = sentence_around(text, span.start, span.end)
    return Span(span.passage, start, end, score=span.score, sentence=True)


def _overlap(a: Span, b: Span) -> bool:
    return a.passage == b.passage and a.start < b.end and b.start < a.end
