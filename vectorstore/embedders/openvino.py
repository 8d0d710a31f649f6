"""all-MiniLM-L6-v2 in static int8 on OpenVINO: the default embedder's model, made and run.

Made once from the fp32 ONNX export (:mod:`vectorstore.embedders.onnx`) by NNCF's post-training
quantisation, calibrated on 300 shipped passages (``data/calibration.jsonl``, from
squad2-dev-rest, the set kept for fitting): activation ranges are fixed there, so unlike ONNX
Runtime's dynamic int8 no per-call scaling is computed, and a text's vector does not depend on
what it is run with.  ``ModelType.TRANSFORMER`` keeps the parts of a transformer that int8 hurts
in fp32 (and applies SmoothQuant); ``OverflowFix.ENABLE`` uses 7-bit weights in every layer, so
CPUs without VNNI instructions cannot saturate and every x86-64 CPU computes the same model.

Run with ``INFERENCE_PRECISION_HINT=f32``: what int8 leaves in fp32 stays fp32 on every CPU
(OpenVINO would otherwise pick bf16 where the CPU has it).  Measured on these 2 cores: on
passages the raw encoder runs about 1.4x ONNX Runtime's dynamic int8 (on short texts they are
alike), with vectors as close to fp32's.

NNCF reports usage to Google Analytics unless ``openvino_telemetry`` cannot be imported; the
export makes sure it cannot, so nothing leaves the machine.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import sys
import tempfile
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore.embedders.minilm import Infer

log = logging.getLogger(__name__)

CALIBRATION = Path(__file__).parent.parent / "data" / "calibration.jsonl"
FOLDER = "openvino-int8"  # inside the ONNX cache entry, next to the model it is made from
# The model as this export makes it, shipped: a first start needs neither PyTorch nor NNCF (about
# 40 s here).  Used only for the weights and recipe it was made from (made.json).
SHIPPED = Path(__file__).parent.parent / "data" / "minilm-openvino-int8"
MODEL = "model.xml"  # with model.bin beside it
BUCKET = 16  # inputs are padded to a multiple of this many tokens (see load)


def _no_telemetry() -> None:
    """Make ``import openvino_telemetry`` fail in this process: NNCF then sends nothing."""
    if "openvino_telemetry" not in sys.modules:
        sys.modules["openvino_telemetry"] = None  # type: ignore[assignment]


def shipped(weights: str, recipe: int) -> Path | None:
    """The shipped model, when it was made from these weights by this recipe; else None."""
    try:
        made = json.loads((SHIPPED / "made.json").read_text())
    except (OSError, ValueError):
        return None
    ok = made.get("weights") == weights and made.get("recipe") == recipe and (SHIPPED / MODEL).exists()
    return SHIPPED / MODEL if ok else None


def export(fp32_onnx: Path, tokenize: Callable[[list[str]], list[dict[str, np.ndarray]]], entry: Path) -> Path:
    """Quantise ``fp32_onnx`` into ``entry/openvino-int8`` atomically (a crash leaves no half model there)."""
    _no_telemetry()
    import nncf
    import openvino as ov
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters, OverflowFix

    nncf.set_log_level(logging.ERROR)  # its progress and notes are not the user's business
    dest = entry / FOLDER
    work = Path(tempfile.mkdtemp(prefix=".ov-", dir=entry))
    try:
        texts = [json.loads(line) for line in CALIBRATION.read_text(encoding="utf-8").splitlines() if line]
        model = ov.Core().read_model(str(fp32_onnx))
        with open(os.devnull, "w") as sink, redirect_stdout(sink), redirect_stderr(sink):  # NNCF's progress bars
            quantized = nncf.quantize(
                model,
                nncf.Dataset(tokenize(texts)),
                model_type=nncf.ModelType.TRANSFORMER,
                subset_size=len(texts),
                advanced_parameters=AdvancedQuantizationParameters(overflow_fix=OverflowFix.ENABLE),
            )
        ov.save_model(quantized, str(work / MODEL))
        try:
            os.rename(work, dest)
        except OSError:
            if not (dest / MODEL).exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest / MODEL


def load(model: Path, workers: int, compiled_cache: Path | None = None) -> Infer:
    """A function running the model on one input; ``workers`` callers run at once, each on one core, and
    more wait their turn.

    OpenVINO keeps compiled kernels and buffers for every input shape it has run: texts of every length
    from 3 to 256 tokens took a process from 200 MB to 1.7 GB.  Inputs are padded to a multiple of
    ``BUCKET`` tokens, so at most 16 shapes are ever seen (430 MB); the padding costs about 5% of the
    work of a 160-token passage.  ``compiled_cache``: where OpenVINO keeps the compiled model (its
    ``CACHE_DIR``; it compiles again for another CPU or version).
    """
    import openvino as ov

    config: dict[str, Any] = {"INFERENCE_NUM_THREADS": workers, "NUM_STREAMS": workers,
                              "INFERENCE_PRECISION_HINT": "f32"}  # fmt: skip
    if compiled_cache is not None:  # the compiled model kept: a new process loads it in 0.15 s, not 1.3 s
        compiled_cache.mkdir(parents=True, exist_ok=True)
        config["CACHE_DIR"] = str(compiled_cache)
    compiled = ov.Core().compile_model(str(model), "CPU", config)
    idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
    # One inference per request here, on the loading thread, before any caller can run two at once.
    # OpenVINO's Python binding builds function-local statics on the first inference of a process
    # (``data_dispatcher`` -> ``Type.to_dtype``); two threads doing that first inference together
    # deadlocked on the static's guard and the GIL (pybind11's documented trap): 4 of 30 cold
    # processes hung.  After this, no static is left to build (tests/test_cold_start.py).
    ids = np.ones((1, BUCKET), dtype=np.int64)
    warm = {"input_ids": ids, "attention_mask": ids.copy(), "token_type_ids": np.zeros_like(ids)}
    for _ in range(workers):
        request = compiled.create_infer_request()
        request.infer(warm, share_inputs=True)
        idle.put(request)

    def infer(feed: dict[str, np.ndarray]) -> np.ndarray:
        width = feed["input_ids"].shape[1]
        extra = -width % BUCKET  # padding: masked out, it changes no vector (cosine 1.000000, measured)
        if extra:
            feed = {name: np.pad(a, ((0, 0), (0, extra))) for name, a in feed.items()}
        request = idle.get()
        try:
            hidden = request.infer(feed, share_inputs=True)[0]  # a copy (outputs are not shared)
        finally:
            idle.put(request)
        return np.asarray(hidden)[:, :width]

    return infer
