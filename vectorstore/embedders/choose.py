"""The fastest MiniLM backend for the CPU it runs on (``minilm-auto``, the default embedder).

OpenVINO's static int8 was the fastest on a CPU with AVX-512 VNNI and the slowest on an AMD with
AVX2 only (as slow as PyTorch), where ONNX Runtime's dynamic int8 ran twice as fast: no choice
fits every CPU.  A first start uses OpenVINO's (shipped: nothing to prepare); then, once per CPU
(``newsrag serve`` does it in the background, at low priority), each backend that can run here
embeds the same 64 shipped passages (``data/calibration.jsonl``) and 8 questions; a backend whose
vectors are not within cosine ``MIN_COSINE`` of fp32's (every text) is out; the fastest on the
passages is kept (of those within 10% of it, the fastest on a question), with the CPU it was
measured on and every figure, in ``encoder-choice.json`` in the model cache.  On another CPU (a
copied cache, a moved disk) it is measured again.  All the backends are one vector space, so a
store never needs re-embedding.  ``NEWSRAG_EMBEDDER`` still forces one.

One backend serves both passages and questions: a question's latency is measured and kept too
(each backend is loaded once; a second one for questions would cost its load and memory at every
start for a few milliseconds).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

CANDIDATES = ("minilm-openvino", "minilm-int8", "minilm")  # one space; "minilm" (fp32) is the reference
REFERENCE = "minilm"
MIN_COSINE = 0.98
TIE = 0.10  # passages a second this close to the fastest's count as a tie (this machine's run-to-run noise: 5%)
CHOICE_FILE = "encoder-choice.json"
FIRST = "minilm-openvino"  # in use until this CPU is measured: its model is shipped (fastest on VNNI CPUs)
PASSAGES = 64
QUESTIONS = (
    "Where might Trump and Putin meet?", "Who is Putin's spokesman?", "How much did the Bergen tram cost?",
    "Which country won the 2022 World Cup?", "When did the strike end?", "What is the latest death toll?",
    "Who built Kenya's Taifa-2 satellite?", "What happened last week?",
)  # fmt: skip
# the instruction sets that decide which backend is fastest (the rest of the CPU's flags do not)
ISA_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16",
             "amx_int8", "amx_bf16")  # fmt: skip
CALIBRATION = Path(__file__).parent.parent / "data" / "calibration.jsonl"


class Embedder(Protocol):
    space: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def cpu_signature(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, Any]:
    """The CPU as the choice depends on it: its model name and instruction sets, and its cores."""
    model, flags = "unknown", set[str]()
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown":
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return {"model": model, "flags": [f for f in ISA_FLAGS if f in flags], "cores": cores}


@dataclass(frozen=True)
class Measured:
    backend: str
    passages_per_s: float
    question_ms: float  # the median of embedding one question
    min_cosine: float  # to fp32's vectors, over every text
    error: str = ""  # why it could not run here

    @property
    def usable(self) -> bool:
        return not self.error and self.min_cosine >= MIN_COSINE


def sample() -> tuple[list[str], list[str]]:
    lines = CALIBRATION.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:PASSAGES] if line], list(QUESTIONS)


def measure(make: Callable[[str], Embedder], passages: Sequence[str], questions: Sequence[str],
            candidates: Sequence[str] = CANDIDATES) -> list[Measured]:  # fmt: skip
    """Each candidate's speed on the same texts, and its vectors' distance to fp32's."""
    reference = make(REFERENCE)
    texts = [*passages, *questions]
    ref = reference.embed(texts)
    out = []
    for name in candidates:
        try:
            emb = reference if name == REFERENCE else make(name)
            emb.embed(list(passages[:4]))  # loaded (and prepared, once) outside the timing
            vecs = emb.embed(texts)
            start = time.perf_counter()
            emb.embed(list(passages))
            rate = len(passages) / (time.perf_counter() - start)
            times = []
            for q in questions:
                start = time.perf_counter()
                emb.embed([q])
                times.append((time.perf_counter() - start) * 1000)
            cosine = float(np.min(np.sum(vecs * ref, axis=1)))
            out.append(Measured(name, round(rate, 1), round(statistics.median(times), 2), round(cosine, 4)))
        except Exception as e:  # a backend that cannot run on this machine is left out, and said why
            log.warning("the %s embedder cannot run here: %s", name, e)
            out.append(Measured(name, 0.0, 0.0, 0.0, error=f"{type(e).__name__}: {e}"))
    return out


def pick(measured: Sequence[Measured]) -> str:
    """The fastest on passages; among those within ``TIE`` of it, the fastest on a question (what a
    user waits on; a raw encoder's lead under ``TIE`` did not survive ingestion's other work here)."""
    usable = [m for m in measured if m.usable]
    if not usable:
        return REFERENCE
    best = max(m.passages_per_s for m in usable)
    return min((m for m in usable if m.passages_per_s >= best * (1 - TIE)), key=lambda m: m.question_ms).backend


def read_choice(cache_dir: Path, cpu: dict[str, Any]) -> dict[str, Any] | None:
    """The choice kept for this CPU, or None (none kept, or kept for another CPU)."""
    try:
        record = json.loads((cache_dir / CHOICE_FILE).read_text())
    except (OSError, ValueError):
        return None
    ok = isinstance(record, dict) and record.get("cpu") == cpu and record.get("chosen") in CANDIDATES
    return record if ok else None


def write_choice(cache_dir: Path, cpu: dict[str, Any], measured: Sequence[Measured]) -> dict[str, Any]:
    record = {"chosen": pick(measured), "cpu": cpu, "measured": [asdict(m) for m in measured],
              "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{CHOICE_FILE}.")
    with os.fdopen(fd, "w") as f:
        json.dump(record, f, indent=2)
    os.replace(tmp, cache_dir / CHOICE_FILE)  # whole or not at all; two processes measuring: the last one's
    return record


class ChosenMiniLM:
    """The backend measured fastest on this CPU; before it is measured here, ``FIRST`` (shipped:
    a first start prepares nothing).  :meth:`measure` measures and keeps the choice, for the next
    start (``newsrag serve`` runs it in the background when this CPU has none)."""

    space = "minilm"
    dim = 384

    def __init__(self, cache_dir: Path, make: Callable[[str], Embedder],
                 cpu: Callable[[], dict[str, Any]] = cpu_signature) -> None:  # fmt: skip
        self.cache_dir, self.make, self.cpu = cache_dir, make, cpu
        self._inner: Embedder | None = None
        self._lock = threading.Lock()
        self.record: dict[str, Any] | None = read_choice(cache_dir, cpu())

    @property
    def chosen(self) -> str:
        """The backend in use (``NEWSRAG_EMBEDDER``'s name for it)."""
        return str(self.record["chosen"]) if self.record else FIRST

    @property
    def measured(self) -> bool:
        """Whether this CPU's choice is kept."""
        return self.record is not None

    @property
    def prepared(self) -> bool:
        """Whether the backend in use is ready (else its first use makes its model: a minute)."""
        return bool(getattr(self.inner, "prepared", True))

    @property
    def inner(self) -> Embedder:
        if self._inner is None:
            with self._lock:
                if self._inner is None:
                    self._inner = self.make(self.chosen)
        return self._inner

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed(texts)

    def measure(self) -> dict[str, Any]:
        """Measure every backend on this CPU and keep the choice (the backend in use stays until the
        next start: its vectors are the same space either way)."""
        log.info("measuring the embedding backends on this CPU (once)")
        self.record = write_choice(self.cache_dir, self.cpu(), measure(self.make, *sample()))
        return self.record
