"""Writing the store: the article record written last is the commit (see the package)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from vectorstore.article import Article, Chunk
from vectorstore.errors import NotFound
from vectorstore.ingest.dedup import StoryRecord, decode
from vectorstore.records import StoredArticle, day_of, passage_id
from vectorstore.store.base import guarded
from vectorstore.store.reads import Reads

log = logging.getLogger(__name__)


def _record(article: Article, n_chunks: int, story: StoryRecord | None) -> dict[str, Any]:
    """An article's record: its metadata, its passage count, its story and signature (alone:
    a story of its own)."""
    return {
        "title": article.title,
        "source": article.source or "",
        "url": article.url or "",
        "published": article.published or "",
        "published_days": day_of(article.published),
        "content_hash": article.content_hash,
        "n_chunks": n_chunks,
        "story": story.story if story is not None else article.id,
        "minhash": story.signature if story is not None else "",
    }


class Writes(Reads):
    # ---- writing -------------------------------------------------------
    @guarded
    def write_articles(
        self,
        items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]],
        stories: Mapping[str, StoryRecord] | None = None,
    ) -> None:
        """Store several articles: all their chunks, then their records (the commit),
        then delete the passages their records superseded.  ``stories`` gives an article's
        story and signature (vectorstore.ingest.dedup); without one it is a story of its own."""
        self.settle_thresholds()
        stories = stories or {}
        ids: list[str] = []
        vecs: list[np.ndarray] = []
        docs: list[str] = []
        metas: list[dict[str, Any]] = []
        records: list[dict[str, Any]] = []
        means: list[list[float]] = []
        for article, chunks, vectors in items:
            if len(chunks) != len(vectors) or len(chunks) == 0:
                raise ValueError("an article needs at least one chunk and one vector per chunk")
            h = article.content_hash
            days = day_of(article.published)
            base = {"article_id": article.id, "content_hash": h, "published_days": days}
            ids += [passage_id(article.id, h, c.index) for c in chunks]
            metas += [{**base, "index": c.index, "start": c.start, "end": c.end} for c in chunks]
            docs += [c.text for c in chunks]
            vecs.append(vectors)
            mean = vectors.mean(axis=0)
            means.append((mean / (np.linalg.norm(mean) or 1.0)).tolist())
            records.append(_record(article, len(chunks), stories.get(article.id)))
        if not items:
            return
        self.keywords.invalidate()
        self.article_keywords.invalidate()
        embeddings = np.concatenate(vecs).tolist()
        arts = [a for a, _, _ in items]
        previous = self.get_articles([a.id for a in arts])
        for i in range(0, len(ids), self.max_batch):
            sl = slice(i, i + self.max_batch)
            self.passages.forget(ids[sl])  # the same id holds the same words (passages.py); a repair may differ
            with self.changes.change("chunks", ids[sl]):
                self.chunks.upsert(ids=ids[sl], embeddings=embeddings[sl], documents=docs[sl], metadatas=metas[sl])
        for i in range(0, len(arts), self.max_batch):
            sl = slice(i, i + self.max_batch)
            with self.changes.change("articles", [a.id for a in arts[sl]]):
                self.articles.upsert(
                    ids=[a.id for a in arts[sl]],
                    embeddings=means[sl],
                    documents=[a.text for a in arts[sl]],
                    metadatas=records[sl],
                )
        self._drop_replaced(previous, set(ids))
        self.keywords.invalidate()
        self.article_keywords.invalidate()
        for a in arts:  # the near-duplicate index follows what was written
            sig = decode(stories[a.id].signature) if a.id in stories else None
            if sig is not None:
                self.stories.add(a.id, stories[a.id].story, sig)

    def _drop_replaced(self, previous: Mapping[str, StoredArticle], written: set[str]) -> None:
        """Delete the passages of the versions this write replaced (``previous``: the records
        before it; ``written``: the passage ids it wrote), by id: a filtered read would scan
        every passage (10 to 20 ms at 100k)."""
        self._delete_ids(
            [
                cid
                for a, old in previous.items()
                for cid in (passage_id(a, old.content_hash, i) for i in range(old.n_chunks))
                if cid not in written
            ]
        )

    @guarded
    def drop_superseded(self, current: Sequence[tuple[str, str]]) -> None:
        """Delete the passages of these articles that belong to another version than
        ``(article_id, content_hash)``: what a crash after a commit may have left.
        Chroma answers this filtered read by scanning every passage."""
        for i in range(0, len(current), self.max_batch):
            part = current[i : i + self.max_batch]
            where = {
                "$and": [
                    {"article_id": {"$in": [a for a, _ in part]}},
                    {"content_hash": {"$nin": [h for _, h in part]}},
                ]
            }
            self._delete_where(where)
        self.keywords.invalidate()
        self.article_keywords.invalidate()

    @guarded
    def story_for(self, article_id: str, m: Any) -> str:
        """The stored story an article of MinHash ``m`` repeats, else its own id (:class:`StoryIndex`)."""
        return self.stories.story_for(article_id, m)

    def set_stories(self, stories: Mapping[str, StoryRecord]) -> None:
        """Record the story and signature of stored articles (ones stored before stories existed)."""
        if not stories:
            return
        res = self.articles.get(ids=list(stories), include=["metadatas"])
        ids = list(res["ids"])
        metas = [
            {**(m or {}), "story": stories[i].story, "minhash": stories[i].signature}
            for i, m in zip(ids, res["metadatas"] or [], strict=True)
        ]
        if ids:
            self.articles.update(ids=ids, metadatas=metas)
        for i in ids:
            sig = decode(stories[i].signature)
            if sig is not None:
                self.stories.add(i, stories[i].story, sig)

    @guarded
    def update_metadata(self, articles: Sequence[Article]) -> None:
        """Apply new source/url/date to stored articles whose text is unchanged."""
        if not articles:
            return
        old = self.get_articles([a.id for a in articles])
        with self.changes.change("articles", [a.id for a in articles]):
            self._update_records(articles, old)
        for a in articles:
            res = self.chunks.get(where={"article_id": a.id}, include=["metadatas"])
            if res["ids"]:
                metas = [{**(m or {}), "published_days": day_of(a.published)} for m in res["metadatas"] or []]
                with self.changes.change("chunks", res["ids"]):
                    self.chunks.update(ids=res["ids"], metadatas=metas)
        self.keywords.invalidate()
        self.article_keywords.invalidate()

    def _update_records(self, articles: Sequence[Article], old: Mapping[str, StoredArticle]) -> None:
        kept = {a.id: StoryRecord(a.id, old[a.id].story, old[a.id].signature) for a in articles}
        self.articles.update(
            ids=[a.id for a in articles], metadatas=[_record(a, old[a.id].n_chunks, kept[a.id]) for a in articles]
        )

    def _delete_where(self, where: dict[str, Any]) -> None:
        """Delete the passages ``where`` selects, naming them in the change log."""
        self._delete_ids(self.chunks.get(where=where, include=[])["ids"])

    def _delete_ids(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), self.max_batch):
            part = list(ids[i : i + self.max_batch])
            with self.changes.change("chunks", part):
                self.chunks.delete(ids=part)
            self.passages.forget(part)

    @guarded
    def delete_chunks(self, ids: Sequence[str]) -> None:
        self._delete_ids(ids)
        self.keywords.invalidate()
        self.article_keywords.invalidate()

    def write_article(self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        self.write_articles([(article, chunks, vectors)])

    @guarded
    def delete_article(self, id_: str) -> StoredArticle:
        art = self.get_article(id_)
        if art is None:
            raise NotFound(f"No article with id {id_!r}. `newsrag list` shows the ids.")
        with self.changes.change("articles", [id_]):
            self.articles.delete(ids=[id_])  # uncommit first: its chunks vanish from queries at once
        self._delete_where({"article_id": id_})
        self.stories.remove(id_)
        self.keywords.invalidate()
        self.article_keywords.invalidate()
        return art
