"""The value each passage gives for what was asked: the reader's best span in it, when the
reader is sure enough (its margin over "no answer" at least ``min_margin``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vectorstore.records import Hit

from ..readers.base import Reader

# A passage's value counts when the reader prefers it to "no answer" by CONFLICT_MARGIN and its
# sentence claims what the best value's does (cosine at least SAME_CLAIM, values masked).
# Fitted by benchmarks/calibrate_conflicts.py on sets whose sources don't contradict each other
# (false flags at most 0.04 on squad-3 and RealTimeQA 2025 H2, 300 questions each: 0.015 and
# 0.003).  When the question itself asks whether the sources disagree, a conflict is
# what it expects, so a looser sentence match counts (ASKED_CLAIM: false flags 0.121 and 0.040
# on those sets' ordinary questions, which don't ask).
CONFLICT_MARGIN = -2.0
SAME_CLAIM = 0.8
ASKED_CLAIM = 0.6


@dataclass(frozen=True)
class Value:
    passage: int  # 0-based, in the given order
    start: int  # characters of the passage's text
    end: int
    text: str
    score: float  # the reader's margin


class ReaderValues:
    """Values from a span reader (the shipped ``minilm-span``): one per passage at most."""

    def __init__(self, reader: Reader, min_margin: float = CONFLICT_MARGIN) -> None:
        self.reader = reader
        self.min_margin = min_margin

    def values(self, question: str, passages: Sequence[Hit]) -> list[Value]:
        reading = self.reader.read(question, passages)
        best: dict[int, Value] = {}
        for sp in reading.spans:  # best first
            if sp.sentence or sp.score < self.min_margin or sp.passage in best:
                continue
            text = passages[sp.passage].text[sp.start : sp.end].strip()
            if text:
                best[sp.passage] = Value(sp.passage, sp.start, sp.end, text, sp.score)
        return sorted(best.values(), key=lambda v: v.passage)
