"""`ask` and retrieval latency with 1k, 10k and 100k chunks in the store, and peak RSS.

The real squad2-dev-5 corpus is indexed with the real model; the store is then
filled up with synthetic passages carrying random unit vectors (embedding 100k
real chunks would take over half an hour here).  Questions go through the real
model and the extractive answerer.

    .venv/bin/python benchmarks/ask.py [--sizes 1000 10000 100000] [--questions 60]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import EVAL, peak_rss_mb, report
from rag.service import NewsRAG
from rag.settings import Settings
from rag.stages import make_stages
from ui.offline import apply_offline_defaults
from vectorstore.article import Article, Chunk
from vectorstore.embedder import MiniLMEmbedder

WORDS = "government said market city report officials season court energy police budget election".split()


def fill(svc: NewsRAG, target: int, rng: np.random.Generator, start: int) -> int:
    """Add synthetic 10-passage articles until the store holds ``target`` chunks."""
    n = start
    while svc.store.count_chunks() < target:
        batch = []
        for _ in range(min(500, (target - svc.store.count_chunks()) // 10 + 1)):
            text = " ".join(" ".join(rng.choice(WORDS, 12)) + "." for _ in range(10))
            art = Article(id=f"synthetic-{n}", title=f"Synthetic {n}", text=text)
            spans, pos = [], 0
            for _ in range(10):
                end = text.index(".", pos) + 1
                spans.append((pos, end))
                pos = end + 1
            chunks = [Chunk(art.id, i, text[s:e], s, e) for i, (s, e) in enumerate(spans)]
            vecs = rng.standard_normal((10, 384)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            batch.append((art, chunks, vecs))
            n += 1
        svc.store.write_articles(batch)
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--stages", nargs="+", default=["dense,keyword,article,time", "dense,keyword"],
                    help="stage settings to measure retrieval with, on the same store")  # fmt: skip
    args = ap.parse_args()
    apply_offline_defaults()
    emb = MiniLMEmbedder()
    qs = [json.loads(line)["question"] for line in (EVAL / "squad2-dev-5" / "questions.jsonl").open()]
    qs = qs[:: max(1, len(qs) // args.questions)][: args.questions]
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        svc = NewsRAG.build(Settings(data_dir=Path(tmp), seeds_dir=Path(tmp) / "none"), embedder=emb)
        svc.ingest_paths([EVAL / "squad2-dev-5" / "corpus.jsonl"])
        n = 0
        for size in args.sizes:
            t = time.perf_counter()
            n = fill(svc, size, rng, n)
            fill_s = time.perf_counter() - t
            for stages in args.stages:
                svc.retriever.stages = make_stages(stages, svc.store)
                for q in qs[:5]:  # warm up
                    svc.ask(q)
                ask_ms, ret_ms = [], []
                for q in qs:
                    t = time.perf_counter()
                    svc.ask(q)
                    ask_ms.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    svc.retriever.search(q)
                    ret_ms.append((time.perf_counter() - t) * 1000)
                rows.append(
                    {
                        "chunks": svc.store.count_chunks(),
                        "stages": stages,
                        "ask_p50_ms": float(np.percentile(ask_ms, 50)),
                        "ask_p95_ms": float(np.percentile(ask_ms, 95)),
                        "retrieve_p50_ms": float(np.percentile(ret_ms, 50)),
                        "retrieve_p95_ms": float(np.percentile(ret_ms, 95)),
                        "peak_rss_mb": peak_rss_mb(),
                        "fill_s": fill_s,
                    }
                )
    report("ask", rows, {"questions": len(qs), "answerer": "extractive", "fetch_k": 30, "top_k": 5})


if __name__ == "__main__":
    main()
