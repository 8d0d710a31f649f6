"""Which sentence of the retrieved passages answers the question.

Every sentence of the top passages is a candidate.  A few features describe it
(how much of the question it holds, how close its meaning is, whether it holds
the kind of answer the question asks for that the question itself does not
hold, whether its neighbours match the question, where it sits), and a logistic
model turns them into the probability that the sentence holds the answer.  The
weights (:mod:`.sentence_weights`) are fitted on squad2-dev-rest by
``benchmarks/fit_sentences.py``; no NLP model is needed, so this runs offline
in well under a millisecond a sentence.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vectorstore.ingest.chunker import sentence_spans
from vectorstore.records import Hit

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


# ---- what kind of answer a question asks for ------------------------------
_NUMBER_Q = re.compile(
    r"\bhow (many|much|old|long|far|big|large|tall|high)\b|\bwhat (percentage|number|amount)\b", re.I
)
_DATE_Q = re.compile(r"\bwhen\b|\bwhat (year|date|day|month|time|century|decade)\b|\bdate\b", re.I)
_PLACE_Q = re.compile(
    r"\bwhere\b|\b(what|which) (city|country|place|venue|state|region|town|nation|area)\b|\b(location|venue)\b", re.I
)
_NAME_Q = re.compile(
    r"\bwho(m|se)?\b|\bwhich\b|\bwhat (\w+ )?(company|team|group|organi[sz]ation|name)\b|\bwinners?\b", re.I
)

NUMBER, DATE, PLACE, NAME = "number", "date", "place", "name"
KINDS = (NUMBER, DATE, PLACE, NAME)


def answer_kind(question: str) -> str:
    """The kind of answer ``question`` asks for ("" when it does not say)."""
    for kind, pattern in ((NUMBER, _NUMBER_Q), (DATE, _DATE_Q), (PLACE, _PLACE_Q), (NAME, _NAME_Q)):
        if pattern.search(question):
            return kind
    return ""


_NUMBER_TOKEN = re.compile(
    r"\d[\d,.]*|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|"
    r"millions?|billions?|half|quarter)\b",
    re.I,
)
_DATE_TOKEN = re.compile(
    r"\b(1[5-9]|20)\d\d\b|\b(" + "|".join(_MONTHS) + r")\b|\b(monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|century|centuries|decades?)\b|\b\d{1,2}(st|nd|rd|th)\b",
    re.I,
)
_DATE_WORD = re.compile(r"\b(date|day|time)\b", re.I)
_NAME_TOKEN = re.compile(r"\b[A-Z][\w'’&.-]*")
_PLACE_TOKEN = re.compile(r"\b(in|at|near) (the )?([A-Z][\w'’.-]*)")
_PLACE_WORD = re.compile(r"\b(venue|location|host(s|ed)?|held|site|city|country|capital)\b", re.I)


def question_words(question: str) -> set[str]:
    """The question's words as typed, lowercased: what a sentence's answer tokens must not be."""
    return {w.lower() for w in re.findall(r"[\w'’&.-]+", question)}


def _new(tokens: list[str], question_words: set[str]) -> int:
    return len({t.lower() for t in tokens if t.lower().strip(".,") not in question_words})


def typed_tokens(kind: str, sentence: str, question_words: set[str]) -> int:
    """How many tokens of the kind asked for ``sentence`` holds that the question does not."""
    if kind == NUMBER:
        return _new([m.group(0) for m in _NUMBER_TOKEN.finditer(sentence)], question_words)
    if kind == DATE:  # "no date was set" answers "on what date" too
        return _new([m.group(0) for m in _DATE_TOKEN.finditer(sentence)], question_words) + len(
            _DATE_WORD.findall(sentence)
        )
    if kind == PLACE:
        places = [m.group(3) for m in _PLACE_TOKEN.finditer(sentence)]
        return _new(places + [m.group(0) for m in _PLACE_WORD.finditer(sentence)], question_words)
    if kind == NAME:
        return new_names(sentence, question_words)
    return 0


def _names(sentence: str, question_words: set[str]) -> set[str]:
    """Capitalised words past the sentence's first that the question does not hold, lowercased."""
    first = sentence.lstrip("\"“‘'(").split(" ", 1)[0]
    found = {m.group(0).lower().strip(".,'’") for m in _NAME_TOKEN.finditer(sentence) if m.group(0) != first}
    return found - question_words


def new_names(sentence: str, question_words: set[str]) -> int:
    return len(_names(sentence, question_words))


_TERMINAL = re.compile(r"[.!…;\"”’')\]]$")


def quotable(sentence: str) -> bool:
    """Not a question (a quiz or an FAQ quoted in an article) nor a heading (short, no sentence end)."""
    s = sentence.strip()
    return not s.endswith("?") and (bool(_TERMINAL.search(s)) or len(s.split()) > 12)


# ---- candidates and their features ---------------------------------------
@dataclass(frozen=True)
class Candidate:
    passage: int  # 1-based
    article_id: str
    start: int  # offset in the article
    text: str
    lexical: float  # share of the question's content words it holds, weighted by rarity
    retrieval: float  # its passage's relevance score
    title: str = ""  # its article's title


def candidates(question: str, hits: Sequence[Hit]) -> list[Candidate]:
    """Every sentence of ``hits`` once (passages overlap), in article order."""
    seen: dict[tuple[str, int], tuple[int, str, Hit]] = {}
    for n, hit in enumerate(hits, start=1):
        for s, e in sentence_spans(hit.text):
            key, text = (hit.article_id, hit.start + s), hit.text[s:e]
            if key not in seen or len(text) > len(seen[key][1]):  # a passage may end inside a sentence
                seen[key] = (n, text, hit)
    sents = [(key, n, t, h) for key, (n, t, h) in sorted(seen.items())]
    q_words = set(content_words(question))
    bags = [set(content_words(t)) for _, _, t, _ in sents]
    df = {w: sum(1 for b in bags if w in b) for w in q_words}
    idf = {w: math.log(1 + len(bags) / (1 + df[w])) for w in q_words}
    total = sum(idf.values()) or 1.0
    return [
        Candidate(n, aid, start, t, sum(idf[w] for w in q_words & bag) / total, h.score, h.title)
        for ((aid, start), n, t, h), bag in zip(sents, bags, strict=True)
    ]


FEATURES = (
    "bias",
    "similarity",  # cosine to the question (0 when not embedded)
    "embedded",  # 1 when the similarity was measured
    "similarity_gap",  # below the best measured similarity
    "lexical",
    "lexical_gap",  # below the best lexical share
    "bigrams",  # share of the question's word pairs it holds
    "previous_lexical",  # the sentence before it, in the same article
    "next_lexical",  # the sentence after it
    "rank",  # its passage's place in retrieval (0 for the first)
    "retrieval",  # its passage's relevance
    "typed_number",  # holds tokens of the kind asked for that the question lacks, by kind
    "typed_date",
    "typed_place",
    "typed_name",
    "untyped",  # a question of a known kind, and it holds none
    "title_new",  # share of its title's words the question lacks that it holds (a headline names the answer)
    "new_names",  # capitalised words the question lacks (capped at 3, over 3)
    "name_support",  # share of the retrieved articles that name what it names and the question doesn't
    "quotable",  # neither a heading nor a question
    "words",  # log of its length in words
)


def _name_support(cands: Sequence[Candidate], question_words: set[str]) -> list[float]:
    """Per candidate: of the articles retrieved, the largest share that name one of the names
    it holds and the question lacks (an answer is named again and again; AskMSR's redundancy)."""
    named: dict[str, set[str]] = {}
    for c in cands:
        bag = named.setdefault(c.article_id, {m.group(0).lower().strip(".,'’") for m in _NAME_TOKEN.finditer(c.title)})
        bag |= {m.group(0).lower().strip(".,'’") for m in _NAME_TOKEN.finditer(c.text)}
    n = len(named) or 1
    return [
        max((sum(name in bag for bag in named.values()) for name in _names(c.text, question_words)), default=0) / n
        for c in cands
    ]


def _title_new(c: Candidate, q_stems: list[str]) -> float:
    new = set(content_words(c.title)) - set(q_stems)
    return len(new & set(content_words(c.text))) / len(new) if new else 0.0


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(words))


def features(question: str, cands: Sequence[Candidate], sims: np.ndarray, embedded: np.ndarray) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate."""
    kind = answer_kind(question)
    q_lower = question_words(question)
    q_stems = content_words(question)
    q_pairs = _pairs(q_stems)
    support = _name_support(cands, q_lower)
    best_sim = float(sims[embedded].max()) if embedded.any() else 0.0
    best_lex = max((c.lexical for c in cands), default=0.0)
    rows = []
    for i, c in enumerate(cands):
        prev_lex = cands[i - 1].lexical if i > 0 and cands[i - 1].article_id == c.article_id else 0.0
        next_lex = cands[i + 1].lexical if i + 1 < len(cands) and cands[i + 1].article_id == c.article_id else 0.0
        typed = typed_tokens(kind, c.text, q_lower) if kind else 0
        pairs = len(q_pairs & _pairs(content_words(c.text))) / len(q_pairs) if q_pairs else 0.0
        rows.append(
            [
                1.0,
                float(sims[i]),
                float(embedded[i]),
                best_sim - float(sims[i]) if embedded[i] else 0.0,
                c.lexical,
                best_lex - c.lexical,
                pairs,
                prev_lex,
                next_lex,
                float(c.passage - 1),
                c.retrieval,
                *(1.0 if typed and kind == k else 0.0 for k in KINDS),
                1.0 if kind and not typed else 0.0,
                _title_new(c, q_stems),
                min(new_names(c.text, q_lower), 3) / 3,
                support[i],
                1.0 if quotable(c.text) else 0.0,
                math.log(1 + len(c.text.split())),
            ]
        )
    return np.array(rows, dtype=np.float64).reshape(len(cands), len(FEATURES))


def typed_mask(x: np.ndarray) -> np.ndarray:
    """Per feature row: whether its sentence holds the kind of answer asked for."""
    return np.asarray(x[:, [FEATURES.index(f"typed_{k}") for k in KINDS]].any(axis=1))


def probabilities(x: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    """The fitted model's probability that each row's sentence holds the answer."""
    w = np.array([weights[f] for f in FEATURES])
    return np.asarray(1 / (1 + np.exp(-(x @ w))))


# ---- whether the passages answer at all ----------------------------------
QUESTION_FEATURES = (
    "bias",
    "relevance",  # the best passage's relevance score
    "best",  # the sentence model's score of the best sentence (its logit)
    "best_lexical",  # share of the question's words the best sentence holds
    "best_similarity",
    "missing",  # share of the question's content words no passage holds
    "missing_names",  # the question's capitalised words (past its first) no passage holds, capped at 3, over 3
    "kind_missing",  # the question asks for a kind of answer that no sentence holds
)


def question_features(
    question: str, cands: Sequence[Candidate], x: np.ndarray, sims: np.ndarray, weights: dict[str, float]
) -> np.ndarray:
    """One row of :data:`QUESTION_FEATURES`: how well the best sentence, and the passages
    as a whole, cover the question."""
    if not cands:
        return np.array([1.0, 0.0, -10.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    logits = x @ np.array([weights[f] for f in FEATURES])
    best = int(np.argmax(logits))
    held = set().union(*(set(content_words(c.text)) for c in cands))
    q_words = content_words(question)
    missing = sum(w not in held for w in q_words) / len(q_words) if q_words else 0.0
    text = " ".join(c.text for c in cands).lower()
    first = question.split(" ", 1)[0]
    names = {m.group(0).lower() for m in _NAME_TOKEN.finditer(question) if m.group(0) != first}
    missing_names = sum(n.strip(".,'’") not in text for n in names)
    kind = answer_kind(question)
    return np.array(
        [
            1.0,
            max(c.retrieval for c in cands),
            float(logits[best]),
            cands[best].lexical,
            float(sims[best]),
            missing,
            min(missing_names, 3) / 3,
            1.0 if kind and not typed_mask(x).any() else 0.0,
        ]
    )


def answerable(q: np.ndarray, weights: dict[str, float]) -> float:
    """The fitted probability that the passages answer the question."""
    w = np.array([weights[f] for f in QUESTION_FEATURES])
    return float(1 / (1 + np.exp(-(q @ w))))
