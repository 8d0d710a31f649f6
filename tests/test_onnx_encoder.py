"""The exported embedders (OpenVINO static int8 the default, ONNX Runtime int8 and fp32): the PyTorch
model's space, exported offline and privately, crash-safe, no torch at ask time."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import vectorstore.embedders.onnx as onnx_encoder
import vectorstore.embedders.openvino as openvino_encoder
from tests import children
from tests.helpers import ROOT, SEEDS
from vectorstore.embedders import make_embedder
from vectorstore.embedders.onnx import OnnxMiniLMEmbedder, cache_entry

pytestmark = pytest.mark.slow

SENTENCES = [
    "The Bergen tram extension cost 4.2 billion kroner.",
    "Kenya's Taifa-2 satellite was built by engineers at the University of Nairobi.",
    "Vladimir Putin and Donald Trump may meet in Saudi Arabia.",
    "Deckhands on the ferry got a pay rise of seven percent.",
    "The Blue Lagoon was evacuated after the volcano erupted.",
    "Huge crowds lined the streets of Santos to pay tribute to Pelé.",
]
QUESTIONS = [
    "How much did the Bergen tram cost?",
    "Who built the Taifa-2 satellite?",
    "Where might Trump and Putin meet?",
    "How much of a pay rise did the deckhands get?",
    "Was the Blue Lagoon evacuated?",
    "Where did crowds pay tribute to Pelé?",
]


def test_the_default_onnx_model_gives_the_pytorch_vectors(minilm: Any, minilm_torch: Any) -> None:
    assert isinstance(minilm, OnnxMiniLMEmbedder) and minilm.model == "fp32"
    a, b = minilm.embed(SENTENCES + QUESTIONS), minilm_torch.embed(SENTENCES + QUESTIONS)
    assert a.shape == b.shape == (len(SENTENCES) * 2, 384)
    assert (a * b).sum(axis=1).min() >= 0.9999


@pytest.mark.parametrize("name", ["minilm-openvino", "minilm-int8"])
def test_the_int8_vectors_match_the_pytorch_ones_and_rank_alike(
    model_cache: Path, minilm_torch: Any, name: str
) -> None:
    int8 = make_embedder(name, model_cache)
    a, b = int8.embed(SENTENCES), minilm_torch.embed(SENTENCES)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cos = (a * b).sum(axis=1)
    assert cos.min() >= 0.99, cos  # 0.994-0.997 measured (ONNX Runtime), 0.992-0.998 (OpenVINO)
    # What a user sees is the ranking: each question finds the same sentence with either backend.
    qa, qb = int8.embed(QUESTIONS), minilm_torch.embed(QUESTIONS)
    assert list((qa @ a.T).argmax(axis=1)) == list((qb @ b.T).argmax(axis=1)) == list(range(len(QUESTIONS)))


@pytest.mark.parametrize("name", ["minilm", "minilm-int8", "minilm-openvino"])
def test_a_batch_gives_each_text_the_vector_it_gets_alone(model_cache: Path, name: str) -> None:
    emb = make_embedder(name, model_cache)
    mixed = ["short", " ".join(SENTENCES * 20), *SENTENCES, *QUESTIONS]  # the long one is truncated at 256 tokens
    texts = (mixed * 20)[:40]  # enough for padded batches of mixed lengths, spread over the workers
    together = emb.embed(texts)
    alone = np.vstack([emb.embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert emb.embed([]).shape == (0, 384)


def test_the_export_works_offline_and_privately_from_the_packaged_weights(tmp_path: Path) -> None:
    """A fresh process with every network route closed exports, caches and embeds with the default model;
    NNCF's usage reports stay off (their client id would be written under ~/intel); the next process reuses
    the files and imports neither torch nor NNCF."""
    cache, home = tmp_path / "models", tmp_path / "home"
    home.mkdir()
    script = (
        "import sys; from pathlib import Path; from vectorstore.embedders.onnx import OnnxMiniLMEmbedder;"
        "import vectorstore.embedders.openvino as o; o.SHIPPED = Path(sys.argv[1]) / 'none';"  # made, not shipped
        "v = OnnxMiniLMEmbedder(Path(sys.argv[1]), model='openvino').embed(['hello world']);"
        "print(v.shape, 'torch' in sys.modules, 'nncf' in sys.modules)"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("CI", "TF_BUILD", "JENKINS_URL")},  # NNCF stays quiet in CI
        "HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    first = children.run([sys.executable, "-c", script, str(cache)], env=env, cwd=ROOT, timeout=600)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["(1,", "384)", "True", "True"]  # exporting needs torch and NNCF, once
    assert first.stderr == ""  # no progress bars or notes from the exporters
    entry = cache_entry(cache)
    assert (entry / "model-fp32.onnx").stat().st_size > 80_000_000
    assert (entry / "model-int8.onnx").stat().st_size > 10_000_000
    assert (entry / "openvino-int8" / "model.bin").stat().st_size > 10_000_000
    assert not [p for p in cache.iterdir() if p.name.startswith(".export-")]
    assert not [p for p in entry.iterdir() if p.name.startswith(".ov-")]
    assert not (home / "intel").exists()  # where NNCF's telemetry keeps its client id and consent: it never ran
    second = children.run([sys.executable, "-c", script, str(cache)], env=env, cwd=ROOT)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["(1,", "384)", "False", "False"]  # the cached model only


def test_a_cache_the_default_used_first_still_takes_the_onnx_export(tmp_path: Path) -> None:
    """The shipped OpenVINO model keeps its compiled form in the cache entry (CACHE_DIR), so the entry
    exists before any ONNX export; the export (``minilm-int8``, or the background measurement of the
    backends) must still land there (it failed: "Directory not empty", and the measurement with it)."""
    cache = tmp_path / "models"
    OnnxMiniLMEmbedder(cache, model="openvino").embed(["x"])  # the default's first use
    assert (cache_entry(cache) / "openvino-compiled").is_dir()
    assert OnnxMiniLMEmbedder(cache, model="int8").embed(["x"]).shape == (1, 384)
    assert (cache_entry(cache) / "model-int8.onnx").exists() and (cache_entry(cache) / "openvino-compiled").is_dir()
    assert OnnxMiniLMEmbedder(cache, model="fp32").prepared
    assert not [p for p in cache.iterdir() if p.name.startswith(".export-")]


def test_an_export_that_fails_half_way_leaves_nothing_in_the_cache(tmp_path: Path, monkeypatch: Any) -> None:
    import onnxruntime.quantization as q

    def crash(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("killed mid-quantisation")

    monkeypatch.setattr(q, "quantize_dynamic", crash)
    with pytest.raises(RuntimeError, match="killed"):
        OnnxMiniLMEmbedder(tmp_path / "models").embed(["x"])
    assert list((tmp_path / "models").iterdir()) == []
    monkeypatch.undo()
    assert OnnxMiniLMEmbedder(tmp_path / "models").embed(["x"]).shape == (1, 384)
    assert onnx_encoder.cache_entry(tmp_path / "models").is_dir()


def test_an_openvino_export_that_fails_half_way_leaves_nothing_in_the_cache(
    tmp_path: Path, monkeypatch: Any, minilm: Any, model_cache: Path
) -> None:
    import nncf

    entry = cache_entry(tmp_path / "models")
    entry.mkdir(parents=True)
    shutil.copy(cache_entry(model_cache) / "model-fp32.onnx", entry)  # the ONNX export is tested above

    def crash(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("killed mid-quantisation")

    monkeypatch.setattr(nncf, "quantize", crash)
    monkeypatch.setattr(openvino_encoder, "SHIPPED", tmp_path / "none")  # made here, not the shipped one
    with pytest.raises(RuntimeError, match="killed"):
        OnnxMiniLMEmbedder(tmp_path / "models", model="openvino").embed(["x"])
    assert [p.name for p in entry.iterdir()] == ["model-fp32.onnx"]
    monkeypatch.undo()
    monkeypatch.setattr(openvino_encoder, "SHIPPED", tmp_path / "none")
    v = OnnxMiniLMEmbedder(tmp_path / "models", model="openvino").embed(SENTENCES)
    assert (v * minilm.embed(SENTENCES)).sum(axis=1).min() >= 0.99
    assert (entry / "openvino-int8" / "model.xml").is_file()


@pytest.mark.parametrize("missing", ["nncf", "openvino"])
def test_a_missing_openvino_package_gets_an_error_that_says_how_to_install_it(
    tmp_path: Path, monkeypatch: Any, minilm: Any, model_cache: Path, missing: str
) -> None:
    from vectorstore.errors import ConfigError

    entry = cache_entry(tmp_path / "models")
    entry.mkdir(parents=True)
    shutil.copy(cache_entry(model_cache) / "model-fp32.onnx", entry)
    monkeypatch.setattr(openvino_encoder, "SHIPPED", tmp_path / "none")  # to be made here, not shipped
    monkeypatch.setitem(sys.modules, missing, None)  # `import missing` fails as if not installed
    with pytest.raises(ConfigError, match=rf"needs {missing}: run `make install`"):
        OnnxMiniLMEmbedder(tmp_path / "models", model="openvino").embed(["x"])
    assert [p.name for p in entry.iterdir()] == ["model-fp32.onnx"]


def test_ask_from_a_cold_process_does_not_import_torch(tmp_path: Path, minilm: Any, model_cache: Path) -> None:
    """`newsrag ask` loads only what answering needs: the cached ONNX model, not PyTorch."""
    env = {**os.environ, "NEWSRAG_DATA_DIR": str(tmp_path / "data"), "NEWSRAG_SEEDS_DIR": str(SEEDS),
           "NEWSRAG_MODEL_CACHE": str(model_cache)}  # fmt: skip
    script = (
        "import sys; from ui.cli import main; sys.argv = ['newsrag', '-q', 'ask', 'Where might Trump and Putin meet?'];"
        "import atexit; atexit.register(lambda: print('TORCH' if 'torch' in sys.modules else 'NO-TORCH'));"
        "main()"
    )
    out = children.run([sys.executable, "-c", script], env=env, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "[1]" in out.stdout  # a cited answer from the seed article
    assert out.stdout.strip().endswith("NO-TORCH")


def test_a_server_loads_the_model_before_its_first_question(tmp_path: Path, model_cache: Path) -> None:
    """`newsrag serve` warms up before it opens: the first visitor's question finds the
    model loaded (it sat 8 s on "…" while the model loaded)."""
    from rag.service import NewsRAG
    from rag.settings import Settings

    encoder = make_embedder("minilm", model_cache)
    svc = NewsRAG.build(Settings(data_dir=tmp_path / "data", seeds_dir=SEEDS), embedder=encoder)
    assert encoder._infer is None  # nothing is loaded by building the service
    svc.warm_up()
    assert encoder._infer is not None
