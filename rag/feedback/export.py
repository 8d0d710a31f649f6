"""Ratings as an evaluation set in ``../shared/eval``'s format (``questions.jsonl`` and
``corpus.jsonl``), for ``newsrag eval``: a thumbs-down with the right answer becomes a
question with that answer; a thumbs-up keeps what was answered as the answer (or, for "not
in the articles", asks for that again).  A thumbs-down without the right answer says only
that something was wrong, so it is left out (and counted).  The corpus is every stored
article, so the questions are asked of the same store; each question keeps its as-of day."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from vectorstore.records import StoredArticle

from .record import Feedback


class Articles(Protocol):
    """What an export reads of the store."""

    def list_articles(self) -> list[StoredArticle]: ...

    def article_text(self, article_id: str) -> str: ...


@dataclass(frozen=True)
class Exported:
    questions: int
    articles: int
    left_out: int  # thumbs-down without the right answer, and ratings of timelines and briefings


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def question_row(fb: Feedback, texts: dict[str, str]) -> dict[str, Any] | None:
    """``fb`` as an eval question (a follow-up as the question it stood for), or None when it
    says no right answer or rates a timeline or a briefing (not a question with an answer)."""
    if fb.mode != "answer":
        return None
    if fb.rating == "up" and fb.abstained and not fb.correction:
        answers, evidence, kind = [], [], "unanswerable"
    elif fb.gold:
        answers, kind = fb.gold, "correction" if fb.correction else "rated-up"
        if fb.correction:  # the articles the answer drew on that hold the right answer
            ids = dict.fromkeys([*(c.article_id for c in fb.cited), *fb.retrieved])
            evidence = [i for i in ids if _norm(fb.correction) in _norm(texts.get(i, ""))]
        else:
            evidence = list(dict.fromkeys(c.article_id for c in fb.cited))
    else:
        return None
    return {"id": f"feedback-{fb.id}", "question": fb.standalone or fb.question, "answers": answers,
            "evidence_ids": evidence, "type": kind, "question_date": fb.as_of or None,
            "comment": fb.comment or None}  # fmt: skip


def export(ratings: Iterable[Feedback], articles: Articles, folder: Path) -> Exported:
    stored = articles.list_articles()
    texts = {a.id: articles.article_text(a.id) for a in stored}
    rows, left_out = [], 0
    for fb in ratings:
        row = question_row(fb, texts)
        if row is None:
            left_out += 1
        else:
            rows.append(row)
    corpus = [{"id": a.id, "title": a.title, "text": texts[a.id], "source": a.source, "published": a.published,
               "url": a.url} for a in stored]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "corpus.jsonl", corpus)
    _write(folder / "questions.jsonl", rows)
    return Exported(questions=len(rows), articles=len(corpus), left_out=left_out)


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Whole or not at all: a temporary file renamed into place."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    os.replace(tmp, path)
