"""What a crash can leave in a store, found and repaired: stray passages, torn vector indexes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import vectorstore.chroma_internals as chroma_internals
from vectorstore.errors import StoreDamaged, is_damaged_index
from vectorstore.store.base import guarded
from vectorstore.store.writes import Writes

log = logging.getLogger(__name__)


@dataclass
class CheckReport:
    """What ``newsrag check`` found: passages no article owns, passages of an older
    version of their article, articles whose passages are missing, keyword drift."""

    articles: int = 0
    passages: int = 0
    orphaned: list[str] = field(default_factory=list)  # chunk ids whose article has no record
    superseded: list[str] = field(default_factory=list)  # chunk ids of an older version of their article
    incomplete: list[str] = field(default_factory=list)  # article ids missing some or all of their passages
    keyword_missing: int = 0  # live passages the keyword index does not hold
    keyword_extra: int = 0  # indexed ids that are no live passage
    torn: list[str] = field(default_factory=list)  # "passages"/"articles": a vector index a crash left unreadable

    @property
    def ok(self) -> bool:
        return not (
            self.torn
            or self.orphaned
            or self.superseded
            or self.incomplete
            or self.keyword_missing
            or self.keyword_extra
        )


class Checks(Writes):
    # ---- vector indexes a crash tore (vectorstore.chroma_internals) ---------------------
    def _kinds(self) -> dict[str, Any]:
        return {"passages": self.chunks, "articles": self.articles}

    def _vector_folder(self, collection: Any) -> Path | None:
        settings = self.client.get_settings()
        if not getattr(settings, "is_persistent", False) or not settings.persist_directory:
            return None
        return chroma_internals.vector_folder(settings.persist_directory, str(collection.id))

    def torn_indexes(self) -> list[str]:
        """Which of "passages" and "articles" have a vector index Chroma cannot read, or one
        whose rebuild was cut off."""
        torn = []
        for kind, collection in self._kinds().items():
            folder = self._vector_folder(collection)
            if folder is not None and chroma_internals.aside(folder).exists():
                torn.append(kind)
                continue
            try:
                collection.get(ids=["newsrag-probe"], include=[])
            except Exception as e:
                if not is_damaged_index(e):
                    raise
                torn.append(kind)
        return torn

    def rebuild_vectors(self, kinds: Sequence[str], embed: Callable[[list[str]], np.ndarray]) -> None:
        """Write every vector of ``kinds`` again: a passage's from its text (``embed``), an
        article's as the mean of its passages'.  Passages go first: articles are made from them."""
        for kind in ("passages", "articles"):
            if kind not in kinds:
                continue
            collection = self._kinds()[kind]
            folder = self._vector_folder(collection)
            if folder is None:
                raise StoreDamaged(
                    f"The {kind}' vector index on the Chroma server cannot be read. Restart the server; "
                    "if that does not help, ingest the articles again into a new store."
                )
            chroma_internals.set_aside(folder)
            means = self._passage_means() if kind == "articles" else {}
            ids, _ = self._all(collection, [])
            for i in range(0, len(ids), self.max_batch):
                res = collection.get(ids=ids[i : i + self.max_batch], include=["documents", "metadatas"])
                docs = [str(d) for d in res["documents"] or []]
                metas = res["metadatas"] or []
                vectors: np.ndarray
                if kind == "passages":
                    vectors = np.asarray(embed(docs), dtype=np.float32)
                else:
                    zero = np.zeros(self.dim, dtype=np.float32)
                    keys = [(a, str((m or {}).get("content_hash", ""))) for a, m in zip(res["ids"], metas, strict=True)]
                    vectors = np.stack([means.get(k, zero) for k in keys]) if keys else zero[:0]
                with self.changes.change("chunks" if kind == "passages" else "articles", res["ids"]):
                    collection.upsert(ids=res["ids"], embeddings=vectors.tolist(), documents=docs, metadatas=metas)
            chroma_internals.repaired(folder)
            log.warning("rebuilt the vector index of %d %s", len(ids), kind)
        self.keywords.invalidate()
        self.article_keywords.invalidate()

    def _passage_means(self) -> dict[tuple[str, str], np.ndarray]:
        """Each article version's vector as ``write_articles`` makes it: the normalised mean of
        its passages' vectors, keyed by (article id, content hash).  Read a page at a time."""
        sums: dict[tuple[str, str], np.ndarray] = {}
        for res in self._pages(self.chunks, ["embeddings", "metadatas"]):
            for vec, m in zip(res["embeddings"] if res["embeddings"] is not None else [], res["metadatas"] or [],
                              strict=True):  # fmt: skip
                key = (str((m or {}).get("article_id", "")), str((m or {}).get("content_hash", "")))
                sums[key] = sums.get(key, 0.0) + np.asarray(vec, dtype=np.float64)
        return {k: (v / (np.linalg.norm(v) or 1.0)).astype(np.float32) for k, v in sums.items()}

    @guarded
    def check(self) -> CheckReport:
        """Compare passages with their article records and with the keyword index."""
        torn = self.torn_indexes()
        if torn:
            return CheckReport(torn=torn)
        art_ids, art_metas = self._all(self.articles, ["metadatas"])
        records = {i: self._stored(i, m or {}) for i, m in zip(art_ids, art_metas, strict=True)}
        chunk_ids, chunk_metas = self._all(self.chunks, ["metadatas"])
        report = CheckReport(articles=len(records), passages=len(chunk_ids))
        live: dict[str, int] = {}
        live_ids: set[str] = set()
        for cid, m in zip(chunk_ids, chunk_metas, strict=True):
            rec = records.get(str((m or {}).get("article_id")))
            if rec is None:
                report.orphaned.append(cid)
            elif rec.content_hash != (m or {}).get("content_hash"):
                report.superseded.append(cid)
            else:
                live[rec.id] = live.get(rec.id, 0) + 1
                live_ids.add(cid)
        report.incomplete = sorted(i for i, r in records.items() if live.get(i, 0) != r.n_chunks or r.n_chunks == 0)
        indexed = self.keywords.indexed_ids()
        if indexed is not None:
            report.keyword_missing = len(live_ids - indexed)
            report.keyword_extra = len(indexed - live_ids)
        return report

    @guarded
    def rebuild_keywords(self) -> None:
        """Index every passage and article afresh (``check --repair`` after drift)."""
        self.keywords.rebuild()
        self.article_keywords.rebuild()
