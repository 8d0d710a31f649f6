"""RealTimeQA weeks as reader training data, by distant supervision.

A set built by ``../shared/eval/realtimeqa/build.py`` (2023 after the dev set's 8 weeks,
2024, 2025: never 2022, 2026 or the dev weeks) gives each question its answer, its other
choices and its evidence articles (those the quiz links to, and those holding the answer
published in the 10 days before the question).  The candidate passages of a question are
the windows of the articles published in those 10 days, nearest first by shared words:

- with evidence: the nearest windows of its evidence articles that hold the answer (its
  first whole-word occurrence) teach the span; the nearest window that holds another
  choice but not the answer, else the nearest that doesn't hold it, teaches "no answer";
- without evidence: its nearest windows teach "no answer" (a window that holds the answer
  string anyway is left out: it may answer).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

from training.examples import Example, content_words, find_answer, windows

DAYS = 10  # the build's evidence window
POSITIVES = 2
NEGATIVES = 2


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def examples(folder: Path, origin: str) -> Iterator[Example]:
    docs = _rows(folder / "corpus.jsonl")
    by_day: dict[str, list[tuple[str, str, set[str]]]] = {}
    for d in docs:
        if not d.get("published"):
            continue
        for w in windows(d["text"], d.get("title", "")):
            by_day.setdefault(d["published"][:10], []).append((d["id"], w, content_words(w)))
    for q in _rows(folder / "questions.jsonl"):
        day = dt.date.fromisoformat(q["question_date"])
        days = [(day - dt.timedelta(days=k)).isoformat() for k in range(DAYS + 1)]
        pool = [w for d in days for w in by_day.get(d, [])]
        words = content_words(q["question"])
        pool.sort(key=lambda w: -len(words & w[2]))
        answer = q["answers"][0] if q["answers"] else ""
        others = [c for c in q.get("choices", []) if c not in q["answers"]]
        evidence = set(q.get("evidence_ids", []))
        qid = f"{origin}-{q['id']}"
        holds = [(doc, w, find_answer(w, answer)) for doc, w, _ in pool[:60]]
        if evidence:
            pos = [(w, s) for doc, w, s in holds if doc in evidence and s >= 0][:POSITIVES]
            for k, (w, s) in enumerate(pos):
                yield Example(f"{qid}-p{k}", q["question"], w, s, w[s : s + len(answer)], origin)
            if not pos:
                continue
        free = [w for _, w, s in holds if s < 0]
        choice = [w for w in free if any(find_answer(w, c) >= 0 for c in others)]
        negs = (choice[:1] + [w for w in free if w not in choice[:1]])[: (1 if evidence else NEGATIVES)]
        for k, w in enumerate(negs):
            yield Example(f"{qid}-n{k}", q["question"], w, -1, "", origin)
