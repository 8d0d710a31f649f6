"""The default reader: the sentence model chooses the sentences to quote, the trained span
reader the short answer inside them and the evidence for "not in the articles".

Measured (docs/reader.md): the span reader alone quotes the sentence holding the answer less
often than the sentence model on news (RealTimeQA 2023 dev, with evidence: 0.506 against
0.578), while its no-answer evidence is what the sentence model lacks and its spans give a
short answer.  Together each does what it does best.
"""

from __future__ import annotations

from collections.abc import Sequence

from vectorstore.records import Hit

from .base import Reader, Reading


class HybridReader:
    name = "minilm"

    def __init__(self, spans: Reader, sentences: Reader) -> None:
        self.spans = spans
        self.sentences = sentences

    def read(self, question: str, passages: Sequence[Hit]) -> Reading:
        found = self.spans.read(question, passages)
        chosen = self.sentences.read(question, passages).spans
        best = next((sp for sp in found.spans if any(s.holds(sp) for s in chosen)), None)
        if best is not None:  # the sentence holding the short answer first: it is the one the answer cites first
            home = next(s for s in chosen if s.holds(best))
            chosen = (home, *(s for s in chosen if s != home))
        return Reading(spans=found.spans, no_answer=found.no_answer, sentences=tuple(chosen))
