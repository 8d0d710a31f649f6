"""Seconds from `newsrag serve` to the first answered question, cold (new store:
the seed is indexed first) and warm (the store exists).

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


def main() -> None:
    apply_offline_defaults()
    with tempfile.TemporaryDirectory() as tmp:
        cold = time_to_first_answer(tmp)
        warm = time_to_first_answer(tmp)
    report("start", [{"start": "cold (indexes seeds)", "seconds": cold}, {"start": "warm", "seconds": warm}])


if __name__ == "__main__":
    main()
