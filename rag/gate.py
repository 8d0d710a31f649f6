"""The gate before the reader: whether the passages retrieved are worth reading at all.

A passage close in meaning to the question (its cosine at least ``NEWSRAG_MIN_SCORE``) is
read; so is one that holds the question's own words (at least half of its content words, two
or more when it has them), whatever its cosine: a 120-word passage about a ferry's timetable
with one sentence on the deckhands' pay rise is far in meaning from "How much of a pay rise
did the deckhands get?", yet it is the answer.  The reader's calibrated evidence then decides
whether it answers.  Anything else is "not in the articles" without reading.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from vectorstore.keyword import doc_terms, query_terms
from vectorstore.records import Hit

# words that ask rather than say what is asked about
ASKING = frozenset(
    "how much many what which who whom whose when where why did does do done has have had get got can could "
    "would should was were is are say says said tell told".split()
)  # "What did Peskov say?" asks about Peskov: the passage quotes him with "told" or "said", or neither


def content_terms(question: str) -> list[str]:
    return [t for t in query_terms(question) if t not in ASKING]


def holds_the_words(question: str, passage: str) -> bool:
    """Whether ``passage`` holds at least half of the question's content words (two or more
    when the question has two or more)."""
    terms = content_terms(question)
    if not terms:
        return False
    held = set(doc_terms(passage))
    found = sum(t in held for t in terms)
    return found >= max(min(2, len(terms)), math.ceil(len(terms) / 2))


def worth_reading(question: str, passages: Sequence[Hit], min_score: float) -> bool:
    return any(h.score >= min_score or holds_the_words(question, h.text) for h in passages)
