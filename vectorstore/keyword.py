"""A BM25 keyword index over the stored passages (bm25s: sparse matrices, fast).

It lives in memory, is built from the Chroma chunks collection on first use,
and is rebuilt after this process wrote, or when the number of passages in the
store changed (another process ingested or deleted: counted at most once a
second, so another process's writes show within a second).  Hits it returns are
checked against the store like any other, so a stale entry is never shown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from .store import Scope

log = logging.getLogger(__name__)

RECHECK_S = 1.0  # how stale another process's writes may look to a search (this process's own: never)


def _bm25s() -> Any:
    import bm25s

    # bm25s sets its logger to DEBUG on import; let it follow the application's level again.
    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


class KeywordIndex(Protocol):
    def days_of(self, ids: set[str]) -> dict[str, int]:
        """The day (-1: undated) of each of these records the index holds; the others are left out."""
        ...

    def dated_in(self, scope: Scope) -> int:
        """How many indexed records carry a date within ``scope``."""
        ...

    def search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        """Ids of the ``k`` passages within ``scope`` that match ``query``'s words best, best first."""
        ...

    def invalidate(self) -> None: ...

    def indexed_ids(self) -> set[str] | None:
        """The passage ids the index holds, after bringing it up to date (None: no index)."""
        ...


def passage_record(id_: str, text: str, meta: dict[str, Any]) -> tuple[str, str, int]:
    """A passage as the index sees it: (its article, its words, its day)."""
    return str(meta.get("article_id", "")), text, int(meta.get("published_days", -1))


def article_record(id_: str, text: str, meta: dict[str, Any]) -> tuple[str, str, int]:
    """A whole article as the index sees it: the title counts twice (it names the story)."""
    title = str(meta.get("title", ""))
    return id_, f"{title}\n{title}\n{text}", int(meta.get("published_days", -1))


class BM25Index:
    """BM25 over one Chroma collection: the passages (default) or whole articles
    (``record=article_record``).  The parameters are those of the reference figures
    in ../shared/eval/README.md."""

    def __init__(
        self,
        chunks: Any,
        k1: float = 0.9,
        b: float = 0.4,
        page: int = 5000,
        record: Callable[[str, str, dict[str, Any]], tuple[str, str, int]] = passage_record,
    ) -> None:
        self.chunks = chunks  # the Chroma collection indexed
        self.k1, self.b, self.page = k1, b, page
        self.record = record
        self._ids: list[str] = []
        self._days = np.zeros(0, dtype=np.int64)  # published_days per indexed passage (-1: undated)
        self._articles: list[str] = []
        self._day_of: dict[str, int] = {}
        self._bm25: Any = None
        self._built_for = -1  # passage count the index was built for
        self._checked = 0.0  # when the store's count was last compared with it (monotonic seconds)
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        self._built_for = -1

    def _current(self, force: bool = False) -> None:
        """Rebuild when the store's count changed (another process wrote).  Counting costs
        8 ms at 100k passages, so it is asked at most every ``RECHECK_S`` seconds; this
        process's own writes invalidate the index at once.  Call with the lock held."""
        now = time.monotonic()
        if not force and self._built_for >= 0 and now - self._checked < RECHECK_S:
            return
        count = int(self.chunks.count())
        self._checked = now
        if count != self._built_for:
            self._build(count)

    def _build(self, count: int) -> None:
        bm25s = _bm25s()
        ids: list[str] = []
        texts: list[str] = []
        days: list[int] = []
        articles: list[str] = []
        for offset in range(0, count, self.page):
            res = self.chunks.get(include=["documents", "metadatas"], limit=self.page, offset=offset)
            ids += res["ids"]
            for i, doc, meta in zip(res["ids"], res["documents"] or [], res["metadatas"] or [], strict=True):
                article, text, day = self.record(i, str(doc), dict(meta or {}))
                articles.append(article)
                texts.append(text)
                days.append(day)
        self._days, self._articles = np.asarray(days, dtype=np.int64), articles
        bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        if texts:
            bm25.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        self._ids, self._bm25, self._built_for = ids, (bm25 if texts else None), count
        self._day_of = dict(zip(ids, days, strict=True))
        log.info("keyword index built over %d passages", len(ids))

    def indexed_ids(self) -> set[str] | None:
        with self._lock:
            self._current(force=True)
            return set(self._ids)

    def _mask(self, scope: Scope) -> np.ndarray:
        mask = np.ones(len(self._ids), dtype=bool)
        if scope.max_day is not None:
            mask &= self._days <= scope.max_day
        if scope.min_day is not None:
            mask &= self._days >= scope.min_day
            if scope.undated:
                mask |= self._days == -1
        if scope.article_ids is not None:
            mask &= np.fromiter((a in scope.article_ids for a in self._articles), dtype=bool, count=len(self._ids))
        return mask

    def days_of(self, ids: set[str]) -> dict[str, int]:
        """The day (-1: undated) of each of these records the index holds; the others are left out."""
        with self._lock:
            self._current()
            return {i: self._day_of[i] for i in ids if i in self._day_of}

    def dated_in(self, scope: Scope) -> int:
        """How many indexed records carry a date within ``scope`` (undated ones not counted)."""
        with self._lock:
            self._current()
            return int((self._mask(scope) & (self._days >= 0)).sum())

    def search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        bm25s = _bm25s()
        with self._lock:
            self._current()
            if self._bm25 is None or k <= 0:
                return []
            tokens = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
            if not tokens[0]:
                return []
            mask = None if scope is None or scope.unbounded else self._mask(scope)
            if mask is not None and not mask.any():
                return []
            # bm25s's own retrieve spends 13 ms at 100k passages on its top-k; the scores cost 0.1 ms
            scores = np.asarray(self._bm25.get_scores(tokens[0]), dtype=np.float32)
            if mask is not None:
                scores = np.where(mask, scores, 0.0)
            k = min(k, len(scores))
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top], kind="stable")]
            return [self._ids[int(i)] for i in top if scores[i] > 0]
