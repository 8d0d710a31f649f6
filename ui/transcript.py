"""A kept conversation as a file to take away: clean Markdown (questions, answers with their
[n], each answer's sources with outlet, date, link and the cited sentence) or JSON (every
answer as ``/ask`` returns it).  Text, not the chat's markup: no HTML, no entities.  What
articles and users wrote is backslash-escaped, so a Markdown viewer shows it as typed: an
image, a link, a raw HTML tag or a bare URL in a title or a passage makes no request, no link
and runs nothing; the one link is each source's own address."""

from __future__ import annotations

import json
import re

from rag.conversations import Conversation

from .format import as_of_line, outlet_date, without_datelines

# CommonMark lets a backslash escape any ASCII punctuation; these are the ones that start markup
# (emphasis, links, images, code, HTML, entities, tables, strikethrough, math).
_MARKUP = re.compile(r"""[\\`*_{}\[\]()<>!&|~$#]""")
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|javascript|data|file|www)([:.])")  # GFM's bare links
_LINE_START = re.compile(r"(?m)^(\s*)([-+=>]|\d+[.)])")  # lists, quotes, setext headings


def md_text(text: str) -> str:
    """``text`` (an article's or a user's) for a Markdown file: shown as typed, acting as nothing."""
    text = _MARKUP.sub(lambda m: "\\" + m.group(0), text)
    text = _AUTOLINK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)


def md_line(text: str) -> str:
    """One line of it (white space folded)."""
    return md_text(" ".join(text.split()))


_SAFE_URL = re.compile(r"https?://[^\s<>\\`]+")


def md_link(url: str | None) -> str:
    """A source's own address as a link (`` <url>``), when it is a plain web address."""
    if not url:
        return ""
    return f" <{url}>" if _SAFE_URL.fullmatch(url) else f" ({md_line(url)})"


def md_answer(text: str, short: str | None) -> str:
    """An answer's text escaped, the short answer it leads with still in bold (that markup is ours)."""
    lead = f"**{short}**"
    if short and text.startswith(lead):
        return f"**{md_text(short)}**{md_text(text[len(lead) :])}"
    return md_text(text)


def conversation_markdown(conv: Conversation) -> str:
    lines = [f"# {md_line(conv.title)}", "", f"Started {conv.created[:10]}, last used {conv.updated[:10]}.", ""]
    for i, turn in enumerate(conv.turns, 1):
        a = turn.answer
        answer = md_answer(without_datelines(a.text, a.short), a.short)
        lines += [f"## {i}. {md_line(a.question)}", "", f"*{as_of_line(a)}*", "", answer, ""]
        if a.citations:
            lines += ["Sources:", ""]
            for c in a.citations:
                quoted = md_line(without_datelines(" ".join((c.sentence or c.passage).split()), a.short))
                source = md_line(f"{c.title} — {outlet_date(c.source, c.published)}")
                lines += [f"[{c.n}] {source}{md_link(c.url)}", f"> {quoted}", ""]
        elif a.closest:
            lines += ["Closest articles:", ""]
            lines += [f"- {md_line(f'{c.title} — {outlet_date(c.source, c.published)}')}" for c in a.closest] + [""]
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
