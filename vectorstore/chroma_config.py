"""How newsrag sets Chroma's vector-index settings on the collections it makes."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

# Chroma saves a collection's vector index once ``sync_threshold`` records were written since it
# last did, and on *every* write it reads back all the records written since then (documents
# included).  So a write costs in proportion to that unsaved tail: at 10,000 one added article
# took 365 ms in a 100k-passage store, most of it re-reading the tail.  With 100 the tail stays
# short; a batched write (ingestion writes up to 5,000 records at a time) saves the index once
# per call whatever the threshold, so bulk ingestion is not slowed (benchmarks/ask.py).
SYNC_EVERY = 100
# The change log's index holds one-number vectors: saving it is cheap, and its records (lists
# of up to 5,000 ids) are the largest to read back.
LOG_SYNC_EVERY = 10


def sync_every(collection: Any, n: int) -> None:
    """Give a collection made with another threshold this one (it applies from the next start)."""
    try:
        current = (collection.configuration or {}).get("hnsw", {}).get("sync_threshold")
        if current is not None and current != n:
            collection.modify(configuration={"hnsw": {"sync_threshold": n, "batch_size": min(n, 100)}})
    except Exception as e:  # an older server: the store works as it is, only slower to write
        log.info("could not set the sync threshold of %s: %s", getattr(collection, "name", "?"), e)
