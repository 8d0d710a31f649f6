"""The feedback log: SQLite in the data directory (``feedback.sqlite3``).  Each rating is one
row written in one transaction, so a crash keeps it whole or not at all; a connection per
call, so any thread (Gradio's workers) may write."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from rag.sqlite_file import SqliteFile, utc_now
from vectorstore.errors import NotFound

from .record import CitedSentence, Feedback, check_rating

SCHEMA = """CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user TEXT NOT NULL, record TEXT NOT NULL)"""


class FeedbackLog:
    def __init__(self, path: Path, clock: Callable[[], str] = utc_now) -> None:
        self.path, self.clock = path, clock
        self.file = SqliteFile(path, SCHEMA, "feedback log")
        self._db = self.file.db

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
        return self.file.check()


def _feedback(id_: int, d: dict[str, Any]) -> Feedback:
    cited = tuple(CitedSentence(**c) for c in d.pop("cited", []))
    return Feedback(**{**d, "id": id_, "cited": cited, "retrieved": tuple(d.get("retrieved", []))})
