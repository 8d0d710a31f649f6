"""What the web UI does with kept conversations, as plain methods (tested directly in
tests/test_conversations.py): whose they are, keeping one after each answer, the list,
reopening one with its sources still clickable, renaming, deleting, exporting."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import secrets
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, Protocol

from rag.conversations import Conversation, ConversationLog
from vectorstore.errors import InputError

from ..format import answer_markdown, md_escape
from ..transcript import conversation_json, conversation_markdown, file_stem
from .api import user_of
from .conversation import Asked

BROWSER_ID = re.compile(r"[0-9a-f]{32}")
SECRET_FILE = "browser-secret"  # in the data folder: the key of each browser's stored id
log = logging.getLogger(__name__)


def browser_secret(data_dir: Path) -> str:
    """The key that encrypts each browser's id in its local storage, made once and kept in the data
    folder (readable by this user only): with a new key at each start, as Gradio makes by default,
    a restart could read no browser's id and every conversation kept without a login was lost."""
    path = data_dir / SECRET_FILE
    try:
        kept = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        kept = ""
    except (OSError, UnicodeDecodeError) as e:
        log.warning("the browser key %s cannot be read (%s): making a new one", SECRET_FILE, e)
        kept = ""
    if len(kept) >= 32:
        return kept
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=f".{SECRET_FILE}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32))
        if kept or path.exists():  # damaged or empty: replaced whole
            os.replace(tmp, path)
        else:
            with contextlib.suppress(FileExistsError):  # a second server starting at once keeps the first's
                os.link(tmp, path)  # made whole or not at all
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


class Keeper(Protocol):
    """What kept conversations ask of the service."""

    @property
    def conversations(self) -> ConversationLog: ...


def browser_id(current: Any) -> str:
    """This browser's id, kept in its local storage: the one it has, or a new one."""
    return current if isinstance(current, str) and BROWSER_ID.fullmatch(current) else uuid.uuid4().hex


def owner_of(request: Any, browser: Any) -> str:
    """Whose conversations these are: the signed-in user's (NEWSRAG_AUTH), else this browser's."""
    user = user_of(request)
    if user:
        return f"user:{user}"
    if not (isinstance(browser, str) and BROWSER_ID.fullmatch(browser)):
        raise InputError("This browser has no id yet: reload the page.")
    return f"browser:{browser}"


def chat_turns(conv: Conversation) -> tuple[list[dict[str, Any]], dict[int, Asked]]:
    """A kept conversation as the chat shows it, and its answers by their place (for [n] links)."""
    messages: list[dict[str, Any]] = []
    asked: dict[int, Asked] = {}
    for turn in conv.turns:
        messages.append({"role": "user", "content": md_escape(turn.answer.question)})
        key = len(messages)
        messages.append({"role": "assistant", "content": answer_markdown(turn.answer, key)})
        asked[key] = turn
    return messages, asked


def asked_with(asked: dict[int, Asked] | None) -> tuple[str, str, str, str]:
    """The fields beside the question box for a conversation: what its last question was asked with
    (as of the day it chose, else today's; since, until, outlet); today's and none for a new one."""
    today = dt.date.today().isoformat()  # a server may run for days: today when the page asks
    if not asked:
        return today, "", "", ""
    last = asked[max(asked)]
    as_of = last.answer.as_of if last.answer.as_of_given and last.answer.as_of else today
    return as_of, last.filters.get("since", ""), last.filters.get("until", ""), last.filters.get("source", "")


class KeptActions:
    def __init__(self, service: Keeper, export_dir: Path | None = None) -> None:
        self.service = service
        if export_dir is None:  # this server's own folder (mode 0700), removed when the process ends
            self._exports = tempfile.TemporaryDirectory(prefix="newsrag-export-", ignore_cleanup_errors=True)
            export_dir = Path(self._exports.name)
        self.export_dir = export_dir

    @property
    def log(self) -> ConversationLog:
        return self.service.conversations

    def keep(self, asked: dict[int, Asked] | None, conv_id: str, owner: str) -> str:
        """Keep the conversation after an answer or a rating; returns its id (a new one for a new
        conversation)."""
        turns = [a for _, a in sorted((asked or {}).items())]
        return self.log.save(owner, conv_id, turns).id if turns else conv_id

    def choices(self, owner: str) -> list[tuple[str, str]]:
        """The owner's conversations for the list: ("title · day", id), the last used first.  Alike
        ones (the same first question the same day) are told apart by the time they were last used,
        then by a number."""
        listed = self.log.list(owner)
        labels = [f"{c.title} · {c.updated[:10]}" for c in listed]
        labels = [f"{c.title} · {c.updated[:16].replace('T', ' ')}" if labels.count(label) > 1 else label
                  for c, label in zip(listed, labels, strict=True)]  # fmt: skip
        alike = {label for label in labels if labels.count(label) > 1}
        seen: dict[str, int] = {}
        for i, label in enumerate(labels):
            if label in alike:
                seen[label] = seen.get(label, 0) + 1
                labels[i] = f"{label} ({seen[label]})"
        return list(zip(labels, (c.id for c in listed), strict=True))

    def open(self, owner: str, conv_id: str) -> tuple[list[dict[str, Any]], dict[int, Asked]]:
        return chat_turns(self.log.get(owner, conv_id))

    def latest(self, owner: str) -> str:
        """The conversation a reload reopens: the one used last ("" when there is none)."""
        listed = self.log.list(owner)
        return listed[0].id if listed else ""

    def title(self, owner: str, conv_id: str) -> str:
        return self.log.get(owner, conv_id).title if conv_id else ""

    def rename(self, owner: str, conv_id: str, title: str) -> str:
        if not conv_id:
            raise InputError("Ask a question first: a conversation is kept from its first answer.")
        return self.log.rename(owner, conv_id, title).title

    def delete(self, owner: str, conv_id: str) -> str:
        if not conv_id:
            raise InputError("Open a conversation first.")
        title = self.log.delete(owner, conv_id).title
        shutil.rmtree(self.export_dir / conv_id, ignore_errors=True)  # and its downloads
        return title

    def export_file(self, owner: str, conv_id: str, kind: str) -> Path:
        """The conversation as a Markdown (``kind`` "md") or JSON file to download, written now
        (readable by this user only, in a folder of this server's removed when it stops)."""
        if not conv_id:
            raise InputError("Ask a question first: a conversation can be exported from its first answer.")
        conv = self.log.get(owner, conv_id)
        folder = self.export_dir / conv.id  # one folder a conversation, written over as it grows
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)
        for old in folder.glob(f"*.{kind}"):  # under its former name too (renamed since)
            old.unlink(missing_ok=True)
        path = folder / f"{file_stem(conv)}.{kind}"
        text = conversation_markdown(conv) if kind == "md" else conversation_json(conv)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # Gradio's copy keeps the mode
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def export(self, owner: str, conv_id: str) -> tuple[Path, Path] | None:
        """Both files (None before the first answer)."""
        if not conv_id:
            return None
        return self.export_file(owner, conv_id, "md"), self.export_file(owner, conv_id, "json")
