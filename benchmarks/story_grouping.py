"""Stories are events: how well the briefing groups real articles about the same event.

Labels from a RealTimeQA set (2024 or 2025; never 2022 or 2026): the evidence articles of one quiz
question hold its answer within days of it, so they report the same event, however differently
worded; two questions sharing an article are one event.  For each quiz day, that week's evidence
articles are grouped as the briefing groups them (``rag.news.briefing.stories``: headline and
lead embedded, joined at a cosine of at least the threshold; ingest's near-duplicate copies are
left out here, each article its own copy) and scored by pairs: precision (pairs grouped that are
one event), recall (pairs of one event grouped), F1.  Pairs of different questions of the same
week are the negatives (two questions on one event whose evidence differs count against it).

    .venv/bin/python -m benchmarks.story_grouping eval-data/train/rtqa-2024-all --related 0.5 0.6 0.7
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from collections import defaultdict
from pathlib import Path

from benchmarks.common import report
from rag.news.briefing import stories
from rag.news.lead import lead_span
from rag.settings import Settings
from vectorstore.article import Article
from vectorstore.embedders import make_embedder
from vectorstore.ingest.chunker import Chunker
from vectorstore.records import StoredArticle


def weeks(folder: Path) -> list[tuple[list[Article], dict[str, int]]]:
    """Each quiz day's evidence articles and their event labels (union of questions sharing one)."""
    corpus = {}
    for line in (folder / "corpus.jsonl").read_text().splitlines():
        d = json.loads(line)
        corpus[d["id"]] = Article(id=d["id"], title=d["title"], text=d["text"], published=d.get("published"))
    by_day: dict[str, list[list[str]]] = defaultdict(list)
    for line in (folder / "questions.jsonl").read_text().splitlines():
        q = json.loads(line)
        ids = [e for e in q.get("evidence_ids") or [] if e in corpus]
        if ids:
            by_day[q["question_date"]].append(ids)
    out = []
    for groups in by_day.values():
        label: dict[str, int] = {}
        parent = list(range(len(groups)))

        def root(i: int, parent: list[int] = parent) -> int:
            while parent[i] != i:
                i = parent[i]
            return i

        for gi, ids in enumerate(groups):
            for a in ids:
                if a in label:
                    parent[root(gi)] = root(label[a])
                label.setdefault(a, gi)
        label = {a: root(g) for a, g in label.items()}
        if len(label) >= 2:
            out.append(([corpus[a] for a in label], label))
    return out


def pairs(groups: list[list[str]], label: dict[str, int]) -> tuple[int, int, int]:
    """(grouped and one event, grouped, one event) over the week's pairs of articles."""
    story = {a: i for i, g in enumerate(groups) for a in g}
    both = grouped = same = 0
    for a, b in itertools.combinations(sorted(label), 2):
        g, s = story[a] == story[b], label[a] == label[b]
        both += g and s
        grouped += g
        same += s
    return both, grouped, same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--related", type=float, nargs="+", default=[0.5, 0.6, 0.7])
    ap.add_argument("--name", default="story_grouping")
    a = ap.parse_args()
    if re.search(r"20(22|26)", str(a.folder)):
        raise SystemExit("2022 and 2026 are kept for measuring: build a 2024 or 2025 set.")
    settings = Settings.from_env()
    embed = make_embedder(settings.embedder, settings.models_dir).embed
    chunker = Chunker(max_words=settings.chunk_words)
    data = weeks(a.folder)
    rows = []
    for related in a.related:
        both = grouped = same = 0
        for articles, label in data:
            stored = [StoredArticle(x.id, x.title, None, None, x.published, "", 0, x.id) for x in articles]
            leads = {}
            for x in articles:
                first = chunker.split(x)[0].text
                leads[x.id] = first[slice(*lead_span(first))]
            groups = [[c.id for g in s for c in g] for s in stories(stored, embed, leads, related)]
            b, g, s = pairs(groups, label)
            both, grouped, same = both + b, grouped + g, same + s
        p, r = both / max(grouped, 1), both / max(same, 1)
        rows.append({"related": related, "weeks": len(data), "event pairs": same, "grouped pairs": grouped,
                     "precision": p, "recall": r, "f1": 2 * p * r / max(p + r, 1e-9)})  # fmt: skip
    report(a.name, rows)


if __name__ == "__main__":
    main()
