"""The default embedder picks the fastest backend for the CPU it runs on, measured once per CPU
(vectorstore/embedders/choose.py): fakes for the logic, the real backends for the choice."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vectorstore.embedders import make_embedder
from vectorstore.embedders.choose import CHOICE_FILE, FIRST, MIN_COSINE, ChosenMiniLM, cpu_signature, read_choice

INTEL = {"model": "Intel Xeon", "flags": ["avx2", "avx512f", "avx512_vnni"], "cores": 2}
AMD = {"model": "AMD EPYC", "flags": ["avx2", "fma"], "cores": 2}


class Fake:
    """A backend: the reference's vectors (or skewed ones), at a cost per call."""

    space, dim = "minilm", 8

    def __init__(self, name: str, seconds: float, skew: float = 0.0) -> None:
        self.name, self.seconds, self.skew, self.calls = name, seconds, skew, 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        time.sleep(self.seconds)  # the backend's cost per call, not a wait for anything
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(self.dim) for t in texts]
        v = np.array(rows, dtype=np.float32)
        if self.skew:
            v = v + self.skew * np.random.default_rng(7).standard_normal(v.shape).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def backends(**speeds: Any) -> dict[str, Fake]:
    openvino = Fake("minilm-openvino", speeds.get("openvino", 0.01), speeds.get("skew", 0.0))
    return {"minilm": Fake("minilm", 0.05), "minilm-int8": Fake("minilm-int8", speeds.get("int8", 0.02)),
            "minilm-openvino": openvino}  # fmt: skip


def test_the_fastest_backend_whose_vectors_stay_close_is_kept_with_the_cpu(tmp_path: Path) -> None:
    fakes = backends(openvino=0.0, int8=0.02)
    emb = ChosenMiniLM(tmp_path, fakes.__getitem__, cpu=lambda: INTEL)
    assert not emb.measured and emb.chosen == FIRST  # before measuring: the shipped one, nothing measured
    emb.embed(["a question"])
    assert fakes["minilm-int8"].calls == 0 and not (tmp_path / CHOICE_FILE).exists()
    emb.measure()
    assert emb.chosen == "minilm-openvino"
    record = json.loads((tmp_path / CHOICE_FILE).read_text())
    assert record["cpu"] == INTEL and record["chosen"] == "minilm-openvino"
    assert {m["backend"] for m in record["measured"]} == {"minilm", "minilm-int8", "minilm-openvino"}
    assert all(m["min_cosine"] >= MIN_COSINE and m["passages_per_s"] > 0 for m in record["measured"])
    # read, not measured again, by the next process on this CPU
    again = backends(openvino=0.0)
    second = ChosenMiniLM(tmp_path, again.__getitem__, cpu=lambda: INTEL)
    second.embed(["q"])
    assert second.measured and second.chosen == "minilm-openvino" and again["minilm-int8"].calls == 0


def test_the_next_start_uses_the_backend_measured_fastest(tmp_path: Path) -> None:
    ChosenMiniLM(tmp_path, backends(openvino=0.08, int8=0.0).__getitem__, cpu=lambda: AMD).measure()
    fakes = backends(openvino=0.08, int8=0.0)
    nxt = ChosenMiniLM(tmp_path, fakes.__getitem__, cpu=lambda: AMD)
    nxt.embed(["q"])
    assert nxt.chosen == "minilm-int8" and fakes["minilm-int8"].calls == 1 and fakes["minilm-openvino"].calls == 0


def test_on_another_cpu_it_is_measured_again(tmp_path: Path) -> None:
    ChosenMiniLM(tmp_path, backends(openvino=0.0).__getitem__, cpu=lambda: INTEL).measure()
    amd = ChosenMiniLM(tmp_path, backends(openvino=0.08, int8=0.0).__getitem__, cpu=lambda: AMD)
    assert not amd.measured and amd.chosen == FIRST  # the Intel's choice is not the AMD's
    assert amd.measure()["chosen"] == "minilm-int8"  # OpenVINO is the slow one there
    assert read_choice(tmp_path, AMD)["chosen"] == "minilm-int8" and read_choice(tmp_path, INTEL) is None


def test_a_fast_backend_whose_vectors_drift_is_not_chosen(tmp_path: Path) -> None:
    emb = ChosenMiniLM(tmp_path, backends(openvino=0.0, skew=2.0).__getitem__, cpu=lambda: INTEL)
    assert emb.measure()["chosen"] == "minilm-int8"
    drifted = next(m for m in emb.record["measured"] if m["backend"] == "minilm-openvino")  # type: ignore[index]
    assert drifted["min_cosine"] < MIN_COSINE


def test_a_damaged_choice_file_is_no_choice(tmp_path: Path) -> None:
    (tmp_path / CHOICE_FILE).write_text("{not json")
    emb = ChosenMiniLM(tmp_path, backends(int8=0.0, openvino=0.03).__getitem__, cpu=lambda: INTEL)
    assert not emb.measured and emb.chosen == FIRST and emb.measure()["chosen"] == "minilm-int8"


def test_this_cpu_s_signature_names_its_instruction_sets() -> None:
    cpu = cpu_signature()
    assert cpu["model"] != "unknown" and "avx2" in cpu["flags"] and cpu["cores"] >= 1


@pytest.mark.slow
def test_the_real_backends_are_measured_and_the_choice_is_one_of_them(model_cache: Path) -> None:
    emb = make_embedder("minilm-auto", model_cache)
    assert emb.measure()["chosen"] in {"minilm-openvino", "minilm-int8", "minilm"}  # type: ignore[attr-defined]
    record = read_choice(model_cache, cpu_signature())
    assert record is not None
    measured = {m["backend"]: m for m in record["measured"]}
    assert set(measured) == {"minilm-openvino", "minilm-int8", "minilm"}
    assert measured["minilm"]["min_cosine"] > 0.9999  # the reference itself
    chosen = measured[record["chosen"]]
    assert chosen["min_cosine"] >= MIN_COSINE
    fastest = max(m["passages_per_s"] for m in measured.values() if m["min_cosine"] >= MIN_COSINE)
    assert chosen["passages_per_s"] >= fastest * 0.9  # the fastest, or within the tie
    nxt = make_embedder("minilm-auto", model_cache)
    vec = nxt.embed(["Who is Putin's spokesman?"])
    assert nxt.chosen == record["chosen"]  # type: ignore[attr-defined]
    ref = make_embedder("minilm", model_cache).embed(["Who is Putin's spokesman?"])
    assert float(vec[0] @ ref[0]) >= MIN_COSINE


@pytest.mark.slow
def test_the_shipped_openvino_model_is_the_one_the_export_makes(tmp_path: Path) -> None:
    """A first start uses the shipped model: it must be exactly what this checkout's export makes."""
    import hashlib

    import vectorstore.embedders.openvino as openvino_encoder
    from vectorstore.embedders.onnx import RECIPE, OnnxMiniLMEmbedder, cache_entry, weights_version

    shipped = openvino_encoder.shipped(weights_version(), RECIPE)
    assert shipped is not None, "the shipped model is for other weights or another recipe: make it again"
    fresh = OnnxMiniLMEmbedder(tmp_path, "fp32")
    fresh.embed(["export"])  # the fp32 export, as a first start without the shipped model would make it
    made = openvino_encoder.export(cache_entry(tmp_path) / "model-fp32.onnx",
                                   lambda texts: [fresh._feed([e]) for e in fresh._tokenizer.encode_batch(texts)],
                                   cache_entry(tmp_path))  # fmt: skip
    weights = [hashlib.sha256((p.parent / "model.bin").read_bytes()).hexdigest() for p in (shipped, made)]
    assert weights[0] == weights[1]
    # the graph too, but for the names OpenVINO numbers from a counter of the process ("Constant_239316",
    # "Constant_473_1")
    graphs = [re.sub(r'name="([A-Za-z]+)(?:_\d+)+"', r'name="\1"', p.read_text()) for p in (shipped, made)]
    assert graphs[0] == graphs[1]


def test_a_first_start_prepares_nothing_for_the_default_embedder(tmp_path: Path) -> None:
    emb = make_embedder("minilm-auto", tmp_path / "empty-cache")
    assert emb.prepared  # type: ignore[attr-defined]  # the shipped OpenVINO model: no export, no "Preparing"


def test_passages_within_a_tenth_of_the_fastest_are_a_tie_the_question_s_latency_breaks() -> None:
    from vectorstore.embedders.choose import Measured, pick

    ov, i8, fp = (Measured("minilm-openvino", 106.8, 5.9, 0.983), Measured("minilm-int8", 100.1, 4.1, 0.989),
                  Measured("minilm", 41.1, 12.1, 1.0))  # fmt: skip
    assert pick([ov, i8, fp]) == "minilm-int8"  # this machine's figures: a tie on passages, int8 quicker on questions
    assert pick([Measured("minilm-openvino", 130.0, 5.9, 0.983), i8, fp]) == "minilm-openvino"  # a clear lead
    assert pick([Measured("minilm-int8", 0.0, 0.0, 0.0, error="no runtime"), fp]) == "minilm"


def test_a_server_measures_an_unmeasured_cpu_in_the_background_once(tmp_path: Path) -> None:
    from rag.service import NewsRAG
    from rag.settings import Settings
    from tests.helpers import SEEDS

    fakes = backends(openvino=0.05, int8=0.0)
    chooser = ChosenMiniLM(tmp_path / "models", fakes.__getitem__, cpu=lambda: AMD)
    svc = NewsRAG.build(Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS, min_score=-1.0), embedder=chooser)
    thread = svc.measure_encoder(nice=0)  # (at 19, a loaded machine could leave it waiting past the join)
    assert thread is not None
    thread.join(120)
    assert not thread.is_alive() and read_choice(tmp_path / "models", AMD)["chosen"] == "minilm-int8"
    assert svc.measure_encoder() is None  # kept: not measured again
    assert chooser.chosen == "minilm-int8"  # (the next start loads it; this one keeps what it loaded)


@pytest.mark.slow
def test_openvino_keeps_its_compiled_model_for_the_next_process(tmp_path: Path) -> None:
    from vectorstore.embedders.onnx import cache_entry

    make_embedder("minilm-openvino", tmp_path).embed(["Who is Putin's spokesman?"])
    kept = list((cache_entry(tmp_path) / "openvino-compiled").glob("*.blob"))
    assert kept, "no compiled model kept: every process would compile it again (1.3 s here)"
