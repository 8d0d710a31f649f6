"""The SQLite file the FTS5 keyword indexes share, how FTS5 folds a word, and the BM25 that
scores the candidates FTS5 finds (with each index's own k1 and b, Lucene's idf)."""

from __future__ import annotations

import math
import re
import sqlite3
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCHEMA = 2  # the file's layout; a file of another layout is rebuilt

_MARKS = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """``text`` without diacritics, as FTS5's tokenizer (remove_diacritics) indexes words."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", text))


class FtsDatabase:
    """The SQLite file (or an in-memory database) shared by the indexes of one store."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(
            str(path) if path else ":memory:", timeout=30.0, check_same_thread=False, isolation_level=None
        )
        if path is not None:
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        if self.conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:  # an older layout: start afresh
            tables = self.conn.execute(  # virtual tables first: they take their shadow tables with them
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY sql LIKE 'CREATE VIRTUAL%' DESC"
            ).fetchall()
            for (name,) in tables:
                self.conn.execute(f'DROP TABLE IF EXISTS "{name}"')
            self.conn.execute(f"PRAGMA user_version = {SCHEMA}")
        self.conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self.conn.execute("CREATE TABLE IF NOT EXISTS applied (entry TEXT PRIMARY KEY, t REAL)")
        self.lock = threading.RLock()
        self.writes = 0  # this connection's commits (PRAGMA data_version counts only the others')


def rescore(rows: Sequence[Any], present: Sequence[str], df: dict[str, int], total: int, avg: float, k1: float,
            b: float, k: int) -> list[str]:  # fmt: skip
    """The ids of the best ``k`` of ``rows`` (id, length in terms, text), by BM25 over the words
    ``present`` in the index (``df``: records holding each; ``total`` records, ``avg`` length)."""
    idf = {t: math.log(1 + (total - df[t] + 0.5) / (df[t] + 0.5)) for t in present}
    word = re.compile(r"\b(" + "|".join(map(re.escape, present)) + r")\b")
    scored = []
    for order, (rid, length, body) in enumerate(rows):  # ties (copies of a story) keep FTS5's order
        text = str(body).lower()
        tf = Counter(word.findall(text if text.isascii() else fold(text)))
        norm = k1 * (1 - b + b * (length or 0) / (avg or 1.0))
        scored.append((-sum(idf[t] * c / (c + norm) for t, c in tf.items()), order, rid))
    return [rid for _, _, rid in sorted(scored)[:k]]
