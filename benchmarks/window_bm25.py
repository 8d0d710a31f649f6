"""The simplest strong baseline for dated news: whole-article BM25 (SQLite FTS5) over only the
articles published in the N days up to the question's date, against our retrieval's figures
from a `newsrag eval --json` report of the same set.

    .venv/bin/python benchmarks/window_bm25.py eval-data/rtqa-2025 --ours /tmp/y-2025.json --days 7 10

Prints Hits@1/5 and MRR@10 for each window and for ours, then what separates them: of the
questions the baseline ranks right at 1 and we don't, how many of our first articles lie
outside the baseline's window (older news: what the window knows), and how many inside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

from rag.metrics import mean_of, ranking

_WORD = re.compile(r"\w+")


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def index(corpus: list[dict]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, day UNINDEXED, title, text)")
    db.executemany(
        "INSERT INTO docs VALUES (?, ?, ?, ?)",
        [(d["id"], d.get("published") or "", d.get("title") or "", d["text"]) for d in corpus],
    )
    return db


def search(db: sqlite3.Connection, question: str, since: str, until: str, k: int = 10) -> list[str]:
    terms = " OR ".join(f'"{w}"' for w in dict.fromkeys(_WORD.findall(question.lower())))
    if not terms:
        return []
    sql = "SELECT id FROM docs WHERE docs MATCH ? AND day >= ? AND day <= ? ORDER BY bm25(docs) LIMIT ?"
    return [r[0] for r in db.execute(sql, (terms, since, until, k))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--ours", type=Path, help="a `newsrag eval --json` report of the same set")
    ap.add_argument("--days", type=int, nargs="+", default=[7, 10])
    a = ap.parse_args()
    corpus = rows(a.folder / "corpus.jsonl")
    published = {d["id"]: d.get("published") or "" for d in corpus}
    questions = [q for q in rows(a.folder / "questions.jsonl") if q.get("evidence_ids")]
    db = index(corpus)
    print(f"{a.folder}: {len(questions)} questions with evidence, {len(corpus)} articles")
    print(f"{'retrieval':<24} {'hits@1':>7} {'hits@5':>7} {'mrr@10':>7}")
    base: dict[int, dict[str, list[str]]] = {}
    for days in a.days:
        ranked = {}
        for q in questions:
            until = dt.date.fromisoformat(q["question_date"])
            since = (until - dt.timedelta(days=days)).isoformat()
            ranked[q["id"]] = search(db, q["question"], since, until.isoformat())
        base[days] = ranked
        m = mean_of([ranking(ranked[q["id"]], q["evidence_ids"]) for q in questions])
        print(f"{f'BM25, {days} days before':<24} {m['hits@1']:>7.3f} {m['hits@5']:>7.3f} {m['mrr@10']:>7.3f}")
    if not a.ours:
        return
    report = json.loads(a.ours.read_text())
    ours = {r["id"]: r["retrieved"] for r in report["questions"]}
    m = mean_of([ranking(ours[q["id"]], q["evidence_ids"]) for q in questions])
    print(f"{'ours':<24} {m['hits@1']:>7.3f} {m['hits@5']:>7.3f} {m['mrr@10']:>7.3f}")
    days = a.days[0]
    lost = [q for q in questions
            if base[days][q["id"]][:1] and base[days][q["id"]][0] in q["evidence_ids"]
            and ours[q["id"]][:1] != base[days][q["id"]][:1] and ours[q["id"]][0] not in q["evidence_ids"]]  # fmt: skip
    older = newer = inside = 0
    for q in lost:
        first = published.get(ours[q["id"]][0], "")
        since = (dt.date.fromisoformat(q["question_date"]) - dt.timedelta(days=days)).isoformat()
        if first and first < since:
            older += 1
        elif first and first > q["question_date"]:
            newer += 1
        else:
            inside += 1
    print(f"BM25 ({days} days) right at 1 and ours wrong: {len(lost)}; our first article older than the window: "
          f"{older}, within it: {inside}, after the question: {newer}")  # fmt: skip


if __name__ == "__main__":
    main()
