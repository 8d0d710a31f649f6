"""Embedders: the seam, the real MiniLM model, and a registry by name.

The room: this module (the ``Embedder`` Protocol, the registry, PyTorch's and the hash
embedders), ``minilm.py`` (the packaged weights, the runtimes' call), ``onnx.py`` (ONNX Runtime,
fp32 and int8), ``openvino.py`` (static int8) and ``choose.py`` (the fastest of them on this CPU,
measured once: the default).  It imports only the errors.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from vectorstore.embedders.minilm import minilm_path
from vectorstore.errors import ConfigError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text).  ``space`` names the vector
    space they are in: embedders of one space (MiniLM on OpenVINO, ONNX Runtime or PyTorch) can
    share a store, and weights fitted on similarities are chosen by it.  It is not the registry
    key a user sets (``NEWSRAG_EMBEDDER``): several keys give one space."""

    space: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class Remembering:
    """An embedder that keeps the vectors of the last ``size`` texts it embedded alone: a
    question is embedded by retrieval, then again by an answerer that compares sentences to it."""

    def __init__(self, inner: Embedder, size: int = 64) -> None:
        self.inner = inner
        self.space, self.dim = inner.space, inner.dim
        self.size = size
        self._seen: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def prepared(self) -> bool:
        """The inner embedder's (an embedder with nothing to export is always prepared)."""
        return bool(getattr(self.inner, "prepared", True))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) != 1:
            return self.inner.embed(texts)
        with self._lock:
            vec = self._seen.get(texts[0])
            if vec is not None:
                self._seen.move_to_end(texts[0])
                return vec[None, :].copy()
        vec = self.inner.embed(texts)[0]
        with self._lock:
            self._seen[texts[0]] = vec
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
        return vec[None, :].copy()


class MiniLMEmbedder:
    """sentence-transformers/all-MiniLM-L6-v2, loaded from its package, offline."""

    space = "minilm"
    dim = 384

    def __init__(self, batch_size: int = 32, device: str = "cpu") -> None:
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # progress is the edge's business

            path = minilm_path()
            log.info("loading embedding model from %s", path)
            self._model = SentenceTransformer(str(path), device=self.device)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)


class HashEmbedder:
    """Deterministic bag-of-words vectors seeded by a hash of each word.

    No model, no download: texts sharing words get similar vectors.  For fast
    tests of logic and for trying the pipeline; never for real answers.
    """

    space = "hash"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def _word(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            words = [w.strip(".,;:!?\"'()[]").lower() for w in text.split()]
            for w in filter(None, words):
                out[i] += self._word(w)
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else self._word("\0empty")
            out[i] /= np.linalg.norm(out[i])
        return out


def _onnx_minilm(cache_dir: Path, model: str = "fp32") -> Embedder:
    from vectorstore.embedders.onnx import OnnxMiniLMEmbedder

    return OnnxMiniLMEmbedder(cache_dir, model=model)


@dataclass(frozen=True)
class EmbedderChoice:
    """A registry entry: the space its vectors are in, and how to make it (given the folder where
    it may cache what it derives from its model)."""

    space: str
    make: Callable[[Path], Embedder]


def _chosen_minilm(cache_dir: Path) -> Embedder:
    from vectorstore.embedders.choose import ChosenMiniLM

    return ChosenMiniLM(cache_dir, lambda name: make_embedder(name, cache_dir))


EMBEDDERS: dict[str, EmbedderChoice] = {  # the first of a space is the one suggested for it
    "minilm-auto": EmbedderChoice("minilm", _chosen_minilm),  # the default: the fastest here (choose.py)
    "minilm-openvino": EmbedderChoice("minilm", lambda cache: _onnx_minilm(cache, "openvino")),  # static int8
    "minilm-int8": EmbedderChoice("minilm", lambda cache: _onnx_minilm(cache, "int8")),  # dynamic int8, ONNX Runtime
    "minilm": EmbedderChoice("minilm", _onnx_minilm),  # fp32 on ONNX Runtime: PyTorch's vectors
    "minilm-torch": EmbedderChoice("minilm", lambda _cache: MiniLMEmbedder()),  # the same model in PyTorch
    "hash": EmbedderChoice("hash", lambda _cache: HashEmbedder()),
}


def embedders_of(space: str) -> list[str]:
    """The registry keys (``NEWSRAG_EMBEDDER`` values) whose vectors are in ``space``."""
    return [key for key, choice in EMBEDDERS.items() if choice.space == space]


def make_embedder(name: str, cache_dir: Path = Path("data") / "models") -> Embedder:
    try:
        choice = EMBEDDERS[name]
    except KeyError:
        raise ConfigError(
            f"Unknown embedder {name!r}. Choose one of: {', '.join(sorted(EMBEDDERS))} (NEWSRAG_EMBEDDER)."
        ) from None
    return choice.make(cache_dir)
