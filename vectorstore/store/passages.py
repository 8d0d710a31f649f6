"""Passages by id, kept in memory once read: a question reads the same few passages from
Chroma several times (each ranking stage, the copies of a story, the conflict check), and
each read of a passage's text and metadata costs Chroma more than the search itself.

A passage id names one version of one article's text (``<article>:<hash8>:<index>``), so
the words, place and vector it names never change while it exists: nothing here goes
stale.  Whether a passage is still *live* (its article not deleted or replaced) is not
kept here: the store checks each one against its article's record on every read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

KEPT = 8192  # passages kept (about 1.5 kB of vector and 1 kB of text each: ~20 MB at most)


@dataclass(frozen=True)
class Passage:
    article_id: str
    content_hash: str  # the article version it belongs to
    text: str
    start: int
    end: int
    vector: np.ndarray


def passage_of(text: Any, meta: Any, vector: Any) -> Passage:
    """A passage from Chroma's document, metadata and embedding."""
    m = meta or {}
    return Passage(str(m["article_id"]), str(m.get("content_hash", "")), str(text), int(m["start"]), int(m["end"]),
                   np.asarray(vector, dtype=np.float32))  # fmt: skip


class PassageCache:
    """The ``size`` passages read last, by id (thread-safe)."""

    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, Passage] = OrderedDict()

    def known(self, ids: Sequence[str]) -> tuple[dict[str, Passage], list[str]]:
        """The passages kept of ``ids``, and the ids not kept (in their order, each once)."""
        found: dict[str, Passage] = {}
        missing: list[str] = []
        with self._lock:
            for i in dict.fromkeys(ids):
                p = self._kept.get(i)
                if p is None:
                    missing.append(i)
                else:
                    self._kept.move_to_end(i)
                    found[i] = p
        return found, missing

    def keep(self, passages: dict[str, Passage]) -> None:
        with self._lock:
            self._kept.update(passages)
            for i in passages:
                self._kept.move_to_end(i)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def forget(self, ids: Iterable[str]) -> None:
        """Drop these ids (a write is storing them anew)."""
        with self._lock:
            for i in ids:
                self._kept.pop(i, None)
