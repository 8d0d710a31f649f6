"""A RealTimeQA set of the weeks after the dev set's, for tuning: `build.py` builds a year's
first N weeks, so build 16 and leave out what the dev set (the first 8) holds, its questions
and every article of its corpus, so nothing of the dev set is tuned on.

    python3 ../shared/eval/realtimeqa/build.py GIT_DIR /tmp/rtqa-2023-16 --weeks 16
    .venv/bin/python benchmarks/late_weeks.py /tmp/rtqa-2023-16 eval-data/rtqa-2023 eval-data/rtqa-2023-late
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write(path: Path, items: list[dict]) -> None:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("weeks", type=Path, help="a build of the year's first 16 weeks")
    ap.add_argument("dev", type=Path, help="the dev set (the first 8 weeks), to leave out")
    ap.add_argument("out", type=Path)
    a = ap.parse_args()
    dev_docs = {d["id"] for d in rows(a.dev / "corpus.jsonl")}
    dev_questions = rows(a.dev / "questions.jsonl")
    last_dev_day = max(q["question_date"] for q in dev_questions)
    docs = [d for d in rows(a.weeks / "corpus.jsonl") if d["id"] not in dev_docs]
    kept = {d["id"] for d in docs}
    dev_ids = {q["id"] for q in dev_questions}
    questions = [
        q for q in rows(a.weeks / "questions.jsonl") if q["question_date"] > last_dev_day and q["id"] not in dev_ids
    ]
    for q in questions:
        q["evidence_ids"] = [i for i in q["evidence_ids"] if i in kept]
    a.out.mkdir(parents=True, exist_ok=True)
    write(a.out / "corpus.jsonl", docs)
    write(a.out / "questions.jsonl", questions)
    print(f"{len(docs)} articles, {len(questions)} questions "
          f"({sum(1 for q in questions if q['evidence_ids'])} with evidence) -> {a.out}")  # fmt: skip


if __name__ == "__main__":
    main()
