"""`ask` and retrieval latency with 1k, 10k and 100k (or 1M) chunks in the store; keyword
search alone, peak RSS, size on disk, and the time to add 1,000 more passages.

The real squad2-dev-5 corpus is indexed with the real model; the store is then
filled up with synthetic articles: pieces of real text (squad2-dev-rest and
rgb-en-fact, so the keyword side sees real words) carrying random unit vectors
(embedding 100k real chunks would take over half an hour here).  Questions go through the real
model and the extractive answerer.  At each size it also adds one real article and
times the question asked right after it (the keyword index takes the article in first).

    .venv/bin/python benchmarks/ask.py [--sizes 1000 10000 100000] [--questions 60]
    .venv/bin/python benchmarks/ask.py --sizes 10000 100000 1000000 --stages dense,keyword,article,time dense,keyword

It ends with how each cost grows from one size to the next.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# BENCH_CODE=DIR measures another checkout (e.g. a worktree of an older commit) with this script.
sys.path.insert(0, os.environ.get("BENCH_CODE") or str(Path(__file__).resolve().parent.parent))

from benchmarks.common import EVAL, peak_rss_mb, report
from rag.service import NewsRAG
from rag.settings import Settings
from rag.stages import make_stages
from ui.offline import apply_offline_defaults
from vectorstore.article import Article, Chunk
from vectorstore.embedders import make_embedder


def real_passages() -> list[str]:
    """Passages of real text for the synthetic articles: squad2-dev-rest and rgb-en-fact, cut into
    pieces of about 40 words (their words, not their meaning, is what the keyword side sees)."""
    out = []
    for name in ("squad2-dev-rest", "rgb-en-fact"):
        for line in (EVAL / name / "corpus.jsonl").open():
            words = json.loads(line)["text"].split()
            out += [" ".join(words[i : i + 40]) for i in range(0, len(words), 40)]
    return out


def fill(svc: NewsRAG, target: int, rng: np.random.Generator, start: int, pool: list[str]) -> int:
    """Add synthetic 10-passage articles (real text, random unit vectors) until the store holds ``target`` chunks."""
    n = start
    while svc.store.count_chunks() < target:
        batch = []
        for _ in range(min(500, (target - svc.store.count_chunks()) // 10 + 1)):
            parts = [pool[int(i)] for i in rng.integers(0, len(pool), 10)]
            text = "\n".join(parts)
            art = Article(id=f"synthetic-{n}", title=f"Synthetic {n}", text=text)
            chunks, pos = [], 0
            for i, part in enumerate(parts):
                chunks.append(Chunk(art.id, i, part, pos, pos + len(part)))
                pos += len(part) + 1
            vecs = rng.standard_normal((10, 384)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            batch.append((art, chunks, vecs))
            n += 1
        svc.store.write_articles(batch)
    return n


IN_A_ROW = 300  # a whole cycle of Chroma's index saves for the passages (3 passages an add, 1,000 a save)


def adds_in_a_row(svc: NewsRAG, n: int) -> tuple[float, float, float]:
    """Mean, p50 and p95 time to add one real article, ``IN_A_ROW`` times in a row: a write's cost
    depends on what Chroma has not saved yet, so a few adds can't tell a store's size from luck."""
    took = []
    for i in range(IN_A_ROW):
        text = " ".join(
            f"Dock workers at pier {n + i} returned on Friday, clause {j} of the pay deal." for j in range(30)
        )
        art = Article(id=f"row-{n + i}", title=f"Pier report {n + i}", text=text)
        t = time.perf_counter()
        svc.add_article(art)
        took.append((time.perf_counter() - t) * 1000)
    return float(np.mean(took)), float(np.percentile(took, 50)), float(np.percentile(took, 95))


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


ADDS = 9  # single adds per size: a write's cost varies with what Chroma has not yet saved


def first_question_after_adding(svc: NewsRAG, qs: list[str], n: int) -> tuple[float, float, float]:
    """Median and slowest time to add one real article, and the median time to answer the
    question asked right after it (the keyword index must take the new article in first)."""
    added, after = [], []
    for i in range(ADDS):
        text = f"Dock workers at pier {n + i} returned on Friday after the port agreed a pay rise."
        art = Article(id=f"fresh-{n + i}", title=f"Harbour report {n + i}", text=text)
        t = time.perf_counter()
        svc.add_article(art)
        added.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        svc.ask(qs[i % len(qs)])
        after.append((time.perf_counter() - t) * 1000)
    return float(np.median(added)), max(added), float(np.median(after))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--questions", type=int, default=60)
    ap.add_argument("--embedder", default="minilm-int8", help="NEWSRAG_EMBEDDER to measure with (default: the default)")
    ap.add_argument("--stages", nargs="+", default=["dense,keyword,article,time", "dense,keyword"],
                    help="stage settings to measure retrieval with, on the same store")  # fmt: skip
    args = ap.parse_args()
    apply_offline_defaults()
    qs = [json.loads(line)["question"] for line in (EVAL / "squad2-dev-5" / "questions.jsonl").open()]
    qs = qs[:: max(1, len(qs) // args.questions)][: args.questions]
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            emb = make_embedder(args.embedder, Path(tmp) / "models")
        except TypeError:  # measuring code from before the ONNX backend (benchmarks/ask.py run against it)
            emb = make_embedder("minilm")  # type: ignore[call-arg]
        svc = NewsRAG.build(Settings(data_dir=Path(tmp), seeds_dir=Path(tmp) / "none"), embedder=emb)
        svc.ingest_paths([EVAL / "squad2-dev-5" / "corpus.jsonl"])
        n = 0
        pool = real_passages()
        for size in args.sizes:
            t = time.perf_counter()
            n = fill(svc, size, rng, n, pool)
            fill_s = time.perf_counter() - t
            svc.retriever.search(qs[0])  # the keyword index catches up with the fill
            kw_ms = []
            for q in qs:
                t = time.perf_counter()
                svc.store.keyword_search(q, 30)
                kw_ms.append((time.perf_counter() - t) * 1000)
            # 1,000 more passages (100 articles), then the next search (which takes them in)
            t = time.perf_counter()
            n = fill(svc, svc.store.count_chunks() + 1000, rng, n, pool)
            svc.retriever.search(qs[1])
            add_1000_s = time.perf_counter() - t
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
                added_ms, added_max_ms, after_ms = first_question_after_adding(svc, qs, n)
                n += ADDS
                row_mean, row_p50, row_p95 = adds_in_a_row(svc, n)
                n += IN_A_ROW
                rows.append(
                    {
                        "chunks": svc.store.count_chunks(),
                        "stages": stages,
                        "ask_p50_ms": float(np.percentile(ask_ms, 50)),
                        "ask_p95_ms": float(np.percentile(ask_ms, 95)),
                        "retrieve_p50_ms": float(np.percentile(ret_ms, 50)),
                        "retrieve_p95_ms": float(np.percentile(ret_ms, 95)),
                        "peak_rss_mb": peak_rss_mb(),
                        "keyword_p50_ms": float(np.percentile(kw_ms, 50)),
                        "disk_mb": disk_mb(Path(tmp)),
                        "fill_s": fill_s,
                        "add_1000_s": add_1000_s,
                        "add_one_ms": added_ms,
                        "add_one_max_ms": added_max_ms,
                        "add_in_a_row_mean_ms": row_mean,
                        "add_in_a_row_p50_ms": row_p50,
                        "add_in_a_row_p95_ms": row_p95,
                        "first_ask_after_add_ms": after_ms,
                    }
                )
    extra = {"questions": len(qs), "answerer": "extractive", "retrieve_k": 30, "context_k": 5}
    report("ask", rows, extra)
    print_growth(rows)


GROWTH = ["ask_p50_ms", "retrieve_p50_ms", "keyword_p50_ms", "peak_rss_mb", "disk_mb", "add_1000_s", "add_one_ms",
          "add_in_a_row_mean_ms", "add_in_a_row_p95_ms", "first_ask_after_add_ms"]  # fmt: skip


def print_growth(rows: list[dict[str, float | str | int]]) -> None:
    """How each cost grows from one size to the next (× per step), per stage setting."""
    for stages in dict.fromkeys(str(r["stages"]) for r in rows):
        mine = [r for r in rows if r["stages"] == stages]
        if len(mine) < 2:
            continue
        print(f"growth with {stages}: " + "  ".join(f"{r['chunks']:,}" for r in mine) + " passages")
        for key in GROWTH:
            steps = [float(b[key]) / max(float(a[key]), 1e-9) for a, b in itertools.pairwise(mine)]
            print(f"  {key:24} " + "  ".join(f"{float(r[key]):9.1f}" for r in mine) + "   ×" +
                  "  ×".join(f"{x:.2f}" for x in steps))  # fmt: skip


if __name__ == "__main__":
    main()
