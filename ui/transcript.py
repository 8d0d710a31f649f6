"""A kept conversation as a file to take away: clean Markdown (questions, answers with their
[n], each answer's sources with outlet, date, link and the cited sentence) or JSON (every
answer as ``/ask`` returns it).  Text, not the chat's markup: no HTML, no entities."""

from __future__ import annotations

import json
import re

from rag.conversations import Conversation

from .format import as_of_line, outlet_date, without_datelines


def conversation_markdown(conv: Conversation) -> str:
    lines = [f"# {conv.title}", "", f"Started {conv.created[:10]}, last used {conv.updated[:10]}.", ""]
    for i, turn in enumerate(conv.turns, 1):
        a = turn.answer
        lines += [f"## {i}. {a.question}", "", f"*{as_of_line(a)}*", "", without_datelines(a.text, a.short), ""]
        if a.citations:
            lines += ["Sources:", ""]
            for c in a.citations:
                link = f" <{c.url}>" if c.url else ""
                quoted = without_datelines(" ".join((c.sentence or c.passage).split()), a.short)
                lines += [f"[{c.n}] {c.title} — {outlet_date(c.source, c.published)}{link}", f"> {quoted}", ""]
        elif a.closest:
            lines += ["Closest articles:", ""]
            lines += [f"- {c.title} — {outlet_date(c.source, c.published)}" for c in a.closest] + [""]
    return "\n".join(lines).rstrip() + "\n"


def conversation_json(conv: Conversation) -> str:
    return json.dumps(
        {"title": conv.title, "created": conv.created, "updated": conv.updated,
         "turns": [{"question": t.answer.question, "filters": t.filters, "answer": t.answer.to_dict()}
                   for t in conv.turns]},
        indent=2, ensure_ascii=False,
    )  # fmt: skip


def file_stem(conv: Conversation) -> str:
    """A file name for the conversation: its title's words, at most 60 characters."""
    words = re.sub(r"[^\w]+", "-", conv.title.lower()).strip("-")[:60].strip("-")
    return f"conversation-{words or conv.id[:8]}"
