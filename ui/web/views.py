"""What the web UI shows, as Markdown and rows: the settings line, the welcome, the Library,
and what each click says.  Pure formatting over the service and the API."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rag.settings import Settings
from vectorstore.errors import InputError
from vectorstore.ingest.ingestor import STATUSES
from vectorstore.records import StoredArticle

from ..format import md_escape, outlet_date
from .api import ApiActions, Service

TEXT_MATCHES = 200  # a Library search reads the text of at most this many keyword matches


def status_order(status: str) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


def _letters(name: str) -> str:
    """An outlet's name as letters and digits, its web suffix dropped ("USA Today" = "usatoday.com")."""
    return re.sub(r"(com|org|net|co\.uk)$", "", re.sub(r"[^a-z0-9.]", "", name.lower())).replace(".", "")


def plain_title(title: str, source: str | None) -> str:
    """A title without the outlet it ends with (" - USA Today", " | Harbour News"), when that is
    the article's outlet."""
    title = " ".join(title.split())
    m = re.fullmatch(r"(?P<head>.+?)\s+[-|–—]\s+(?P<tail>[^-|–—]{2,40})", title)
    if m and source and _letters(m.group("tail")) == _letters(source):
        return m.group("head")
    return title


class Views:
    def __init__(self, service: Service, api: ApiActions, settings: Settings) -> None:
        self.service, self.api, self.settings = service, api, settings

    def settings_md(self) -> str:
        a, s = self.service.answerer, self.service
        return (
            f"**Answerer:** `{a.name}` · **Model:** `{a.model}` · "
            f"**Embedder:** `{self.settings.embedder}` ({s.embedder.space} vectors)  \n"
            f"**Store:** {s.where} · **Articles:** {s.count_articles()} · **Passages:** {s.count_passages()}"
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
        asks = [f"What do the articles say about “{plain_title(a.title, a.source)[:90]}”?" for a in stories[:3]]
        return said + " Ask a question, or try one of these:", asks

    def outlets(self) -> list[str]:
        return ["", *sorted({a.source for a in self.service.list_articles() if a.source}, key=str.lower)]

    def library_found(self, query: str = "") -> list[StoredArticle]:
        """The articles whose title, outlet or text holds every word of ``query``, newest first
        (undated ones last).  The text is searched through the article keyword index."""
        everything = self.service.list_articles()
        words = (query or "").lower().split()
        if words:
            by_text = set(self.service.search_articles(query, TEXT_MATCHES))  # its best, not every article
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
            total = self.service.count_articles()
            n = f"{len(found):,} article{'s' if len(found) != 1 else ''}"
            verb = "holds" if len(found) == 1 else "hold"
            return rows, ids, (f"{n} of {total:,} {verb} “{md_escape(q)}”." if q else f"{n}.")
        if q:
            return rows, ids, f"No article holds “{md_escape(q)}” in its title, outlet or text."
        return rows, ids, "The library is empty: add articles in the *Add articles* tab."

    def library_reader(self, article_id: str) -> tuple[str, str]:
        """A selected article: its heading (title; outlet, date, link) and its text."""
        a = self.service.get_article(article_id)
        if a is None:
            raise InputError("That article is no longer stored: it was deleted. Search again.")
        head = f"### {md_escape(a.title)}\n{md_escape(outlet_date(a.source, a.published))}"
        return head + (f" · {md_escape(a.url)}" if a.url else ""), self.service.article_text(article_id)

    @staticmethod
    def added_said(o: dict[str, Any]) -> str:
        """What an add (a pasted article or a URL) says: its status, title and id."""
        return f"**{o['status']}**: {md_escape(o['title'])} (id {md_escape(o['article_id'])})"

    @staticmethod
    def refused_said(e: Exception) -> str:
        """Why an article was not added, said where the form is (the fields keep what was typed)."""
        return f"**Not added:** {md_escape(str(e))}"

    @staticmethod
    def upload_summary(statuses: Sequence[str]) -> str:
        """What an upload did, in one line ("**Done:** 3 added, 1 failed.")."""
        if not statuses:
            return ""
        counts = {s: list(statuses).count(s) for s in sorted(set(statuses), key=status_order)}
        return "**Done:** " + ", ".join(f"{n} {s}" for s, n in counts.items()) + "."

    def follow_said(self, url: str) -> str:
        r = self.api.follow_feed(url)
        return _lines(
            [f"Following {r['title'] or r['url']}: {r['added']} articles added.", *filter(None, [r["error"]])]
        )

    def unfollow_said(self, url: str) -> str:
        r = self.api.unfollow_feed(url)
        return _lines([f"No longer following {r['url']}; its {r['total_added']} articles stay."])

    def poll_said(self) -> str:
        results = self.api.poll_feeds()
        lines = [f"{r['url']}: {r['added']} added" + (f" ({r['error']})" if r["error"] else "") for r in results]
        return _lines(lines or ["You follow no feeds yet."])

    def delete_said(self, article_id: str | None) -> str:
        if not article_id:
            raise InputError("Select an article in the table first.")
        return f"Deleted: {md_escape(self.api.delete_article(article_id)['title'])}"


def _lines(lines: list[str]) -> str:
    return "  \n".join(md_escape(line) for line in lines)
