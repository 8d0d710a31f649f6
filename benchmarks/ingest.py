"""Ingestion throughput: the pipeline against the raw encoder on the same chunks.

.venv/bin/python benchmarks/ingest.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import EVAL, NEWSRAG, report
from rag.service import NewsRAG
from rag.settings import Settings
from ui.offline import apply_offline_defaults
from vectorstore.embedder import MiniLMEmbedder
from vectorstore.loaders import load_file


def main() -> None:
    apply_offline_defaults()
    corpora = [EVAL / "squad2-dev-5" / "corpus.jsonl", EVAL / "rgb-en-fact" / "corpus.jsonl"]
    emb = MiniLMEmbedder()
    emb.embed(["warm up"])
    rows = []
    for corpus in corpora:
        with tempfile.TemporaryDirectory() as tmp:
            svc = NewsRAG.build(Settings(data_dir=Path(tmp), seeds_dir=Path(tmp) / "none"), embedder=emb)
            arts = load_file(corpus, max_mb=1024).articles
            texts = [c.embed_text for a in arts for c in svc.ingestor.chunker.split(a)]
            t = time.perf_counter()
            svc.ingest_paths([corpus])
            pipeline = time.perf_counter() - t
            t = time.perf_counter()
            emb.model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
            raw = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            subprocess.run([NEWSRAG, "-q", "--data-dir", tmp, "ingest", str(corpus)], check=True, capture_output=True)
            cli = time.perf_counter() - t
        rows.append(
            {
                "corpus": corpus.parent.name,
                "articles": len(arts),
                "chunks": len(texts),
                "pipeline_articles_s": len(arts) / pipeline,
                "pipeline_chunks_s": len(texts) / pipeline,
                "encoder_chunks_s": len(texts) / raw,
                "overhead_pct": 100 * (pipeline / raw - 1),
                "cli_wall_s": cli,
                "cli_chunks_s": len(texts) / cli,
            }
        )
    report("ingest", rows, {"note": "cli_wall_s includes process start and model load"})


if __name__ == "__main__":
    main()
