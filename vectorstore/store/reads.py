"""Reading the store: articles, passages by vector, words and id, and stories."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from vectorstore.article import Article
from vectorstore.errors import NotFound
from vectorstore.ingest.dedup import StoryRecord
from vectorstore.records import Hit, Scope, StoredArticle, day_of, passage_id
from vectorstore.store.base import StoreBase, guarded, text_or_none
from vectorstore.store.passages import Passage, passage_of

log = logging.getLogger(__name__)


class Reads(StoreBase):
    @staticmethod
    def _stored(id_: str, m: dict[str, Any]) -> StoredArticle:
        return StoredArticle(
            id=id_,
            title=str(m.get("title", "")),
            source=text_or_none(m.get("source")),
            url=text_or_none(m.get("url")),
            published=text_or_none(m.get("published")),
            content_hash=str(m.get("content_hash", "")),
            n_chunks=int(m.get("n_chunks", 0)),
            story=str(m.get("story") or id_),
            signature=str(m.get("minhash") or ""),
        )

    @guarded
    def get_articles(self, ids: Sequence[str]) -> dict[str, StoredArticle]:
        if not ids:
            return {}
        res = self.articles.get(ids=list(ids), include=["metadatas"])
        return {i: self._stored(i, m or {}) for i, m in zip(res["ids"], res["metadatas"] or [], strict=True)}

    def get_article(self, id_: str) -> StoredArticle | None:
        return self.get_articles([id_]).get(id_)

    @guarded
    def article_text(self, id_: str) -> str:
        res = self.articles.get(ids=[id_], include=["documents"])
        if not res["ids"]:
            raise NotFound(f"No article with id {id_!r}. `newsrag list` shows the ids.")
        return str((res["documents"] or [""])[0])

    @guarded
    def list_articles(self) -> list[StoredArticle]:
        out: list[StoredArticle] = []
        offset = 0
        while True:
            res = self.articles.get(include=["metadatas"], limit=self.max_batch, offset=offset)
            out.extend(self._stored(i, m or {}) for i, m in zip(res["ids"], res["metadatas"] or [], strict=True))
            if len(res["ids"]) < self.max_batch:
                break
            offset += self.max_batch
        out.sort(key=lambda a: (a.published or "", a.title), reverse=True)
        return out

    @guarded
    def story_records(self) -> list[StoryRecord]:
        """Every stored article's story and signature (to build the near-duplicate index)."""
        ids, metas = self._all(self.articles, ["metadatas"])
        return [
            StoryRecord(i, str((m or {}).get("story") or i), str((m or {}).get("minhash") or ""))
            for i, m in zip(ids, metas, strict=True)
        ]

    @guarded
    def stored_urls(self, urls: Sequence[str]) -> dict[str, str]:
        """Of these URLs, the ones an article is stored under, with its id."""
        if not urls:
            return {}
        res = self.articles.get(where={"url": {"$in": sorted(set(urls))}}, include=["metadatas"])
        return {str((m or {}).get("url")): i for i, m in zip(res["ids"], res["metadatas"] or [], strict=True)}

    @guarded
    def copies(self, stories: Sequence[str]) -> dict[str, list[StoredArticle]]:
        """The stored articles of each of these stories (stories with one article included)."""
        out: dict[str, list[StoredArticle]] = {}
        if not stories:
            return out
        res = self.articles.get(where={"story": {"$in": sorted(set(stories))}}, include=["metadatas"])
        for i, m in zip(res["ids"], res["metadatas"] or [], strict=True):
            a = self._stored(i, m or {})
            out.setdefault(a.story, []).append(a)
        return out

    @guarded
    def query(self, vector: np.ndarray, k: int, scope: Scope | None = None) -> list[Hit]:
        """The ``k`` passages closest to ``vector`` within ``scope``, best first, committed articles only.

        A date scope is applied to a deeper unfiltered search (Chroma's filtered search
        scans the metadata: 10× slower here); for the as-of bound alone, a filtered search
        follows only when too few passages survive.  A date window keeps what the deeper
        search found in it (a window's best passages are among the nearest overall)."""
        if k <= 0 or (scope is not None and scope.article_ids is not None and not scope.article_ids):
            return []
        if scope is None or scope.unbounded:
            return self._query(vector, k, None)
        if scope.article_ids is not None:
            return self._query(vector, k, scope.where())
        depth = min(self.max_batch, k * (10 if scope.min_day is not None else 3))
        deep = self._nearest_in_dates(vector, depth, k, scope)
        kept = [h for h in deep if scope.admits_day(day_of(h.published))][:k]
        if len(kept) < k and scope.min_day is None and len(deep) < self.chunks.count():
            return self._query(vector, k, scope.where())
        return kept

    def _nearest_in_dates(self, vector: np.ndarray, depth: int, k: int, scope: Scope) -> list[Hit]:
        """The ``depth`` nearest passages, of which only those that may lie within the scope's
        dates are read in full: ids and distances first (reading 300 passages' metadata costs
        20 ms here), pruned by the article dates the in-memory article index knows (an
        article it doesn't know yet is read and checked like any other)."""
        res = self.chunks.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()], n_results=depth, include=["distances"]
        )
        ids = res["ids"][0]
        scores = {cid: 1.0 - float(d) for cid, d in zip(ids, (res["distances"] or [[]])[0], strict=True)}
        days = self.article_keywords.days_of({cid.rsplit(":", 2)[0] for cid in ids})
        maybe: list[str] = []
        sure = 0  # candidates whose date the index knows to be in scope: k of them are enough
        for c in ids:
            d = days.get(c.rsplit(":", 2)[0])
            if d is None or scope.admits_day(d):
                maybe.append(c)
                sure += d is not None
                if sure >= k:
                    break
        if not maybe:
            return []
        found = self._passages(maybe)
        return self._live_hits([(c, found[c], scores[c]) for c in maybe if c in found])

    def _query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None) -> list[Hit]:
        res = self.chunks.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
            n_results=k,
            where=where,
            include=["distances"],  # the passages themselves from memory when read before (_passages)
        )
        ids = res["ids"][0]
        scores = [1.0 - float(d) for d in (res["distances"] or [[]])[0]]
        found = self._passages(ids)
        return self._live_hits([(c, found[c], s) for c, s in zip(ids, scores, strict=True) if c in found])

    def _passages(self, ids: Sequence[str]) -> dict[str, Passage]:
        """The passages ``ids`` that exist (text, place, vector): those read before from memory,
        the others from Chroma in one read (vectorstore.store.passages)."""
        found, missing = self.passages.known(ids)
        if missing:
            res = self.chunks.get(ids=missing, include=["documents", "metadatas", "embeddings"])
            docs, metas = res["documents"] or [], res["metadatas"] or []
            embs = res["embeddings"] if res["embeddings"] is not None else []
            read = {c: passage_of(d, m, e) for c, d, m, e in zip(res["ids"], docs, metas, embs, strict=True)}
            self.passages.keep(read)
            found.update(read)
        return found

    @guarded
    def hits_by_ids(self, ids: Sequence[str], vector: np.ndarray) -> list[Hit]:
        """The passages ``ids`` (committed ones only), scored by cosine similarity to ``vector``."""
        if not ids:
            return []
        return self._scored(ids, vector)

    def _scored(
        self, ids: Sequence[str], vector: np.ndarray, records: dict[str, StoredArticle] | None = None
    ) -> list[Hit]:
        """:meth:`hits_by_ids`, with the articles' ``records`` when just read."""
        found = self._passages(ids)
        v = np.asarray(vector, dtype=np.float32)
        return self._live_hits([(c, found[c], float(found[c].vector @ v)) for c in ids if c in found], records)

    @guarded
    def keyword_search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        """Ids of the passages within ``scope`` whose words match ``query`` best (BM25), best first."""
        return self.keywords.search(query, k, scope)

    @guarded
    def article_search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        """Ids of the articles within ``scope`` whose title and text match ``query`` best (BM25), best first."""
        return self.article_keywords.search(query, k, scope)

    @guarded
    def dated_articles_in(self, scope: Scope) -> int:
        """How many articles carry a date within ``scope`` (from the in-memory article index)."""
        return self.article_keywords.dated_in(scope)

    @guarded
    def best_passages(
        self, article_ids: Sequence[str], vector: np.ndarray, records: dict[str, StoredArticle] | None = None
    ) -> list[Hit]:
        """For each of these articles, its passage closest to ``vector`` (committed ones only), in no order.

        Passage ids follow from the article records (``<id>:<hash8>:<index>``; pass them
        when already read), so this is a fetch by id, not a filtered search."""
        if records is None:
            records = self.get_articles(list(article_ids))
        wanted = [records[a] for a in article_ids if a in records]
        ids = [passage_id(a.id, a.content_hash, i) for a in wanted for i in range(a.n_chunks)]
        if not ids:
            return []
        found = self._passages(ids)
        kept = [c for c in ids if c in found]
        if not kept:
            return []
        scores = np.stack([found[c].vector for c in kept]) @ np.asarray(vector, dtype=np.float32)
        winners: dict[str, tuple[float, str]] = {}
        for cid, s in zip(kept, scores.tolist(), strict=True):
            art = found[cid].article_id
            if art not in winners or s > winners[art][0]:
                winners[art] = (s, cid)
        return self._scored([cid for _, cid in winners.values()], vector, records)  # records read just now

    @guarded
    def article_ids_from(self, sources: Sequence[str]) -> frozenset[str]:
        """The ids of the articles from these outlets (case-insensitive)."""
        wanted = {s.strip().lower() for s in sources if s.strip()}
        ids, metas = self._all(self.articles, ["metadatas"])
        return frozenset(
            i for i, m in zip(ids, metas, strict=True) if str((m or {}).get("source", "")).lower() in wanted
        )

    def _live_hits(
        self, found: Sequence[tuple[str, Passage, float]], records: dict[str, StoredArticle] | None = None
    ) -> list[Hit]:
        """Hits of ``(id, passage, score)``, in that order, of the passages whose article's record
        is of their version (committed, not superseded), with that record's title, outlet and date
        (``records``: those of the same call, when it read them)."""
        wanted = sorted({p.article_id for _, p, _ in found})
        live = records if records is not None and all(a in records for a in wanted) else self.get_articles(wanted)
        hits = []
        for cid, p, score in found:
            art = live.get(p.article_id)
            if art is None or art.content_hash != p.content_hash:
                continue  # an uncommitted or superseded passage
            hits.append(Hit(**art.ref().ref_fields(), chunk_id=cid, text=p.text, start=p.start, end=p.end,
                            score=score, story=art.story))  # fmt: skip
        return hits

    @guarded
    def nearest_articles(
        self, vector: np.ndarray, k: int, scope: Scope | None = None
    ) -> list[tuple[StoredArticle, float]]:
        """Whole articles closest to ``vector`` (by their mean passage vector), within ``scope``
        (what a question may use: nothing after its as-of date, its filters)."""
        n = self.count_articles()
        if n == 0 or k <= 0:
            return []
        scope = scope or Scope()
        ids = scope.article_ids
        if ids is not None and not ids:
            return []
        days = replace(scope, article_ids=None).where()  # the article records carry published_days, not article_id
        res = self.articles.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
            n_results=min(n if ids is not None else k, n),  # an outlet's articles: filtered by id below
            where=days,
            include=["metadatas", "distances"],
        )
        metas = (res["metadatas"] or [[]])[0]
        dists = (res["distances"] or [[]])[0]
        found = [
            (self._stored(i, m or {}), 1.0 - float(d)) for i, m, d in zip(res["ids"][0], metas, dists, strict=True)
        ]
        return [(a, s) for a, s in found if ids is None or a.id in ids][:k]

    # ---- consistency ------------------------------------------------------
    def _pages(self, collection: Any, include: list[str]) -> Iterator[dict[str, Any]]:
        """Every record of ``collection``, ``max_batch`` at a time."""
        offset = 0
        while True:
            res = collection.get(include=include, limit=self.max_batch, offset=offset)
            yield res
            if len(res["ids"]) < self.max_batch:
                return
            offset += self.max_batch

    def _all(self, collection: Any, include: list[str]) -> tuple[list[str], list[Any]]:
        ids: list[str] = []
        metas: list[Any] = []
        for res in self._pages(collection, include):
            ids += res["ids"]
            metas += res["metadatas"] or [{}] * len(res["ids"])
        return ids, metas

    @guarded
    def stored_article(self, id_: str) -> Article:
        """The article as stored (text and metadata), to index it again."""
        res = self.articles.get(ids=[id_], include=["documents", "metadatas"])
        if not res["ids"]:
            raise NotFound(f"No article with id {id_!r}. `newsrag list` shows the ids.")
        m = (res["metadatas"] or [{}])[0] or {}
        return Article(
            id=id_,
            title=str(m.get("title", "")),
            text=str((res["documents"] or [""])[0]),
            source=text_or_none(m.get("source")),
            url=text_or_none(m.get("url")),
            published=text_or_none(m.get("published")),
        )
