"""End-to-end ingestion of one large corpus: `newsrag ingest` into a fresh store, as a user runs it.

Each ``--run LABEL=CODE:EMBEDDER`` times the command of the checkout CODE (``.`` for this one;
an older commit checked out with ``git worktree add /tmp/before REV``) with that embedder, one
after the other in this process's run, and prints wall time, passages a second and the speed-up
over the first run.  Process start, model load and every write are included.

    .venv/bin/python benchmarks/ingest_cli.py eval-data/rtqa-2023/corpus.jsonl \\
        --run before=/tmp/before:minilm --run after=.:minilm-openvino --run after-torch=.:minilm-torch

(eval-data/rtqa-2023 is built by ../shared/eval/realtimeqa/build.py: see the README.)
The ONNX model is exported once into the shared model cache before the clock starts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, report


def count_passages(data_dir: Path) -> int:
    """Passages in the store ``newsrag ingest`` made (read with Chroma, as any checkout stores them)."""
    import chromadb

    client = chromadb.PersistentClient(path=str(data_dir / "chroma"))
    return int(client.get_collection("newsrag_chunks").count())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--run", action="append", required=True, help="LABEL=CODE:EMBEDDER (CODE '.' is this checkout)")
    args = ap.parse_args()
    corpus = args.corpus.resolve()
    with tempfile.TemporaryDirectory(prefix="newsrag-models-") as cache:  # the export, once per run
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "NEWSRAG_MODEL_CACHE": cache}
        rows = []
        for spec in args.run:
            label, _, rest = spec.partition("=")
            code, _, embedder = rest.rpartition(":")
            code_dir = ROOT if code in ("", ".") else Path(code).resolve()
            run_env = {**env, "NEWSRAG_EMBEDDER": embedder}
            cmd = [sys.executable, "-m", "ui.cli", "-q"]
            if embedder.startswith("minilm-") and embedder != "minilm-torch":  # export once, off the clock
                warm = (
                    "from pathlib import Path; from vectorstore.embedders import make_embedder; "
                    f"make_embedder({embedder!r}, Path({cache!r})).embed(['x'])"
                )
                subprocess.run([sys.executable, "-c", warm], cwd=code_dir, env=run_env, check=True, capture_output=True)
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                done = subprocess.run([*cmd, "--data-dir", tmp, "ingest", str(corpus)], cwd=code_dir, env=run_env,
                                      capture_output=True, text=True)  # fmt: skip
                wall = time.perf_counter() - t
                if done.returncode != 0:
                    sys.exit(f"{label}: newsrag ingest failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
                passages = count_passages(Path(tmp))
            summary = next((line for line in reversed(done.stdout.splitlines()) if line.startswith("Summary")), "")
            rows.append({"run": label, "code": str(code_dir), "embedder": embedder, "wall_s": wall,
                         "passages": passages, "passages_s": passages / wall,
                         "summary": summary.removeprefix("Summary: ")})  # fmt: skip
            print(f"{label}: {wall:.1f} s, {passages} passages", flush=True)
    for r in rows:
        r["speedup"] = r["passages_s"] / rows[0]["passages_s"]
    report("ingest_cli", rows, {"corpus": str(corpus)})


if __name__ == "__main__":
    main()
