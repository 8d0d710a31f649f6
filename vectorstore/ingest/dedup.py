"""Near-duplicate stories: the same wire story under several outlets, with small edits.

Each article gets a MinHash signature of its word 3-grams (datasketch); an LSH index
over the stored signatures finds the stored articles a new one nearly repeats
(estimated Jaccard similarity at least ``threshold``).  A copy joins that article's
*story*; an article that repeats nothing is a story of its own (its id).  Every copy is
kept in the store: the story only decides how the copies are shown and ranked.
"""

from __future__ import annotations

import base64
import functools
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from vectorstore.article import normalize_text

NUM_PERM = 64
SHINGLE_WORDS = 3
SCHEME = "affine32"  # datasketch 2: 32-bit hash values (what encode stores)
THRESHOLD = 0.6  # estimated Jaccard of word 3-grams: copies with edits score 0.7-1, related stories < 0.3
RECHECK_S = 1.0  # how stale another process's writes may look to the index (this process's own: never)
_WORD = re.compile(r"\w+")


@functools.cache
def _permutations(num_perm: int) -> Any:
    """The hash permutations of seed 1, drawn once (drawing them was most of a signature's cost)."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=1, scheme=SCHEME).permutations


def signature(text: str, num_perm: int = NUM_PERM) -> Any:
    """The MinHash of ``text``'s word 3-grams (lower-cased, punctuation ignored)."""
    from datasketch import MinHash

    words = _WORD.findall(normalize_text(text).lower())
    grams = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    m = MinHash(num_perm=num_perm, seed=1, scheme=SCHEME, permutations=_permutations(num_perm))
    m.update_batch([g.encode("utf-8") for g in grams])
    return m


def encode(m: Any) -> str:
    """A signature as metadata (its hash values fit in 32 bits: base64 of 4 bytes each)."""
    return base64.b64encode(np.asarray(m.hashvalues, dtype=np.uint32).tobytes()).decode("ascii")


def decode(value: str, num_perm: int = NUM_PERM) -> Any | None:
    """The signature stored by :func:`encode`, or None for a missing or foreign one."""
    from datasketch import MinHash

    try:
        values = np.frombuffer(base64.b64decode(value, validate=True), dtype=np.uint32)
    except (ValueError, TypeError):
        return None
    if len(values) != num_perm:
        return None
    return MinHash(num_perm=num_perm, seed=1, hashvalues=values.astype(np.uint64), scheme=SCHEME,
                   permutations=_permutations(num_perm))  # fmt: skip


@dataclass(frozen=True)
class StoryRecord:
    article_id: str
    story: str
    signature: str  # encoded; "" when unknown


@functools.cache
def _bands(threshold: float) -> tuple[int, int]:
    """datasketch's bands and rows for ``threshold``, found once (it integrates numerically:
    7 ms, which every added article paid)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return int(lsh.b), int(lsh.r)


class StoryIndex:
    """Which stored story a new article repeats.

    Built on first use from ``records()`` (every stored article's story and signature)
    and kept current by :meth:`add` and :meth:`remove` in this process; :meth:`invalidate`
    makes the next lookup read the store again (another process may have written)."""

    def __init__(
        self,
        records: Callable[[], Iterable[StoryRecord]],
        count: Callable[[], int] | None = None,
        threshold: float = THRESHOLD,
    ) -> None:
        self._records = records
        self._count = count  # the stored articles' number: a change by another process means rebuild
        self._built_for = -1
        self._checked = -1e18  # when the store was last counted (monotonic seconds)
        self.threshold = threshold
        self._lock = threading.Lock()
        self._lsh: Any = None
        self._sigs: dict[str, Any] = {}
        self._story: dict[str, str] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._lsh = None
            self._checked = -1e18

    def _ensure(self) -> None:
        """Build the index, or build it again when another process changed the store (the
        stored articles are counted at most every ``RECHECK_S``: counting once per added
        article was a third of ingesting news snippets)."""
        if self._lsh is not None and (self._count is None or time.monotonic() - self._checked < RECHECK_S):
            return
        count = self._count() if self._count else 0
        self._checked = time.monotonic()
        if self._lsh is not None and count == self._built_for:
            return
        from datasketch import MinHashLSH

        self._built_for = count
        self._lsh = MinHashLSH(num_perm=NUM_PERM, params=_bands(self.threshold))
        self._sigs, self._story = {}, {}
        for r in self._records():
            m = decode(r.signature) if r.signature else None
            if m is not None:
                self._insert(r.article_id, r.story or r.article_id, m)

    def _insert(self, article_id: str, story: str, m: Any) -> None:
        if article_id in self._sigs:
            self._lsh.remove(article_id)
        self._lsh.insert(article_id, m)
        self._sigs[article_id] = m
        self._story[article_id] = story

    def story_for(self, article_id: str, m: Any) -> str:
        """The story of the stored article ``m`` repeats most closely (ties: the smallest
        story id, so every copy joins the same one), else ``article_id``'s own."""
        with self._lock:
            self._ensure()
            best: tuple[float, str] | None = None
            for other in self._lsh.query(m):
                if other == article_id:
                    continue
                sim = float(m.jaccard(self._sigs[other]))
                if sim >= self.threshold and (best is None or (-sim, self._story[other]) < (-best[0], best[1])):
                    best = (sim, self._story[other])
            return best[1] if best else article_id

    def add(self, article_id: str, story: str, m: Any) -> None:
        """Count an article just written (or, in a batch's own index, about to be)."""
        with self._lock:
            if self._lsh is None and self._count is None:
                self._ensure()
            if self._lsh is not None:
                self._built_for += article_id not in self._sigs
                self._insert(article_id, story, m)

    def remove(self, article_id: str) -> None:
        with self._lock:
            if self._lsh is not None and article_id in self._sigs:
                self._lsh.remove(article_id)
                del self._sigs[article_id]
                del self._story[article_id]
                self._built_for -= 1
