"""A user's store is not a news quiz: articles spread over two years, questions about old
ones, about last week's, about this week's and about the latest news, each asked as of a
day.  Recency may only prefer, among articles relevant anyway, the newer: it never costs an
older article that answers its answer, and the as-of date bounds everything shown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from rag.answer import Answer
from rag.eval_scores import Question
from rag.evaluate import EvalInputs
from rag.filters import Filters
from rag.metrics import contains_gold
from rag.service import NewsRAG
from tests.helpers import make_service

pytestmark = pytest.mark.slow  # the real embedding model and the trained reader

MIXED = Path(__file__).parent / "data" / "mixed-age"
INPUTS = EvalInputs.resolve(MIXED, None, None).load()
ANSWERABLE = [q for q in INPUTS.items if q.answerable]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, minilm: Any) -> NewsRAG:
    svc = make_service(tmp_path_factory.mktemp("mixed"), embedder=minilm)  # the default abstention threshold
    svc.ingestor.ingest(("mixed-age", a) for a in INPUTS.articles)
    return svc


def ask(svc: NewsRAG, q: Question) -> Answer:
    return svc.ask(q.question, filters=Filters.parse(as_of=q.question_date))


# What retrieval gets right and the reader (its short answer and the sentence holding it, quoted first)
# and the abstention do not yet: strict, so a fix that makes one pass must move it out of here.
READER = {
    "latest-toll-as-of": "reader v2's best span is the 2025 Myanmar quake's toll (143, an older article), so that "
    "sentence leads (not bold); this week's 312 is quoted second",
    "latest-toll": "the reader's short answer is the older toll (312), not the latest (1,045)",
}
ABSTAINS = {  # a short question's best cosine is below NEWSRAG_MIN_SCORE though its passage answers it
    # (the gate reads a passage holding the question's words: the interior minister's left this list)
    "week-old-afad": "best passage cosine 0.18; the passage says 'head of AFAD', not 'heads'",
}


RANKED_SECOND = {  # the passage nearest the question (cosine 0.23) is another article's, on another minister
    "week-old-minister": "'The Environment Minister said…' (1 December) outranks 'Interior Minister Kemal Aydin…'",
}


@pytest.mark.parametrize(
    "q",
    [pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=RANKED_SECOND[q.id])) if q.id in RANKED_SECOND
     else q for q in ANSWERABLE],
    ids=[q.id for q in ANSWERABLE],
)  # fmt: skip
def test_each_question_is_retrieved_from_its_article_first(mixed: NewsRAG, q: Question) -> None:
    """Older articles that answer are not pushed aside by recent ones, and the latest news wins among relevant."""
    answer = ask(mixed, q)
    assert answer.retrieved[0] in q.evidence_ids, f"{q.question!r} as of {q.question_date}: {answer.retrieved}"


@pytest.mark.parametrize(
    "q",
    [pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=READER.get(q.id) or ABSTAINS[q.id]))
     if q.id in READER or q.id in ABSTAINS else q for q in ANSWERABLE],
    ids=[q.id for q in ANSWERABLE],
)  # fmt: skip
def test_each_question_is_answered_from_its_article(mixed: NewsRAG, q: Question) -> None:
    answer = ask(mixed, q)
    assert not answer.abstained, f"{q.question!r} as of {q.question_date}: abstained ({answer.closest})"
    assert contains_gold(answer.text, q.answers), f"{q.question!r} as of {q.question_date}: {answer.text!r}"
    assert answer.citations[0].article_id in q.evidence_ids, (answer.citations[0].title, answer.text)


@pytest.mark.parametrize("qid", ["old-myanmar", "latest-toll", "latest-rate", "latest-toll-as-of"])
def test_no_wrong_short_answer_is_shown_in_bold(mixed: NewsRAG, qid: str) -> None:
    """Reader v1's short answers to the first three were wrong (the injured for the dead, the older
    toll, last year's rate); v2 reads two of them right.  A wrong one (READER above) is not shown by
    the bold-answer model (rag/answerers/short_gate.py), and the answer leads with its sentence."""
    (q,) = [q for q in ANSWERABLE if q.id == qid]
    answer = ask(mixed, q)
    assert not answer.abstained and answer.citations
    assert answer.short is None or contains_gold(answer.short, q.answers), answer.text
    assert answer.text.startswith("**") == (answer.short is not None)


def test_nothing_shown_is_later_than_the_as_of_date(mixed: NewsRAG) -> None:
    as_of = dt.date(2026, 11, 25)
    answer = mixed.ask("When will astronauts land on Mars?", filters=Filters(as_of=as_of))
    assert answer.abstained and answer.closest
    assert all((c.published or "") <= as_of.isoformat() for c in answer.closest), answer.closest
    assert all(mixed.store.get_articles([a]) for a in answer.retrieved)
    published = [r.published or "" for r in mixed.store.get_articles(answer.retrieved).values()]
    assert all(p <= as_of.isoformat() for p in published), published


def test_closest_articles_keep_to_the_outlet_filter(mixed: NewsRAG) -> None:
    answer = mixed.ask("When will astronauts land on Mars?", filters=Filters(sources=("Sports Daily",)))
    assert answer.abstained
    assert {c.source for c in answer.closest} == {"Sports Daily"}, answer.closest


def test_a_question_with_no_answer_in_the_articles_abstains(mixed: NewsRAG) -> None:
    (q,) = [q for q in INPUTS.items if not q.answerable]
    assert ask(mixed, q).abstained
