"""How newsrag sets Chroma's vector-index settings on the collections it makes."""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)

# Chroma saves a collection's vector index once ``sync_threshold`` records were written since it
# last did, and on *every* write it reads back all the records written since then (documents
# included).  So a write costs in proportion to that unsaved tail: at 10,000 one added article
# took 351 ms in a 100k-passage store, most of it re-reading the tail.  A batched write
# (ingestion writes up to 5,000 records at a time) saves the index once per call whatever the
# threshold, so the threshold only matters to small writes.
#
# Saving is where a crash can hurt: a process killed while Chroma saves the passages' index
# left it unreadable once in about 50 kills with 100, in a test that replaces articles
# ("Failed to apply logs to the hnsw segment writer", a Chroma defect).  So the passages
# keep Chroma's default, 1,000: a tail of at most that many passages, and no more saves than
# any Chroma user has.  Article records are deleted only on request, log entries by the hourly
# pruning, and their indexes are small: they save every 100 and every 10 records.
PASSAGES_SYNC_EVERY = 1000
ARTICLES_SYNC_EVERY = 100
# The change log's index holds one-number vectors: saving it is cheap, and its records (lists
# of up to 5,000 ids) are the largest to read back.
LOG_SYNC_EVERY = 10
SYNC_EVERY = {"chunks": PASSAGES_SYNC_EVERY, "articles": ARTICLES_SYNC_EVERY, "log": LOG_SYNC_EVERY}  # by role


SYNC_TRIES = 4  # a busy server (a loaded machine) can refuse or time out one call: try again, waiting longer
SYNC_WAIT_S = 0.25  # the first wait; then 0.5 s, 1 s


def sync_every(collection: Any, n: int, tries: int = SYNC_TRIES, pause: Any = time.sleep) -> bool:
    """Give a collection made with another threshold this one (Chroma applies it when it next loads
    it).  True when the collection has it now; False, with a warning, when ``tries`` calls failed
    (the store works as it is, only slower to write, and tries again at its next write)."""
    error: Exception | None = None
    for attempt in range(tries):
        try:
            current = (collection.configuration or {}).get("hnsw", {}).get("sync_threshold")
            if current is not None and current != n:
                collection.modify(configuration={"hnsw": {"sync_threshold": n, "batch_size": min(n, 100)}})
            return True
        except Exception as e:  # a busy or older server
            error = e
            if attempt + 1 < tries:
                pause(SYNC_WAIT_S * 2**attempt)
    log.warning(
        "could not set the sync threshold of %s to %d (%d calls failed; the last: %s: %s): writes stay slower "
        "until it is set; newsrag tries again at the next write",
        getattr(collection, "name", "?"), n, tries, type(error).__name__, error,
    )  # fmt: skip
    return False
