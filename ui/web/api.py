"""The web server's JSON API, as plain methods on the service: each endpoint is one method
(its docstring is the API's), tested by calling it (tests/test_web_actions.py).  Methods
raise :class:`NewsragError` with a message that says what to do."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import gradio as gr

from rag.answer import Answer
from rag.condense import Message
from rag.conversations import ConversationLog
from rag.feedback.log import FeedbackLog
from rag.feedback.record import Feedback
from rag.filters import Filters
from vectorstore.article import Article, parse_date
from vectorstore.errors import InputError
from vectorstore.ingest.feeds import Feed, FeedList, NotAFeed, PollResult
from vectorstore.ingest.ingestor import IngestReport, Outcome
from vectorstore.ingest.loaders import Overrides, supported_text
from vectorstore.records import StoredArticle

from .guards import QuestionLimit, client_of

Progress = Callable[..., Any]  # Gradio's progress tracker: ((done, total), desc=...)


class Service(Protocol):
    """What the web UI asks of :class:`rag.service.NewsRAG`."""

    answerer: Any
    embedder: Any
    feeds: FeedList

    @property
    def where(self) -> str: ...

    def count_articles(self) -> int: ...

    def count_passages(self) -> int: ...

    def search_articles(self, query: str, k: int) -> list[str]: ...

    def get_article(self, article_id: str) -> StoredArticle | None: ...

    def ask(
        self, question: str, history: Sequence[Message] | None = None, filters: Filters | None = None
    ) -> Answer: ...

    def stream(
        self, question: str, history: Iterable[Message] | None = None, filters: Filters | None = None
    ) -> Iterator[str | Answer]: ...

    def add_article(self, article: Article) -> Outcome: ...

    def list_articles(self) -> list[StoredArticle]: ...

    def article_text(self, article_id: str) -> str: ...

    def delete(self, article_id: str) -> StoredArticle: ...

    def ingest_paths(
        self,
        paths: Sequence[Path],
        overrides: Overrides | None = None,
        on_progress: Callable[[Outcome], None] | None = None,
        urls: Sequence[str] = (),
    ) -> IngestReport: ...

    def follow_feed(self, url: str) -> tuple[Feed, PollResult]: ...

    def unfollow_feed(self, url: str) -> Feed: ...

    def poll_feeds(self) -> list[PollResult]: ...

    def use_answerer(self, name: str) -> None: ...

    def answerer_names(self) -> list[str]: ...

    @property
    def feedback(self) -> FeedbackLog: ...

    @property
    def conversations(self) -> ConversationLog: ...

    def rate(self, fb: Feedback) -> Feedback: ...


def expect_text(name: str, value: Any) -> None:
    """API callers may send anything: a field meant as text must be text (or empty)."""
    if value is not None and not isinstance(value, str):
        raise InputError(
            f"The field {name!r} must be text (a string), not {type(value).__name__}. Send it as a string."
        )


def user_of(request: Any) -> str:
    """The signed-in user (NEWSRAG_AUTH), else ""."""
    return str(getattr(request, "username", None) or "")


@dataclass
class ApiActions:
    service: Service
    limit: QuestionLimit  # questions per client per minute (shared with the chat)

    def ask(
        self,
        question: str,
        history: list[dict[str, Any]] | None = None,
        as_of: str | None = None,
        since: str | None = None,
        until: str | None = None,
        source: str | None = None,
        request: gr.Request = None,  # type: ignore[assignment]  # Gradio passes it: the asking client's address
    ) -> dict[str, Any]:
        """Answer a question as of a day (YYYY-MM-DD, default today), optionally within a date range
        and for an outlet; returns the answer with its structured citations."""
        self.limit.check(client_of(request))
        filters = Filters.parse(as_of=as_of or None, since=since or None, until=until or None, sources=source)
        return dict(self.service.ask(question, history or [], filters).to_dict())

    def add_article(
        self, title: str, text: str, source: str = "", published: str = "", url: str = ""
    ) -> dict[str, Any]:
        """Add one article (title and text required; date as YYYY-MM-DD)."""
        for name, value in {"title": title, "text": text, "source": source, "published": published, "url": url}.items():
            expect_text(name, value)
        if not (title or "").strip() or not (text or "").strip():
            raise InputError("Both a title and the article text are required.")
        try:
            date = parse_date(published)
        except ValueError as e:
            raise InputError(f"Date: {e}.") from None
        art = Article(title=title.strip(), text=text.strip(), source=(source or "").strip() or None,
                      published=date, url=(url or "").strip() or None)  # fmt: skip
        o = self.service.add_article(art)  # refuses an empty or oversized article
        if o.status == "failed":
            raise InputError(f"The article was not added: {o.reason}.")
        return {"status": o.status, "article_id": o.article_id, "title": o.title}

    def add_url(self, url: str) -> dict[str, Any]:
        """Fetch a web page (on the user's request) and add its article: status, article_id, title."""
        from vectorstore.ingest.fetch import is_url

        expect_text("url", url)
        url = (url or "").strip()
        if not is_url(url):
            raise InputError("Give the article's address, starting with https:// (or http://).")
        o = self.service.ingest_paths([], urls=[url]).outcomes[0]
        if o.status == "failed":
            raise InputError(f"The page was not added: {o.reason}")
        return {"status": o.status, "article_id": o.article_id, "title": o.title}

    def list_articles(self) -> list[dict[str, Any]]:
        """Every stored article: id, title, source, url, published, n_chunks, story."""
        return [a.listing() for a in self.service.list_articles()]

    def delete_article(self, article_id: str) -> dict[str, Any]:
        """Delete an article and its passages."""
        expect_text("article_id", article_id)
        if not (article_id or "").strip():
            raise InputError("Give the id of the article to delete (`/list_articles` shows the ids).")
        a = self.service.delete(article_id)
        return {"deleted": a.id, "title": a.title}

    def add_files(self, files: list[Any] | None, progress: Progress | None = None) -> list[list[str]]:
        """Add articles from files; one row per article or refused file: file, status, title, reason."""
        if not files:
            raise InputError(f"Choose one or more files first ({supported_text()}).")
        paths = [Path(getattr(f, "name", f)) for f in files]
        seen: dict[str, int] = {}

        def tick(o: Outcome) -> None:  # "file 2 of 5 · 37 articles": a .jsonl holds many
            seen[o.path] = seen.get(o.path, 0) + 1
            if progress is not None:
                n = sum(seen.values())
                progress(
                    (len(seen), len(paths)), desc=f"file {len(seen)} of {len(paths)} · {n} article{'s' * (n != 1)}"
                )

        report = self.service.ingest_paths(paths, on_progress=tick)
        return [[Path(o.path).name, o.status, o.title, o.reason] for o in report.outcomes]

    def follow_feed(self, url: str) -> dict[str, Any]:
        """Follow an RSS/Atom feed (checked now) and add its current items: title, url, added, error."""
        expect_text("url", url)
        try:
            feed, result = self.service.follow_feed(url or "")
        except NotAFeed as e:  # said the web's way: the page can be added where pages are added
            raise NotAFeed(e.url, "put it in “Article URL” in the Add articles tab") from None
        return {"title": feed.title, "url": feed.url, "added": result.added, "error": result.error}

    def list_feeds(self) -> list[dict[str, Any]]:
        """The followed feeds: url, title, last_poll, last_added, total_added, last_error."""
        keys = ("url", "title", "last_poll", "last_added", "total_added", "last_error")
        return [{k: getattr(f, k) for k in keys} for f in self.service.feeds.all()]

    def unfollow_feed(self, url: str) -> dict[str, Any]:
        """Stop following a feed (its articles stay): url, total_added."""
        expect_text("url", url)
        f = self.service.unfollow_feed(url or "")
        return {"url": f.url, "total_added": f.total_added}

    def poll_feeds(self) -> list[dict[str, Any]]:
        """Poll every followed feed now: per feed, url, added, error."""
        return [{"url": r.feed, "added": r.added, "error": r.error} for r in self.service.poll_feeds()]

    def feedback(
        self,
        answer: dict[str, Any],
        rating: str,
        comment: str = "",
        correction: str = "",
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> dict[str, Any]:
        """Rate an answer: the answer as /ask returned it, "up" or "down", and optionally a comment
        and the right answer; returns the rating's id and time."""
        fb = self.service.rate(Feedback.of(answer, rating, comment, correction, user=user_of(request)))
        return {"id": fb.id, "at": fb.at, "rating": fb.rating}
