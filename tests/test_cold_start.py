"""The default embedder in many fresh processes: none may hang.

OpenVINO's Python binding builds function-local statics on the first inference of a
process; two threads making that first inference together deadlocked (the static's guard
against the GIL): 4 of 30 cold `newsrag` processes hung, and CI with them.  Each child here
loads the model and then starts every worker's first inference at the same instant (a
barrier), the worst case of what `embed` does; without the warm-up in
``openvino_encoder.load`` about one child in four hung (4 of 16, measured).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import vectorstore.embedders.openvino as openvino_encoder
from tests import children
from tests.helpers import ROOT
from vectorstore.embedders import make_embedder
from vectorstore.embedders.onnx import RECIPE, cache_entry, weights_version

pytestmark = pytest.mark.slow

CHILD = """
import sys, threading
from pathlib import Path
import numpy as np
import vectorstore.embedders.openvino as openvino_encoder
from vectorstore.embedders.onnx import cache_entry

workers = 8
infer = openvino_encoder.load(Path(sys.argv[1]), workers)
ids = np.ones((1, 20), dtype=np.int64)
feed = {"input_ids": ids, "attention_mask": ids.copy(), "token_type_ids": np.zeros_like(ids)}
start = threading.Barrier(workers)
shapes = []

def first_inference():
    start.wait()
    shapes.append(infer(dict(feed)).shape)

threads = [threading.Thread(target=first_inference) for _ in range(workers)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(shapes), shapes[0])
"""
PROCESSES = 16  # two at a time; without the fix the chance that none hangs is about 1%
LIMIT = 60.0  # seconds a child may take (it needs about 2)


@pytest.fixture(scope="module")
def openvino_model(model_cache: Path) -> Path:
    """The model the default loads: the shipped one, else the one made once into the session's cache."""
    make_embedder("minilm-openvino", model_cache).embed(["warm up"])
    shipped = openvino_encoder.shipped(weights_version(), RECIPE)
    return shipped or cache_entry(model_cache) / openvino_encoder.FOLDER / openvino_encoder.MODEL


def start(model: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(model)], cwd=ROOT, env=children.child_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def test_cold_processes_whose_workers_start_inferring_at_once_never_hang(openvino_model: Path) -> None:
    for _ in range(PROCESSES // 2):
        procs = [start(openvino_model) for _ in range(2)]
        try:
            for p in procs:
                try:
                    out, err = p.communicate(timeout=LIMIT)
                except subprocess.TimeoutExpired:
                    children.fail_hung(p, "a cold process's first inferences", LIMIT)
                assert p.returncode == 0, err
                assert out.split() == ["8", "(1,", "20,", "384)"], out
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
