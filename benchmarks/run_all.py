"""`make bench`: run every benchmark; each prints a table and writes bench-results/NAME.json."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    for script in ("ingest.py", "ask.py", "start.py", "load.py", "api_latency.py"):
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script)], check=True)
