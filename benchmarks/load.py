"""Many users at once: 20 chat users asking through the real server (gradio_client) for 60 s,
first alone, then while another client adds 300 articles.

    .venv/bin/python benchmarks/load.py [--users 20] [--seconds 60] [--adds 300]

The store starts with rgb-en-fact's 969 news snippets (the users' questions are that
set's); the added articles are squad2-dev-rest paragraphs.  Reported per phase:
questions answered, errors, /ask p50/p95/max, and for the adding phase how many
articles were added per second and whether every one is in the store at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import EVAL, NEWSRAG, ROOT, peak_rss_mb, report
from benchmarks.start import free_port
from ui.offline import apply_offline_defaults


def newsrag() -> list[str]:
    """The `newsrag` command; with BENCH_CODE=DIR, that checkout's (e.g. an older commit's worktree)."""
    code = os.environ.get("BENCH_CODE")
    if not code:
        return [NEWSRAG]
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {code!r}); from ui.cli import main; main()"]


def measured_cache(data: str) -> str:
    """A model cache whose encoder backend was measured on this CPU, as a server's first start
    leaves it: the timed server is a long-running one, not one still measuring in the
    background (which took a share of the first phase's samples); its choice is printed."""
    from vectorstore.embedders import make_embedder

    cache = Path(data) / "models"
    choice = make_embedder("minilm-auto", cache).measure()  # type: ignore[attr-defined]
    print("encoder chosen on this CPU:", choice["chosen"])
    return str(cache)


def start_server(data: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NEWSRAG_DATA_DIR": data, "NEWSRAG_SEEDS_DIR": str(ROOT / "seeds"),
           "NEWSRAG_FEED_MINUTES": "0", "NEWSRAG_MODEL_CACHE": measured_cache(data)}  # fmt: skip
    subprocess.run([*newsrag(), "-q", "ingest", str(EVAL / "rgb-en-fact" / "corpus.jsonl")], env=env, check=True,
                   capture_output=True)  # fmt: skip
    return subprocess.Popen([*newsrag(), "-q", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def client(url: str) -> Any:
    from gradio_client import Client

    deadline = time.monotonic() + 180
    while True:
        try:
            return Client(url, verbose=False)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def users(url: str, n: int, seconds: float, questions: list[str]) -> tuple[list[float], list[str]]:
    """``n`` users, each asking question after question for ``seconds``; latencies (s) and errors."""
    lat: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(i: int) -> None:
        c = client(url)
        k = i
        while time.monotonic() < stop:
            q = questions[k % len(questions)]
            k += n
            t = time.perf_counter()
            try:
                answer = c.predict(q, None, api_name="/ask")
                ok = isinstance(answer, dict) and "text" in answer
            except Exception as e:  # an error is a result here
                ok, answer = False, f"{type(e).__name__}: {e}"
            with lock:
                (lat.append(time.perf_counter() - t) if ok else errors.append(str(answer)[:200]))

    threads = [threading.Thread(target=user, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, errors


def adder(url: str, docs: list[dict[str, Any]], out: dict[str, Any]) -> None:
    c = client(url)
    t = time.perf_counter()
    ids, errors = [], []
    for d in docs:
        try:
            r = c.predict(d["title"], d["text"], "squad", "", "", api_name="/add_article")
            ids.append(r["article_id"])
        except Exception as e:
            errors.append(f"{type(e).__name__}: {e}"[:200])
    out.update(ids=ids, errors=errors, seconds=time.perf_counter() - t)


def server_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def row(phase: str, lat: list[float], errors: list[str], seconds: float) -> dict[str, Any]:
    q = sorted(lat)
    return {
        "phase": phase,
        "answered": len(lat),
        "errors": len(errors),
        "answers_per_s": len(lat) / seconds,
        "ask_p50_s": statistics.median(q) if q else float("nan"),
        "ask_p95_s": q[int(0.95 * (len(q) - 1))] if q else float("nan"),
        "ask_max_s": q[-1] if q else float("nan"),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--adds", type=int, default=300)
    args = ap.parse_args()
    apply_offline_defaults()
    questions = [json.loads(line)["question"] for line in (EVAL / "rgb-en-fact" / "questions.jsonl").open()]
    docs = [json.loads(line) for line in (EVAL / "squad2-dev-rest" / "corpus.jsonl").open()][: args.adds]
    for i, d in enumerate(docs):
        d["title"] = d.get("title") or f"Paragraph {i}"
        d["title"] = f"{d['title']} ({i})"
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(tmp, port)
        url = f"http://127.0.0.1:{port}/"
        try:
            client(url).predict("warm up", None, api_name="/ask")
            rows = []
            lat, errors = users(url, args.users, args.seconds, questions)
            rows.append(row(f"{args.users} users", lat, errors, args.seconds))
            added: dict[str, Any] = {}
            t_add = threading.Thread(target=adder, args=(url, docs, added))
            t_add.start()
            lat, errors = users(url, args.users, args.seconds, questions)
            t_add.join()
            rows.append(row(f"{args.users} users + adding {args.adds}", lat, errors, args.seconds))
            stored = {a["id"] for a in client(url).predict(api_name="/list_articles")}
            present = sum(1 for i in added["ids"] if i in stored)
            extra = {
                "adds": args.adds,
                "added_ok": len(added["ids"]),
                "add_errors": len(added["errors"]),
                "add_error_samples": added["errors"][:3],
                "present_at_end": present,
                "adding_seconds": added["seconds"],
                "articles_per_s": len(added["ids"]) / added["seconds"],
                "ask_error_samples": errors[:3],
                "server_peak_rss_mb": server_peak_rss_mb(server.pid),
                "bench_rss_mb": peak_rss_mb(),
            }
            print(json.dumps(extra, indent=1))
            report("load", rows, extra)
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
