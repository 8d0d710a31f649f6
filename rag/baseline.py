"""The naive baseline: LangChain's RAG tutorial setup, for comparison only.

``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)``, the same
MiniLM model, one Chroma collection, the top 4 chunks per question.  No
titles in the embedding, no commit markers, no answerer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from vectorstore.article import Article
from vectorstore.embedders import Embedder

TOP_K = 4


class NaiveBaseline:
    def __init__(self, client: Any, embedder: Embedder, name: str = "naive_baseline") -> None:
        self.embedder = embedder
        self.collection = client.get_or_create_collection(
            name, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def count(self) -> int:
        return int(self.collection.count())

    def build(self, articles: Sequence[Article]) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        batch_ids: list[str] = []
        batch_docs: list[str] = []
        batch_meta: list[dict[str, Any]] = []

        def flush() -> None:
            if batch_docs:
                vecs = self.embedder.embed(batch_docs)
                self.collection.upsert(ids=batch_ids, embeddings=vecs.tolist(), documents=batch_docs,
                                       metadatas=batch_meta)  # fmt: skip
            batch_ids.clear()
            batch_docs.clear()
            batch_meta.clear()

        for art in articles:
            for i, piece in enumerate(splitter.split_text(art.text)):
                batch_ids.append(f"{art.id}:{i}")
                batch_docs.append(piece)
                batch_meta.append({"article_id": art.id})
                if len(batch_docs) >= 256:
                    flush()
        flush()

    def search(self, question: str) -> tuple[list[str], dict[str, float]]:
        """Distinct article ids of the top 4 chunks, best first, and stage timings in ms."""
        t0 = time.perf_counter()
        vec = self.embedder.embed([question])[0]
        t1 = time.perf_counter()
        res = self.collection.query(query_embeddings=[vec.tolist()], n_results=TOP_K, include=["metadatas"])
        t2 = time.perf_counter()
        ids = [str(m["article_id"]) for m in (res["metadatas"] or [[]])[0]]
        timings = {"embed_ms": (t1 - t0) * 1000, "search_ms": (t2 - t1) * 1000, "total_ms": (t2 - t0) * 1000}
        return list(dict.fromkeys(ids)), timings
