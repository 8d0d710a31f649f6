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


RRF_K = 60


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
    hybrid: bool = True  # fuse the dense ranking with BM25's (reciprocal rank fusion)
    last_timings: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def create(
        cls, store: ChromaStore, embedder: Embedder, k: int = 5, fetch_k: int = 30, hybrid: bool = True
    ) -> NewsRetriever:
        return cls(store=store, embedder=embedder, k=k, fetch_k=max(k, fetch_k), hybrid=hybrid)

    def search(self, query: str, k: int | None = None) -> tuple[list[Hit], Any]:
        t0 = time.perf_counter()
        vector = self.embedder.embed([query])[0]
        t1 = time.perf_counter()
        n = k or self.fetch_k
        hits = self.store.query(vector, n)
        t2 = time.perf_counter()
        self.last_timings = {"embed_ms": (t1 - t0) * 1000, "search_ms": (t2 - t1) * 1000}
        if self.hybrid:
            hits = self._fuse(query, vector, hits, n)
            self.last_timings["keyword_ms"] = (time.perf_counter() - t2) * 1000
        return hits, vector

    def _fuse(self, query: str, vector: Any, dense: list[Hit], n: int) -> list[Hit]:
        """Reciprocal rank fusion (k=60) of the dense ranking and BM25's.

        Every hit keeps its cosine similarity as ``score`` (what abstention reads).
        """
        keyword_ids = self.store.keyword_search(query, n)
        fused: dict[str, float] = {}
        for ranking in ([h.chunk_id for h in dense], keyword_ids):
            for rank, cid in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        top = sorted(fused, key=lambda c: -fused[c])[:n]
        by_id = {h.chunk_id: h for h in dense}
        # fetch only the keyword-only passages that made the cut (and drop uncommitted ones)
        for h in self.store.hits_by_ids([c for c in top if c not in by_id], vector):
            by_id[h.chunk_id] = h
        return [by_id[c] for c in top if c in by_id]

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits, _ = self.search(query, self.k)
        return [hit_to_document(h) for h in hits]
