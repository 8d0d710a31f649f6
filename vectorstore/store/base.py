"""The store's shared state and the guard every call to Chroma goes through."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from vectorstore import chroma_internals
from vectorstore.changelog import ChangeLog
from vectorstore.chroma_config import SYNC_EVERY, sync_every
from vectorstore.errors import (
    BackendUnavailable,
    NewsragError,
    StoreDamaged,
    is_connection_error,
    is_damaged_index,
    is_stale_reader,
)
from vectorstore.ingest.dedup import StoryIndex
from vectorstore.keyword import KeywordIndex
from vectorstore.store.client import open_client
from vectorstore.store.passages import PassageCache

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
CHROMA_MAX_BATCH = 5000  # Chroma rejects larger adds (its limit is 5,461)


def text_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def guarded(fn: F) -> F:
    """A store call whose server went away raises BackendUnavailable that says so."""

    @wraps(fn)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        opened = self.opened
        try:
            return fn(self, *args, **kwargs)
        except NewsragError:
            raise
        except Exception as e:
            if is_stale_reader(e) and self.reopen(opened):
                return fn(self, *args, **kwargs)  # once, through a client that reads the store afresh
            if is_damaged_index(e):
                raise StoreDamaged(
                    f"Part of the {self.where} cannot be read: a process was stopped while Chroma was saving "
                    "its vector index. Run `newsrag check --repair` to rebuild it from the stored text."
                ) from e
            if is_connection_error(e):
                raise BackendUnavailable(
                    f"The {self.where} stopped answering ({type(e).__name__}). Start it again and retry."
                ) from e
            raise

    return wrapper  # type: ignore[return-value]


class StoreBase:
    """What every part of the store shares: the client, its collections, the change log, the
    keyword indexes and the story index (set by :class:`ChromaStore`), and how the client is
    opened again when another process's writes left it reading records that are gone."""

    client: Any
    opened: int  # how many times the client was opened again (see reopen)
    _reopening: threading.Lock
    where: str
    space: str  # the vector space of its embeddings (Embedder.space)
    dim: int
    _seeded_name: str
    chunks: Any  # Chroma's collections
    articles: Any
    changes: ChangeLog
    unsynced: set[str]  # roles whose sync threshold a busy server refused (settle_thresholds)
    is_new: bool
    keywords: KeywordIndex
    article_keywords: KeywordIndex
    passages: PassageCache  # passages read, by id (vectorstore.store.passages)
    stories: StoryIndex
    max_batch: int

    def collection(self, role: str) -> Any:
        """The Chroma collection of a role: "chunks" (passages), "articles" or "log"."""
        return {"chunks": self.chunks, "articles": self.articles, "log": self.changes.log}[role]

    def settle_thresholds(self) -> None:
        """Set the sync thresholds a busy server refused when the store was opened (before a write:
        the unsaved tail they keep short is what makes writes slow)."""
        if self.unsynced:
            self.unsynced = {r for r in self.unsynced if not sync_every(self.collection(r), SYNC_EVERY[r], tries=1)}

    def reopen(self, opened: int) -> bool:
        """Open the embedded client again, when the store's ``opened`` count is still ``opened``
        (a call that failed meanwhile may have done it already); False for a Chroma server.

        Another process's replace or delete leaves this process's embedded Chroma reading records
        that are gone ("Error finding id" on every filtered search, for minutes or for good); a
        new handle on the same client does not help, a new client does."""
        settings = self.client.get_settings()
        if not getattr(settings, "is_persistent", False) or not getattr(settings, "persist_directory", None):
            return False
        with self._reopening:
            if self.opened != opened:
                return True
            log.info("another process changed the store: opening %s again", settings.persist_directory)
            # Chroma shares one system per folder in a process: forget it, so the new client gets its own.
            chroma_internals.forget_system(str(settings.persist_directory))
            client = open_client(str(settings.persist_directory))
            self.chunks = client.get_collection(self.chunks.name, embedding_function=None)
            self.articles = client.get_collection(self.articles.name, embedding_function=None)
            self.changes.reopen(client)
            for index, collection in ((self.keywords, self.chunks), (self.article_keywords, self.articles)):
                index.collection = collection  # type: ignore[attr-defined]
            self.client = client
            self.opened += 1
        return True

    @guarded
    def mark_seeded(self) -> None:
        """Record that the seed articles were indexed (``is_new`` is then false for good)."""
        self.client.get_or_create_collection(self._seeded_name, embedding_function=None)
        self.is_new = False

    # ---- reading -------------------------------------------------------
    @guarded
    def count_articles(self) -> int:
        return int(self.articles.count())

    @guarded
    def count_chunks(self) -> int:
        return int(self.chunks.count())
