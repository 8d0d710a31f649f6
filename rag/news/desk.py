"""The news desk: what the chain asks for beyond one answer (see the package's docstring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from vectorstore.embedders import Embedder
from vectorstore.records import Hit, Scope, StoredArticle, passage_id

from ..answer import Conflict
from ..timeexpr import WEEK_DAYS
from .briefing import MAX_ARTICLES, briefing
from .composed import Composed
from .conflicts import ValueReader, find_conflict
from .intent import Intent
from .timeline import relevant, timeline
from .values import ASKED_CLAIM, SAME_CLAIM

DEFAULT_DAYS = WEEK_DAYS  # a briefing with no period named covers the week up to as-of, that day the last
COPIES = 3  # of a story's copies, the conflict check reads at most this many (a wire story has dozens)


class ArticleShelf(Protocol):
    """What the desk asks of a store: every article's record, and passages by id."""

    def list_articles(self) -> list[StoredArticle]: ...

    def hits_by_ids(self, ids: Sequence[str], vector: np.ndarray) -> list[Hit]: ...

    def best_passages(
        self, article_ids: Sequence[str], vector: np.ndarray, records: dict[str, StoredArticle] | None = None
    ) -> list[Hit]: ...


class NewsDesk:
    def __init__(self, store: ArticleShelf, embedder: Embedder, values: ValueReader | None, min_score: float) -> None:
        self.store = store
        self.embedder = embedder
        self.values = values
        self.min_score = min_score

    def conflict(
        self, question: str, intent: Intent, passages: Sequence[Hit], vector: np.ndarray | None = None
    ) -> tuple[Conflict | None, list[Hit]]:
        """Values the passages revise or dispute for what ``question`` asks, and the passages of
        the stories' other copies it read too (their ``n`` follow the passages'): a copy that
        changes the figure is a revision, though retrieval counted it as the same story."""
        if self.values is None or not passages:
            return None, []
        asked = intent.value_question or question
        values = self.values.values(asked, passages)
        extra = self._changed_copies(passages, {v.passage: v.text for v in values}, vector)
        if extra:
            more = self.values.values(asked, extra)
            values += [replace(v, passage=v.passage + len(passages)) for v in more]
        read = [*passages, *extra]
        found = find_conflict(values, read, self.embedder.embed, ASKED_CLAIM if intent.disputed else SAME_CLAIM)
        return found, extra

    def _changed_copies(self, passages: Sequence[Hit], said: dict[int, str], vector: np.ndarray | None) -> list[Hit]:
        """The best passages of the copies of stories whose passage gives a value, where the copy
        does not hold that value (a copy that holds it says the same: it is not read again)."""
        owner: dict[str, int] = {}
        for i, h in enumerate(passages):
            for a in h.also[-COPIES:] if i in said else ():  # the newest copies: a revision is a later one
                owner.setdefault(a.article_id, i)
        if not owner or vector is None:
            return []
        return [h for h in self.store.best_passages(list(owner), vector) if said[owner[h.article_id]] not in h.text]

    def timeline(self, question: str, intent: Intent, hits: Sequence[Hit], window: Scope | None = None) -> Composed:
        """The story's dated lines; within ``window`` when the question names a period ("since January")."""
        if window is not None:
            hits = [h for h in hits if h.published and window.admits(h.article_id, h.published)]
        return timeline(intent.topic or question, hits, self.min_score, self.values, intent.value_question)

    def briefing(self, intent: Intent, hits: Sequence[Hit], scope: Scope, window: tuple[dt.date, dt.date],
                 vector: np.ndarray) -> Composed:  # fmt: skip
        """The period's stories (``window``, inclusive), within ``scope``; about the topic when one is named."""
        since, until = (d.isoformat() for d in window)
        about = {a for h in relevant(hits, self.min_score) for a in (h.article_id, *(c.article_id for c in h.also))}
        articles = [
            a for a in self.store.list_articles()  # newest first
            if a.published and since <= a.published <= until and scope.admits(a.id, a.published)
            and (not intent.topic or a.id in about)
        ][:MAX_ARTICLES]  # fmt: skip
        first = self.store.hits_by_ids([passage_id(a.id, a.content_hash, 0) for a in articles], vector)
        leads = {h.article_id: h for h in first}
        return briefing(articles, leads, self.embedder.embed)
