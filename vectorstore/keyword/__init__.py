"""The keyword-index seam: what a store asks of a full-text index, and what it indexes.

The implementation is :class:`vectorstore.keyword.fts.FtsIndex` (SQLite FTS5, persistent,
updated record by record through the store's change log).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from vectorstore.records import Scope

# The English stop words of bm25s (the keyword index before this one), dropped from queries.
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)
_WORD = re.compile(r"\w\w+")

Record = Callable[[str, str, dict[str, Any]], tuple[str, str, int]]


def doc_terms(text: str) -> list[str]:
    """The terms of an indexed text that count for BM25 (its length, its term frequencies):
    lower case, two letters or more, no stop words."""
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def query_terms(text: str) -> list[str]:
    """The words of a query that are searched for: its terms, each once."""
    return list(dict.fromkeys(doc_terms(text)))


def passage_record(id_: str, text: str, meta: dict[str, Any]) -> tuple[str, str, int]:
    """A passage as the index sees it: (its article, its words, its day)."""
    return str(meta.get("article_id", "")), text, int(meta.get("published_days", -1))


def article_record(id_: str, text: str, meta: dict[str, Any]) -> tuple[str, str, int]:
    """A whole article as the index sees it: the title counts twice (it names the story)."""
    title = str(meta.get("title", ""))
    return id_, f"{title}\n{title}\n{text}", int(meta.get("published_days", -1))


class KeywordIndex(Protocol):
    def days_of(self, ids: set[str]) -> dict[str, int]:
        """The day (-1: undated) of each of these records the index holds; the others are left out."""
        ...

    def dated_in(self, scope: Scope) -> int:
        """How many indexed records carry a date within ``scope``."""
        ...

    def search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        """Ids of the ``k`` records within ``scope`` that match ``query``'s words best, best first."""
        ...

    def invalidate(self) -> None:
        """This process wrote to the store: catch up before the next read."""
        ...

    def indexed_ids(self) -> set[str] | None:
        """The ids the index holds, after bringing it up to date (None: no index)."""
        ...

    def rebuild(self) -> None:
        """Index the whole collection afresh (``check --repair``)."""
        ...


class KeywordIndexes(NamedTuple):
    """A store's two keyword indexes: over its passages and over its whole articles."""

    passages: KeywordIndex
    articles: KeywordIndex


# A keyword-index backend: (its file, None for memory; the passages' and the articles' collections;
# the store's change log) -> the two indexes.  The store picks one by name (vectorstore.store.chroma).
KeywordBackend = Callable[[Path | None, Any, Any, Any], KeywordIndexes]
