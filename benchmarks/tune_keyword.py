"""How the passages' BM25 parameters were chosen: keyword-only retrieval figures (article
level, as `newsrag eval` measures them) for a grid of (k1, b), on eval stores that
`newsrag eval` already built.  Tune on the tuning sets (RealTimeQA 2023, built by
../shared/eval/realtimeqa/build.py, and squad2-dev-rest); report on the others.

    .venv/bin/python benchmarks/tune_keyword.py FOLDER STORE_DIR [--grid 0.9,0.4 1.5,0.75] [--limit N]

Each question is asked as of its `question_date` when it has one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.tune_stages import measure
from rag.evaluate import EvalInputs
from rag.service import NewsRAG
from rag.settings import Settings
from ui.offline import apply_offline_defaults
from vectorstore.embedders import make_embedder

GRID = ["0.9,0.4", "1.2,0.75", "1.5,0.75", "1.2,0.5", "1.5,0.5", "2.0,0.75"]


def main() -> None:
    apply_offline_defaults()
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("store_dir", type=Path)
    ap.add_argument("--grid", nargs="+", default=GRID, help="k1,b pairs")
    ap.add_argument("--limit", type=int, default=0, help="the first N questions only (0: all)")
    a = ap.parse_args()
    inputs = EvalInputs.resolve(a.folder, None, None).load(a.limit or None)
    settings = Settings(data_dir=a.store_dir, seeds_dir=a.store_dir / "no-seeds", stages="keyword")
    svc = NewsRAG.build(settings, embedder=make_embedder("minilm", a.store_dir.parent / "models"))
    index: Any = svc.store.keywords
    print(f"{'k1':>5} {'b':>5}  {'H@1':>6} {'H@5':>6} {'H@10':>6} {'MRR@10':>7}")
    for pair in a.grid:
        index.k1, index.b = (float(v) for v in pair.split(","))
        m = measure(svc, inputs)
        print(f"{index.k1:5.2f} {index.b:5.2f}  {m['hits@1']:6.3f} {m['hits@5']:6.3f} {m['hits@10']:6.3f} "
              f"{m['mrr@10']:7.3f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
