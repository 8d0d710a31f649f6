"""The fitted logistic sentence model as a reader: whole sentences, no short answer.

Which sentences is decided by :mod:`.sentence_model`: a fitted model of the chance that a
sentence holds the answer, from its words, its meaning, the kind of answer it holds (a name
for "who", an amount for "how much", a date for "when", a place for "where") and its
neighbours.  A question or a heading found in a passage is never quoted as the answer.
With the trained reader (``minilm``) it chooses the other sentences to quote; alone
(``NEWSRAG_READER=sentences``) it is the whole answer, and it says when the passages don't
answer.  Weights: :mod:`.sentence_weights` (``benchmarks/fit_sentences.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from vectorstore.embedders import Embedder
from vectorstore.records import Hit

from . import sentence_weights as fitted
from .base import Reading, Span
from .sentence_model import (
    Candidate,
    answer_kind,
    answerable,
    candidates,
    features,
    probabilities,
    question_features,
    question_words,
    quotable,
    typed_mask,
    typed_tokens,
)


class SentenceChooser:
    """Which sentences of the passages to quote: the fitted sentence model."""

    def __init__(
        self,
        embedder: Embedder,
        passages: int = 5,
        max_sentences: int = 3,
        min_similarity: float = 0.15,
        max_embedded: int = 8,
        max_typed: int = 4,
        second_ratio: float = 0.4,
        weights: Mapping[str, float] = fitted.WEIGHTS,
        answerable_weights: Mapping[str, float] = fitted.ANSWERABLE,
        threshold: float = fitted.THRESHOLD,
    ) -> None:
        self.embedder = embedder
        self.max_embedded = max_embedded  # sentences embedded per question: the answer stage's cost
        self.max_typed = max_typed  # and at most this many more that hold the kind of answer asked for
        self.passages = passages
        self.max_sentences = max_sentences
        self.min_similarity = min_similarity
        self.second_ratio = second_ratio  # a further sentence is quoted when at least this likely as the best
        self.weights = dict(weights)
        self.answerable_weights = dict(answerable_weights)
        self.threshold = threshold  # below this chance that the passages answer: none

    def scored(self, question: str, hits: Sequence[Hit]) -> tuple[list[Candidate], np.ndarray, np.ndarray]:
        """The candidate sentences, their feature rows and their similarity to the question."""
        cands = candidates(question, hits[: self.passages])
        if not cands:
            return [], np.zeros((0, 0)), np.zeros(0)
        # Embed only the likeliest sentences: most question words, then best passage; and
        # a few holding the kind of answer asked for, which may share no word with the question.
        pool = sorted(range(len(cands)), key=lambda i: (-cands[i].lexical, cands[i].passage))[: self.max_embedded]
        kind, words = answer_kind(question), question_words(question)
        typed = [i for i in range(len(cands)) if kind and i not in pool and typed_tokens(kind, cands[i].text, words)]
        pool += sorted(typed, key=lambda i: (cands[i].passage, -cands[i].lexical))[: self.max_typed]
        q = self.embedder.embed([question])[0]  # alone: retrieval has just embedded it (Remembering)
        sims = np.zeros(len(cands), dtype=np.float32)
        sims[pool] = self.embedder.embed([cands[i].text for i in pool]) @ q
        embedded = np.zeros(len(cands), dtype=bool)
        embedded[pool] = True
        return cands, features(question, cands, sims, embedded), sims

    def select(self, question: str, hits: Sequence[Hit]) -> list[tuple[int, str]]:
        """The chosen ``(passage number, sentence)`` pairs, in article order; none when the passages don't answer."""
        cands, x, sims = self.scored(question, hits)
        if not cands:
            return []
        p = probabilities(x, self.weights)
        order = [int(i) for i in np.argsort(-p, kind="stable")]
        answers = [i for i in order if quotable(cands[i].text)]
        order = answers or order  # a question or a heading is never quoted as the answer, while others remain
        best = order[0]
        if sims[best] < self.min_similarity and cands[best].lexical == 0:
            return []
        covered = question_features(question, cands, x, sims, self.weights)
        if answerable(covered, self.answerable_weights) < self.threshold:
            return []
        chosen = [best]
        typed = typed_mask(x)
        if answer_kind(question) and not typed[best]:
            # The best match restates the question without the kind of answer asked for
            # (no name for "who", no amount for "how much"): add one of the next three
            # sentences of its article that has it (news tells the rest of a story next),
            # the one sharing most of the question's words, else the nearest; failing
            # those, the likeliest of all that has it.
            same = cands[best].article_id
            near = [i for i in range(best + 1, min(best + 4, len(cands))) if cands[i].article_id == same]
            near = sorted((i for i in near if typed[i] and i in order), key=lambda i: (-cands[i].lexical, i))
            chosen += (near or [i for i in order[1:] if typed[i]])[:1]
        for i in order[1:]:
            if len(chosen) >= self.max_sentences or p[i] < self.second_ratio * p[best]:
                break
            # a third sentence only from an article already quoted, or holding the kind asked for
            third = len(chosen) >= 2 and cands[i].article_id not in {cands[j].article_id for j in chosen}
            if i not in chosen and (not third or typed[i]):
                chosen.append(i)
        return [(cands[i].passage, cands[i].text) for i in sorted(chosen)]


class SentenceReader:
    name = "sentences"

    def __init__(self, embedder: Embedder, passages: int = 5, threshold: float | None = None) -> None:
        self.chooser = SentenceChooser(embedder, passages=passages)
        if threshold is not None:
            self.chooser.threshold = threshold

    def read(self, question: str, passages: Sequence[Hit]) -> Reading:
        chosen = self.chooser.select(question, passages)
        spans = []
        for rank, (n, sentence) in enumerate(chosen):
            start = passages[n - 1].text.find(sentence)
            if start >= 0:
                spans.append(Span(n - 1, start, start + len(sentence), score=-float(rank), sentence=True))
        return Reading(spans=tuple(spans), no_answer=0.0 if spans else 1.0)
