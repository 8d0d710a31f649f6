"""A LangChain retriever over the store: question → scored passages."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from vectorstore.embedder import Embedder
from vectorstore.store import ChromaStore, Hit


def hit_to_document(hit: Hit) -> Document:
    return Document(
        id=hit.chunk_id,
        page_content=hit.text,
        metadata={
            "article_id": hit.article_id,
            "title": hit.title,
            "source": hit.source,
            "published": hit.published,
            "url": hit.url,
            "start": hit.start,
            "end": hit.end,
            "score": hit.score,
        },
    )


class NewsRetriever(BaseRetriever):
    """Embeds the query with our embedder and asks the store for the top passages.

    ``search`` returns the ``fetch_k`` best passages (the ranking that retrieval
    is measured on); the answer is written from the first ``k``.

    ``last_timings`` holds milliseconds for ``embed`` and ``search`` of the
    latest call.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any  # ChromaStore (Any: pydantic can't validate it)
    embedder: Any  # Embedder
    k: int = 5
    fetch_k: int = 30
    last_timings: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def create(cls, store: ChromaStore, embedder: Embedder, k: int = 5, fetch_k: int = 30) -> NewsRetriever:
        return cls(store=store, embedder=embedder, k=k, fetch_k=max(k, fetch_k))

    def search(self, query: str, k: int | None = None) -> tuple[list[Hit], Any]:
        t0 = time.perf_counter()
        vector = self.embedder.embed([query])[0]
        t1 = time.perf_counter()
        hits = self.store.query(vector, k or self.fetch_k)
        t2 = time.perf_counter()
        self.last_timings = {"embed_ms": (t1 - t0) * 1000, "search_ms": (t2 - t1) * 1000}
        return hits, vector

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits, _ = self.search(query, self.k)
        return [hit_to_document(h) for h in hits]
