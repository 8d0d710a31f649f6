"""Conversations kept through the API: a question sent with ``conversation`` ("new", or the id an
earlier answer gave) is kept with the ones before it, and those are its history.  They belong
to the key's name (``key:NAME``; ``key:local`` when no key is used): never the UI's users' or
browsers', and the UI's never theirs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rag.answer import Answer
from rag.conversations import ConversationLog, Turn
from ui.transcript import conversation_json

NEW = "new"


def owner_of(caller: str) -> str:
    return f"key:{caller or 'local'}"


@dataclass
class ApiConversations:
    log: ConversationLog

    def earlier(self, caller: str, conversation: str) -> list[Turn]:
        """The turns kept so far ([] for a new one); NotFound for an id not this key's."""
        return [] if conversation == NEW else list(self.log.get(owner_of(caller), conversation).turns)

    @staticmethod
    def messages(turns: Sequence[Turn]) -> list[dict[str, Any]]:
        """The kept turns as the conversation a follow-up is read with."""
        return [m for t in turns for m in ({"role": "user", "content": t.answer.question},
                                           {"role": "assistant", "content": t.answer.text})]  # fmt: skip

    def keep(self, caller: str, conversation: str, turns: Sequence[Turn], answer: Answer,
             filters: dict[str, str]) -> str:  # fmt: skip
        """Keep ``answer`` after the conversation's turns (read again: another answer may have been
        kept since ``turns`` were); the conversation's id."""
        if conversation != NEW:
            turns = self.earlier(caller, conversation)
        kept = self.log.save(owner_of(caller), "" if conversation == NEW else conversation,
                             [*turns, Turn(answer, filters)])  # fmt: skip
        return kept.id

    def listing(self, caller: str) -> list[dict[str, Any]]:
        return [{"id": c.id, "title": c.title, "created": c.created, "updated": c.updated}
                for c in self.log.list(owner_of(caller))]  # fmt: skip

    def one(self, caller: str, conversation: str) -> dict[str, Any]:
        conv = self.log.get(owner_of(caller), conversation)
        return {"id": conv.id, **json.loads(conversation_json(conv))}

    def delete(self, caller: str, conversation: str) -> dict[str, Any]:
        gone = self.log.delete(owner_of(caller), conversation)
        return {"deleted": gone.id, "title": gone.title}
