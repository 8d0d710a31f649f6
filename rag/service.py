"""The composition root: build every part from the settings, once, and expose
the operations the CLI and the UI offer (ask, ingest, list, delete)."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from vectorstore.article import Article, normalize_id
from vectorstore.embedders import Embedder, Remembering
from vectorstore.errors import InputError
from vectorstore.ingest.chunker import Chunker
from vectorstore.ingest.feeds import Feed, FeedList, Poller, PollResult, follow, poll
from vectorstore.ingest.feeds import Store as FeedStore
from vectorstore.ingest.fetch import FetchPolicy
from vectorstore.ingest.ingestor import ArticleWriter, Ingestor, IngestReport, Outcome, Progress
from vectorstore.ingest.loaders import Overrides, expand_paths
from vectorstore.records import Hit, StoredArticle
from vectorstore.store import CheckReport, StorePlace, open_store

from .answer import Answer
from .answerers import ANSWERERS, Answerer, make_answerer
from .chain import AnswerChain
from .condense import Message
from .conversations import ConversationLog
from .feedback.export import Exported, export
from .feedback.log import FeedbackLog
from .feedback.record import Feedback
from .filters import Filters
from .foreground import Foreground
from .news.desk import NewsDesk
from .news.values import ReaderValues
from .preload import Models
from .prepare import validate_question
from .readers.span import SpanReader
from .retriever import NewsRetriever
from .settings import Settings
from .stages import PassageSearch

log = logging.getLogger(__name__)


class Library(PassageSearch, ArticleWriter, FeedStore, Protocol):
    """What the service asks of a store (the Chroma store of ``vectorstore.store``):
    retrieval's, ingestion's and the feeds' calls, and listing, deleting, checking and repairing."""

    where: str  # what the store is, for messages ("embedded Chroma store in …")
    is_new: bool  # no seed was ever indexed into it
    client: Any  # its backend's client: the eval's naive baseline writes its own collection there

    def list_articles(self) -> list[StoredArticle]: ...

    def get_article(self, id_: str) -> StoredArticle | None: ...

    def article_text(self, id_: str) -> str: ...

    def stored_article(self, id_: str) -> Article: ...

    def delete_article(self, id_: str) -> StoredArticle: ...

    def delete_chunks(self, ids: Sequence[str]) -> None: ...

    def count_articles(self) -> int: ...

    def check(self) -> CheckReport: ...

    def rebuild_vectors(self, kinds: Sequence[str], embed: Callable[[list[str]], np.ndarray]) -> None: ...

    def rebuild_keywords(self) -> None: ...

    def mark_seeded(self) -> None: ...


class NewsRAG:
    """Everything a user can do with newsrag, on injected parts."""

    def __init__(
        self, settings: Settings, store: Library, embedder: Embedder, answerer: Answerer, span: SpanReader | None
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        # the one span reader: the answerer's and the news desk's (their readings are shared); None when
        # answers are read by sentences only (rag.preload.Models decides, once)
        self.span = span
        self.foreground = Foreground()  # questions first: adding articles gives way to them
        self.ingestor = Ingestor(store, embedder, Chunker(max_words=settings.chunk_words), pause=self.foreground.pause)
        self.retriever = NewsRetriever.create(
            store, embedder, k=settings.context_k, fetch_k=settings.retrieve_k, stages=settings.stages
        )
        self.chain = self._make_chain(answerer)

    def _make_chain(self, answerer: Answerer) -> AnswerChain:
        return AnswerChain(self.retriever, answerer, self.settings.min_score, self.settings.max_question_chars,
                           desk=self._make_desk())  # fmt: skip

    def _make_desk(self) -> NewsDesk:
        """Timelines, briefings and conflicts; conflicts need the span reader's values."""
        values = ReaderValues(self.span) if self.span is not None else None
        return NewsDesk(self.store, self.embedder, values, self.settings.min_score)

    @classmethod
    def build(
        cls, settings: Settings, embedder: Embedder | None = None, client: Any = None, models: Models | None = None
    ) -> NewsRAG:
        """``models``: the embedder and reader, maybe loading (:mod:`rag.preload`) while the store opens."""
        models = models or Models(settings, embedder)
        place = StorePlace(settings.data_dir, settings.chroma_host, settings.chroma_port, settings.collection)
        store = open_store(place, models.embedder.space, models.embedder.dim, client, settings.keyword_index)
        embedder = Remembering(models.embedder)
        answerer = make_answerer(settings.answerer, settings, embedder, models.span)
        models.wait()
        return cls(settings, store, embedder, answerer, models.span)

    # ---- answering -------------------------------------------------------
    def load_embedder(self) -> None:
        """Load the embedding model now (what a first batch of articles would wait for)."""
        self.embedder.embed(["load"])

    def warm_up(self) -> None:
        """Load now what the first question would wait for: the embedding model, the vector
        and keyword indexes.  (A server calls this before it opens, so its first visitor
        does not sit on "…" while the model loads.)"""
        self.retriever.retrieve("warm up")

    def measure_encoder(self, nice: int = 19) -> threading.Thread | None:
        """When the embedder picks its backend per CPU and this CPU has no choice kept yet: measure
        the backends in a background thread at priority ``nice`` (the lowest: a long-running
        server's first minute), for the next start.  None when there is nothing to measure."""
        chooser: Any = getattr(self.embedder, "inner", self.embedder)
        if getattr(chooser, "measured", True):
            return None

        def run() -> None:
            with contextlib.suppress(OSError):  # this thread only (and what it starts): the last in line
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
            try:
                chooser.measure()
            except Exception:  # a backend that failed is said in the log; the server keeps serving
                log.exception("measuring the embedding backends failed; the next start tries again")

        thread = threading.Thread(target=run, name="measure-encoder", daemon=True)
        thread.start()
        return thread

    @property
    def answerer(self) -> Answerer:
        return self.chain.answerer

    def use_answerer(self, name: str) -> None:
        """Switch the answerer (e.g. from the UI); raises ConfigError for a bad name or setup."""
        new = make_answerer(name, self.settings, self.embedder, self.span)
        self.close_answerer()
        self.chain = self._make_chain(new)

    def close_answerer(self) -> None:
        """Stop what the answerer runs (a supervised model server), if anything."""
        close = getattr(self.chain.answerer, "close", None)
        if callable(close):
            close()

    @staticmethod
    def answerer_names() -> list[str]:
        return list(ANSWERERS)

    def stream(
        self, question: str, history: Iterable[Message] | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]:
        with self.foreground.question():
            yield from self.chain.stream(question, history, filters)

    def ask(self, question: str, history: Sequence[Message] | None = None, filters: Filters | None = None) -> Answer:
        """Answer ``question`` as of ``filters.as_of`` (today by default), within its filters."""
        with self.foreground.question():
            return self.chain.ask(question, history, filters)

    # ---- the library -----------------------------------------------------
    def ingest_paths(
        self,
        paths: Sequence[Path],
        overrides: Overrides | None = None,
        on_progress: Progress | None = None,
        urls: Sequence[str] = (),
    ) -> IngestReport:
        return self.ingestor.ingest_paths(
            paths, overrides, self.settings.max_file_mb, on_progress, urls, self.fetch_policy
        )

    def add_article(self, article: Article) -> Outcome:
        """Add one article (pasted, or sent through the API); refused when its title or text is
        empty once control characters are gone, or its text is over NEWSRAG_MAX_FILE_MB."""
        if not article.title or not article.text.strip():
            raise InputError("The title or the text holds only control characters. Paste the article's words.")
        size, limit = len(article.text.encode("utf-8")), self.settings.max_file_mb
        if size > limit * 1024 * 1024:
            raise InputError(
                f"The text is {size / 1024 / 1024:.1f} MB, over the {limit:g} MB limit per article. "
                "Split it into several articles, or raise NEWSRAG_MAX_FILE_MB."
            )
        return self.ingestor.ingest([("(pasted)", article)])[0]

    def list_articles(self) -> list[StoredArticle]:
        return self.store.list_articles()

    def get_article(self, article_id: str) -> StoredArticle | None:
        return self.store.get_article(article_id)

    def passages(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        """The ``k`` passages the question's ranking puts first, within ``filters`` (as of, since,
        until, outlets): what an answer would read, for a caller that writes its own."""
        query = validate_question(query, self.settings.max_question_chars)
        with self.foreground.question():
            return self.retriever.retrieve(query, max(k, 1), filters).hits[:k]

    def search_articles(self, query: str, k: int) -> list[str]:
        """The ids of the ``k`` articles the keyword index ranks best for ``query``."""
        return list(self.store.article_search(query, k))

    @property
    def where(self) -> str:
        """Where the store is (its folder, or the Chroma server's address)."""
        return str(self.store.where)

    def count_articles(self) -> int:
        return self.store.count_articles()

    def count_passages(self) -> int:
        return self.store.count_chunks()

    def article_text(self, article_id: str) -> str:
        return self.store.article_text(article_id)

    def delete(self, article_id: str) -> StoredArticle:
        return self.store.delete_article(normalize_id(article_id))

    def check(self, repair: bool = False) -> tuple[CheckReport, CheckReport | None]:
        """Find (and with ``repair`` fix) what a crash can leave behind; returns the
        report before and, when repairing, after."""
        before = self.store.check()
        if not repair or before.ok:
            return before, None
        if before.torn:  # the rest can only be checked once Chroma reads every collection again
            self.store.rebuild_vectors(before.torn, self.embedder.embed)
            before = replace(self.store.check(), torn=before.torn)
        self.store.delete_chunks(before.orphaned + before.superseded)
        self.ingestor.reindex([self.store.stored_article(i) for i in before.incomplete])
        if before.keyword_missing or before.keyword_extra:
            self.store.rebuild_keywords()
        return before, self.store.check()

    # ---- feeds -----------------------------------------------------------
    @property
    def fetch_policy(self) -> FetchPolicy:
        """How pages and feeds the user asks for are fetched (size, time, which addresses)."""
        s = self.settings
        return FetchPolicy(max_mb=s.max_file_mb, seconds=s.fetch_seconds, allow_private=s.allow_private_urls)

    @property
    def feeds(self) -> FeedList:
        return FeedList(self.settings.data_dir / "feeds.json")

    # ---- what users keep ------------------------------------------------
    @property
    def conversations(self) -> ConversationLog:
        """Kept conversations (rag.conversations), beside the feeds in the data directory."""
        return ConversationLog(self.settings.data_dir / "conversations.sqlite3")

    @property
    def feedback(self) -> FeedbackLog:
        """Users' ratings of answers (rag.feedback), beside the feeds in the data directory."""
        return FeedbackLog(self.settings.data_dir / "feedback.sqlite3")

    def rate(self, fb: Feedback) -> Feedback:
        return self.feedback.add(fb)

    def export_feedback(self, folder: Path) -> Exported:
        """The ratings as an evaluation set (``newsrag eval FOLDER``) over the stored articles."""
        return export(self.feedback.all(), self, folder)

    def follow_feed(self, url: str) -> tuple[Feed, PollResult]:
        """Follow the feed at ``url`` (checked now) and ingest its current items."""
        feed = follow(self.feeds, url, self.fetch_policy)
        return feed, self.poll_feed(feed.url)

    def unfollow_feed(self, url: str) -> Feed:
        return self.feeds.remove(url.strip())

    def poll_feed(self, url: str) -> PollResult:
        return poll(self.feeds, self.ingestor, self.store, url.strip(), self.fetch_policy, self.settings.feed_items)

    def poll_feeds(self) -> list[PollResult]:
        """Every followed feed, each on its own: one that fails does not stop the others."""
        results = []
        for f in self.feeds.all():
            try:
                results.append(self.poll_feed(f.url))
            except Exception as e:  # recorded as its error; the next feed is still polled
                log.exception("polling %s failed", f.url)
                results.append(PollResult(f.url, [], error=f"{type(e).__name__}: {e}"))
        return results

    def feed_poller(self) -> Poller:
        """A poller of every followed feed each ``feed_minutes`` (not started)."""
        return Poller(self.poll_feeds, self.settings.feed_minutes)

    def ensure_seeded(self, on_progress: Progress | None = None) -> IngestReport | None:
        """Fill a store opened for the first time from the seeds folder."""
        if not self.store.is_new:
            return None
        seeds = self.settings.seeds_dir
        if not seeds.is_dir():  # never mark a store seeded from a folder that is not there
            log.warning("the seeds folder %s does not exist: no seed articles indexed (set NEWSRAG_SEEDS_DIR)", seeds)
            return None
        if not expand_paths([seeds]):
            log.info("no seed articles in %s", seeds)
            self.store.mark_seeded()
            return None
        log.info("first start: indexing the seed articles in %s", seeds)
        report = self.ingest_paths([seeds], on_progress=on_progress)
        self.store.mark_seeded()
        return report
