"""A change log kept in Chroma itself: which records each write touched.

Every write to the passages or the articles first appends an entry naming the
ids it is about to change (``pending``), then marks it ``done``.  A keyword
index in any process — on this machine or another one using the same Chroma
server — follows the log: for each done entry it reads those ids' current
state from Chroma and applies it.  An entry left pending (the writer crashed
mid-write) is applied once it is older than ``STALE_S``: Chroma holds whatever
landed, and that is what the index takes.  Applying an entry is idempotent, so
two processes applying the same one, or one applying it twice, is harmless.

The log does not grow for ever: a writer deletes the entries older than
``keep_s`` (a week; at most once an hour), after recording that time as the
log's floor.  An index that last caught up before the floor may have missed
entries, and is rebuilt from the store.

A log Chroma cannot read any more (a process killed while Chroma saved the log's
vector index leaves that index torn: a Chroma 1.5 defect) is made again, empty.
Nothing is lost: the log is a list of hints, and a keyword index that followed the
old log sees a new log id and rebuilds itself from the store.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vectorstore.chroma_config import LOG_SYNC_EVERY
from vectorstore.errors import is_damaged_index

log = logging.getLogger(__name__)

STALE_S = 120.0  # a write still pending after this long was interrupted
KEEP_S = 7 * 86400.0  # entries are kept this long
PRUNE_EVERY_S = 3600.0  # how often one process deletes the older ones
_FLOOR = "floor"  # the id (and collection) of the record of the latest pruning


@dataclass(frozen=True)
class Entry:
    id: str
    t: float  # when the write began (the writer's clock)
    collection: str  # "chunks" or "articles"
    ids: tuple[str, ...]
    done: bool


class ChangeLog:
    def __init__(self, client: Any, prefix: str, keep_s: float = KEEP_S) -> None:
        self.keep_s = keep_s
        self._pruned = -1e18  # when this process last pruned (monotonic seconds)
        name = f"{prefix}_log"
        self.log = self._open(client, name)
        try:
            self.floor()  # the first read: Chroma loads the log's saved index here
        except Exception as e:
            if not is_damaged_index(e):
                raise
            log.warning("the change log %s was left unreadable by a crash (%s): making it again", name, e)
            client.delete_collection(name)
            self.log = self._open(client, name)

    def reopen(self, client: Any) -> None:
        """Follow the log through ``client`` (the store opened its client again)."""
        self.log = self._open(client, self.log.name)

    @staticmethod
    def _open(client: Any, name: str) -> Any:
        # One-dimensional placeholder vectors: the log is never searched by similarity.
        collection = client.get_or_create_collection(
            name,
            metadata={"hnsw:sync_threshold": LOG_SYNC_EVERY, "hnsw:batch_size": LOG_SYNC_EVERY},
            embedding_function=None,
        )
        return collection  # its short threshold is set by the store (ChromaStore.sync_thresholds)

    def floor(self) -> float:
        """Entries that began before this time may have been deleted (0.0: none was)."""
        res = self.log.get(ids=[_FLOOR], include=["metadatas"])
        return float(((res["metadatas"] or [{}])[0] or {}).get("t", 0.0)) if res["ids"] else 0.0

    def prune(self) -> int:
        """Delete the entries older than ``keep_s`` (at most every ``PRUNE_EVERY_S`` in this
        process); the floor is recorded first.  Returns how many were deleted."""
        now = time.monotonic()
        if now - self._pruned < PRUNE_EVERY_S:
            return 0
        self._pruned = now
        cutoff = time.time() - self.keep_s
        self.log.upsert(ids=[_FLOOR], embeddings=[[1.0]], documents=["[]"],
                        metadatas=[{"t": cutoff, "collection": _FLOOR, "done": True}])  # fmt: skip
        old = [i for i in self.log.get(where={"t": {"$lt": cutoff}}, include=[])["ids"] if i != _FLOOR]
        for i in range(0, len(old), 5000):
            self.log.delete(ids=old[i : i + 5000])
        return len(old)

    @contextmanager
    def change(self, collection: str, ids: Sequence[str]) -> Iterator[None]:
        """Log a write of ``ids`` in ``collection`` around the block that performs it."""
        if not ids:
            yield
            return
        t = time.time()
        eid = f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}"
        doc = json.dumps(list(ids))
        meta = {"t": t, "collection": collection, "done": False}
        self.log.add(ids=[eid], embeddings=[[1.0]], documents=[doc], metadatas=[meta])
        try:
            yield
        finally:  # a write that failed is over too: what landed is what readers take
            self.log.update(ids=[eid], metadatas=[{**meta, "done": True}])
        self.prune()

    def since(self, t: float, collection: str, skip: Callable[[list[str]], set[str]]) -> list[Entry]:
        """The entries about ``collection`` that began at ``t`` or later, oldest first, but
        for those ``skip`` returns (already applied: their id lists are not even read)."""
        where = {"$and": [{"t": {"$gte": t}}, {"collection": collection}]}
        heads = self.log.get(where=where, include=[])["ids"]
        done = skip(list(heads)) if heads else set()
        todo = [i for i in heads if i not in done]
        if not todo:
            return []
        res = self.log.get(ids=todo, include=["documents", "metadatas"])
        out = []
        for eid, doc, meta in zip(res["ids"], res["documents"] or [], res["metadatas"] or [], strict=True):
            m = meta or {}
            ids = tuple(json.loads(doc or "[]"))
            out.append(Entry(eid, float(m.get("t", 0.0)), collection, ids, bool(m.get("done"))))
        return sorted(out, key=lambda e: (e.t, e.id))
