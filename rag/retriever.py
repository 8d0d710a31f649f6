"""A LangChain retriever over the store: question → scored passages."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from vectorstore.embedders import Embedder
from vectorstore.errors import InputError
from vectorstore.records import Hit, Scope

from .filters import Filters
from .stages import PassageSearch, Request, make_stages, run_stages
from .timeexpr import TimeScope, parse_time

DEFAULT_STAGES = "dense,keyword,article,time"


def hit_to_document(hit: Hit) -> Document:
    return Document(
        id=hit.chunk_id,
        page_content=hit.text,
        metadata={
            **hit.ref_fields(),
            "start": hit.start,
            "end": hit.end,
            "score": hit.score,
        },
    )


@dataclass(frozen=True)
class Retrieval:
    hits: list[Hit]  # best first
    vector: Any  # the question's
    time: TimeScope  # what the question said about time
    timings: dict[str, float]  # milliseconds: embed, search


class NewsRetriever(BaseRetriever):
    """Embeds the query and runs the ranking stages (:mod:`rag.stages`) over the store.

    ``search`` returns the ``fetch_k`` best passages (the ranking that retrieval
    is measured on); the answer is written from the first ``k``.  ``retrieve``
    returns the same with what the question said about time and the timings of
    the call (nothing is kept between calls: questions may be asked at once).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any  # PassageSearch (Any: pydantic can't validate a Protocol)
    embedder: Any  # Embedder
    stages: list[Any]  # RankingStage
    k: int = 5
    fetch_k: int = 30

    @classmethod
    def create(
        cls, store: PassageSearch, embedder: Embedder, k: int = 5, fetch_k: int = 30, stages: str = DEFAULT_STAGES
    ) -> NewsRetriever:
        return cls(store=store, embedder=embedder, k=k, fetch_k=max(k, fetch_k), stages=make_stages(stages, store))

    @property
    def stage_names(self) -> list[str]:
        return [s.name for s in self.stages]

    def scope(self, filters: Filters) -> Scope:
        """The hard limits: nothing published after as-of (or ``until``), nothing before ``since``."""
        as_of = filters.as_of_or_today()
        until = min(as_of, filters.until) if filters.until else as_of
        ids = self.store.article_ids_from(filters.sources) if filters.sources else None
        if ids is not None and not ids:
            raise InputError(
                f"No stored article is from {', '.join(filters.sources)}. "
                "`newsrag list` (or the Library) shows the outlets; check the spelling or drop the filter."
            )
        return Scope(
            max_day=until.toordinal(), min_day=filters.since.toordinal() if filters.since else None, article_ids=ids
        )

    def retrieve(self, query: str, k: int | None = None, filters: Filters | None = None) -> Retrieval:
        filters = filters or Filters()
        t0 = time.perf_counter()
        vector = self.embedder.embed([query])[0]
        t1 = time.perf_counter()
        as_of = filters.as_of_or_today()
        said = parse_time(query, as_of) if "time" in self.stage_names else TimeScope()
        req = Request(text=query, vector=vector, n=k or self.fetch_k, scope=self.scope(filters),
                      time=said, as_of=as_of)  # fmt: skip
        evidence = next((float(getattr(s, "evidence", 0.0)) for s in self.stages if s.name == "article"), 0.0)
        hits = run_stages(self.stages, req, self.store, evidence)
        timings = {"embed_ms": (t1 - t0) * 1000, "search_ms": (time.perf_counter() - t1) * 1000}
        return Retrieval(hits=hits, vector=vector, time=said, timings=timings)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> tuple[list[Hit], Any]:
        """The ranked passages and the question's vector."""
        r = self.retrieve(query, k, filters)
        return r.hits, r.vector

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits, _ = self.search(query, self.k)
        return [hit_to_document(h) for h in hits]
