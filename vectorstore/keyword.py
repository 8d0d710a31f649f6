"""A BM25 keyword index over the stored passages (bm25s: sparse matrices, fast).

It lives in memory, is built from the Chroma chunks collection on first use,
and is rebuilt when the number of passages in the store changed (another
process ingested or deleted) or after this process wrote.  Hits it returns are
checked against the store like any other, so a stale entry is never shown.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

log = logging.getLogger(__name__)


def _bm25s() -> Any:
    import bm25s

    # bm25s sets its logger to DEBUG on import; let it follow the application's level again.
    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


class KeywordIndex(Protocol):
    def search(self, query: str, k: int) -> list[str]:
        """Ids of the ``k`` passages that match ``query``'s words best, best first."""
        ...

    def invalidate(self) -> None: ...

    def indexed_ids(self) -> set[str] | None:
        """The passage ids the index holds, after bringing it up to date (None: no index)."""
        ...


class BM25Index:
    # The parameters of the reference figures in ../shared/eval/README.md.
    def __init__(self, chunks: Any, k1: float = 0.9, b: float = 0.4, page: int = 5000) -> None:
        self.chunks = chunks  # the Chroma collection of passages
        self.k1, self.b, self.page = k1, b, page
        self._ids: list[str] = []
        self._bm25: Any = None
        self._built_for = -1  # passage count the index was built for
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._built_for = -1

    def _build(self, count: int) -> None:
        bm25s = _bm25s()
        ids: list[str] = []
        texts: list[str] = []
        for offset in range(0, count, self.page):
            res = self.chunks.get(include=["documents"], limit=self.page, offset=offset)
            ids += res["ids"]
            texts += [str(d) for d in res["documents"] or []]
        bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        if texts:
            bm25.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        self._ids, self._bm25, self._built_for = ids, (bm25 if texts else None), count
        log.info("keyword index built over %d passages", len(ids))

    def indexed_ids(self) -> set[str] | None:
        count = int(self.chunks.count())
        with self._lock:
            if count != self._built_for:
                self._build(count)
            return set(self._ids)

    def search(self, query: str, k: int) -> list[str]:
        bm25s = _bm25s()
        count = int(self.chunks.count())
        with self._lock:
            if count != self._built_for:
                self._build(count)
            if self._bm25 is None or k <= 0:
                return []
            tokens = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
            if not tokens[0]:
                return []
            docs, scores = self._bm25.retrieve(tokens, k=min(k, len(self._ids)), show_progress=False)
        return [self._ids[int(d)] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
