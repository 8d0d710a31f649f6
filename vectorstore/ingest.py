"""Ingestion: articles → chunks → vectors → store, idempotently.

Chunks of several articles are embedded together (the encoder is the cost),
then each article is written and committed on its own, so a failure or a kill
loses at most the articles not yet committed and never leaves half of one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from .article import Article
from .chunker import Chunker
from .dedup import StoryIndex, StoryRecord, encode, signature
from .embedder import Embedder
from .errors import IngestError, NewsragError
from .loaders import DEFAULT_MAX_FILE_MB, Loaded, Overrides, expand_paths, load_file
from .store import ChromaStore, StoredArticle

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


def _merge_metadata(new: Article, old: StoredArticle) -> Article:
    """The new metadata where it was given, the stored one where it was not."""
    return replace(
        new,
        source=new.source or old.source,
        url=new.url or old.url,
        published=new.published or old.published,
    )


class Ingestor:
    def __init__(
        self,
        store: ChromaStore,
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

    def _flush(self, batch: list[tuple[str, Article]], on_progress: Progress | None) -> list[Outcome]:
        if not batch:
            return []
        existing = self.store.get_articles([a.id for _, a in batch])
        todo: list[tuple[str, Article, str]] = []
        outcomes: list[Outcome] = []

        def done(o: Outcome) -> None:
            outcomes.append(o)
            if on_progress:
                on_progress(o)

        same: list[tuple[str, str]] = []
        updates: list[tuple[str, Article]] = []
        unsigned: list[Article] = []  # stored before near-duplicate detection: given a story now
        for path, art in batch:
            old = existing.get(art.id)
            if old is not None and old.content_hash == art.content_hash:
                same.append((art.id, art.content_hash))
                if not old.signature:
                    unsigned.append(art)
                merged = _merge_metadata(art, old)
                if (merged.source, merged.url, merged.published) != (old.source, old.url, old.published):
                    updates.append((path, merged))
                else:
                    done(Outcome("unchanged", path, art.id, art.title))
            else:
                todo.append((path, art, "replaced" if old is not None else "added"))
        # A crash after an earlier commit may have left superseded passages: a re-run removes them.
        self.store.drop_superseded(same)
        self.store.set_stories(self._stories(unsigned))
        self.store.update_metadata([a for _, a in updates])
        for path, art in updates:
            done(Outcome("updated", path, art.id, art.title))
        stories = self._stories([a for _, a, _ in todo])
        chunked = [(p, a, s, self.chunker.split(a)) for p, a, s in todo]
        texts = [c.embed_text for *_, cs in chunked for c in cs]
        if texts:
            self.pause()
        vectors = self.embedder.embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        items = []
        pos = 0
        for _path, art, _status, chunks in chunked:
            items.append((art, chunks, vectors[pos : pos + len(chunks)]))
            pos += len(chunks)
        if items:
            self.pause()
        try:
            self.store.write_articles(items, stories)
            for path, art, status, _ in chunked:
                done(Outcome(status, path, art.id, art.title))
        except NewsragError:
            raise
        except Exception as e:  # find which article the store refused, and keep the others
            log.warning("a batch write failed (%s); writing its articles one by one", e)
            for (path, art, status, _), item in zip(chunked, items, strict=True):
                try:
                    self.store.write_articles([item], stories)
                except NewsragError:
                    raise
                except Exception as err:
                    done(Outcome("failed", path, art.id, art.title, f"the store refused it ({err})"))
                    continue
                done(Outcome(status, path, art.id, art.title))
        return outcomes

    def _stories(self, articles: Sequence[Article]) -> dict[str, StoryRecord]:
        """Each article's story: the one of the stored (or earlier in this batch) article it nearly repeats."""
        out: dict[str, StoryRecord] = {}
        batch = StoryIndex(list)  # this batch's articles, until the store has them
        for art in articles:
            m = signature(art.text)  # not the title: outlets retitle the same wire story
            story = self.store.stories.story_for(art.id, m)
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
            items, pos = [], 0
            for art, chunks in chunked:
                items.append((art, chunks, vectors[pos : pos + len(chunks)]))
                pos += len(chunks)
            self.store.write_articles(items, self._stories(part))

    def ingest(self, items: Iterable[tuple[str, Article]], on_progress: Progress | None = None) -> list[Outcome]:
        """Ingest ``(path, article)`` pairs; ``path`` only labels the outcome."""
        outcomes: list[Outcome] = []
        batch: list[tuple[str, Article]] = []
        ids: set[str] = set()
        words = 0
        for path, art in items:
            if not art.text.strip():
                o = Outcome("failed", path, art.id, art.title, "the article text is empty")
                outcomes.append(o)
                if on_progress:
                    on_progress(o)
                continue
            if art.id in ids:  # the same article twice in one run: settle the first one first
                outcomes += self._flush(batch, on_progress)
                batch, ids, words = [], set(), 0
            batch.append((path, art))
            ids.add(art.id)
            words += len(art.text.split())
            if words >= self.batch_chunks * self.chunker.max_words:
                outcomes += self._flush(batch, on_progress)
                batch, ids, words = [], set(), 0
        outcomes += self._flush(batch, on_progress)
        return outcomes

    def ingest_paths(
        self,
        paths: Sequence[Path],
        overrides: Overrides | None = None,
        max_mb: float = DEFAULT_MAX_FILE_MB,
        on_progress: Progress | None = None,
        urls: Sequence[str] = (),
    ) -> IngestReport:
        """Files and folders in ``paths``, and web pages in ``urls`` (fetched on the user's request)."""
        from .fetch import load_url

        report = IngestReport()
        files = expand_paths(list(paths))
        if not files and not urls:
            raise IngestError("no supported files found. Give .txt, .md, .html, .pdf or .jsonl files or folders.")
        sources: list[Callable[[], Loaded]] = [partial(load_file, f, overrides, max_mb) for f in files]
        sources += [partial(load_url, u, overrides, max_mb) for u in urls]

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
