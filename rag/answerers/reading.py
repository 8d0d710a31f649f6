"""The extractive answerer: a reader finds the answer; this writes it down, cited.

The answer is the short answer in bold, copied from the passage, then the sentence that
holds it, quoted whole with its ``[n]``: "**Saudi Arabia** — Saudi Arabia will host …
[1]".  When the reader's best span is not sure enough (its margin over "no answer"
under ``Calibration.short_margin``, or not likely right by the bold-answer model,
:mod:`.short_gate`) the sentence comes alone; a reader of whole sentences
(``sentences``) gives sentences only, as before; when a sentence chooser picked the
sentences (``minilm``), they are quoted, the one holding the short answer first.

Whether to answer at all is one fitted logistic model of the reader's margin and the
retrieval's best cosine (``Calibration``; fitted by ``benchmarks/calibrate_reader.py`` on
data the reader was not trained on); under its threshold the answerer abstains.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vectorstore.ingest.chunker import sentence_around
from vectorstore.records import Hit

from ..readers.base import Reader, Reading, Span
from .base import Draft
from .short_gate import ShortGate


@dataclass(frozen=True)
class Calibration:
    """p(the passages answer) = sigmoid(bias + margin_weight·margin + first_weight·first passage's
    margin + cosine_weight·best cosine); a margin is a span's score over "no answer"."""

    bias: float = 0.0
    margin_weight: float = 1.0
    first_weight: float = 0.0
    cosine_weight: float = 0.0
    threshold: float = 0.5  # under it: abstain
    short_margin: float = 0.0  # a short answer needs at least this margin
    short_gate: ShortGate = field(default_factory=ShortGate)  # and then to be likely right

    def answerable(self, reading: Reading, hits: Sequence[Hit]) -> float:
        if not reading.spans:
            return 0.0
        x = signals(reading, hits)
        z = self.bias + self.margin_weight * x[0] + self.first_weight * x[1] + self.cosine_weight * x[2]
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def load(cls, path: Path) -> Calibration:
        if not path.exists():
            return cls()
        return cls.from_dict(json.loads(path.read_text()))

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        plain = {k: float(v) for k, v in data.items() if k in cls.__dataclass_fields__ and k != "short_gate"}
        return cls(**plain, short_gate=ShortGate.from_dict(data.get("short_gate")))


FLOOR = -20.0  # the margin of a passage with no span at all


def signals(reading: Reading, hits: Sequence[Hit]) -> tuple[float, float, float]:
    """What the abstention is decided on: the reader's best margin, its margin in the first
    (best ranked) passage, and the retrieval's best cosine."""
    best = max(FLOOR, -reading.no_answer) if reading.spans else FLOOR
    first = max((s.score for s in reading.spans if s.passage == 0), default=FLOOR)
    return best, max(FLOOR, first), max((h.score for h in hits), default=0.0)


def short_span(reading: Reading) -> Span | None:
    """The short answer's span: the best inside the first chosen sentence, when sentences were
    chosen; else the reader's best."""
    if not reading.sentences:
        return reading.spans[0] if reading.spans else None
    return next((sp for sp in reading.spans if reading.sentences[0].holds(sp)), None)


def _quotes(spans: Sequence[Span], hits: Sequence[Hit], strip: bool = True) -> list[str]:
    """Each span's words with its ``[n]``, in order; a sentence already quoted from another
    passage (two articles carrying it word for word) is not quoted again."""
    out, seen = [], set()
    for s in spans:
        words = hits[s.passage].text[s.start : s.end]
        words = words.strip() if strip else words
        key = " ".join(words.lower().split())
        if key not in seen:
            seen.add(key)
            out.append(f"{words} [{s.passage + 1}]")
    return out


class ReadingAnswerer:
    name = "extractive"

    def __init__(self, reader: Reader, calibration: Calibration, passages: int = 5) -> None:
        self.reader = reader
        self.calibration = calibration
        self.passages = passages
        self.model = f"none (extractive, reader {reader.name})"

    def draft(self, question: str, hits: Sequence[Hit]) -> Draft:
        """The answer, or an abstention."""
        hits = hits[: self.passages]
        reading = self.reader.read(question, hits)
        fit = self.calibration
        if not reading.spans or fit.answerable(reading, hits) < fit.threshold:
            return Draft(abstained=True)
        if reading.sentences:
            return self._quoted(question, reading, hits)
        if reading.spans[0].sentence:
            chosen = sorted(reading.spans, key=lambda s: (s.passage, s.start))
            return Draft(" ".join(_quotes(chosen, hits, strip=False)))
        return self._short(question, reading, hits)

    def _shown(self, question: str, short: Span, words: str, reading: Reading, hits: Sequence[Hit]) -> bool:
        """Whether the short answer ``words`` is sure enough to be shown in bold."""
        fit = self.calibration
        return short.score >= fit.short_margin and fit.short_gate.shows(question, words, short, reading, hits)

    def _quoted(self, question: str, reading: Reading, hits: Sequence[Hit]) -> Draft:
        """The chosen sentences, the first holding the short answer (the best span inside them)."""
        first = reading.sentences[0]
        rest = sorted(reading.sentences[1:], key=lambda s: (s.passage, s.start))
        quoted = _quotes((first, *rest), hits)
        short = short_span(reading)
        text = " ".join(quoted)
        if short is None:
            return Draft(text)
        words = hits[short.passage].text[short.start : short.end].strip()
        if not words or words == quoted[0].rsplit(" [", 1)[0] or not self._shown(question, short, words, reading, hits):
            return Draft(text)
        return Draft(text, short=words)

    def _short(self, question: str, reading: Reading, hits: Sequence[Hit]) -> Draft:
        best = reading.spans[0]
        text = hits[best.passage].text
        s, e = sentence_around(text, best.start, best.end)
        sentence, short = text[s:e].strip(), text[best.start : best.end].strip()
        if not short or short == sentence or not self._shown(question, best, short, reading, hits):
            return Draft(f"{sentence} [{best.passage + 1}]")
        return Draft(f"{sentence} [{best.passage + 1}]", short=short)

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str | Draft]:
        draft = self.draft(question, passages)
        if not draft.abstained:
            yield draft.text
        yield draft
