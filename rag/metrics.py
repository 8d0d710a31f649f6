"""Evaluation metrics: SQuAD answer normalisation, token F1, ranking metrics.

Pure functions over plain data, so each can be checked by hand.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

import numpy as np

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation + "‘’“”–—")


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, folded white space."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split())


def contains_gold(text: str, golds: Sequence[str]) -> bool:
    """Whether ``text`` holds any gold form, as whole normalised tokens."""
    hay = f" {normalize_answer(text)} "
    return any(f" {g} " in hay for g in map(normalize_answer, golds) if g)


def token_f1(text: str, golds: Sequence[str]) -> float:
    """The best token-level F1 of ``text`` against the gold forms (0 when there are none)."""
    pred = normalize_answer(text).split()
    best = 0.0
    for gold in golds:
        ref = normalize_answer(gold).split()
        common = sum((Counter(pred) & Counter(ref)).values())
        if common:
            p, r = common / len(pred), common / len(ref)
            best = max(best, 2 * p * r / (p + r))
    return best


def exact_match(text: str | None, golds: Sequence[str]) -> bool:
    """SQuAD's exact match: ``text`` equals a gold form once both are normalised."""
    return text is not None and any(normalize_answer(text) == normalize_answer(g) for g in golds)


def ranking(ranked: Sequence[str], evidence: Sequence[str], k: int = 10) -> dict[str, float]:
    """Hits@1/5/10, reciprocal rank within ``k`` and recall@k for one question.

    ``ranked`` are distinct document ids, best first.
    """
    ev = set(evidence)
    top = list(dict.fromkeys(ranked))[:k]
    first = next((i for i, d in enumerate(top) if d in ev), None)
    return {
        "hits@1": float(first is not None and first < 1),
        "hits@5": float(first is not None and first < 5),
        "hits@10": float(first is not None and first < 10),
        "mrr@10": 0.0 if first is None else 1.0 / (first + 1),
        "recall@10": len(ev & set(top)) / len(ev) if ev else 0.0,
    }


def mean_of(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    if not rows:
        return {}
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0}
    return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95))}
