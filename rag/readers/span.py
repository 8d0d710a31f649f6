"""The shipped reader: all-MiniLM-L6-v2 fine-tuned as an extractive reader (start/end
logits over the passage's tokens, "no answer" as the span at [CLS]), int8 ONNX.

How it was trained, on what, and its figures: ``model/CARD.md`` (``make reader`` retrains
it).  The model is loaded on the first question, never at import; each passage is read
alone (question + passage, up to ``MAX_TOKENS`` tokens), one run per passage on a pool of
one worker per core, so a passage's reading never depends on the others it came with.

A passage's spans are scored as the start and end logits' sum minus the no-answer
span's (SQuAD 2.0's null score): above 0, the model prefers the span to "no answer".
The reading's ``no_answer`` is the best of those margins, negated.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore.errors import ConfigError
from vectorstore.records import Hit

from .base import Reading, Span, question_read

MODEL_DIR = Path(__file__).parent / "model"
MODEL = "reader-int8.onnx"
MAX_TOKENS = 256  # question + passage; the product's 120-word passages fit (training/train.py uses it too)
MAX_QUESTION_TOKENS = 96  # and at most this many of the question's (a question of symbols is many tokens)
MAX_ANSWER_TOKENS = 24
TOP = 12  # start and end candidates per passage
REMEMBERED = 16  # readings kept (or under way): the answer and the conflict check read the same passages


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """A span cut inside a word grows to the whole word; no stray punctuation at its ends."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    while end > start and text[end - 1] in ",.;:—–-(\"'“‘":
        end -= 1
    while start < end and text[start] in ",.;:)\"'”’":
        start += 1
    return start, end


class SpanReader:
    name = "minilm-span"

    def __init__(self, model_dir: Path = MODEL_DIR, workers: int = 0) -> None:
        self.model_dir = model_dir
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._pool: ThreadPoolExecutor | None = None
        self._readings: OrderedDict[tuple[str, tuple[str, ...]], Future[Reading]] = OrderedDict()

    def load(self) -> None:
        """Load the model now (else on first use)."""
        self._load()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            path = self.model_dir / MODEL
            if not path.exists():
                raise ConfigError(
                    f"The reader model is missing ({path}): reinstall newsrag, run `make reader`, "
                    "or choose NEWSRAG_READER=sentences."
                )
            import onnxruntime as ort
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            tok.enable_truncation(max_length=MAX_TOKENS, strategy="only_second")
            tok.no_padding()
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = 1  # passages run in parallel instead
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            self._tokenizer = tok
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="reader")
            self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def _question(self, question: str) -> str:
        """The question as read: its first characters (base.question_read), then tokens."""
        question = question_read(question)
        asked = self._tokenizer.encode(question, add_special_tokens=False)
        if len(asked.ids) > MAX_QUESTION_TOKENS:
            return question[: asked.offsets[MAX_QUESTION_TOKENS - 1][1]]
        return question

    def _one(self, question: str, passage: str, k: int) -> tuple[float, list[Span]]:
        enc = self._tokenizer.encode(question, passage)
        ids = np.asarray([enc.ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.asarray([enc.type_ids])}
        start, end = (x[0] for x in self._session.run(None, feed))
        ctx = [i for i, s in enumerate(enc.sequence_ids) if s == 1]
        null = float(start[0] + end[0])
        if not ctx:
            return -np.inf, []
        first, last = ctx[0], ctx[-1]
        starts = first + np.argsort(-start[first : last + 1])[:TOP]
        ends = first + np.argsort(-end[first : last + 1])[:TOP]
        found: dict[tuple[int, int], float] = {}
        for s in starts:
            for e in ends:
                if s <= e < s + MAX_ANSWER_TOKENS:
                    a, b = _widen(passage, enc.offsets[s][0], enc.offsets[e][1])
                    score = float(start[s] + end[e]) - null
                    if b > a and found.get((a, b), -np.inf) < score:
                        found[(a, b)] = score
        spans = sorted((Span(k, a, b, sc) for (a, b), sc in found.items()), key=lambda x: -x.score)[:3]
        return (spans[0].score if spans else -np.inf), spans

    def read(self, question: str, passages: Sequence[Hit]) -> Reading:
        return self.read_texts(question, [h.text for h in passages])

    def read_texts(self, question: str, texts: Sequence[str]) -> Reading:
        if not texts:
            return Reading(spans=(), no_answer=np.inf)
        key = (question, tuple(texts))
        mine: Future[Reading] = Future()
        with self._lock:  # a reading under way for another caller (the desk, the answer) is waited for
            kept = self._readings.get(key)
            if kept is not None:
                self._readings.move_to_end(key)
            else:
                self._readings[key] = mine
                while len(self._readings) > REMEMBERED:
                    self._readings.popitem(last=False)
        if kept is not None:
            return kept.result()
        try:
            reading = self._read(question, texts)
        except BaseException as e:
            with self._lock:
                if self._readings.get(key) is mine:
                    del self._readings[key]  # the next caller tries again
            mine.set_exception(e)
            raise
        mine.set_result(reading)
        return reading

    def _read(self, question: str, texts: Sequence[str]) -> Reading:
        self._load()
        assert self._pool is not None
        asked = self._question(question)
        results = list(self._pool.map(lambda kp: self._one(asked, kp[1], kp[0]), enumerate(texts)))
        spans = sorted((s for _, ss in results for s in ss), key=lambda x: -x.score)
        best = max(b for b, _ in results)
        return Reading(spans=tuple(spans), no_answer=-best)
