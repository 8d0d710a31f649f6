"""The fitted logistic sentence model as a reader: whole sentences, no short answer.

It is the extractive answerer's selection before the trained reader
(:class:`rag.answerers.extractive.ExtractiveAnswerer`): kept as the fallback
(``NEWSRAG_READER=sentences``) and for any embedding space the trained reader's
calibration was not made in.
"""

from __future__ import annotations

from collections.abc import Sequence

from vectorstore.embedders import Embedder
from vectorstore.records import Hit

from ..answerers.extractive import ExtractiveAnswerer
from .base import Reading, Span


class SentenceReader:
    name = "sentences"

    def __init__(self, embedder: Embedder, passages: int = 5, threshold: float | None = None) -> None:
        self._answerer = ExtractiveAnswerer(embedder, passages=passages)
        if threshold is not None:
            self._answerer.threshold = threshold

    def read(self, question: str, passages: Sequence[Hit]) -> Reading:
        chosen = self._answerer.select(question, passages)
        spans = []
        for rank, (n, sentence) in enumerate(chosen):
            start = passages[n - 1].text.find(sentence)
            if start >= 0:
                spans.append(Span(n - 1, start, start + len(sentence), score=-float(rank), sentence=True))
        return Reading(spans=tuple(spans), no_answer=0.0 if spans else 1.0)
