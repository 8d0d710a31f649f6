"""One question's latency through each way in, against one `newsrag serve` (the default
embedder, seeded store plus rgb-en-fact's 969 news snippets), asked one at a time:

    .venv/bin/python benchmarks/api_latency.py [--n 40]

Rows: the Gradio API's ``/ask`` (gradio_client), ``POST /api/ask`` and ``POST
/v1/chat/completions`` (httpx; and the latter through the official ``openai`` client, not
streamed and streamed to its last chunk).  Each asks rgb-en-fact's questions in turn, the same
ones in the same order, after 5 warm-up questions; p50/p95 in ms.  The issue's bound: /v1 within
10 ms of /ask.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import EVAL, NEWSRAG, ROOT, report
from benchmarks.load import client as gradio_client
from benchmarks.start import free_port
from ui.offline import apply_offline_defaults


def timed(ask: Callable[[str], Any], questions: list[str]) -> list[float]:
    out = []
    for q in questions:
        t0 = time.perf_counter()
        ask(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=40, help="questions per way in")
    args = ap.parse_args()
    apply_offline_defaults()
    questions = [json.loads(line)["question"] for line in (EVAL / "rgb-en-fact" / "questions.jsonl").open()]
    questions = questions[: args.n]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NEWSRAG_DATA_DIR": tmp, "NEWSRAG_SEEDS_DIR": str(ROOT / "seeds"),
               "NEWSRAG_FEED_MINUTES": "0"}  # fmt: skip
        subprocess.run([NEWSRAG, "-q", "ingest", str(EVAL / "rgb-en-fact" / "corpus.jsonl")], env=env, check=True,
                       capture_output=True)  # fmt: skip
        port = free_port()
        server = subprocess.Popen([NEWSRAG, "-q", "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            import httpx
            from openai import OpenAI

            url = f"http://127.0.0.1:{port}"
            gradio = gradio_client(url + "/")
            http = httpx.Client(base_url=url, timeout=120)
            oai = OpenAI(base_url=f"{url}/v1", api_key="none", max_retries=0)

            def chat(q: str) -> dict[str, Any]:
                return {"model": "newsrag", "messages": [{"role": "user", "content": q}]}

            def streamed(q: str) -> None:
                for _ in oai.chat.completions.create(**chat(q), stream=True):
                    pass

            ways: dict[str, Callable[[str], Any]] = {
                "gradio /ask": lambda q: gradio.predict(q, None, api_name="/ask"),
                "POST /api/ask": lambda q: http.post("/api/ask", json={"question": q}).raise_for_status(),
                "POST /v1/chat/completions": lambda q: http.post(
                    "/v1/chat/completions", json=chat(q)
                ).raise_for_status(),
                "openai client": lambda q: oai.chat.completions.create(**chat(q)),
                "openai client, streamed": streamed,
            }
            for ask in ways.values():
                timed(ask, questions[:5])  # warm up: each way's connection, the model's first runs
            rows = []
            for name, ask in ways.items():
                ms = timed(ask, questions)
                rows.append({"way in": name, "questions": len(ms), "p50 ms": round(statistics.median(ms), 1),
                             "p95 ms": round(sorted(ms)[int(0.95 * (len(ms) - 1))], 1)})  # fmt: skip
        finally:
            server.terminate()
            server.wait(30)
    base = rows[0]["p50 ms"]
    for r in rows:
        r["p50 vs /ask"] = round(r["p50 ms"] - base, 1)
    report("api_latency", rows)


if __name__ == "__main__":
    main()
