"""Crash convergence: kill -9 a replacing ingest, count dead passages, re-run it.

The issue's case: re-ingest rgb-en-fact (969 articles) with the same ids and new
text, SIGKILL it at a random moment, then run the same ingest again.  For each kill
it prints the passages in the store after the kill and after the re-run, next to
a clean ingest's count.  Run on its own (not part of `make bench`):

    .venv/bin/python benchmarks/crash.py [--kills 10] [--seed 1] [--code DIR]

``--code DIR`` runs the ingest with the vectorstore package of another checkout
(e.g. a `git worktree` of an older commit) to measure the code before a change.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import EVAL, ROOT, report

WORKER = """
import sys
from pathlib import Path
from vectorstore.ingest.chunker import Chunker
from vectorstore.embedders import HashEmbedder
from vectorstore.ingest.ingestor import Ingestor
from vectorstore.store import ChromaStore, open_client
emb = HashEmbedder()
store = ChromaStore(open_client(str(Path(sys.argv[1]) / "chroma")), emb.space, emb.dim)
print("ready", flush=True)
Ingestor(store, emb, Chunker(max_words=120)).ingest_paths([Path(sys.argv[2])])
"""


def run(code: Path, data: Path, corpus: Path, kill_after: float | None = None) -> float:
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen([sys.executable, "-c", WORKER, str(data), str(corpus)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.readline()  # the store is open: the ingest starts now
    t0 = time.monotonic()
    try:
        proc.wait(kill_after)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return time.monotonic() - t0


def passages(code: Path, data: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", "import sys; from vectorstore.store import open_client; "
         "print(open_client(sys.argv[1]).get_collection('newsrag_chunks').count())", str(data / "chroma")],
        env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1, help="kills land at random moments of a clean ingest's run time")
    ap.add_argument("--code", type=Path, default=ROOT)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsrag-crash-"))
    v1 = EVAL / "rgb-en-fact" / "corpus.jsonl"
    v2 = work / "v2.jsonl"
    with v1.open() as src, v2.open("w") as dst:
        for line in src:
            obj = json.loads(line)
            obj["text"] = "Updated. " + obj["text"]
            dst.write(json.dumps(obj) + "\n")
    base, clean = work / "base", work / "clean"
    run(args.code, base, v1)
    shutil.copytree(base, clean)
    duration = run(args.code, clean, v2)
    rng = random.Random(args.seed)
    expected = passages(args.code, clean)
    rows = []
    for n in range(args.kills):
        data = work / f"kill{n}"
        shutil.copytree(base, data)
        after = rng.uniform(0, duration)
        run(args.code, data, v2, kill_after=after)
        killed = passages(args.code, data)
        run(args.code, data, v2)
        rows.append({"kill": n, "killed_at_s": round(after, 2), "passages_after_kill": killed,
                     "after_rerun": passages(args.code, data), "clean": expected})  # fmt: skip
        shutil.rmtree(data)
    bad = sum(r["after_rerun"] != r["clean"] for r in rows)
    dead = sum(r["passages_after_kill"] > r["clean"] for r in rows)
    report("crash", rows, {"code": str(args.code), "reruns_not_converged": bad, "clean_ingest_s": duration})
    print(f"clean replacing ingest: {duration:.2f} s; {dead} of {len(rows)} kills left extra passages")
    print(f"{bad} of {len(rows)} re-runs did not converge to the clean store ({expected} passages)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
