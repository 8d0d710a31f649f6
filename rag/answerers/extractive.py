"""An answerer with no LLM: quote the sentences that best answer the question.

Each output sentence is copied verbatim from the passage it cites.  Sentences
are scored by the embedding similarity to the question plus the share of the
question's content words they contain (weighted by rarity among the
candidates), plus a small bonus for the expected kind of answer (a number for
"how many", a date for "when").  A question or a heading found in a passage is
never quoted as the answer.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vectorstore.chunker import sentence_spans
from vectorstore.embedder import Embedder
from vectorstore.store import Hit

from ..prompts import ABSTAIN

_STOP = frozenset(
    """a an the of to in on at for by with from and or but is are was were be been being do does did has have had
    what who whom whose which when where why how that this these those it its as about into than then there their
    they he she his her him them i you we our your my me will would can could should may might shall not no if so
    such any some all more most other s also just over under after before between during up down out""".split()
)
_MONTHS = "january february march april may june july august september october november december".split()


@functools.cache
def _stemmer() -> Any:
    import snowballstemmer  # the Snowball project's English (Porter2) stemmer: "invade", "invaded" -> "invad"

    return snowballstemmer.stemmer("english")


_STEM_LOCK = threading.Lock()


@functools.lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """One word's stem, remembered (the pure-Python stemmer was a fifth of an answer's time)."""
    with _STEM_LOCK:  # the stemmer object keeps the word it works on: one caller at a time
        return str(_stemmer().stemWord(word))


def content_words(text: str) -> list[str]:
    """The words of ``text`` that carry content, stemmed, stop words left out."""
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP]


_YEAR_OR_MONTH = re.compile(r"\b(1[5-9]|20)\d\d\b|\b(" + "|".join(_MONTHS) + r")\b", re.I)
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundreds?|thousands?|millions?)\b", re.I)
_PLACE = re.compile(r"\b(venue|location|hosts?|hosted|held|site|city|country|capital)\b|\b(in|at|near) (the )?[A-Z]\w+")
_ANSWER_TYPES: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    # (question pattern, what a sentence holding that kind of answer contains)
    (re.compile(r"\bhow (many|much|old|long|far)\b|\bwhat (percentage|number)\b", re.I), _NUMBER),
    (re.compile(r"\bwhen\b|\bwhat (year|date|day|month)\b", re.I), _YEAR_OR_MONTH),
    (re.compile(r"\bwhere\b|\bwhat (city|country|place|venue)\b", re.I), _PLACE),
]


_TERMINAL = re.compile(r"[.!…:;\"”’')\]]$")


def quotable(sentence: str) -> bool:
    """Not a question (a quiz or an FAQ quoted in an article) nor a heading (short, no sentence end)."""
    s = sentence.strip()
    return not s.endswith("?") and (bool(_TERMINAL.search(s)) or len(s.split()) > 12)


def expected_type(question: str) -> re.Pattern[str] | None:
    """What a sentence answering ``question`` must contain, when the question says."""
    return next((cue for q, cue in _ANSWER_TYPES if q.search(question)), None)


@dataclass(frozen=True)
class _Candidate:
    passage: int  # 1-based
    article_id: str
    start: int  # offset in the article
    text: str
    lexical: float


class ExtractiveAnswerer:
    name = "extractive"
    model = "none (extractive)"

    def __init__(
        self,
        embedder: Embedder,
        passages: int = 5,
        max_sentences: int = 2,
        min_similarity: float = 0.15,
        max_embedded: int = 8,
    ) -> None:
        self.embedder = embedder
        self.max_embedded = max_embedded  # sentences embedded per question: the answer stage's cost
        self.passages = passages
        self.max_sentences = max_sentences
        self.min_similarity = min_similarity

    def _candidates(self, question: str, hits: Sequence[Hit]) -> list[_Candidate]:
        seen: dict[tuple[str, int], tuple[int, str]] = {}
        for n, hit in enumerate(hits[: self.passages], start=1):
            for s, e in sentence_spans(hit.text):
                seen.setdefault((hit.article_id, hit.start + s), (n, hit.text[s:e]))
        sents = [(key, n, t) for key, (n, t) in sorted(seen.items())]  # article order
        q_words = set(content_words(question))
        bags = [set(content_words(t)) for *_, t in sents]
        df = {w: sum(1 for b in bags if w in b) for w in q_words}
        idf = {w: math.log(1 + len(bags) / (1 + df[w])) for w in q_words}
        total = sum(idf.values()) or 1.0
        return [
            _Candidate(n, aid, start, t, sum(idf[w] for w in q_words & bag) / total)
            for ((aid, start), n, t), bag in zip(sents, bags, strict=True)
        ]

    def select(self, question: str, hits: Sequence[Hit]) -> list[tuple[int, str]]:
        """The chosen ``(passage number, sentence)`` pairs, in article order; empty to abstain."""
        cands = self._candidates(question, hits)
        if not cands:
            return []
        # Embed only the likeliest sentences (most question words, then best passage).
        pool = sorted(range(len(cands)), key=lambda i: (-cands[i].lexical, cands[i].passage))[: self.max_embedded]
        q = self.embedder.embed([question])[0]  # alone: retrieval has just embedded it (Remembering)
        sims = np.zeros(len(cands), dtype=np.float32)
        sims[pool] = self.embedder.embed([cands[i].text for i in pool]) @ q
        cue = expected_type(question)
        typed = [bool(cue and cue.search(c.text)) for c in cands]
        scores = np.array(
            [
                0.6 * sim + 0.4 * c.lexical + (0.1 if t else 0.0) - 0.02 * (c.passage - 1)
                for c, sim, t in zip(cands, sims, typed, strict=True)
            ]
        )
        order = [int(i) for i in np.argsort(-scores)]
        answers = [i for i in order if quotable(cands[i].text)]
        order = answers or order  # a question or a heading is never quoted as the answer, while others remain
        best = order[0]
        if sims[best] < self.min_similarity and cands[best].lexical == 0:
            return []
        chosen = [best]
        if cue is not None and not typed[best]:
            # The best match restates the question without the kind of answer asked
            # for: take the nearest following sentence of that article that has it.
            near = [
                i
                for i in range(best + 1, min(best + 4, len(cands)))
                if typed[i] and cands[i].article_id == cands[best].article_id and i in order
            ]
            if near:
                chosen.append(near[0])
        for i in order[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if scores[i] >= 0.85 * scores[best] and i not in chosen:
                chosen.append(i)
        return [(cands[i].passage, cands[i].text) for i in sorted(chosen)]

    def stream(self, question: str, passages: Sequence[Hit]) -> Iterator[str]:
        chosen = self.select(question, passages)
        if not chosen:
            yield ABSTAIN
            return
        for i, (n, sentence) in enumerate(chosen):
            yield ("" if i == 0 else " ") + f"{sentence} [{n}]"
