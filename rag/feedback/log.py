"""The feedback log: SQLite in the data directory (``feedback.sqlite3``).  Each rating is one
row written in one transaction, so a crash keeps it whole or not at all; a connection per
call, so any thread (Gradio's workers) may write."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from vectorstore.errors import NotFound, StoreDamaged

from .record import CitedSentence, Feedback, check_rating

SCHEMA = """CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user TEXT NOT NULL, record TEXT NOT NULL)"""


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class FeedbackLog:
    def __init__(self, path: Path, clock: Callable[[], str] = utc_now) -> None:
        self.path, self.clock = path, clock

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with closing(sqlite3.connect(self.path, timeout=30)) as con, con:
                con.execute(SCHEMA)
                yield con
        except sqlite3.DatabaseError as e:
            raise StoreDamaged(
                f"The feedback log {self.path} cannot be read ({e}). Move it aside to start a new one; "
                "the articles are not affected."
            ) from e

    def add(self, fb: Feedback) -> Feedback:
        """Keep ``fb``; returns it with its id and time."""
        at = self.clock()
        with self._db() as con:
            cur = con.execute("INSERT INTO feedback (at, user, record) VALUES (?, ?, ?)",
                              (at, fb.user, json.dumps(asdict(replace(fb, at=at)))))  # fmt: skip
            return replace(fb, id=int(cur.lastrowid or 0), at=at)

    def amend(
        self,
        id_: int,
        user: str = "",
        rating: str | None = None,
        comment: str | None = None,
        correction: str | None = None,
    ) -> Feedback:
        """Change a rating's thumbs, comment or right answer (only the user who gave it may)."""
        old = self.get(id_, user)
        new = replace(old, rating=rating or old.rating,
                      comment=old.comment if comment is None else comment.strip(),
                      correction=old.correction if correction is None else correction.strip())  # fmt: skip
        check_rating(new)
        with self._db() as con:
            con.execute("UPDATE feedback SET record = ? WHERE id = ?", (json.dumps(asdict(replace(new, id=0))), id_))
        return new

    def get(self, id_: int, user: str = "") -> Feedback:
        """Rating ``id_``, when ``user`` gave it."""
        with self._db() as con:
            row = con.execute("SELECT record FROM feedback WHERE id = ? AND user = ?", (id_, user)).fetchone()
        if row is None:
            raise NotFound(f"No feedback with id {id_}. `newsrag feedback list` shows them.")
        return _feedback(id_, json.loads(row[0]))

    def all(self) -> list[Feedback]:
        """Every rating, oldest first."""
        if not self.path.exists():
            return []
        with self._db() as con:
            rows = con.execute("SELECT id, record FROM feedback ORDER BY id").fetchall()
        return [_feedback(int(i), json.loads(r)) for i, r in rows]

    def check(self) -> str:
        """What is wrong with the log's file ("" when nothing is)."""
        if not self.path.exists():
            return ""
        try:
            with self._db() as con:
                result = con.execute("PRAGMA integrity_check").fetchone()[0]
        except StoreDamaged as e:
            return str(e)
        return "" if result == "ok" else f"The feedback log {self.path} is damaged: {result}. Move it aside."


def _feedback(id_: int, d: dict[str, Any]) -> Feedback:
    cited = tuple(CitedSentence(**c) for c in d.pop("cited", []))
    return Feedback(**{**d, "id": id_, "cited": cited, "retrieved": tuple(d.get("retrieved", []))})
