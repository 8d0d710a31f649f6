"""The bold short answer is shown only when it is likely right (rag/answerers/short_gate.py):
the signals it reads, the fitted model's decision, and its fit (benchmarks/calibrate_reader.py)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.calibrate_reader import gate_fit
from rag.answerers.reading import Calibration, ReadingAnswerer
from rag.answerers.short_gate import FEATURES, ShortGate, signals
from rag.readers.base import Reading, Span
from vectorstore.records import Hit


def hit(text: str, score: float = 0.6, article: str = "a") -> Hit:
    return Hit(article_id=article, title="t", source=None, published=None, url=None, chunk_id="c", text=text,
               start=0, end=len(text), score=score)  # fmt: skip


def test_signals_say_what_a_wrong_answer_looks_like() -> None:
    text = "Travellers missed flights as lines grew. Two people died in the crash at LaGuardia."
    passages = [hit(text), hit("Two people died, officials said.", score=0.4, article="b"), hit(text[40:], article="a")]
    verb = Span(0, text.index("missed"), text.index("missed") + 6, score=1.0)
    two = Span(0, text.index("Two"), text.index("Two") + 3, score=3.0)
    again = Span(1, 0, 3, score=2.0)
    reading = Reading(spans=(two, again, verb), no_answer=-3.0)
    what = signals("What caused the long airport lines?", "missed", verb, reading, passages)
    assert what["backing"] == 1.0 and what["margin"] == 1.0 and what["rank"] == 0.0 and what["cosine"] == 0.6
    many = signals("How many people were killed?", "Two", two, reading, passages)
    assert many["backing"] == 2.0  # two articles say "Two"
    overlap = Reading(spans=(two, Span(2, 1, 4, score=1.0)), no_answer=-3.0)  # "Two" again, in a's next passage
    assert signals("How many people were killed?", "Two", two, overlap, passages)["backing"] == 1.0
    assert signals("How many died?", "Two", again, reading, passages)["rank"] == 1.0
    assert signals("Which lines grew?", "lines", verb, reading, passages)["repeats"] == 1.0
    assert set(what) == set(FEATURES)


def test_an_unlikely_short_answer_is_not_shown_and_the_sentence_leads() -> None:
    text = "Travellers missed flights as the lines grew longer at airports."
    span = Span(0, text.index("missed"), text.index("missed") + 6, score=2.0)

    class Fixed:
        name = "fixed"

        def read(self, question: str, passages: object) -> Reading:
            return Reading(spans=(span,), no_answer=-2.0)

    strict = ShortGate(bias=-2.0, weights=tuple(1.0 if f == "backing" else 0.0 for f in FEATURES), threshold=0.5)
    question = "What caused the long airport lines?"
    shown = ReadingAnswerer(Fixed(), Calibration(threshold=0.0, short_margin=-5.0)).draft(question, [hit(text)])
    hidden = ReadingAnswerer(Fixed(), Calibration(threshold=0.0, short_margin=-5.0, short_gate=strict)).draft(
        question, [hit(text)]
    )
    assert shown.short == "missed"
    assert hidden.short is None and hidden.text == f"{text} [1]"  # the sentence, cited, leads


def test_the_gate_is_read_from_the_calibration_file_s_entry() -> None:
    gate = {"bias": 1.0, "weights": {"margin": 0.5}, "threshold": 0.6}
    cal = Calibration.from_dict({"threshold": 0.1, "short_margin": -6.7, "short_gate": gate})
    assert cal.short_gate.threshold == 0.6 and cal.short_gate.weights[FEATURES.index("margin")] == 0.5
    assert Calibration.from_dict({"threshold": 0.1}).short_gate == ShortGate()  # none: every short answer shown


def _rows(name: str, n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        right = bool(rng.random() < 0.55)
        margin = float(rng.normal(4.0 if right else 0.0, 2.5))
        gate = {f: 0.0 for f in FEATURES} | {"margin": margin, "backing": float(1 + (right and i % 3 == 0))}
        out.append({"set": name, "margin": 5.0, "first": 5.0, "cosine": 0.6, "answered": True,
                    "short_score": margin, "short_f1": 1.0 if right else 0.0, "gate": gate})  # fmt: skip
    return out


@pytest.mark.parametrize("target", [0.8, 0.9])
def test_the_fitted_gate_shows_answers_right_at_least_the_target_share_of_the_time_in_every_set(target: float) -> None:
    rows = _rows("squad", 600, 0) + _rows("news", 200, 1)
    cal = {"bias": 10.0, "margin_weight": 0.0, "first_weight": 0.0, "cosine_weight": 0.0, "threshold": 0.0,
           "short_margin": -20.0}  # fmt: skip
    gate = ShortGate.from_dict(gate_fit(rows, cal, floor=0.0, target=target))
    for name in ("squad", "news"):
        sub = [r for r in rows if r["set"] == name]
        shown = [r for r in sub if gate.probability(r["gate"]) >= gate.threshold]
        assert 0 < len(shown) < len(sub)  # some hidden, not all
        assert np.mean([r["short_f1"] == 1.0 for r in shown]) >= target
        before = np.mean([r["short_f1"] == 1.0 for r in sub])
        assert before < target  # the gate raised it
