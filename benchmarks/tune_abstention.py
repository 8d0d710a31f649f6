"""Tune NEWSRAG_MIN_SCORE (the abstention threshold) on ../shared/eval.

For each QA set, index its corpus with the real model, then take the best
passage similarity of three kinds of question:
  - answerable questions of that set (should be answered),
  - its `unanswerable` questions (SQuAD 2.0's adversarial ones: written against
    a paragraph to look answerable),
  - the *other* set's questions (about things the corpus doesn't hold, like
    "What is the capital of Peru?" against our news).
The threshold chosen is the highest one that still answers at least 97% of the
answerable questions of every set; the figures for every kind are printed.

    .venv/bin/python benchmarks/tune_abstention.py [--eval-dir ../shared/eval]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from rag.service import NewsRAG
from rag.settings import Settings
from ui.offline import apply_offline_defaults
from vectorstore.embedders import MiniLMEmbedder


def load(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def top_scores(svc: NewsRAG, questions: list[str]) -> np.ndarray:
    vecs = svc.embedder.embed(questions)
    return np.array([(h[0].score if (h := svc.store.query(v, 1)) else -1.0) for v in vecs])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "eval")
    ap.add_argument("--keep-answered", type=float, default=0.97)
    args = ap.parse_args()
    apply_offline_defaults()
    emb = MiniLMEmbedder()
    sets = sorted(p for p in args.eval_dir.iterdir() if (p / "questions.jsonl").exists())
    qs = {s.name: load(s / "questions.jsonl") for s in sets}
    scores: dict[str, dict[str, np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for s in sets:
            svc = NewsRAG.build(Settings(data_dir=Path(tmp) / s.name, seeds_dir=Path(tmp) / "none"), embedder=emb)
            svc.ingest_paths([s / "corpus.jsonl"])
            ans = [q["question"] for q in qs[s.name] if q["answers"]]
            unans = [q["question"] for q in qs[s.name] if not q["answers"]]
            other = [q["question"] for o in sets if o != s for q in qs[o.name]]
            scores[s.name] = {
                "answerable": top_scores(svc, ans),
                "unanswerable": top_scores(svc, unans),
                "other set": top_scores(svc, other),
            }
    candidates = np.round(np.arange(0.0, 0.8, 0.01), 2)
    ok = [t for t in candidates if all((v["answerable"] >= t).mean() >= args.keep_answered for v in scores.values())]
    best = max(ok)
    print(f"{'set':<14} {'kind':<13} {'n':>5} {'p10':>6} {'p50':>6} {'p90':>6}  abstained at {best:.2f}")
    for name, kinds in scores.items():
        for kind, v in kinds.items():
            if len(v):
                p10, p50, p90 = np.percentile(v, [10, 50, 90])
                print(f"{name:<14} {kind:<13} {len(v):>5} {p10:6.3f} {p50:6.3f} {p90:6.3f}  {(v < best).mean():.3f}")
    print(f"\nchosen NEWSRAG_MIN_SCORE = {best:.2f} (answers >= {args.keep_answered:.0%} of answerable questions)")


if __name__ == "__main__":
    main()
