"""Whether the short answer is shown in bold: only when it is likely right.

A wrong bold answer is worse than none (a reader takes the bold for the answer), so the
extractive answer leads with the sentence unless a fitted logistic model of what the reader
said about its short answer gives it at least ``threshold`` of being right (SQuAD F1 ≥ 0.5).
The signals are cheap and read off the reading: the span's margin over "no answer", how many
articles back the same answer (:mod:`rag.readers.voting`; on news the strongest sign), the
cosine and rank of its passage, its length and how much of it repeats the question.

Type checks of the question's wh-word against the span ("how many" wants a number, "who" a
name, a lone lowercase word is rarely an answer) were measured and left out: on the
calibration sets the first two fire on under 2% of the shown answers, the third on 8–11%, and
none tells right from wrong (each alone: ROC AUC 0.48–0.52).

Fitted by ``benchmarks/calibrate_reader.py`` on data the reader was not trained on (the
``short_gate`` entry of ``rag/readers/model/calibration.json``); without it every short answer
the margin allows is shown, as before.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vectorstore.records import Hit

from ..metrics import normalize_answer
from ..readers.base import Reading, Span

FEATURES = ("margin", "backing", "cosine", "rank", "words", "repeats")


def _words(text: str) -> list[str]:
    return normalize_answer(text).split()


def signals(question: str, short: str, span: Span, reading: Reading, hits: Sequence[Hit]) -> dict[str, float]:
    """What the decision reads, by name (:data:`FEATURES`)."""
    key = normalize_answer(short)
    # articles, not passages: one article's overlapping passages repeat its words without backing them
    backing = len({hits[s.passage].article_id for s in reading.spans
                   if normalize_answer(hits[s.passage].text[s.start : s.end]) == key})  # fmt: skip
    words = _words(short)
    asked = set(_words(question))
    return {
        "margin": max(-20.0, span.score),
        "backing": float(max(1, backing)),
        "cosine": hits[span.passage].score,
        "rank": float(span.passage),
        "words": math.log1p(len(words)),
        "repeats": sum(w in asked for w in words) / max(1, len(words)),
    }


@dataclass(frozen=True)
class ShortGate:
    """p(the short answer is right) = sigmoid(bias + Σ weight·signal); shown at ``threshold`` or over."""

    bias: float = 0.0
    weights: tuple[float, ...] = ()  # in the order of FEATURES
    threshold: float = 0.0  # 0: every short answer is shown

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.bias + sum(w * values[name] for w, name in zip(self.weights, FEATURES, strict=False))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def shows(self, question: str, short: str, span: Span, reading: Reading, hits: Sequence[Hit]) -> bool:
        if self.threshold <= 0.0:
            return True
        return self.probability(signals(question, short, span, reading, hits)) >= self.threshold

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> ShortGate:
        if not data:
            return cls()
        weights = data.get("weights", {})
        assert isinstance(weights, Mapping)
        return cls(
            bias=float(data.get("bias", 0.0)),  # type: ignore[arg-type]
            weights=tuple(float(weights.get(name, 0.0)) for name in FEATURES),
            threshold=float(data.get("threshold", 0.0)),  # type: ignore[arg-type]
        )
