"""The Chroma store: its parts put together, and opening it where the settings say."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from ..changelog import ChangeLog
from ..chroma_config import ARTICLES_SYNC_EVERY, PASSAGES_SYNC_EVERY, sync_every
from ..dedup import StoryIndex
from ..errors import (
    BackendUnavailable,
    ConfigError,
)
from ..fts import FtsDatabase, FtsIndex
from ..keyword import KeywordIndex, article_record
from .base import CHROMA_MAX_BATCH
from .check import Checks
from .client import StorePlace, open_client, prepare_data_dir

log = logging.getLogger(__name__)


class ChromaStore(Checks):
    """Articles and passages in Chroma; vectors are computed by the caller."""

    def __init__(
        self,
        client: Any,
        space: str,
        dim: int,
        prefix: str = "newsrag",
        where: str = "Chroma store",
        keyword_db: Path | None = None,
    ) -> None:
        """``keyword_db``: the SQLite file of the keyword index (None: in memory, built on first use)."""
        self.client = client
        self.opened = 0  # how many times the client was opened again (see reopen)
        self._reopening = threading.Lock()
        self.where = where
        self.space = space  # the vector space of its embeddings (Embedder.space)
        self.dim = dim
        meta = {"hnsw:space": "cosine", "embedder": space, "dim": dim}  # "embedder": the vector space
        self._seeded_name = f"{prefix}_seeded"
        try:
            names = {getattr(c, "name", c) for c in client.list_collections()}
            self.chunks = client.get_or_create_collection(
                f"{prefix}_chunks",
                metadata={**meta, "hnsw:sync_threshold": PASSAGES_SYNC_EVERY},
                embedding_function=None,
            )
            self.articles = client.get_or_create_collection(
                f"{prefix}_articles",
                metadata={**meta, "hnsw:sync_threshold": ARTICLES_SYNC_EVERY},
                embedding_function=None,
            )
            self.changes = ChangeLog(client, prefix)
            sync_every(self.chunks, PASSAGES_SYNC_EVERY)
            sync_every(self.articles, ARTICLES_SYNC_EVERY)
        except Exception as e:
            raise BackendUnavailable(f"Cannot open the Chroma collections ({e}). Check the store settings.") from e
        self.is_new = self._seeded_name not in names
        stored = (self.chunks.metadata or {}).get("embedder")
        if stored and stored != space:
            from ..embedder import embedders_of

            fits = embedders_of(stored)
            choose = f"Set NEWSRAG_EMBEDDER={' or '.join(fits)}" if fits else "Use the embedder that built it"
            raise ConfigError(
                f"This store's vectors are in the {stored!r} space, not {space!r} (the embedder set now). "
                f"{choose}, or use another NEWSRAG_DATA_DIR."
            )
        try:
            db = FtsDatabase(keyword_db)
        except sqlite3.Error as e:
            raise ConfigError(
                f"Cannot open the keyword index {keyword_db} ({e}). Delete that file: it is rebuilt from the store."
            ) from e
        self.keywords: KeywordIndex = FtsIndex(db, "chunks", self.chunks, self.changes)
        # Whole articles vary in length far more than passages: BM25 with b 0.4 there (FTS5's b 0.75
        # held long articles back: RealTimeQA MRR@10 0.904 against 0.923; k1 1.2 and b 0.4 were
        # chosen on RealTimeQA's first 8 weeks of 2023 over (0.9, 0.4) and (0.9, 0.3)).  Counting
        # the words of 100 candidate articles took 10 ms at 100k passages: 50 of them are scored.
        self.article_keywords: KeywordIndex = FtsIndex(db, "articles", self.articles, self.changes,
                                                       record=article_record, k1=1.2, b=0.4, pool=50)  # fmt: skip
        self.stories = StoryIndex(self.story_records, count=self.count_articles)
        try:
            self.max_batch = min(CHROMA_MAX_BATCH, int(client.get_max_batch_size()))
        except Exception:
            self.max_batch = CHROMA_MAX_BATCH


def open_store(place: StorePlace, space: str, dim: int, client: Any = None) -> ChromaStore:
    """The store at ``place`` for vectors of ``space`` (``client``: an open Chroma client to use)."""
    if client is None:
        if not place.host:
            prepare_data_dir(place.data_dir)
        client = open_client(str(place.data_dir / "chroma"), place.host, place.port)
    return ChromaStore(client, space, dim, prefix=place.collection, where=place.where, keyword_db=place.keyword_db)
