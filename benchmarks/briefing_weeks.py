"""The briefing on real weeks: does "What happened this week?" list the week's news-quiz topics?

For each quiz day of a RealTimeQA set (``../shared/eval/realtimeqa/build.py``; 2024 or 2025:
never 2022 or 2026), a store of the articles published in the 14 days up to that day, and the
briefing asked as of it.  A quiz question's topic is listed when one of its evidence articles
belongs to one of the top 10 stories (a story's articles: ``Event.members``); questions whose
evidence the store does not hold are not counted.  Also: the stories listed, and how many of
them one outlet alone reported.

    .venv/bin/python -m benchmarks.briefing_weeks eval-data/train/rtqa-2025-all --weeks 8 [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import tempfile
from collections import defaultdict
from pathlib import Path

from benchmarks.common import report
from rag.filters import Filters
from rag.service import NewsRAG
from rag.settings import Settings
from vectorstore.article import Article

STORE_DAYS = 14
QUESTION = "What happened this week?"


def _weeks(folder: Path) -> tuple[dict[str, Article], dict[str, list[dict]]]:
    corpus = {}
    for line in (folder / "corpus.jsonl").read_text().splitlines():
        d = json.loads(line)
        corpus[d["id"]] = Article(id=d["id"], title=d["title"], text=d["text"], source=d.get("source"),
                                  published=d.get("published"), url=d.get("url"))  # fmt: skip
    by_day: dict[str, list[dict]] = defaultdict(list)
    for line in (folder / "questions.jsonl").read_text().splitlines():
        q = json.loads(line)
        if q.get("evidence_ids"):
            by_day[q["question_date"]].append(q)
    return corpus, dict(sorted(by_day.items()))


def week(corpus: dict[str, Article], day: str, questions: list[dict], data: Path) -> dict:
    as_of = dt.date.fromisoformat(day)
    first = (as_of - dt.timedelta(days=STORE_DAYS)).isoformat()
    arts = [a for a in corpus.values() if a.published and first <= a.published <= day]
    svc = NewsRAG.build(Settings.from_env(data_dir=data))
    svc.ingestor.ingest(("rtqa", a) for a in arts)
    answer = svc.ask(QUESTION, filters=Filters(as_of=as_of)).to_dict()
    events = answer.get("events", [])
    members = set().union(*(e.get("members") or () for e in events))
    stored = {a.id for a in arts}
    held = [q for q in questions if stored & set(q["evidence_ids"])]  # the store holds its answer
    listed = sum(1 for q in held if members & set(q["evidence_ids"]))
    alone = sum(1 for e in events if len(e.get("outlets") or ()) == 1)
    return {"quiz day": day, "articles": len(arts), "questions": len(held), "listed": listed,
            "stories": len(events), "one outlet": alone}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--weeks", type=int, default=8, help="the last N quiz days of the set")
    ap.add_argument("--name", default="briefing_weeks")
    a = ap.parse_args()
    if re.search(r"20(22|26)", str(a.folder)):
        raise SystemExit("2022 and 2026 are kept for measuring: build a 2024 or 2025 set.")
    corpus, by_day = _weeks(a.folder)
    rows = []
    with tempfile.TemporaryDirectory(prefix="briefing-weeks-") as tmp:
        for i, (day, questions) in enumerate(list(by_day.items())[-a.weeks :]):
            rows.append(week(corpus, day, questions, Path(tmp) / str(i)))
            print(json.dumps(rows[-1]), flush=True)
    asked = sum(r["questions"] for r in rows)
    listed = sum(r["listed"] for r in rows)
    report(a.name, rows, {"listed_share": listed / max(asked, 1)})
    print(f"{listed} of {asked} quiz questions' topics among the top 10 stories ({listed / max(asked, 1):.3f})")


if __name__ == "__main__":
    main()
