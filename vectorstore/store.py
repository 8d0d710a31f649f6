"""The Chroma-backed store of articles and their chunks.

Two collections: ``<prefix>_chunks`` (one record per passage, with its
embedding) and ``<prefix>_articles`` (one record per article: full text and
metadata).  The article record is written *last* and acts as the commit
marker: chunks whose article record is missing, or whose content hash differs
from it, are invisible to queries and are cleaned up on the next write of that
article.  So a crash half-way through an article never leaves a partial
article behind, and re-running the same ingest converges to one copy.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from . import chroma_repair
from .article import Article, Chunk
from .changelog import ChangeLog
from .chroma_config import ARTICLES_SYNC_EVERY, PASSAGES_SYNC_EVERY, sync_every
from .dedup import StoryIndex, StoryRecord, decode
from .errors import (
    BackendUnavailable,
    ConfigError,
    NewsragError,
    NotFound,
    StoreDamaged,
    is_connection_error,
    is_damaged_index,
    is_stale_reader,
)
from .fts import FtsDatabase, FtsIndex
from .keyword import KeywordIndex, article_record
from .records import Hit, Scope, StoredArticle, day_of, passage_id

log = logging.getLogger(__name__)

CHROMA_MAX_BATCH = 5000  # Chroma rejects larger adds (its limit is 5,461)


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


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def open_client(data_dir: str | None = None, host: str | None = None, port: int = 8000) -> Any:
    """An embedded Chroma under ``data_dir``, or a Chroma server when ``host`` is set.

    Telemetry is always off.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=settings)
            client.heartbeat()
        except Exception as e:  # chromadb raises several types for a dead server
            raise BackendUnavailable(
                f"The Chroma server at http://{host}:{port} is not reachable ({type(e).__name__}). "
                f"Start it with `chroma run --host {host} --port {port} --path DIR`, "
                "or unset NEWSRAG_CHROMA_HOST to use the embedded store."
            ) from None
        return client
    if not data_dir:
        raise ConfigError("No data directory: set NEWSRAG_DATA_DIR (or NEWSRAG_CHROMA_HOST for a server).")
    try:
        return chromadb.PersistentClient(path=data_dir, settings=settings)
    except Exception as e:  # a damaged or foreign chroma.sqlite3, a store from another Chroma version
        raise ConfigError(
            f"The store in {data_dir} cannot be opened: it is damaged or not a Chroma store "
            f"({type(e).__name__}: {str(e)[:200]}). Move that folder away (your articles must then be ingested "
            "again), or point NEWSRAG_DATA_DIR at another folder."
        ) from None


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory, or say exactly why it cannot be used."""
    hint = "Set NEWSRAG_DATA_DIR (or --data-dir) to a folder newsrag may write to."
    for parent in [data_dir, *data_dir.parents]:
        if parent.exists() and not parent.is_dir():
            what = "is a file" if parent == data_dir else f"lies under {parent}, which is a file"
            raise ConfigError(f"The data directory {data_dir} {what}, not a folder. {hint}")
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise ConfigError(f"The data directory {data_dir} cannot be written ({e.strerror}). {hint}") from None


@dataclass(frozen=True)
class StorePlace:
    """Where a store lives: an embedded Chroma under ``data_dir``, or a Chroma server at
    ``host``:``port`` (its keyword index still in ``data_dir``); ``collection``: the names' prefix."""

    data_dir: Path
    host: str | None = None
    port: int = 8000
    collection: str = "newsrag"

    @property
    def where(self) -> str:
        if self.host:
            return f"Chroma server at http://{self.host}:{self.port}"
        return f"embedded Chroma store in {(self.data_dir / 'chroma').resolve()}"

    @property
    def keyword_db(self) -> Path:
        name = f"{self.collection}-{self.host}-{self.port}" if self.host else self.collection
        return self.data_dir / f"keywords-{name}.sqlite3"


def open_store(place: StorePlace, space: str, dim: int, client: Any = None) -> ChromaStore:
    """The store at ``place`` for vectors of ``space`` (``client``: an open Chroma client to use)."""
    if client is None:
        if not place.host:
            prepare_data_dir(place.data_dir)
        client = open_client(str(place.data_dir / "chroma"), place.host, place.port)
    return ChromaStore(client, space, dim, prefix=place.collection, where=place.where, keyword_db=place.keyword_db)


F = TypeVar("F", bound=Callable[..., Any])


def _guarded(fn: F) -> F:
    """A store call whose server went away raises BackendUnavailable that says so."""

    @wraps(fn)
    def wrapper(self: ChromaStore, *args: Any, **kwargs: Any) -> Any:
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


class ChromaStore:
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
            from .embedder import embedders_of

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

    def reopen(self, opened: int) -> bool:
        """Open the embedded client again, when the store's ``opened`` count is still ``opened``
        (a call that failed meanwhile may have done it already); False for a Chroma server.

        Another process's replace or delete leaves this process's embedded Chroma reading records
        that are gone ("Error finding id" on every filtered search, for minutes or for good); a
        new handle on the same client does not help, a new client does."""
        settings = self.client.get_settings()
        if not getattr(settings, "is_persistent", False) or not getattr(settings, "persist_directory", None):
            return False
        from chromadb.api.shared_system_client import SharedSystemClient

        with self._reopening:
            if self.opened != opened:
                return True
            log.info("another process changed the store: opening %s again", settings.persist_directory)
            # Chroma shares one system per folder in a process: forget it, so the new client gets its own.
            SharedSystemClient._identifier_to_system.pop(str(settings.persist_directory), None)
            SharedSystemClient._identifier_to_refcount.pop(str(settings.persist_directory), None)
            client = open_client(str(settings.persist_directory))
            self.chunks = client.get_collection(self.chunks.name, embedding_function=None)
            self.articles = client.get_collection(self.articles.name, embedding_function=None)
            self.changes.reopen(client)
            for index, collection in ((self.keywords, self.chunks), (self.article_keywords, self.articles)):
                index.collection = collection  # type: ignore[attr-defined]
            self.client = client
            self.opened += 1
        return True

    @_guarded
    def mark_seeded(self) -> None:
        """Record that the seed articles were indexed (``is_new`` is then false for good)."""
        self.client.get_or_create_collection(self._seeded_name, embedding_function=None)
        self.is_new = False

    # ---- reading -------------------------------------------------------
    @_guarded
    def count_articles(self) -> int:
        return int(self.articles.count())

    @_guarded
    def count_chunks(self) -> int:
        return int(self.chunks.count())

    @staticmethod
    def _stored(id_: str, m: dict[str, Any]) -> StoredArticle:
        return StoredArticle(
            id=id_,
            title=str(m.get("title", "")),
            source=_opt(m.get("source")),
            url=_opt(m.get("url")),
            published=_opt(m.get("published")),
            content_hash=str(m.get("content_hash", "")),
            n_chunks=int(m.get("n_chunks", 0)),
            story=str(m.get("story") or id_),
            signature=str(m.get("minhash") or ""),
        )

    @_guarded
    def get_articles(self, ids: Sequence[str]) -> dict[str, StoredArticle]:
        if not ids:
            return {}
        res = self.articles.get(ids=list(ids), include=["metadatas"])
        return {i: self._stored(i, m or {}) for i, m in zip(res["ids"], res["metadatas"] or [], strict=True)}

    def get_article(self, id_: str) -> StoredArticle | None:
        return self.get_articles([id_]).get(id_)

    @_guarded
    def article_text(self, id_: str) -> str:
        res = self.articles.get(ids=[id_], include=["documents"])
        if not res["ids"]:
            raise NotFound(f"No article with id {id_!r}. `newsrag list` shows the ids.")
        return str((res["documents"] or [""])[0])

    @_guarded
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

    @_guarded
    def story_records(self) -> list[StoryRecord]:
        """Every stored article's story and signature (to build the near-duplicate index)."""
        ids, metas = self._all(self.articles, ["metadatas"])
        return [
            StoryRecord(i, str((m or {}).get("story") or i), str((m or {}).get("minhash") or ""))
            for i, m in zip(ids, metas, strict=True)
        ]

    @_guarded
    def stored_urls(self, urls: Sequence[str]) -> dict[str, str]:
        """Of these URLs, the ones an article is stored under, with its id."""
        if not urls:
            return {}
        res = self.articles.get(where={"url": {"$in": sorted(set(urls))}}, include=["metadatas"])
        return {str((m or {}).get("url")): i for i, m in zip(res["ids"], res["metadatas"] or [], strict=True)}

    @_guarded
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

    @_guarded
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
        got = self.chunks.get(ids=maybe, include=["documents", "metadatas"])
        order = {cid: i for i, cid in enumerate(got["ids"])}
        keep = [c for c in maybe if c in order]
        metas = [(got["metadatas"] or [])[order[c]] for c in keep]
        docs = [(got["documents"] or [])[order[c]] for c in keep]
        return self._live_hits(keep, metas, docs, [scores[c] for c in keep])

    def _query(self, vector: np.ndarray, k: int, where: dict[str, Any] | None) -> list[Hit]:
        res = self.chunks.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        metas = (res["metadatas"] or [[]])[0]
        docs = (res["documents"] or [[]])[0]
        scores = [1.0 - float(d) for d in (res["distances"] or [[]])[0]]
        return self._live_hits(res["ids"][0], metas, docs, scores)

    @_guarded
    def hits_by_ids(self, ids: Sequence[str], vector: np.ndarray) -> list[Hit]:
        """The passages ``ids`` (committed ones only), scored by cosine similarity to ``vector``."""
        if not ids:
            return []
        res = self.chunks.get(ids=list(ids), include=["documents", "metadatas", "embeddings"])
        order = {cid: i for i, cid in enumerate(res["ids"])}
        keep = [cid for cid in ids if cid in order]
        embs = np.asarray(res["embeddings"], dtype=np.float32)
        scores = [float(embs[order[c]] @ np.asarray(vector, dtype=np.float32)) for c in keep]
        metas = [(res["metadatas"] or [])[order[c]] for c in keep]
        docs = [(res["documents"] or [])[order[c]] for c in keep]
        return self._live_hits(keep, metas, docs, scores)

    @_guarded
    def keyword_search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        """Ids of the passages within ``scope`` whose words match ``query`` best (BM25), best first."""
        return self.keywords.search(query, k, scope)

    @_guarded
    def article_search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        """Ids of the articles within ``scope`` whose title and text match ``query`` best (BM25), best first."""
        return self.article_keywords.search(query, k, scope)

    @_guarded
    def dated_articles_in(self, scope: Scope) -> int:
        """How many articles carry a date within ``scope`` (from the in-memory article index)."""
        return self.article_keywords.dated_in(scope)

    @_guarded
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
        res = self.chunks.get(ids=ids, include=["embeddings"])  # vectors first: texts only for the winners
        if not res["ids"]:
            return []
        scores = np.asarray(res["embeddings"], dtype=np.float32) @ np.asarray(vector, dtype=np.float32)
        winners: dict[str, tuple[float, str]] = {}
        for cid, s in zip(res["ids"], scores.tolist(), strict=True):
            art = cid.rsplit(":", 2)[0]
            if art not in winners or s > winners[art][0]:
                winners[art] = (s, cid)
        return self.hits_by_ids([cid for _, cid in winners.values()], vector)

    @_guarded
    def article_ids_from(self, sources: Sequence[str]) -> frozenset[str]:
        """The ids of the articles from these outlets (case-insensitive)."""
        wanted = {s.strip().lower() for s in sources if s.strip()}
        ids, metas = self._all(self.articles, ["metadatas"])
        return frozenset(
            i for i, m in zip(ids, metas, strict=True) if str((m or {}).get("source", "")).lower() in wanted
        )

    def _live_hits(
        self, ids: Sequence[str], metas: Sequence[Any], docs: Sequence[Any], scores: Sequence[float]
    ) -> list[Hit]:
        live = self.get_articles(sorted({str(m["article_id"]) for m in metas}))
        hits = []
        for cid, m, doc, score in zip(ids, metas, docs, scores, strict=True):
            art = live.get(str(m["article_id"]))
            if art is None or art.content_hash != m.get("content_hash"):
                continue  # an uncommitted or superseded passage
            hits.append(
                Hit(
                    chunk_id=cid,
                    article_id=art.id,
                    title=art.title,
                    source=art.source,
                    published=art.published,
                    url=art.url,
                    text=str(doc),
                    start=int(m["start"]),
                    end=int(m["end"]),
                    score=score,
                    story=art.story,
                )
            )
        return hits

    @_guarded
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

    # ---- writing -------------------------------------------------------
    @_guarded
    def write_articles(
        self,
        items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]],
        stories: Mapping[str, StoryRecord] | None = None,
    ) -> None:
        """Store several articles: all their chunks, then their records (the commit),
        then delete the passages their records superseded.  ``stories`` gives an article's
        story and signature (vectorstore.dedup); without one it is a story of its own."""
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
            records.append(
                {
                    "title": article.title,
                    "source": article.source or "",
                    "url": article.url or "",
                    "published": article.published or "",
                    "published_days": days,
                    "content_hash": h,
                    "n_chunks": len(chunks),
                    "story": stories[article.id].story if article.id in stories else article.id,
                    "minhash": stories[article.id].signature if article.id in stories else "",
                }
            )
        if not items:
            return
        self.keywords.invalidate()
        self.article_keywords.invalidate()
        embeddings = np.concatenate(vecs).tolist()
        arts = [a for a, _, _ in items]
        previous = self.get_articles([a.id for a in arts])
        for i in range(0, len(ids), self.max_batch):
            sl = slice(i, i + self.max_batch)
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

    @_guarded
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

    @_guarded
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

    @_guarded
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
        self.articles.update(
            ids=[a.id for a in articles],
            metadatas=[
                {
                    "title": a.title,
                    "source": a.source or "",
                    "url": a.url or "",
                    "published": a.published or "",
                    "published_days": day_of(a.published),
                    "content_hash": a.content_hash,
                    "n_chunks": old[a.id].n_chunks,
                    "story": old[a.id].story,
                    "minhash": old[a.id].signature,
                }
                for a in articles
            ],
        )

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

    # ---- vector indexes a crash tore (vectorstore.chroma_repair) ---------------------
    def _kinds(self) -> dict[str, Any]:
        return {"passages": self.chunks, "articles": self.articles}

    def _vector_folder(self, collection: Any) -> Path | None:
        settings = self.client.get_settings()
        if not getattr(settings, "is_persistent", False) or not settings.persist_directory:
            return None
        return chroma_repair.vector_folder(settings.persist_directory, str(collection.id))

    def torn_indexes(self) -> list[str]:
        """Which of "passages" and "articles" have a vector index Chroma cannot read, or one
        whose rebuild was cut off."""
        torn = []
        for kind, collection in self._kinds().items():
            folder = self._vector_folder(collection)
            if folder is not None and chroma_repair.aside(folder).exists():
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
            chroma_repair.set_aside(folder)
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
            chroma_repair.repaired(folder)
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

    @_guarded
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

    def _delete_where(self, where: dict[str, Any]) -> None:
        """Delete the passages ``where`` selects, naming them in the change log."""
        self._delete_ids(self.chunks.get(where=where, include=[])["ids"])

    def _delete_ids(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), self.max_batch):
            part = list(ids[i : i + self.max_batch])
            with self.changes.change("chunks", part):
                self.chunks.delete(ids=part)

    @_guarded
    def rebuild_keywords(self) -> None:
        """Index every passage and article afresh (``check --repair`` after drift)."""
        self.keywords.rebuild()
        self.article_keywords.rebuild()

    @_guarded
    def delete_chunks(self, ids: Sequence[str]) -> None:
        self._delete_ids(ids)
        self.keywords.invalidate()
        self.article_keywords.invalidate()

    @_guarded
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
            source=_opt(m.get("source")),
            url=_opt(m.get("url")),
            published=_opt(m.get("published")),
        )

    def write_article(self, article: Article, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        self.write_articles([(article, chunks, vectors)])

    @_guarded
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
