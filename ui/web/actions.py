"""Everything the web UI and its API do, as plain methods on the service: no component,
no server.  Each API endpoint is one method (its docstring is the API's); the UI's own
steps (what a click says, the Library's rows) are methods too, so all of it is tested
by calling them (tests/test_web_actions.py).  Methods raise :class:`NewsragError` with a
message that says what to do; the wiring turns it into the UI's message."""

from __future__ import annotations

import html
import re
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
from rag.settings import Settings
from vectorstore.article import Article, parse_date
from vectorstore.errors import InputError, NewsragError
from vectorstore.ingest.feeds import Feed, FeedList, NotAFeed, PollResult
from vectorstore.ingest.ingestor import STATUSES, IngestReport, Outcome
from vectorstore.ingest.loaders import Overrides, supported_text
from vectorstore.records import StoredArticle

from ..format import answer_markdown, article_view, cited_source, md_escape, outlet_date
from .guards import QuestionLimit, client_of

Progress = Callable[..., Any]  # Gradio's progress tracker: ((done, total), desc=...)


class Service(Protocol):
    """What the web UI asks of :class:`rag.service.NewsRAG`."""

    answerer: Any
    embedder: Any
    store: Any
    feeds: FeedList

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


def as_typed(message: dict[str, Any]) -> dict[str, Any]:
    """A conversation turn as the user typed it (the chat shows it through ``md_escape``)."""
    content = message.get("content")
    if message.get("role") == "user" and isinstance(content, str):
        return {**message, "content": html.unescape(content)}
    return message


@dataclass
class Asked:
    """An answer in the conversation, the filters it was asked with, and its rating's id once rated."""

    answer: Answer
    filters: dict[str, str]
    rated: int = 0


@dataclass(frozen=True)
class Rated:
    """The rating just given (the "tell us more" box amends it)."""

    id: int
    rating: str


TEXT_MATCHES = 200  # a Library search reads the text of at most this many keyword matches


def user_of(request: Any) -> str:
    """The signed-in user (NEWSRAG_AUTH), else ""."""
    return str(getattr(request, "username", None) or "")


def status_order(status: str) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


class WebActions:
    def __init__(self, service: Service, settings: Settings) -> None:
        self.service, self.settings = service, settings
        self.limit = QuestionLimit(settings.questions_per_minute)

    # ---- the API ------------------------------------------------------------
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
        size, limit = len(text.encode("utf-8")), self.settings.max_file_mb
        if size > limit * 1024 * 1024:
            raise InputError(
                f"The text is {size / 1024 / 1024:.1f} MB, over the {limit:g} MB limit per article. "
                "Split it into several articles, or raise NEWSRAG_MAX_FILE_MB."
            )
        try:
            date = parse_date(published)
        except ValueError as e:
            raise InputError(f"Date: {e}.") from None
        art = Article(title=title.strip(), text=text.strip(), source=(source or "").strip() or None,
                      published=date, url=(url or "").strip() or None)  # fmt: skip
        if not art.title or not art.text.strip():
            raise InputError("The title or the text holds only control characters. Paste the article's words.")
        o = self.service.add_article(art)
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

    # ---- the chat -------------------------------------------------------------
    def chat(
        self,
        message: str,
        history: list[dict[str, Any]] | None,
        asked: dict[int, Asked] | None,
        as_of: str | None = None,
        since: str | None = None,
        until: str | None = None,
        outlet: str | None = None,
        request: Any = None,
        warn: Callable[[str], None] = lambda message: None,
    ) -> Iterator[tuple[list[dict[str, Any]], str, dict[int, Asked]]]:
        """The conversation as it grows: (turns, what stays in the question box, every answer by
        its place, with the filters it was asked with).  A refused or failed question is said in
        the conversation (and to ``warn``), the question kept in the box; what was written stays."""
        asked = asked or {}
        prior = [as_typed(m) for m in history or [] if isinstance(m, dict)]  # condensing reads what was typed
        turns = [*(history or []), {"role": "user", "content": md_escape(message or "")},
                 {"role": "assistant", "content": "…"}]  # fmt: skip
        key = len(turns) - 1  # this answer's place in the conversation: its [n] links name it
        text, final = "", None
        try:
            self.limit.check(client_of(request))
            filters = Filters.parse(as_of=as_of or None, since=since or None, until=until or None, sources=outlet)
            yield turns, "", asked
            for item in self.service.stream(message, prior, filters):
                if isinstance(item, Answer):
                    final = item
                else:
                    text += item
                    turns[-1] = {"role": "assistant", "content": md_escape(text)}
                    yield turns, "", asked
        except NewsragError as e:
            warn(html.escape(str(e), quote=False))
            shown = md_escape(text) + "\n\n" if text else ""
            turns[-1] = {"role": "assistant", "content": f"{shown}⚠ **Not answered:** {md_escape(str(e))}"}
            yield turns, message, asked
            return
        assert final is not None
        turns[-1] = {"role": "assistant", "content": answer_markdown(final, key)}
        kept = {"since": since or "", "until": until or "", "source": outlet or ""}
        yield turns, "", {**asked, key: Asked(final, kept)}

    def open_cited(self, request: str, asked: dict[int, Asked] | None) -> str:
        """What a clicked link of an answer names, inside its article: source n ("source-KEY-N@time"),
        or closest article n of an answer that found nothing ("source-KEY-cN@time")."""
        m = re.fullmatch(r"source-(\d+)-(c?)(\d+)(@\d+)?", (request or "").strip())
        if not m:
            return ""
        turn, n = (asked or {}).get(int(m.group(1))), int(m.group(3))
        if turn is not None and m.group(2) and 0 < n <= len(turn.answer.closest):
            near = turn.answer.closest[n - 1]
            return article_view(near, self.service.article_text(near.article_id))
        found = next((c for c in turn.answer.citations if c.n == n), None) if turn and not m.group(2) else None
        if found is None:
            return "<p>That source is no longer available (the page was reloaded). Ask the question again.</p>"
        return cited_source(found, self.service.article_text(found.article_id))

    # ---- feedback -------------------------------------------------------------
    def rate_turn(self, asked: dict[int, Asked] | None, key: int, liked: bool, request: Any = None) -> Rated:
        """A thumbs on the answer at ``key``: a new rating, or the same answer's rating changed."""
        turn = (asked or {}).get(key)
        if turn is None:
            raise InputError("That answer is no longer available (the page was reloaded). Ask the question again.")
        rating, user = ("up" if liked else "down"), user_of(request)
        if turn.rated:
            fb = self.service.feedback.amend(turn.rated, user, rating=rating)
        else:
            fb = self.service.rate(Feedback.of(turn.answer.to_dict(), rating, filters=turn.filters, user=user))
            turn.rated = fb.id
        return Rated(fb.id, rating)

    def tell_more(self, rated: Rated | None, comment: str, correction: str, request: Any = None) -> str:
        """The comment and right answer for the answer just rated; what the UI says back."""
        expect_text("comment", comment)
        expect_text("correction", correction)
        if rated is None:
            raise InputError("Rate an answer with 👍 or 👎 first, then say what was right.")
        self.service.feedback.amend(rated.id, user_of(request), comment=comment or "", correction=correction or "")
        return "Thank you: kept with your rating. `newsrag feedback export` turns ratings into an eval set."

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

    # ---- what the UI shows ------------------------------------------------------
    def settings_md(self) -> str:
        a, store = self.service.answerer, self.service.store
        return (
            f"**Answerer:** `{a.name}` · **Model:** `{a.model}` · "
            f"**Embedder:** `{self.settings.embedder}` ({self.service.embedder.space} vectors)  \n"
            f"**Store:** {store.where} · **Articles:** {store.count_articles()} · **Passages:** {store.count_chunks()}"
        )

    def welcome(self) -> tuple[str, list[str]]:
        """What the chat says on load: what the store holds (articles, outlets, dates) and three
        questions to try, about its newest stories."""
        stored = self.service.list_articles()
        if not stored:
            return "The store is empty: add articles in the *Add articles* tab, then ask about them.", []
        days = sorted(a.published for a in stored if a.published)
        outlets = {a.source for a in stored if a.source}
        said = f"**{len(stored):,} {'article' if len(stored) == 1 else 'articles'}** from {len(outlets):,} "
        said += "outlet" if len(outlets) == 1 else "outlets"
        said += f", {md_escape(days[0])} to {md_escape(days[-1])}." if days else "."
        newest = sorted(stored, key=lambda a: a.published or "", reverse=True)
        stories = list({a.story or a.id: a for a in reversed(newest)}.values())[::-1]  # one per story, newest
        asks = [f"What do the articles say about “{' '.join(a.title.split())[:90]}”?" for a in stories[:3]]
        return said + " Ask a question, or try one of these:", asks

    def outlets(self) -> list[str]:
        return ["", *sorted({a.source for a in self.service.list_articles() if a.source}, key=str.lower)]

    def library_found(self, query: str = "") -> list[StoredArticle]:
        """The articles whose title, outlet or text holds every word of ``query``, newest first
        (undated ones last).  The text is searched through the article keyword index."""
        everything = self.service.list_articles()
        words = (query or "").lower().split()
        if words:
            by_text = set(self.service.store.article_search(query, TEXT_MATCHES))  # its best, not every article
            found = []
            for a in everything:
                head = f"{a.title} {a.source or ''}".lower()
                if all(w in head for w in words):
                    found.append(a)
                elif a.id in by_text:
                    said = f"{head} {self.service.article_text(a.id).lower()}"
                    found += [a] if all(w in said for w in words) else []
            everything = found
        return sorted(everything, key=lambda a: a.published or "", reverse=True)

    def library_view(self, query: str = "") -> tuple[list[list[Any]], list[str], str]:
        """The Library's rows (title, outlet, date, passages, link), their article ids, and what to
        say: how many there are, or why there are none."""
        found = self.library_found(query)
        rows = [[a.title, a.source or "", a.published or "", a.n_chunks, a.url or ""] for a in found]
        ids = [a.id for a in found]
        q = (query or "").strip()
        if found:
            total = self.service.store.count_articles()
            n = f"{len(found):,} article{'s' if len(found) != 1 else ''}"
            verb = "holds" if len(found) == 1 else "hold"
            return rows, ids, (f"{n} of {total:,} {verb} “{md_escape(q)}”." if q else f"{n}.")
        if q:
            return rows, ids, f"No article holds “{md_escape(q)}” in its title, outlet or text."
        return rows, ids, "The library is empty: add articles in the *Add articles* tab."

    def library_reader(self, article_id: str) -> tuple[str, str]:
        """A selected article: its heading (title; outlet, date, link) and its text."""
        a = self.service.store.get_article(article_id)
        if a is None:
            raise InputError("That article is no longer stored: it was deleted. Search again.")
        head = f"### {md_escape(a.title)}\n{md_escape(outlet_date(a.source, a.published))}"
        return head + (f" · {md_escape(a.url)}" if a.url else ""), self.service.article_text(article_id)

    @staticmethod
    def added_said(o: dict[str, Any]) -> str:
        """What an add (a pasted article or a URL) says: its status, title and id."""
        return f"**{o['status']}**: {md_escape(o['title'])} (id {md_escape(o['article_id'])})"

    @staticmethod
    def upload_summary(statuses: Sequence[str]) -> str:
        """What an upload did, in one line ("**Done:** 3 added, 1 failed.")."""
        if not statuses:
            return ""
        counts = {s: list(statuses).count(s) for s in sorted(set(statuses), key=status_order)}
        return "**Done:** " + ", ".join(f"{n} {s}" for s, n in counts.items()) + "."

    def follow_said(self, url: str) -> str:
        r = self.follow_feed(url)
        return _lines(
            [f"Following {r['title'] or r['url']}: {r['added']} articles added.", *filter(None, [r["error"]])]
        )

    def unfollow_said(self, url: str) -> str:
        r = self.unfollow_feed(url)
        return _lines([f"No longer following {r['url']}; its {r['total_added']} articles stay."])

    def poll_said(self) -> str:
        results = self.poll_feeds()
        lines = [f"{r['url']}: {r['added']} added" + (f" ({r['error']})" if r["error"] else "") for r in results]
        return _lines(lines or ["You follow no feeds yet."])

    def delete_said(self, article_id: str | None) -> str:
        if not article_id:
            raise InputError("Select an article in the table first.")
        return f"Deleted: {md_escape(self.delete_article(article_id)['title'])}"


def _lines(lines: list[str]) -> str:
    return "  \n".join(md_escape(line) for line in lines)
