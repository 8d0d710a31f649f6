"""The records every room passes around: a reference to an article (what every passage,
citation, copy and closest article shows of its article), a stored article, a retrieved
passage (a hit), and the scope a search keeps to.  Plain frozen data, importing nothing of
the package, so that any module may use them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class ArticleRef:
    """An article as a reader sees it next to a passage: its id, title, outlet, date and link.
    Hits and citations extend it; a story's other copies and the closest articles are one."""

    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None

    def ref(self) -> ArticleRef:
        """Just the reference, whatever record it is part of."""
        return ArticleRef(**self.ref_fields())

    def ref_fields(self) -> dict[str, Any]:
        """The reference's fields by name, to build a larger record from it."""
        return {f.name: getattr(self, f.name) for f in fields(ArticleRef)}


@dataclass(frozen=True)
class StoredArticle:
    id: str
    title: str
    source: str | None
    url: str | None
    published: str | None
    content_hash: str
    n_chunks: int
    story: str = ""  # the story this article is a copy of (its own id when it repeats no other)
    signature: str = field(default="", repr=False)  # its MinHash, encoded (vectorstore.ingest.dedup)

    def ref(self) -> ArticleRef:
        return ArticleRef(self.id, self.title, self.source, self.published, self.url)

    def listing(self) -> dict[str, Any]:
        """What a listing shows of it (the CLI's and the API's): not its hash or MinHash."""
        return {"id": self.id, "title": self.title, "source": self.source, "url": self.url,
                "published": self.published, "n_chunks": self.n_chunks, "story": self.story}  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Hit(ArticleRef):
    """A retrieved passage with its article's reference and a cosine similarity."""

    chunk_id: str
    text: str
    start: int
    end: int
    score: float
    story: str = ""
    also: tuple[ArticleRef, ...] = ()  # the story's other copies in the store ("also reported by")


@dataclass(frozen=True)
class Scope:
    """Which passages a search may return: published on or before ``max_day`` (ordinal
    days; undated passages pass), on or after ``min_day`` (undated ones don't), and of
    ``article_ids`` when given (e.g. one outlet's articles)."""

    max_day: int | None = None
    min_day: int | None = None
    article_ids: frozenset[str] | None = None
    undated: bool = False  # with min_day: undated passages pass too (their date is unknown, not outside)

    @property
    def unbounded(self) -> bool:
        return self.max_day is None and self.min_day is None and self.article_ids is None

    def admits(self, article_id: str, published: str | None) -> bool:
        """Whether an article with this id and date is within the scope."""
        if self.article_ids is not None and article_id not in self.article_ids:
            return False
        return self.admits_day(day_of(published))

    def admits_day(self, day: int) -> bool:
        """Whether a date (ordinal day; -1: undated) is within the scope's dates."""
        if self.max_day is not None and day > self.max_day:
            return False
        return self.min_day is None or day >= self.min_day or (self.undated and day == -1)

    def where(self) -> dict[str, Any] | None:
        parts: list[dict[str, Any]] = []
        dated: list[dict[str, Any]] = []
        if self.max_day is not None:
            dated.append({"published_days": {"$lte": self.max_day}})
        if self.min_day is not None:
            dated.append({"published_days": {"$gte": self.min_day}})
        if self.min_day is not None and self.undated:
            both = dated[0] if len(dated) == 1 else {"$and": dated}
            parts.append({"$or": [both, {"published_days": -1}]})
        else:
            parts += dated
        if self.article_ids is not None:
            parts.append({"article_id": {"$in": sorted(self.article_ids) or ["\x00none"]}})
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}


def day_of(published: str | None) -> int:
    """An ISO date's ordinal day; -1 for an undated article."""
    if not published:
        return -1
    return dt.date.fromisoformat(published).toordinal()


def passage_id(article_id: str, content_hash: str, index: int) -> str:
    """A passage's id: its article, the first 8 characters of that version's hash, its place."""
    return f"{article_id}:{content_hash[:8]}:{index}"
