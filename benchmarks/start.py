"""Seconds from `newsrag serve` to the first answered question, cold (new store:
the seed is indexed first) and warm (the store exists); the very first `newsrag ask`
(a new folder and a new model cache: the model prepared, the seed indexed) with the
default embedder and with the one it replaced; and `newsrag ask` from a new process to
its printed answer, per embedding backend (median of 5).

    .venv/bin/python benchmarks/start.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import NEWSRAG, ROOT, report
from ui.offline import apply_offline_defaults


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def time_to_first_answer(data_dir: str) -> float:
    from gradio_client import Client

    port = free_port()
    env = {**os.environ, "NEWSRAG_DATA_DIR": data_dir, "NEWSRAG_SEEDS_DIR": str(ROOT / "seeds")}
    t0 = time.perf_counter()
    proc = subprocess.Popen([NEWSRAG, "-q", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while time.perf_counter() - t0 < 120:
            try:
                client = Client(f"http://127.0.0.1:{port}/", verbose=False)
                answer = client.predict("Where might Trump and Putin meet?", None, api_name="/ask")
                assert answer["citations"], answer
                return time.perf_counter() - t0
            except (OSError, ValueError, ConnectionError, Exception):  # not up yet
                time.sleep(0.2)
        raise TimeoutError("the UI did not answer within 120 s")
    finally:
        proc.terminate()
        proc.wait(20)


def ask_seconds(data_dir: str, embedder: str, runs: int = 5) -> float:
    """Median wall time of `newsrag ask` from a new process to the printed answer (store and model cache exist)."""
    env = {**os.environ, "NEWSRAG_DATA_DIR": data_dir, "NEWSRAG_SEEDS_DIR": str(ROOT / "seeds"),
           "NEWSRAG_EMBEDDER": embedder}  # fmt: skip
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run([NEWSRAG, "-q", "ask", "Where might Trump and Putin meet?"], env=env, capture_output=True,
                           text=True)  # fmt: skip
        times.append(time.perf_counter() - t)
        if p.returncode != 0 or "Saudi Arabia" not in p.stdout:
            raise RuntimeError(f"`newsrag ask` with {embedder} failed (exit {p.returncode}): {p.stderr[-1500:]}")
    return sorted(times)[len(times) // 2]


def first_ask_seconds(embedder: str) -> float:
    """`newsrag ask` in a new folder with a new model cache, to its printed answer."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NEWSRAG_DATA_DIR": tmp, "NEWSRAG_SEEDS_DIR": str(ROOT / "seeds"),
               "NEWSRAG_MODEL_CACHE": f"{tmp}/models", "NEWSRAG_EMBEDDER": embedder}  # fmt: skip
        t = time.perf_counter()
        subprocess.run([NEWSRAG, "-q", "ask", "Where might Trump and Putin meet?"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        return time.perf_counter() - t


def main() -> None:
    apply_offline_defaults()
    rows = []
    for embedder in ("minilm-openvino", "minilm-auto"):
        rows.append({"start": f"first `newsrag ask` (new folder and model cache), {embedder}",
                     "seconds": first_ask_seconds(embedder)})  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        rows.append({"start": "serve, cold (indexes seeds)", "seconds": time_to_first_answer(tmp)})
        rows.append({"start": "serve, warm", "seconds": time_to_first_answer(tmp)})
        for embedder in ("minilm-torch", "minilm-int8", "minilm-openvino", "minilm-auto"):
            ask_seconds(tmp, embedder, runs=1)  # the first makes the ONNX export
            rows.append({"start": f"`newsrag ask`, new process, {embedder}", "seconds": ask_seconds(tmp, embedder)})
    from vectorstore.embedders.choose import cpu_signature

    cpu = cpu_signature()
    print(f"CPU: {cpu['model']}, {cpu['cores']} cores; {' '.join(cpu['flags'])}")
    report("start", rows, {"cpu": cpu})


if __name__ == "__main__":
    main()
