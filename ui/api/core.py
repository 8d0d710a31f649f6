"""What the three ways in (OpenAI-compatible, REST, MCP) share: the service they ask, the
question limit per key, the filters read the CLI's way, and an answer's structure as JSON."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rag.answer import Answer, Citation
from rag.condense import Message
from rag.conversations import ConversationLog
from rag.filters import Filters
from vectorstore.article import Article
from vectorstore.errors import InputError
from vectorstore.ingest.ingestor import IngestReport, Outcome
from vectorstore.records import ArticleRef, Hit, StoredArticle

from .errors import TooMany
from .kept import ApiConversations

# Questions are answered two at a time, as the chat's queue does (ui/web/server.py): the
# embedder spreads each over the cores, so more at once only queue inside it.
ANSWERING_AT_ONCE = 2


class Limit(Protocol):
    def check(self, client: str) -> None: ...


class ApiService(Protocol):
    """What the API asks of :class:`rag.service.NewsRAG`."""

    def ask(
        self, question: str, history: Sequence[Message] | None = None, filters: Filters | None = None
    ) -> Answer: ...

    def stream(
        self, question: str, history: Sequence[Message] | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]: ...

    def passages(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]: ...

    def add_article(self, article: Article) -> Outcome: ...

    def ingest_paths(self, paths: Sequence[Path], overrides: Any = None, on_progress: Any = None,
                     urls: Sequence[str] = ()) -> IngestReport: ...  # fmt: skip

    def list_articles(self) -> list[StoredArticle]: ...

    def get_article(self, article_id: str) -> StoredArticle | None: ...

    def article_text(self, article_id: str) -> str: ...

    def delete(self, article_id: str) -> StoredArticle: ...

    @property
    def conversations(self) -> ConversationLog: ...


@dataclass
class ApiCore:
    service: ApiService
    limit: Limit  # questions per minute, per key (per client address when no key is used)
    slots: threading.BoundedSemaphore = field(default_factory=lambda: threading.BoundedSemaphore(ANSWERING_AT_ONCE))

    def admit(self, caller: str, client: str) -> None:
        """One more question from this key (or address); :class:`TooMany` past the limit."""
        try:
            self.limit.check(f"key:{caller}" if caller else client)
        except InputError as e:
            raise TooMany(str(e)) from None

    @contextmanager
    def answering(self) -> Iterator[None]:
        with self.slots:
            yield

    def ask(self, question: Any, history: Sequence[Message], filters: Filters) -> Answer:
        with self.answering():
            return self.service.ask(question, history, filters)

    def ask_kept(self, caller: str, conversation: str | None, question: Any, history: Sequence[Message],
                 filters: Filters, kept_filters: dict[str, str]) -> tuple[Answer, str | None]:  # fmt: skip
        """:meth:`ask`; with ``conversation`` ("new" or an id), kept in it, its turns the history
        when none is given.  The answer, and the conversation's id (None when not kept)."""
        if not conversation:
            return self.ask(question, history, filters), None
        kept = ApiConversations(self.service.conversations)
        turns = kept.earlier(caller, conversation)
        answer = self.ask(question, history or kept.messages(turns), filters)
        return answer, kept.keep(caller, conversation, turns, answer, kept_filters)

    def stream(self, question: Any, history: Sequence[Message], filters: Filters) -> Iterator[str | Answer]:
        with self.answering():
            yield from self.service.stream(question, history, filters)

    def search(self, query: Any, k: int, filters: Filters) -> list[Hit]:
        if not isinstance(k, int) or not 1 <= k <= 50:
            raise InputError(f"k must be a whole number from 1 to 50, not {k!r}.")
        with self.answering():
            return self.service.passages(query, k, filters)


def filters_of(as_of: Any = None, since: Any = None, until: Any = None, source: Any = None) -> Filters:
    """The CLI's --as-of, --since, --until and --source, with its errors ("as_of: …YYYY-MM-DD…")."""
    return Filters.parse(as_of=as_of or None, since=since or None, until=until or None, sources=source or None)


def kept_filters(since: str | None, until: str | None, source: str | list[str] | None) -> dict[str, str]:
    """The filters a kept turn remembers, as the chat keeps them."""
    outlet = ", ".join(source) if isinstance(source, list) else source or ""
    return {"since": since or "", "until": until or "", "source": outlet}


def ref_json(a: ArticleRef) -> dict[str, Any]:
    """An article as the API names it."""
    return {"title": a.title, "outlet": a.source, "date": a.published, "url": a.url, "article_id": a.article_id}


def citation_json(c: Citation) -> dict[str, Any]:
    """Source n as an API gives it: the article, and the sentence the answer cites in it."""
    return {"n": c.n, **ref_json(c), "sentence": c.sentence or c.passage, "passage": c.passage,
            "start": c.start, "end": c.end, "sentence_start": c.sentence_start, "sentence_end": c.sentence_end,
            "also": [ref_json(a) for a in c.also]}  # fmt: skip


def answer_structure(a: Answer) -> dict[str, Any]:
    """The fields of an answer a client may read besides its text."""
    return {
        "citations": [citation_json(c) for c in a.citations],
        "short": a.short,
        "conflicts": [asdict(c) for c in a.conflicts],
        "mode": a.mode.value,
        "abstained": a.abstained,
        "as_of": a.as_of,
        "searched_for": a.standalone_question,
        "closest": [ref_json(c) for c in a.closest],
        "events": [asdict(e) for e in a.events],  # a timeline's or a briefing's lines
    }


def hit_json(h: Hit) -> dict[str, Any]:
    """A retrieved passage with what citing it needs."""
    return {**ref_json(h), "passage": h.text, "start": h.start, "end": h.end, "score": round(float(h.score), 4),
            "also": [ref_json(a) for a in h.also]}  # fmt: skip
