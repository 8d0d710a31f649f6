"""Ingestion: articles → chunks → vectors → store, idempotently.

Chunks of several articles are embedded together (the encoder is the cost),
then each article is written and committed on its own, so a failure or a kill
loses at most the articles not yet committed and never leaves half of one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from vectorstore.article import Article
from vectorstore.embedders import Embedder
from vectorstore.errors import IngestError, NewsragError, NotFound
from vectorstore.ingest.chunker import Chunk, Chunker
from vectorstore.ingest.dedup import StoryIndex, StoryRecord, encode, signature
from vectorstore.ingest.fetch import FetchPolicy, load_url
from vectorstore.ingest.loaders import DEFAULT_MAX_FILE_MB, Loaded, Overrides, expand_paths, load_file
from vectorstore.ingest.outlets import OutletNames
from vectorstore.records import StoredArticle

log = logging.getLogger(__name__)

STATUSES = ("added", "unchanged", "replaced", "updated", "failed")


@dataclass(frozen=True)
class Outcome:
    """What happened to one article (or to a file that gave none)."""

    status: str  # one of STATUSES
    path: str = ""
    article_id: str = ""
    title: str = ""
    reason: str = ""


@dataclass
class IngestReport:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(o.status for o in self.outcomes)
        return {s: c.get(s, 0) for s in STATUSES}

    def summary(self) -> str:
        c = self.counts
        return ", ".join(f"{c[s]} {s}" for s in STATUSES)


Progress = Callable[[Outcome], None]


@dataclass
class _Prepared:
    """A batch sorted and embedded, ready to be written."""

    same: list[tuple[str, str]] = field(default_factory=list)  # (id, content hash) of unchanged articles
    unsigned: list[Article] = field(default_factory=list)  # stored before near-duplicate detection
    updates: list[tuple[str, Article]] = field(default_factory=list)  # same text, new metadata
    renames: dict[str, str] = field(default_factory=dict)  # stored article id -> its site's outlet name
    unchanged: list[Outcome] = field(default_factory=list)
    chunked: list[tuple[str, Article, str, list[Chunk]]] = field(default_factory=list)  # new or replaced
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))


def _merge_metadata(new: Article, old: StoredArticle) -> Article:
    """The new metadata where it was given, the stored one where it was not."""
    return replace(
        new,
        source=new.source or old.source,
        url=new.url or old.url,
        published=new.published or old.published,
    )


def _with_vectors(
    chunked: Sequence[tuple[Article, Sequence[Chunk]]], vectors: np.ndarray
) -> list[tuple[Article, Sequence[Chunk], np.ndarray]]:
    """Each article with its chunks and their rows of ``vectors`` (the chunks' texts embedded in order)."""
    items = []
    pos = 0
    for art, chunks in chunked:
        items.append((art, chunks, vectors[pos : pos + len(chunks)]))
        pos += len(chunks)
    return items


class ArticleWriter(Protocol):
    """What ingestion asks of a store (:class:`vectorstore.store.ChromaStore`): the records of
    articles already stored, the writes themselves, and which stored story an article repeats."""

    def get_articles(self, ids: Sequence[str]) -> dict[str, StoredArticle]: ...

    def write_articles(
        self,
        items: Sequence[tuple[Article, Sequence[Chunk], np.ndarray]],
        stories: Mapping[str, StoryRecord] | None = None,
    ) -> None: ...

    def drop_superseded(self, current: Sequence[tuple[str, str]]) -> None: ...

    def set_stories(self, stories: Mapping[str, StoryRecord]) -> None: ...

    def update_metadata(self, articles: Sequence[Article]) -> None: ...

    def list_articles(self) -> list[StoredArticle]: ...

    def stored_article(self, id_: str) -> Article: ...

    def story_for(self, article_id: str, m: Any) -> str: ...


class Ingestor:
    def __init__(
        self,
        store: ArticleWriter,
        embedder: Embedder,
        chunker: Chunker,
        batch_chunks: int = 256,
        pause: Callable[[], None] = lambda: None,
    ) -> None:
        """``pause``: called before each costly step (embedding, writing); it may wait to let
        questions go first (rag.foreground)."""
        if batch_chunks < 1:
            raise ValueError(f"batch_chunks must be at least 1, got {batch_chunks}")
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.batch_chunks = batch_chunks
        self.pause = pause
        self._outlets: OutletNames | None = None  # read from the store on the first batch

    def _named(self, batch: list[tuple[str, Article]]) -> tuple[list[tuple[str, Article]], dict[str, str]]:
        """The batch with outlets named by their site's name (outlets.py), and the stored articles
        to rename now that their site's name is known (id -> name)."""
        if self._outlets is None:
            self._outlets = OutletNames.of(self.store.list_articles())
        named = self._outlets.name([a for _, a in batch])
        batch_ids = {a.id for a in named}
        renames = {i: s for i, s in self._outlets.renames().items() if i not in batch_ids}
        return [(path, a) for (path, _), a in zip(batch, named, strict=True)], renames

    def _renamed(self, renames: Mapping[str, str]) -> list[Article]:
        """The stored articles of ``renames`` under their new outlet name (read here, in the writing
        thread: an article of the batch written before this one is stored by now)."""
        out = []
        for id_, name in renames.items():
            try:
                out.append(replace(self.store.stored_article(id_), source=name))
            except NotFound:  # its write failed, or it was deleted since
                continue
        return out

    def _prepare(self, batch: list[tuple[str, Article]]) -> _Prepared:
        """Sort a batch into unchanged, updated and new articles, and chunk and embed the new
        ones: reads and the encoder only, so it can run while the previous batch is written."""
        prep = _Prepared()
        batch, prep.renames = self._named(batch)
        existing = self.store.get_articles([a.id for _, a in batch])
        for path, art in batch:
            old = existing.get(art.id)
            if old is not None and old.content_hash == art.content_hash:
                prep.same.append((art.id, art.content_hash))
                if not old.signature:
                    prep.unsigned.append(art)
                merged = _merge_metadata(art, old)
                if (merged.source, merged.url, merged.published) != (old.source, old.url, old.published):
                    prep.updates.append((path, merged))
                else:
                    prep.unchanged.append(Outcome("unchanged", path, art.id, art.title))
            else:
                prep.chunked.append((path, art, "replaced" if old is not None else "added", self.chunker.split(art)))
        texts = [c.embed_text for *_, cs in prep.chunked for c in cs]
        if texts:
            self.pause()
            prep.vectors = self.embedder.embed(texts)
        return prep

    def _commit(self, prep: _Prepared) -> list[Outcome]:
        """Every write of a prepared batch, in order; each article is committed on its own."""
        outcomes = list(prep.unchanged)
        # A crash after an earlier commit may have left superseded passages: a re-run removes them.
        self.store.drop_superseded(prep.same)
        self.store.set_stories(self._stories(prep.unsigned))
        self.store.update_metadata([a for _, a in prep.updates] + self._renamed(prep.renames))
        outcomes += [Outcome("updated", path, art.id, art.title) for path, art in prep.updates]
        # Stories are found here, after the previous batch is stored: a copy in it is seen.
        stories = self._stories([a for _, a, _, _ in prep.chunked])
        items = _with_vectors([(art, chunks) for _, art, _, chunks in prep.chunked], prep.vectors)
        if not items:
            return outcomes
        self.pause()
        try:
            self.store.write_articles(items, stories)
            outcomes += [Outcome(status, path, art.id, art.title) for path, art, status, _ in prep.chunked]
        except NewsragError:
            raise
        except Exception as e:  # find which article the store refused, and keep the others
            log.warning("a batch write failed (%s); writing its articles one by one", e)
            for (path, art, status, _), item in zip(prep.chunked, items, strict=True):
                try:
                    self.store.write_articles([item], stories)
                except NewsragError:
                    raise
                except Exception as err:
                    outcomes.append(Outcome("failed", path, art.id, art.title, f"the store refused it ({err})"))
                    continue
                outcomes.append(Outcome(status, path, art.id, art.title))
        return outcomes

    def _stories(self, articles: Sequence[Article]) -> dict[str, StoryRecord]:
        """Each article's story: the one of the stored (or earlier in this batch) article it nearly repeats."""
        out: dict[str, StoryRecord] = {}
        batch = StoryIndex(list)  # this batch's articles, until the store has them
        for art in articles:
            m = signature(art.text)  # not the title: outlets retitle the same wire story
            story = self.store.story_for(art.id, m)
            if story == art.id:
                story = batch.story_for(art.id, m)
            batch.add(art.id, story, m)
            out[art.id] = StoryRecord(art.id, story, encode(m))
        return out

    def reindex(self, articles: Sequence[Article]) -> None:
        """Chunk, embed and write these articles again (``check --repair``)."""
        for i in range(0, len(articles), 64):
            part = articles[i : i + 64]
            chunked = [(a, self.chunker.split(a)) for a in part]
            vectors = self.embedder.embed([c.embed_text for _, cs in chunked for c in cs])
            self.store.write_articles(_with_vectors(chunked, vectors), self._stories(part))

    def ingest(self, items: Iterable[tuple[str, Article]], on_progress: Progress | None = None) -> list[Outcome]:
        """Ingest ``(path, article)`` pairs; ``path`` only labels the outcome.

        One thread writes a batch while this one chunks and embeds the next: the encoder
        keeps the cores busy while Chroma, SQLite and the near-duplicate signatures, which
        mostly run on one core, do the rest (RealTimeQA 2023 through ``newsrag ingest``:
        ``benchmarks/ingest_cli.py``).  Writes stay in order, one batch at a time, and
        outcomes are reported from this thread."""
        outcomes: list[Outcome] = []

        def report(new: list[Outcome]) -> None:
            outcomes.extend(new)
            if on_progress:
                for o in new:
                    on_progress(o)

        # Leaving the block, on an error too, waits for the batch being written to finish.
        with ThreadPoolExecutor(1, thread_name_prefix="ingest-write") as writer:
            pending: Future[list[Outcome]] | None = None
            writing: set[str] = set()  # the ids of the batch being written

            def settle() -> None:
                nonlocal pending
                if pending is not None:
                    done, pending = pending, None
                    report(done.result())

            def flush(batch: list[tuple[str, Article]]) -> None:
                nonlocal pending, writing
                if not batch:
                    return
                ids = {a.id for _, a in batch}
                if ids & writing:  # an article of the batch being written: read it after the write
                    settle()
                prepared = self._prepare(batch)
                settle()
                pending, writing = writer.submit(self._commit, prepared), ids

            batch: list[tuple[str, Article]] = []
            ids: set[str] = set()
            words = 0
            for path, art in items:
                if not art.text.strip():
                    report([Outcome("failed", path, art.id, art.title, "the article text is empty")])
                    continue
                if art.id in ids:  # the same article twice in one run: settle the first one first
                    flush(batch)
                    batch, ids, words = [], set(), 0
                batch.append((path, art))
                ids.add(art.id)
                words += len(art.text.split())
                if words >= self.batch_chunks * self.chunker.max_words:
                    flush(batch)
                    batch, ids, words = [], set(), 0
            flush(batch)
            settle()
        return outcomes

    def ingest_paths(
        self,
        paths: Sequence[Path],
        overrides: Overrides | None = None,
        max_mb: float = DEFAULT_MAX_FILE_MB,
        on_progress: Progress | None = None,
        urls: Sequence[str] = (),
        policy: FetchPolicy | None = None,
    ) -> IngestReport:
        """Files and folders in ``paths``, and web pages in ``urls`` (fetched on the user's request,
        under ``policy``; its size cap is ``max_mb``)."""
        report = IngestReport()
        files = expand_paths(list(paths))
        if not files and not urls:
            raise IngestError("no supported files found. Give .txt, .md, .html, .pdf or .jsonl files or folders.")
        sources: list[Callable[[], Loaded]] = [partial(load_file, f, overrides, max_mb) for f in files]
        policy = replace(policy or FetchPolicy(), max_mb=max_mb)
        sources += [partial(load_url, u, overrides, policy) for u in urls]

        def items() -> Iterable[tuple[str, Article]]:
            for source in sources:
                loaded = source()
                for err in loaded.errors:
                    o = Outcome(
                        "failed", loaded.path, reason=str(err.reason) + (f" (line {err.line})" if err.line else "")
                    )
                    report.outcomes.append(o)
                    if on_progress:
                        on_progress(o)
                for art in loaded.articles:
                    yield loaded.path, art

        report.outcomes.extend(self.ingest(items(), on_progress))
        return report
