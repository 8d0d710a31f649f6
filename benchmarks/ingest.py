"""Ingestion throughput per embedding backend: the raw encoder, the pipeline, and the CLI, on the same chunks.

    .venv/bin/python benchmarks/ingest.py [--backends minilm-torch,minilm,minilm-int8,minilm-openvino,minilm-auto]

``minilm-auto`` (the default) is the fastest of the next three on this CPU, measured when it is
first used: its row is labelled with the backend it chose, and what it measured is printed under
the table (``vectorstore/embedders/choose.py``).
``minilm-openvino`` is all-MiniLM-L6-v2 in static int8 on OpenVINO, ``minilm-int8`` dynamic int8
on ONNX Runtime, ``minilm`` fp32 on ONNX Runtime, ``minilm-torch`` the same model in PyTorch fp32
(the first default).  The CPU's model and instruction sets are printed with the figures.
Query-embedding latency is measured too: one question at a time, as `ask` embeds it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import EVAL, NEWSRAG, report
from rag.service import NewsRAG
from rag.settings import Settings
from ui.offline import apply_offline_defaults
from vectorstore.embedders import HashEmbedder, make_embedder
from vectorstore.embedders.choose import cpu_signature
from vectorstore.ingest.loaders import load_file

QUESTIONS = [
    "Where might Trump and Putin meet?",
    "How much did the Bergen tram cost?",
    "Which country won the 2022 World Cup?",
    "Who built Kenya's Taifa-2 satellite?",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="minilm-torch,minilm,minilm-int8,minilm-openvino,minilm-auto")
    args = ap.parse_args()
    apply_offline_defaults()
    corpora = [EVAL / "squad2-dev-5" / "corpus.jsonl", EVAL / "rgb-en-fact" / "corpus.jsonl"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:  # what the first ingest of a process imports, paid by none of them
        warm = NewsRAG.build(Settings(data_dir=Path(tmp), seeds_dir=Path(tmp) / "none"), embedder=HashEmbedder())
        warm.ingest_paths([corpora[0]])
    choice: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory() as cache:
        for backend in args.backends.split(","):
            emb = make_embedder(backend, Path(cache))
            if backend == "minilm-auto":  # measured here as `serve` measures, then a new process's choice
                choice = emb.measure()  # type: ignore[attr-defined]
                emb = make_embedder(backend, Path(cache))
            emb.embed(["warm up"])  # the ONNX backend exports here, once
            lat = []
            for _ in range(10):
                for q in QUESTIONS:
                    t = time.perf_counter()
                    emb.embed([q])
                    lat.append((time.perf_counter() - t) * 1000)
            for corpus in corpora:
                with tempfile.TemporaryDirectory() as tmp:
                    svc = NewsRAG.build(Settings(data_dir=Path(tmp), seeds_dir=Path(tmp) / "none"), embedder=emb)
                    arts = load_file(corpus, max_mb=1024).articles
                    texts = [c.embed_text for a in arts for c in svc.ingestor.chunker.split(a)]
                    t = time.perf_counter()
                    svc.ingest_paths([corpus])
                    pipeline = time.perf_counter() - t
                    t = time.perf_counter()
                    emb.embed(texts)
                    raw = time.perf_counter() - t
                with tempfile.TemporaryDirectory() as tmp:
                    env = {**os.environ, "NEWSRAG_EMBEDDER": backend, "NEWSRAG_MODEL_CACHE": cache}
                    t = time.perf_counter()
                    subprocess.run([NEWSRAG, "-q", "--data-dir", tmp, "ingest", str(corpus)], check=True,
                                   capture_output=True, env=env)  # fmt: skip
                    cli = time.perf_counter() - t
                rows.append(
                    {
                        "backend": f"auto: {choice['chosen']}" if backend == "minilm-auto" and choice else backend,
                        "corpus": corpus.parent.name,
                        "chunks": len(texts),
                        "encoder_chunks_s": len(texts) / raw,
                        "pipeline_chunks_s": len(texts) / pipeline,
                        "cli_wall_s": cli,
                        "cli_chunks_s": len(texts) / cli,
                        "query_embed_p50_ms": statistics.median(lat),
                    }
                )
    cpu = cpu_signature()
    print(f"CPU: {cpu['model']}, {cpu['cores']} cores; {' '.join(cpu['flags'])}")
    if choice:
        print("minilm-auto measured:", ", ".join(f"{m['backend']} {m['passages_per_s']}/s {m['question_ms']} ms"
                                                 f" cos {m['min_cosine']}" for m in choice["measured"]))  # fmt: skip
    report("ingest", rows, {"note": "cli_wall_s includes process start and model load", "cpu": cpu_signature(),
                            "choice": choice})  # fmt: skip


if __name__ == "__main__":
    main()
