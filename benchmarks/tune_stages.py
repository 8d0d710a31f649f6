"""How the ranking stages' weights were chosen: retrieval figures (article level, as
`newsrag eval` measures them) for a grid of stage settings, on eval stores that
`newsrag eval` already built.  Tune on RealTimeQA weeks kept for tuning (2023 after the dev
set's weeks: `benchmarks/late_weeks.py`; 2024's and 2025's first eight: `build.py --year 2024`),
never on the 2023 dev set the README reports; check the dev set, squad2-dev-5, rgb-en-fact and
tests/data/mixed-age don't drop.

    .venv/bin/python benchmarks/tune_stages.py FOLDER STORE_DIR [--grid quick|full]

Each question is asked as of its `question_date` when it has one.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from rag.evaluate import EvalInputs
from rag.filters import Filters
from rag.metrics import mean_of, ranking
from rag.service import NewsRAG
from rag.settings import Settings
from rag.stages import make_stages, retrieved_articles
from ui.offline import apply_offline_defaults
from vectorstore.embedders import MiniLMEmbedder


def measure(svc: NewsRAG, inputs: EvalInputs) -> dict[str, float]:
    rows = []
    for q in inputs.items:
        if not (q.evidence_ids and q.answerable):
            continue
        hits, _ = svc.retriever.search(q.question, filters=Filters.parse(as_of=q.question_date))
        rows.append(ranking(retrieved_articles(hits), q.evidence_ids))
    return mean_of(rows)


def main() -> None:
    apply_offline_defaults()
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("store_dir", type=Path)
    ap.add_argument("--grid", choices=["quick", "full"], default="quick")
    for name in ("article", "evidence", "full_at", "time", "days", "recent", "pool", "margin", "share"):
        flag = f"--{name.replace('_', '-')}"
        ap.add_argument(flag, dest=name, help=f"comma-separated {name} values (instead of the grid's)")
    a = ap.parse_args()
    inputs = EvalInputs.resolve(a.folder, None, None).load()
    svc = NewsRAG.build(Settings(data_dir=a.store_dir, seeds_dir=a.store_dir / "no-seeds"), embedder=MiniLMEmbedder())
    grid = {
        "quick": dict(article=[3.0], evidence=[0.0], full_at=[3.0], time=[3.0], days=[7],
                      recent=[0.0, 1.0, 2.0, 3.0], pool=[10, 30], margin=[0.1], share=[0.0]),
        "full": dict(article=[0.0, 0.5, 1.0, 1.5, 2.0, 3.0], evidence=[0.0, 0.25, 0.5, 1.0], full_at=[2.0, 3.0, 5.0],
                     time=[0.0, 1.0, 2.0, 3.0], days=[7, 10], recent=[0.0, 1.0, 2.0, 3.0], pool=[5, 10, 20, 30],
                     margin=[0.05, 0.1, 0.2, 0.3], share=[0.0, 0.5, 0.67]),
    }[a.grid]  # fmt: skip
    for name in grid:
        if getattr(a, name):
            grid[name] = [float(v) for v in getattr(a, name).split(",")]
    head = f"{'article':>7} {'evid':>5} {'full':>5} {'time':>5} {'days':>4} {'recent':>6} {'pool':>4} {'margin':>6}"
    head += f" {'share':>5}"
    print(f"{head}  {'H@1':>6} {'H@5':>6} {'H@10':>6} {'MRR@10':>7}")
    for w_art, evid, full_at, w_time, days, w_recent, pool, margin, share in itertools.product(*grid.values()):
        names = ["dense", "keyword"] + (["article"] if w_art else []) + (["time"] if w_time or w_recent else [])
        svc.retriever.stages = make_stages(",".join(names), svc.store)
        for s in svc.retriever.stages:
            if s.name == "article":
                s.weight, s.evidence, s.full_at = w_art, evid, full_at
            if s.name == "time":
                s.weight, s.recent_days, s.recent_weight, s.pool = w_time, int(days), w_recent, int(pool)
                s.margin, s.share = margin, share
                for inner in s.inner:
                    if inner.name == "article":
                        inner.weight, inner.full_at = w_art, full_at
        m = measure(svc, inputs)
        print(f"{w_art:>7} {evid:>5} {full_at:>5} {w_time:>5} {days:>4} {w_recent:>6} {pool:>4} {margin:>6} "
              f"{share:>5}  {m['hits@1']:6.3f} {m['hits@5']:6.3f} {m['hits@10']:6.3f} {m['mrr@10']:7.3f}",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
