"""Passages vote on the short answer, and the sentence holding it is quoted first.
Fakes here (the logic); the shipped model answers through them in test_reader_model.py."""

from __future__ import annotations

from collections.abc import Sequence

from rag.readers.base import Reading, Span
from rag.readers.hybrid import HybridReader
from rag.readers.voting import VotingReader, support, voted
from vectorstore.records import ArticleRef, Hit


def hit(i: int, text: str) -> Hit:
    ref = ArticleRef(f"a{i}", f"Title {i}", None, None, None)
    return Hit(**ref.ref_fields(), chunk_id=f"c{i}", text=text, start=0, end=len(text), score=0.6)


TEXTS = [
    "The summit was hosted by Oslo this year. Critics preferred Bergen.",
    "Leaders met in Bergen, the host city, on Friday.",
    "Bergen hosted the summit. Oslo sent a delegation.",
]


def span(k: int, words: str, score: float) -> Span:
    at = TEXTS[k].find(words)
    return Span(k, at, at + len(words), score)


class Spans:
    name = "spans"

    def __init__(self, spans: Sequence[Span], no_answer: float = -2.0) -> None:
        self.spans, self.no_answer = tuple(spans), no_answer

    def read(self, question: str, passages: Sequence[Hit]) -> Reading:
        return Reading(spans=self.spans, no_answer=self.no_answer)


class Sentences:
    name = "sentences"

    def __init__(self, *sentences: tuple[int, str]) -> None:
        self.sentences = sentences

    def read(self, question: str, passages: Sequence[Hit]) -> Reading:
        found = [(k, passages[k].text.find(s), s) for k, s in self.sentences]
        return Reading(
            spans=tuple(Span(k, a, a + len(s), -r, sentence=True) for r, (k, a, s) in enumerate(found)), no_answer=0.0
        )


def test_an_answer_two_passages_give_beats_a_slightly_surer_one_only_one_gives() -> None:
    reading = Reading(spans=(span(0, "Oslo", 3.0), span(1, "Bergen", 2.5), span(2, "Bergen", 2.4)), no_answer=-3.0)
    order = voted(reading, TEXTS).spans
    assert [TEXTS[s.passage][s.start : s.end] for s in order] == ["Bergen", "Bergen", "Oslo"]
    assert order[0].score == 2.5  # the reader's own scores, untouched
    assert voted(reading, TEXTS).no_answer == -3.0


def test_one_passage_alone_keeps_the_readers_order_and_much_surer_answers_still_win() -> None:
    alone = Reading(spans=(span(0, "Oslo", 3.0), span(0, "Bergen", 1.0)), no_answer=-3.0)
    assert voted(alone, TEXTS).spans == alone.spans
    sure = Reading(spans=(span(0, "Oslo", 9.0), span(1, "Bergen", 2.5), span(2, "Bergen", 2.4)), no_answer=-9.0)
    assert TEXTS[0][voted(sure, TEXTS).spans[0].start :].startswith("Oslo")


def test_support_counts_a_passage_once_and_folds_case_and_articles() -> None:
    texts = ["The Bergen team won; the bergen fans cheered.", "Bergen won."]
    lower = texts[0].find("bergen")
    spans = [
        Span(0, 0, 10, 1.0),
        Span(0, lower, lower + 6, 0.5),
        Span(1, 0, 6, 1.0),
    ]  # "The Bergen", "bergen", "Bergen"
    assert list(support(spans, texts)) == ["bergen"]
    assert abs(support(spans, texts)["bergen"] - (1.0 + 0.6931)) < 1e-3  # two passages at 1.0: 1 + ln 2


def test_whole_sentence_readings_are_left_as_they_are() -> None:
    whole = Reading(spans=(Span(1, 0, 10, 0.0, sentence=True), Span(0, 0, 10, -1.0, sentence=True)), no_answer=0.0)
    assert voted(whole, TEXTS) == whole
    assert VotingReader(Spans(whole.spans, 0.0)).read("q", [hit(k, t) for k, t in enumerate(TEXTS)]) == whole


def test_the_sentence_holding_the_short_answer_is_quoted_first_even_when_the_sentence_model_missed_it() -> None:
    passages = [hit(k, t) for k, t in enumerate(TEXTS)]
    spans = Spans([span(2, "Bergen", 4.0)])
    reading = HybridReader(
        spans, Sentences((0, "The summit was hosted by Oslo this year."), (2, "Oslo sent a delegation."))
    ).read("q", passages)
    first = reading.sentences[0]
    assert (first.passage, TEXTS[2][first.start : first.end]) == (2, "Bergen hosted the summit.")
    assert [TEXTS[s.passage][s.start : s.end] for s in reading.sentences[1:]] == [
        "The summit was hosted by Oslo this year.",
        "Oslo sent a delegation.",
    ]


def test_when_the_sentence_model_chose_the_short_answers_sentence_it_moves_first_and_is_not_repeated() -> None:
    passages = [hit(k, t) for k, t in enumerate(TEXTS)]
    chooser = Sentences(
        (0, "The summit was hosted by Oslo this year."), (1, "Leaders met in Bergen, the host city, on Friday.")
    )
    reading = HybridReader(Spans([span(1, "Bergen", 4.0)]), chooser).read("q", passages)
    assert [s.passage for s in reading.sentences] == [1, 0]
    assert len(reading.sentences) == 2
