"""The reader seam: a short answer copied from a cited sentence, shown first; the
sentence that holds it, cited; abstention when the reader's calibrated evidence says
the passages don't answer.  Fakes here; the shipped model in test_reader_model.py."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from rag.answer import Citation
from rag.answerers.reading import Calibration, ReadingAnswerer
from rag.chain import AnswerChain
from rag.cite import short_answer
from rag.readers import READERS, Reading, Span, make_reader
from rag.retriever import NewsRetriever
from rag.service import NewsRAG
from rag.settings import Settings
from tests.test_seams import DictStore
from vectorstore.embedders import HashEmbedder
from vectorstore.errors import ConfigError
from vectorstore.records import ArticleRef, Hit


class FixedReader:
    """Finds ``answer`` in the first passage that holds it, with margin ``margin``."""

    name = "fixed"

    def __init__(self, answer: str, margin: float = 3.0) -> None:
        self.answer, self.margin = answer, margin

    def read(self, question: str, passages: Sequence[Hit]) -> Reading:
        for k, h in enumerate(passages):
            at = h.text.find(self.answer)
            if at >= 0:
                return Reading(spans=(Span(k, at, at + len(self.answer), self.margin),), no_answer=-self.margin)
        return Reading(spans=(), no_answer=5.0)


def hit(i: int, text: str) -> Hit:
    ref = ArticleRef(f"a{i}", f"Title {i}", None, None, None)
    return Hit(**ref.ref_fields(), chunk_id=f"c{i}", text=text, start=100, end=100 + len(text), score=0.6)


PASSAGES = [
    hit(1, "The council met on Monday. It chose a new mayor."),
    hit(2, "Rain fell all week. Lena Ruiz was elected mayor on Tuesday, with 61 percent. Turnout was low."),
]


def test_the_short_answer_comes_first_in_bold_then_the_sentence_that_holds_it() -> None:
    answerer = ReadingAnswerer(FixedReader("Lena Ruiz"), Calibration(threshold=0.5))
    draft = answerer.draft("Who was elected mayor?", PASSAGES)
    assert draft.text == "**Lena Ruiz** — Lena Ruiz was elected mayor on Tuesday, with 61 percent. [2]"
    assert draft.short == "Lena Ruiz" and not draft.abstained


def test_a_span_the_reader_is_unsure_of_gives_the_sentence_alone() -> None:
    answerer = ReadingAnswerer(FixedReader("Lena Ruiz", margin=0.4), Calibration(threshold=0.5, short_margin=1.0))
    draft = answerer.draft("Who was elected mayor?", PASSAGES)
    assert draft.short is None and draft.text == "Lena Ruiz was elected mayor on Tuesday, with 61 percent. [2]"


def test_it_abstains_when_the_calibrated_chance_of_an_answer_is_under_the_threshold() -> None:
    unsure = ReadingAnswerer(FixedReader("Lena Ruiz", margin=-1.0), Calibration(threshold=0.5))
    assert unsure.draft("Who was elected mayor?", PASSAGES).abstained
    nothing = ReadingAnswerer(FixedReader("Oslo"), Calibration(threshold=0.0))
    assert nothing.draft("Where?", PASSAGES).abstained  # no span at all


def test_a_reader_of_whole_sentences_quotes_them_in_article_order_without_a_short_answer() -> None:
    class Sentences:
        name = "s"

        def read(self, question: str, passages: Sequence[Hit]) -> Reading:
            low, won = "Turnout was low.", "Lena Ruiz was elected mayor on Tuesday, with 61 percent."
            a, b = (PASSAGES[1].text.find(s) for s in (low, won))
            spans = (Span(1, a, a + len(low), 1.0, True), Span(1, b, b + len(won), 0.5, True))
            return Reading(spans=spans, no_answer=-1.0)

    draft = ReadingAnswerer(Sentences(), Calibration(threshold=0.5)).draft("Who?", PASSAGES)
    assert draft.short is None
    assert draft.text == "Lena Ruiz was elected mayor on Tuesday, with 61 percent. [2] Turnout was low. [2]"


def citation(passage: str) -> Citation:
    s = passage.find("Lena")
    return Citation.of(1, hit(2, passage), (s, passage.find(".", s) + 1))


def test_the_chain_takes_the_short_answer_only_from_the_cited_sentence() -> None:
    c = citation(PASSAGES[1].text)
    short, source = short_answer("Lena Ruiz", [c])
    assert short == "Lena Ruiz" and source is not None
    assert c.passage[source.start - c.start : source.end - c.start] == "Lena Ruiz" and source.n == 1
    # a bold phrase that the cited sentence does not hold is no short answer (nothing invented is shown as one)
    assert short_answer("Mayor Ortiz", [c]) == (None, None)
    assert short_answer("low", [c]) == (None, None)  # elsewhere in the passage
    assert short_answer(None, [c]) == (None, None)


def test_the_answer_json_carries_the_short_answer_and_where_it_is_in_the_article() -> None:
    store = DictStore()
    retriever = NewsRetriever.create(store, HashEmbedder(), k=2, fetch_k=3, stages="dense,keyword")
    answerer = ReadingAnswerer(FixedReader("forty thousand homes"), Calibration(threshold=0.5))
    answer = AnswerChain(retriever, answerer, min_score=-1.0).ask("How many homes lost power in the storm?")
    data = answer.to_dict()
    assert data["short"] == "forty thousand homes"
    src = data["short_source"]
    cited = next(c for c in answer.citations if c.n == src["n"])
    article = cited.passage  # the store's passages are whole articles starting at 0
    assert article[src["start"] : src["end"]] == "forty thousand homes"
    assert cited.sentence_start <= src["start"] < src["end"] <= cited.sentence_end
    assert answer.text.startswith("**forty thousand homes** — ")


def test_an_unknown_reader_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"Unknown reader 'bert'.*minilm, minilm-span, sentences"):
        make_reader("bert", HashEmbedder())
    with pytest.raises(ConfigError, match="NEWSRAG_READER"):
        Settings.from_env({"NEWSRAG_READER": "bert"})
    assert set(READERS) == {"minilm", "minilm-span", "sentences"}


def dated_hit(i: int, text: str, published: str | None) -> Hit:
    ref = ArticleRef(f"a{i}", f"Title {i}", None, published, None)
    return Hit(**ref.ref_fields(), chunk_id=f"c{i}", text=text, start=0, end=len(text), score=0.6)


def test_a_service_reads_with_one_span_reader_shared_by_its_answerer_and_its_news_desk(hash_service) -> None:  # type: ignore[no-untyped-def]
    """One model session and one memory of readings per service, handed to both users of it
    (not a process-wide cache: two services never share, a switched answerer keeps it)."""
    svc = hash_service
    span = svc.span
    assert span is not None
    assert svc.chain.answerer.reader.spans.inner is span  # the answer's hybrid reader → voting → span
    assert svc.chain.desk.values.reader is span  # the conflict check's values
    svc.use_answerer("extractive")
    assert svc.chain.answerer.reader.spans.inner is span and svc.chain.desk.values.reader is span
    other = NewsRAG.build(svc.settings.with_(data_dir=svc.settings.data_dir.parent / "other"), embedder=HashEmbedder())
    assert other.span is not None and other.span is not span


def test_a_sentence_two_passages_hold_is_quoted_once() -> None:
    """Answers repeated a sentence that two articles carry word for word (issue 40)."""
    same = "Lena Ruiz was elected mayor on Tuesday, with 61 percent."
    passages = [hit(1, f"The count ended late. {same}"), hit(2, f"{same} Turnout was low.")]

    class Both:
        name = "s"

        def read(self, question: str, hits: Sequence[Hit]) -> Reading:
            a, b = (h.text.find(same) for h in hits)
            spans = (Span(0, a, a + len(same), 1.0, True), Span(1, b, b + len(same), 0.5, True))
            return Reading(spans=spans, no_answer=-1.0)

    draft = ReadingAnswerer(Both(), Calibration(threshold=0.5)).draft("Who?", passages)
    assert draft.text == f"{same} [1]"
