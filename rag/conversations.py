"""Conversations that last: each one kept in ``conversations.sqlite3`` in the data directory,
as its questions and answers (the answers' JSON, so a reopened answer's sources still open),
under its owner: a signed-in user (``NEWSRAG_AUTH``) or, without a login, one browser.
Every read and change names the owner, and another owner's conversation is not found."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vectorstore.errors import InputError, NotFound

from .answer import Answer
from .sqlite_file import SqliteFile, utc_now

SCHEMA = """CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, created TEXT NOT NULL,
    updated TEXT NOT NULL, turns TEXT NOT NULL)"""
TITLE_CHARS = 80  # a new conversation's title: its first question, cut here
MAX_TITLE = 200


@dataclass(frozen=True)
class Turn:
    """A question answered: the answer, the filters it was asked with (since, until, source), and
    the user's rating of it (its id in the feedback log, "up" or "down") once rated."""

    answer: Answer
    filters: dict[str, str] = field(default_factory=dict)
    rated: int = 0
    rating: str = ""


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    created: str  # UTC, ISO 8601
    updated: str
    turns: tuple[Turn, ...] = ()  # empty in a listing


def first_title(turns: Sequence[Turn]) -> str:
    q = " ".join(turns[0].answer.question.split()) if turns else ""
    return (q[: TITLE_CHARS - 1] + "…" if len(q) > TITLE_CHARS else q) or "Untitled"


class ConversationLog:
    def __init__(self, path: Path, clock: Callable[[], str] = utc_now) -> None:
        self.file, self.clock = SqliteFile(path, SCHEMA, "conversation store"), clock

    def save(self, owner: str, id_: str, turns: Sequence[Turn]) -> Conversation:
        """Keep ``turns`` as conversation ``id_`` (a new one when ``id_`` is empty or not this owner's)."""
        now, body = self.clock(), json.dumps([_turn_dict(t) for t in turns])
        with self.file.db() as con:
            row = con.execute("SELECT title, created FROM conversations WHERE id = ? AND owner = ?",
                              (id_, owner)).fetchone() if id_ else None  # fmt: skip
            if row is None:
                id_, title, created = uuid.uuid4().hex, first_title(turns), now
                con.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?, ?)",
                            (id_, owner, title, created, now, body))  # fmt: skip
            else:
                title, created = row
                con.execute("UPDATE conversations SET updated = ?, turns = ? WHERE id = ?", (now, body, id_))
        return Conversation(id_, title, created, now, tuple(turns))

    def list(self, owner: str) -> list[Conversation]:
        """The owner's conversations, the last one used first (without their turns)."""
        if not self.file.path.exists():
            return []
        with self.file.db() as con:
            rows = con.execute("SELECT id, title, created, updated FROM conversations WHERE owner = ? "
                               "ORDER BY updated DESC, created DESC", (owner,)).fetchall()  # fmt: skip
        return [Conversation(*r) for r in rows]

    def get(self, owner: str, id_: str) -> Conversation:
        with self.file.db() as con:
            row = con.execute("SELECT id, title, created, updated, turns FROM conversations WHERE id = ? "
                              "AND owner = ?", (id_, owner)).fetchone()  # fmt: skip
        if row is None:
            raise NotFound("That conversation is not there (it was deleted, or it is another user's).")
        id_, title, created, updated, turns = row
        return Conversation(id_, title, created, updated, tuple(_turn(t) for t in json.loads(turns)))

    def rename(self, owner: str, id_: str, title: str) -> Conversation:
        title = " ".join((title or "").split())
        if not title or len(title) > MAX_TITLE:
            raise InputError(f"A conversation's name must be 1 to {MAX_TITLE} characters.")
        self.get(owner, id_)
        with self.file.db() as con:
            con.execute("UPDATE conversations SET title = ? WHERE id = ? AND owner = ?", (title, id_, owner))
        return self.get(owner, id_)

    def delete(self, owner: str, id_: str) -> Conversation:
        gone = self.get(owner, id_)
        with self.file.db() as con:
            con.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (id_, owner))
        return gone

    def check(self) -> str:
        return self.file.check()


def _turn_dict(t: Turn) -> dict[str, Any]:
    rated = {"rated": t.rated, "rating": t.rating} if t.rated else {}
    return {"answer": t.answer.to_dict(), "filters": t.filters, **rated}


def _turn(d: dict[str, Any]) -> Turn:
    rated = d.get("rated") if isinstance(d.get("rated"), int) else 0
    rating = d.get("rating") if d.get("rating") in ("up", "down") else ""
    return Turn(Answer.from_dict(d["answer"]), dict(d.get("filters") or {}), rated or 0, str(rating or ""))
