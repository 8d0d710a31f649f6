"""A small SQLite file in the data directory (the feedback log, the conversations): a
connection per call, so any thread may use it; each call one transaction, so a crash keeps
a change whole or not at all; a damaged file says to move it aside, never a traceback.  Messages
name the file, not its path: they reach every browser the server answers."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from vectorstore.errors import StoreDamaged


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class SqliteFile:
    def __init__(self, path: Path, schema: str, what: str) -> None:
        self.path, self.schema, self.what = path, schema, what

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with closing(sqlite3.connect(self.path, timeout=30)) as con, con:
                con.execute(self.schema)
                yield con
        except sqlite3.DatabaseError as e:
            raise StoreDamaged(
                f"The {self.what} {self.path.name} in newsrag's data folder cannot be read ({e}). Move it aside "
                "to start a new one; the articles are not affected."
            ) from e

    def check(self) -> str:
        """What is wrong with the file ("" when nothing is, or when there is no file yet)."""
        if not self.path.exists():
            return ""
        try:
            with self.db() as con:
                result = con.execute("PRAGMA integrity_check").fetchone()[0]
        except StoreDamaged as e:
            return str(e)
        return (
            ""
            if result == "ok"
            else f"The {self.what} {self.path.name} in newsrag's data folder is damaged: {result}. Move it aside."
        )
