"""A persistent BM25 keyword index in SQLite FTS5, updated record by record.

One SQLite file (``DATA_DIR/keywords-<collection>.sqlite3``; for a Chroma server
``keywords-<collection>-<host>-<port>.sqlite3``) holds an FTS5 table per Chroma
collection indexed (the passages, and whole articles for the article stage),
beside a plain table of each record's article and day.  Nothing is rebuilt
after a change: every process follows the change log kept in Chroma
(vectorstore.changelog) and applies only the records an entry names, reading
their current state from Chroma.  All processes on a machine share the file
(WAL mode; an entry one applied is not applied again by the others); a
process on another machine keeps its own file and follows the same log.

The file is built from Chroma once, when it is missing or belongs to another
collection (a store deleted and made again); ``newsrag check`` compares it
with the passages and ``check --repair`` brings it back in step.

Why FTS5 rather than tantivy: it ships inside Python's sqlite3 (nothing to
install or build), its transactions and WAL give crash safety and
multi-process access for free, and a search is one SQL query with the date and
outlet filters in its WHERE clause.  Its BM25 has fixed k1=1.2, b=0.75 and an idf of
zero for a word in half the records: it picks the candidates, which are then
scored with each index's own k1 and b and Lucene's idf (see FtsIndex.search).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vectorstore.changelog import STALE_S, ChangeLog, Entry
from vectorstore.errors import ConfigError
from vectorstore.keyword import KeywordIndexes, Record, article_record, doc_terms, passage_record, query_terms
from vectorstore.keyword.fts_db import FtsDatabase, fold, rescore

if TYPE_CHECKING:
    from vectorstore.records import Scope

log = logging.getLogger(__name__)

RECHECK_S = 1.0  # how stale another process's writes may look to a search (this process's own: never)
SKEW_S = 60.0  # how late a log entry may land after its time stamp (a busy server, clocks apart)


class FtsIndex:
    """BM25 over one Chroma collection, kept in step through the change log."""

    def __init__(self, db: FtsDatabase, name: str, collection: Any, changes: ChangeLog,
                 record: Record = passage_record, page: int = 5000, k1: float = 0.9, b: float = 0.4,
                 pool: int = 100, budget: int = 4_000,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        """``k1``, ``b``: BM25's (for passages 0.9 and 0.4, those of the bm25s index before this
        one: see benchmarks/tune_keyword.py for the others tried); ``pool``:
        how many of FTS5's matches are scored again; ``budget``: how many records the words
        matched on may hold together (see :meth:`search`); ``clock``: what ``RECHECK_S`` is
        measured on (monotonic seconds; a test passes its own)."""
        self.db, self.name, self.collection, self.changes = db, name, collection, changes
        self.clock = clock
        self.record, self.page = record, page
        self.k1, self.b, self.pool, self.budget = k1, b, pool, budget
        self._stats_for: tuple[int, int] = (-1, -1)
        self._stats_cache: tuple[int, float, int] = (0, 0.0, -1)
        self._checked = -1e18  # when the log was last read (monotonic seconds)
        self._dirty = True
        with db.lock:
            c = db.conn
            c.execute(f"CREATE TABLE IF NOT EXISTS {name}_docs (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, "
                      "article TEXT, day INTEGER, len INTEGER)")  # fmt: skip
            c.execute(f"CREATE INDEX IF NOT EXISTS {name}_docs_day ON {name}_docs(day)")
            c.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {name}_fts USING fts5(body, "
                      "tokenize='unicode61 remove_diacritics 2')")  # fmt: skip
            c.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {name}_vocab USING fts5vocab({name}_fts, 'row')")

    # ---- keeping up with the store ------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self.db.conn.execute("SELECT value FROM meta WHERE key = ?", (f"{self.name}:{key}",)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self.db.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"{self.name}:{key}", value))

    def _store_key(self) -> str:
        """The Chroma collection this file indexes and the change log it follows (a store
        deleted and made again, or a log made again after a crash damaged it, has a new id)."""
        return f"{getattr(self.collection, 'id', '')} log {getattr(self.changes.log, 'id', '')}"

    def _same_store(self) -> bool:
        stored = self._meta("collection")
        if stored == str(getattr(self.collection, "id", "")):  # a file from before the log's id was recorded
            self._set_meta("collection", self._store_key())
            return True
        return stored == self._store_key()

    def invalidate(self) -> None:
        """This process wrote: read the log before the next search."""
        self._dirty = True

    def _current(self, force: bool = False) -> None:
        """Apply what the log says changed since last time (read at most every ``RECHECK_S``).
        Call with the lock held."""
        now = self.clock()
        if not force and not self._dirty and now - self._checked < RECHECK_S:
            return
        self._dirty = False
        self._checked = now
        if not self._same_store():
            self.rebuild(only_if_stale=True)
            return
        horizon = float(self._meta("horizon") or 0.0)
        wall = time.time()
        if wall - horizon > self.changes.keep_s / 2 and horizon < self.changes.floor():
            # Idle for days: entries it has not applied may have been pruned from the log.
            log.info("keyword index %s last caught up before the change log's oldest entry: rebuilding", self.name)
            self.rebuild()
            return
        entries = self.changes.since(horizon, self.name, skip=self._applied)
        todo = [e for e in entries if e.done or wall - e.t > STALE_S]
        pending = [e for e in entries if e not in todo]
        # A write still under way (or cut off by a crash) is read as it stands, and stays open:
        # it is read again until it is done or stale.
        if todo or pending:
            self._apply([*todo, *pending], closed=todo)
        # The horizon stays at the oldest entry still open, less the skew between writers' clocks.
        # With nothing new it moves at most once per SKEW_S: a search need not write the file.
        new = min([e.t for e in pending] + [wall]) - SKEW_S
        if entries or new - horizon > SKEW_S:
            self._set_meta("horizon", str(new))

    def _applied(self, entry_ids: Sequence[str]) -> set[str]:
        rows = self.db.conn.execute(
            "SELECT entry FROM applied WHERE entry IN (SELECT value FROM json_each(?))", (json.dumps(list(entry_ids)),)
        )
        return {r[0] for r in rows}

    def _apply(self, entries: Sequence[Entry], closed: Sequence[Entry]) -> None:
        """Bring the records ``entries`` name in line with Chroma; record ``closed`` as applied."""
        ids = list(dict.fromkeys(i for e in entries for i in e.ids))
        found: dict[str, tuple[str, str, int]] = {}
        for i in range(0, len(ids), self.page):
            res = self.collection.get(ids=ids[i : i + self.page], include=["documents", "metadatas"])
            for rid, doc, meta in zip(res["ids"], res["documents"] or [], res["metadatas"] or [], strict=True):
                found[rid] = self.record(rid, str(doc), dict(meta or {}))
        c = self.db.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            self._delete(ids)
            self._insert(found)
            c.executemany("INSERT OR IGNORE INTO applied VALUES (?, ?)", [(e.id, e.t) for e in closed])
            self.db.writes += 1
            c.execute("DELETE FROM applied WHERE t < ?", (time.time() - 30 * 86400,))
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        log.debug("keyword index %s: %d records from %d log entries", self.name, len(ids), len(entries))

    def _delete(self, ids: Sequence[str]) -> None:
        c, n = self.db.conn, self.name
        arg = (json.dumps(list(ids)),)
        c.execute(f"DELETE FROM {n}_fts WHERE rowid IN (SELECT rowid FROM {n}_docs WHERE id IN "
                  "(SELECT value FROM json_each(?)))", arg)  # fmt: skip
        c.execute(f"DELETE FROM {n}_docs WHERE id IN (SELECT value FROM json_each(?))", arg)

    def _insert(self, records: dict[str, tuple[str, str, int]]) -> None:
        c, n = self.db.conn, self.name
        for rid, (article, text, day) in records.items():
            cur = c.execute(f"INSERT INTO {n}_docs (id, article, day, len) VALUES (?, ?, ?, ?)",
                            (rid, article, day, len(doc_terms(text))))  # fmt: skip
            c.execute(f"INSERT INTO {n}_fts (rowid, body) VALUES (?, ?)", (cur.lastrowid, text))

    def rebuild(self, only_if_stale: bool = False) -> None:
        """Index the whole collection afresh (first use, another store, or a repair).
        With ``only_if_stale``, skip it when another process has just done it."""
        with self.db.lock:
            start = time.time()
            c, n = self.db.conn, self.name
            c.execute("BEGIN IMMEDIATE")
            if only_if_stale and self._same_store():
                c.execute("ROLLBACK")
                return
            try:
                c.execute(f"DELETE FROM {n}_fts")
                c.execute(f"DELETE FROM {n}_docs")
                offset = 0
                while True:
                    res = self.collection.get(include=["documents", "metadatas"], limit=self.page, offset=offset)
                    rows = zip(res["ids"], res["documents"] or [], res["metadatas"] or [], strict=True)
                    recs = {rid: self.record(rid, str(doc), dict(meta or {})) for rid, doc, meta in rows}
                    self._insert(recs)
                    if len(res["ids"]) < self.page:
                        break
                    offset += self.page
                self._set_meta("collection", self._store_key())
                # Entries that began shortly before may have landed after their pages were read.
                self._set_meta("horizon", str(start - STALE_S))
                self.db.writes += 1
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
            self._dirty = False
            self._checked = self.clock()
            count = c.execute(f"SELECT count(*) FROM {n}_docs").fetchone()[0]
            log.info("keyword index %s built over %d records", n, count)

    # ---- reading ----------------------------------------------------------------
    def indexed_ids(self) -> set[str] | None:
        with self.db.lock:
            self._current(force=True)
            return {r[0] for r in self.db.conn.execute(f"SELECT id FROM {self.name}_docs")}

    def _where(self, scope: Scope | None, latest: int | None = None) -> tuple[str, list[Any]]:
        """SQL conditions on ``d`` (the records' table) for ``scope``; none for a bound at or
        after ``latest`` (the latest day indexed), which excludes nothing."""
        if scope is None or scope.unbounded:
            return "", []
        sql: list[str] = []
        args: list[Any] = []
        if scope.max_day is not None and (latest is None or scope.max_day < latest):
            sql.append("d.day <= ?")
            args.append(scope.max_day)
        if scope.min_day is not None:
            sql.append("(d.day >= ? OR d.day = -1)" if scope.undated else "d.day >= ?")
            args.append(scope.min_day)
        if scope.article_ids is not None:
            sql.append("d.article IN (SELECT value FROM json_each(?))")
            args.append(json.dumps(sorted(scope.article_ids)))
        return ("".join(f" AND {c}" for c in sql), args)

    def days_of(self, ids: set[str]) -> dict[str, int]:
        """The day (-1: undated) of each of these records the index holds; the others are left out."""
        with self.db.lock:
            self._current()
            rows = self.db.conn.execute(
                f"SELECT id, day FROM {self.name}_docs WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(ids)),),
            )
            return {r[0]: int(r[1]) for r in rows}

    def dated_in(self, scope: Scope) -> int:
        """How many indexed records carry a date within ``scope`` (undated ones not counted)."""
        with self.db.lock:
            self._current()
            where, args = self._where(scope)
            row = self.db.conn.execute(f"SELECT count(*) FROM {self.name}_docs d WHERE d.day >= 0{where}", args)
            return int(row.fetchone()[0])

    def _stats(self) -> tuple[int, float, int]:
        """Records, their mean length in terms and the latest day, cached until the file changes."""
        version = (self.db.conn.execute("PRAGMA data_version").fetchone()[0], self.db.writes)
        if self._stats_for != version:
            n, total, latest = self.db.conn.execute(
                f"SELECT count(*), total(len), max(day) FROM {self.name}_docs"
            ).fetchone()
            self._stats_cache = (int(n), float(total) / max(int(n), 1), int(latest if latest is not None else -1))
            self._stats_for = version
        return self._stats_cache

    def _df(self, terms: Sequence[str]) -> dict[str, int]:
        """How many records hold each term (one seek per term in FTS5's vocabulary)."""
        q = f"SELECT doc FROM {self.name}_vocab WHERE term = ?"
        return {t: int(r[0]) if (r := self.db.conn.execute(q, (t,)).fetchone()) else 0 for t in terms}

    def search(self, query: str, k: int, scope: Scope | None = None) -> list[str]:
        """Ids of the ``k`` records within ``scope`` that match ``query``'s words best, best first.

        BM25 with this index's ``k1`` and ``b`` (Lucene's idf), in two steps.  FTS5 finds the
        ``pool`` records its own BM25 (k1 1.2, b 0.75) ranks first among those holding the
        query's rarest words; those are scored again on every query word, counted in their
        text.  The rarest words are taken while the records they are in add up to at most
        ``budget`` (the rarest always): FTS5 scores every record a word matches (20 ms for
        20,000 at 100k passages), so frequent words made every search grow with the store,
        while what they add to a score is small, and still counted in the second step."""
        terms = list(dict.fromkeys(map(fold, query_terms(query))))  # as FTS5 keeps them: "Beyoncé" -> "beyonce"
        if not terms or k <= 0:
            return []
        n = self.name
        with self.db.lock:
            self._current()
            total, avg, latest = self._stats()
            where, args = self._where(scope, latest)
            df = self._df(terms)
            present = [t for t in terms if df[t]]
            if not present:
                return []
            selective: list[str] = []
            postings = 0
            for t in sorted(present, key=df.__getitem__):  # the rarest first, within the budget
                if selective and postings + df[t] > self.budget:
                    break
                selective.append(t)
                postings += df[t]
            # The best matches first (rowids and scores only), then the texts of those alone;
            # the records' table only when the scope excludes something.
            join = f" JOIN {n}_docs d ON d.rowid = f.rowid" if where else ""
            rows = self.db.conn.execute(
                f"SELECT d.id, d.len, f.body FROM (SELECT f.rowid AS r, bm25({n}_fts) AS s FROM {n}_fts f{join} "
                f"WHERE {n}_fts MATCH ?{where} ORDER BY s LIMIT ?) top "
                f"JOIN {n}_docs d ON d.rowid = top.r JOIN {n}_fts f ON f.rowid = top.r ORDER BY top.s",
                [" OR ".join(f'"{t}"' for t in selective), *args, max(k, self.pool)],
            ).fetchall()
        return rescore(rows, present, df, total, avg, self.k1, self.b, k)


def fts5_indexes(path: Path | None, passages: Any, articles: Any, changes: ChangeLog) -> KeywordIndexes:
    """The FTS5 backend: one SQLite file (``path``; None: in memory) holding both indexes."""
    try:
        db = FtsDatabase(path)
    except sqlite3.Error as e:
        raise ConfigError(
            f"Cannot open the keyword index {path} ({e}). Delete that file: it is rebuilt from the store."
        ) from e
    # Whole articles vary in length far more than passages: BM25 with b 0.4 there (FTS5's b 0.75
    # held long articles back: RealTimeQA MRR@10 0.904 against 0.923; k1 1.2 and b 0.4 were
    # chosen on RealTimeQA's first 8 weeks of 2023 over (0.9, 0.4) and (0.9, 0.3)).  Counting
    # the words of 100 candidate articles took 10 ms at 100k passages: 50 of them are scored.
    return KeywordIndexes(
        FtsIndex(db, "chunks", passages, changes),
        FtsIndex(db, "articles", articles, changes, record=article_record, k1=1.2, b=0.4, pool=50),
    )
