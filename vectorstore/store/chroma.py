"""The Chroma store: its parts put together, and opening it where the settings say."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from vectorstore.changelog import ChangeLog
from vectorstore.chroma_config import ARTICLES_SYNC_EVERY, PASSAGES_SYNC_EVERY, SYNC_EVERY, sync_every
from vectorstore.errors import BackendUnavailable, ConfigError
from vectorstore.ingest.dedup import StoryIndex, StoryRecord
from vectorstore.keyword import KeywordBackend
from vectorstore.keyword.fts import fts5_indexes
from vectorstore.store.base import CHROMA_MAX_BATCH
from vectorstore.store.check import Checks
from vectorstore.store.client import StorePlace, open_client, prepare_data_dir
from vectorstore.store.passages import PassageCache

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
        keyword_backend: KeywordBackend = fts5_indexes,
        story_index: StoryFactory = StoryIndex,
    ) -> None:
        """``keyword_db``: the keyword indexes' file (None: in memory, built on first use);
        ``keyword_backend``: what makes them (:data:`KEYWORD_INDEXES`); ``story_index``: what
        finds the stored story a new article repeats, given the stored stories and their count."""
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
            self.unsynced = {role for role, n in SYNC_EVERY.items() if not sync_every(self.collection(role), n)}
        except Exception as e:
            raise BackendUnavailable(f"Cannot open the Chroma collections ({e}). Check the store settings.") from e
        self.is_new = self._seeded_name not in names
        stored = (self.chunks.metadata or {}).get("embedder")
        if stored and stored != space:
            from vectorstore.embedders import embedders_of

            fits = embedders_of(stored)
            choose = f"Set NEWSRAG_EMBEDDER={' or '.join(fits)}" if fits else "Use the embedder that built it"
            raise ConfigError(
                f"This store's vectors are in the {stored!r} space, not {space!r} (the embedder set now). "
                f"{choose}, or use another NEWSRAG_DATA_DIR."
            )
        self.passages = PassageCache()
        self.keywords, self.article_keywords = keyword_backend(keyword_db, self.chunks, self.articles, self.changes)
        self.stories = story_index(self.story_records, self.count_articles)
        try:
            self.max_batch = min(CHROMA_MAX_BATCH, int(client.get_max_batch_size()))
        except Exception:
            self.max_batch = CHROMA_MAX_BATCH


StoryFactory = Callable[[Callable[[], Iterable[StoryRecord]], Callable[[], int]], StoryIndex]
KEYWORD_INDEXES: dict[str, KeywordBackend] = {"fts5": fts5_indexes}  # NEWSRAG_KEYWORD_INDEX


def keyword_backend(name: str) -> KeywordBackend:
    try:
        return KEYWORD_INDEXES[name]
    except KeyError:
        raise ConfigError(
            f"Unknown keyword index {name!r}. Choose one of: {', '.join(KEYWORD_INDEXES)} (NEWSRAG_KEYWORD_INDEX)."
        ) from None


def open_store(place: StorePlace, space: str, dim: int, client: Any = None, keywords: str = "fts5") -> ChromaStore:
    """The store at ``place`` for vectors of ``space`` (``client``: an open Chroma client to use;
    ``keywords``: the keyword-index backend's name)."""
    backend = keyword_backend(keywords)
    if client is None:
        if not place.host:
            prepare_data_dir(place.data_dir)
        client = open_client(str(place.data_dir / "chroma"), place.host, place.port)
    return ChromaStore(client, space, dim, prefix=place.collection, where=place.where, keyword_db=place.keyword_db,
                       keyword_backend=backend)  # fmt: skip
